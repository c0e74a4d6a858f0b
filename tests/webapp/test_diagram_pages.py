"""The process diagram on the case and task pages: the demo cases at several stages, a case
driven one step further through the form, and the page's CSP rules (no inline styles)."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from lxml import etree
from sqlalchemy import select

from models import Case

SVG = "{http://www.w3.org/2000/svg}"
SVG_BLOCK = re.compile(r"<svg .*?</svg>", re.S)


def diagram(html: str) -> Any:
    blocks = SVG_BLOCK.findall(html)
    assert len(blocks) == 1, "one diagram per page"
    return etree.fromstring(blocks[0].encode())


def marked(svg: Any, state: str) -> set[str]:
    return {g.get("data-element-id") for g in svg.iter(f"{SVG}g")
            if g.get("data-element-id") and f"is-{state}" in g.get("class", "").split()}


def taken(svg: Any) -> set[str]:
    return {p.get("data-flow-id") for p in svg.iter(f"{SVG}path")
            if p.get("data-flow-id") and "is-taken" in p.get("class", "").split()}


# Version 2 of the report form approval: the head's approval passes the "all fields already
# held?" gateway before the burden office's review.
REVIEW_PATH = {"start", "draft_form", "sign_off", "sign_off_decision", "held_gateway"}
REVIEW_FLOWS = {"flow_start_draft", "flow_draft_sign", "flow_sign_gateway",
                "flow_head_approved", "flow_needs_review"}


def test_case_page_marks_the_path_and_the_open_task(web: Any, client: FlaskClient) -> None:
    web.login("nb_staff")
    case_id = web.case_id(web.REVIEW_CASE)
    html = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert '<details class="card diagram">' in html and "<summary>流程图</summary>" in html
    svg = diagram(html)
    assert svg.get("aria-label") == "流程图：新增报表审批。当前待办：区委农办审核"
    assert marked(svg, "current") == {"review_form"}
    assert marked(svg, "visited") == REVIEW_PATH
    assert taken(svg) == REVIEW_FLOWS
    assert not svg.xpath("//*[@style]")  # the CSP forbids inline styles
    lanes = [t.text for t in svg.iter(f"{SVG}text") if "bpmn-lane-label" in t.get("class", "")]
    assert "区委农办" in lanes  # role codes shown by their labels

    english = client.get(f"/cases/{case_id}?lang=en").get_data(as_text=True)
    assert "<summary>Process diagram</summary>" in english
    assert diagram(english).get("aria-label", "").startswith("Process diagram: ")


def test_the_path_follows_a_decision_made_on_the_task_page(web: Any,
                                                          client: FlaskClient) -> None:
    web.login("nb_staff")
    case_id = web.case_id(web.REVIEW_CASE)
    page = f"/cases/{case_id}/tasks/{web.open_task(case_id)}"
    form = client.get(page).get_data(as_text=True)
    assert marked(diagram(form), "current") == {"review_form"}  # the task page shows it too
    response = web.post_form(page, page, {"review_decision": "approve"})
    assert response.status_code == 302
    svg = diagram(client.get(f"/cases/{case_id}").get_data(as_text=True))
    assert marked(svg, "current") == set()
    assert marked(svg, "visited") == REVIEW_PATH | {
        "review_form", "review_decision_gateway", "publish_form", "published_end"}
    assert taken(svg) == REVIEW_FLOWS | {"flow_review_gateway", "flow_review_approved",
                                         "flow_publish_end"}


def test_returned_and_rejected_demo_cases(web: Any, client: FlaskClient) -> None:
    web.login("mz_clerk")
    returned = diagram(client.get(f"/cases/{web.case_id('重复的人口信息表（演示）')}")
                       .get_data(as_text=True))
    assert marked(returned, "current") == {"draft_form"}
    assert "flow_head_returned" in taken(returned)
    assert "review_form" not in marked(returned, "visited")
    rejected = diagram(client.get(f"/cases/{web.case_id('村级活动照片留痕表（演示）')}")
                       .get_data(as_text=True))
    assert {"record_rejection", "rejected_end"} <= marked(rejected, "visited")
    assert not {"publish_form", "published_end"} & marked(rejected, "visited")


def test_complaints_at_several_stages(web: Any, client: FlaskClient) -> None:
    cases = web.db.execute(select(Case.id, Case.status).where(
        Case.case_type == "burden_complaint")).all()
    web.db.rollback()
    web.login("nb_staff")
    current = {}
    for case_id, status in cases:
        svg = diagram(client.get(f"/cases/{case_id}").get_data(as_text=True))
        current[status] = marked(svg, "current")
        if status == "return_visit":
            assert {"intake", "correction", "verification", "verification_gateway",
                    "start_return_visit"} <= marked(svg, "visited")
            assert "flow_verification_passed" in taken(svg)
            assert "flow_verification_returned" not in taken(svg)
    assert current == {"intake": {"intake"}, "correction": {"correction"},
                       "verification": {"verification"}, "return_visit": {"return_visit"}}


def test_time_travel_and_an_undrawable_version(web: Any, client: FlaskClient,
                                               monkeypatch: Any) -> None:
    from webapp.cases import diagram_svg
    from workflows.kernel.diagram import DiagramError

    case_id = web.case_id("社会救助月报（演示）")  # published after four events
    case = web.db.get(Case, case_id)
    steps = [diagram_svg.case_diagram(web.db, case, upto_seq=seq) for seq in (1, 2, 3, 4)]
    web.db.rollback()
    svgs = [etree.fromstring(str(s).encode()) for s in steps]
    assert [marked(s, "current") for s in svgs] == [
        {"draft_form"}, {"sign_off"}, {"review_form"}, set()]
    assert "published_end" in marked(svgs[3], "visited")
    assert "published_end" not in marked(svgs[2], "visited")

    def broken(_defn: Any) -> Any:
        raise DiagramError("no DI")

    monkeypatch.setattr(diagram_svg, "_diagram", broken)
    web.login("nb_staff")
    html = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "<svg" not in html and "无法显示流程图。" in html
