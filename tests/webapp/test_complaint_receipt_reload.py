"""Reloading the receipt page shows the same receipt again (issue 18, item 6): the re-posted
form opens the code again in the same browser for 30 minutes, is never filed twice, and a
re-post from another browser learns nothing (409). The receipt's tracking button carries the
code in its form, so the complaint opens at once."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from models import Case
from tests.webapp.conftest import RECEIPT_CODE, Public


def _cases(public: Public) -> int:
    with public.app.extensions["jianfu.db"].sessions() as db:
        return int(db.scalar(select(func.count()).select_from(Case)) or 0)


def _post(public: Public, fields: dict[str, Any]) -> Any:
    return public.post_multipart("/report", fields)


def test_a_reloaded_receipt_shows_the_same_code(public: Public) -> None:
    fields = {**public.filing(), "csrf_token": public.token(),
              "submission": "reload-test-token-0001"}
    first = _post(public, fields)
    assert first.status_code == 200
    code = RECEIPT_CODE.search(first.get_data(as_text=True))
    assert code
    count = _cases(public)
    again = _post(public, fields)  # the browser's reload re-posts the same form
    assert again.status_code == 200
    page = again.get_data(as_text=True)
    shown = RECEIPT_CODE.search(page)
    assert shown and shown.group(1) == code.group(1)
    assert 'id="receipt-again"' in page
    assert _cases(public) == count  # filed once
    # Another browser posting the same form learns nothing and files nothing.
    other = Public(public.app.test_client(), public.app)
    refused = _post(other, {**fields, "csrf_token": other.token()})
    assert refused.status_code == 409 and not RECEIPT_CODE.search(refused.get_data(as_text=True))
    assert _cases(public) == count


def test_the_tracking_button_carries_the_code(public: Public) -> None:
    response = public.file()
    page = response.get_data(as_text=True)
    code = RECEIPT_CODE.search(page)
    assert code
    form = page.split('id="track-now"', 1)[1].split("</form>", 1)[0]
    digits = code.group(1).replace(" ", "")
    assert f'name="code" value="{digits}"' in form
    assert "/report/track" in page.split('id="track-now"', 1)[0].rsplit("<form", 1)[1]
    fields = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', form))
    status = public.client.post("/report/track", data=fields)
    assert status.status_code == 200 and "/report/track/reply" in status.get_data(as_text=True)
    assert digits not in (status.headers.get("Location") or "")
