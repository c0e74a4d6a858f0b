"""The complainant erases their personal data early from the tracking page (issue 17): the
box must be ticked (422 naming it otherwise), then the sealed identity and originals are
gone, the page says so, and a second request finds nothing left."""

from __future__ import annotations

from typing import Any

from models import ComplaintIdentity
from tests.webapp.conftest import Public


def erase(public: Public, code: str, **fields: Any) -> Any:
    token = public.token("/report/track")
    return public.client.post("/report/track/erase",
                              data={"code": code, "csrf_token": token, **fields})


def test_erasure_needs_the_box_then_erases(public: Public) -> None:
    code = public.file_ok(anonymous="0", name="李四", phone="13700001111")
    case_id = public.case_id(code)
    page = public.track(code).get_data(as_text=True)
    assert "您的个人信息" in page and "删除我的个人信息" in page

    refused = erase(public, code)
    assert refused.status_code == 422
    assert "请勾选确认" in refused.get_data(as_text=True)
    assert ">confirm<" not in refused.get_data(as_text=True)  # the field by its label (确认)
    database = public.app.extensions["jianfu.db"]
    with database.sessions() as session:
        assert session.get(ComplaintIdentity, case_id) is not None

    done = erase(public, code, confirm="yes")
    assert done.status_code == 200
    assert "已删除" in done.get_data(as_text=True)
    with database.sessions() as session:
        assert session.get(ComplaintIdentity, case_id) is None

    again = erase(public, code, confirm="yes")
    assert "没有保存您的任何个人信息" in again.get_data(as_text=True)


def test_a_wrong_code_erases_nothing(public: Public) -> None:
    code = public.file_ok(anonymous="0", name="王五", phone="13700002222")
    answer = erase(public, "0000000000000000", confirm="yes")
    assert answer.status_code == 404
    database = public.app.extensions["jianfu.db"]
    with database.sessions() as session:
        assert session.get(ComplaintIdentity, public.case_id(code)) is not None
