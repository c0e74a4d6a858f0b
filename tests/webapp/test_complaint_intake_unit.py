"""受理审核 names the unit that corrects from a picker, never a typed number (issue 18, item
1): the units offered are the departments and towns where somebody holds the clerk role;
999, a village or a unit with nobody to act is refused on the field (422, never a 500, the
case still at intake); the form and the inbox's inline 受理 are pre-filled with what the
complainant chose."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from models import Case, OrgUnit
from tests.webapp.conftest import PUBLIC_CONFIG, Public
from tests.webapp.test_complaint_staff_pages import login, post
from webapp import create_app

OPTION = re.compile(r'<option value="(\d+)"( selected)?>([^<]+)</option>')


@pytest.fixture
def app(template_db: Any, tmp_path: Any) -> Iterator[Flask]:
    import shutil

    shutil.copy(template_db, tmp_path / "t.db")
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/t.db",
                      "SECRET_KEY": "test", **PUBLIC_CONFIG})
    yield app
    app.extensions["jianfu.db"].engine.dispose()


def _unit(app: Flask, code: str) -> int:
    with app.extensions["jianfu.db"].sessions() as db:
        unit_id = db.scalar(select(OrgUnit.id).where(OrgUnit.code == code))
    assert unit_id is not None
    return int(unit_id)


def _file(app: Flask, **fields: str) -> int:
    public = Public(app.test_client(), app)
    return public.case_id(public.file_ok(**fields))


def _intake(nb: FlaskClient, case_id: int) -> str:
    page = nb.get(f"/cases/{case_id}").get_data(as_text=True)
    match = re.search(rf'href="(/cases/{case_id}/tasks/[0-9a-f-]+)"', page)
    assert match, "no intake task link"
    return match.group(1)


def _status(app: Flask, case_id: int) -> str:
    with app.extensions["jianfu.db"].sessions() as db:
        case = db.get(Case, case_id)
        assert case is not None
        return case.status


def test_the_intake_form_offers_units_by_name_prefilled_from_the_filing(app: Flask) -> None:
    dgz = _unit(app, "dgz")
    case_id = _file(app, category="apps_and_checkins", responsible_unit_id=str(dgz))
    nb = login(app, "nb_staff")
    page = nb.get(_intake(nb, case_id)).get_data(as_text=True)
    assert 'type="number" id="f-responsible_unit_id"' not in page
    select_html = page.split('id="f-responsible_unit_id"', 1)[1].split("</select>", 1)[0]
    offered = {int(v): (bool(sel), name) for v, sel, name in OPTION.findall(select_html)}
    assert offered[dgz] == (True, "大观镇")  # the complainant's choice, pre-selected
    assert offered[_unit(app, "qmzj")][1] == "区民政局"
    # Only units where somebody holds the clerk role: no village, no 区委办公室 (approvers only).
    assert _unit(app, "qwbgs") not in offered and _unit(app, "dgz-v1") not in offered
    category = page.split('id="f-category"', 1)[1].split("</select>", 1)[0]
    assert 'value="apps_and_checkins" selected' in category


@pytest.mark.parametrize(("unit", "message"), [
    ("999", "请从列表中选择区级部门或乡镇"),
    ("village", "请从列表中选择区级部门或乡镇"),
    ("qwbgs", "该单位没有经办人"),
])
def test_a_unit_that_cannot_correct_is_refused_on_the_field(app: Flask, unit: str,
                                                            message: str) -> None:
    case_id = _file(app)
    value = {"999": "999", "village": str(_unit(app, "dgz-v1"))}.get(unit) or str(_unit(app, unit))
    nb = login(app, "nb_staff")
    task = _intake(nb, case_id)
    response = post(nb, task, task, {"intake_decision": "accept",
                                     "responsible_unit_id": value})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'data-field="responsible_unit_id"' in page and message in page
    assert _status(app, case_id) == "intake"  # not stuck: still at intake, still workable
    ok = post(nb, task, task, {"intake_decision": "accept",
                               "responsible_unit_id": str(_unit(app, "dgz"))})
    assert ok.status_code == 302 and _status(app, case_id) == "correction"


def test_the_inline_intake_in_the_inbox_carries_the_unit(app: Flask) -> None:
    dgz = _unit(app, "dgz")
    case_id = _file(app, category="apps_and_checkins", responsible_unit_id=str(dgz))
    nb = login(app, "nb_staff")
    inbox = nb.get("/inbox").get_data(as_text=True)
    task = _intake(nb, case_id)
    row = inbox.split(f'action="{task}"', 1)[1].split("</form>", 1)[0]
    assert f'<option value="{dgz}" selected>大观镇</option>' in row
    # What the browser posts from the row: the pre-chosen unit with the 受理 button.
    response = post(nb, "/inbox", task, {"next": "/inbox", "comment": "",
                                         "responsible_unit_id": str(dgz),
                                         "intake_decision": "accept"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert _status(app, case_id) == "correction"
    # A row without a unit chosen: 受理 says which field is missing, nothing else happens.
    other = _file(app)
    task = _intake(nb, other)
    response = post(nb, "/inbox", task, {"next": "/inbox", "responsible_unit_id": "",
                                         "intake_decision": "accept"})
    assert response.status_code == 422
    assert 'data-field="responsible_unit_id"' in response.get_data(as_text=True)
    assert _status(app, other) == "intake"
