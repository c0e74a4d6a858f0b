"""The assessment item catalog through the service layer (issue 5): the review reminder,
the catalog recomputed from the events, browsing and filters, exports, the yearly net change
and the demo's proposals."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from models import Case, Notification
from tests.integration.item_world import PROCESS, T0, actor, catalog_rows, draft, driver, item_named
from tests.integration.item_world import template as template  # fixture
from tests.integration.item_world import world as world  # fixture
from workflows.catalog import browse as catalog
from workflows.kernel import cases, worker
from workflows.kernel.ids import ItemTask

# ------------------------------------------------------------------ time, projection, reads


def test_a_review_waiting_five_working_days_sends_a_reminder(
    world: Session, sessions: sessionmaker[Session]
) -> None:
    drive = driver(world, T0)
    case_id = drive.to_review("mz_clerk", "mz_head", draft())
    reviewed_at = drive.t
    world.commit()

    def reminders() -> list[dict[str, Any]]:
        with sessions() as session:
            _, state = cases.get_case(session, actor(session, "nb_staff"), case_id)
            return list(state.data["reminders"])

    worker.run_once(sessions, clock=lambda: reviewed_at + timedelta(days=3))
    assert reminders() == []  # Monday + 3 days: 3 working days
    worker.run_once(sessions, clock=lambda: reviewed_at + timedelta(days=8))

    with sessions() as session:
        _, state = cases.get_case(session, actor(session, "nb_staff"), case_id)
        [reminder] = state.data["reminders"]
        assert reminder["stage"] == "review" and reminder["to"] == "burden_office"
        assert state.status == "review"
        assert [t.task_id for t in state.tasks.values() if t.state == "open"] == ["review_item"]


def test_the_catalog_is_recomputed_from_the_events(world: Session) -> None:
    drive = driver(world)
    row = item_named(world, "农村低保规范管理检查")
    change = drive.propose("mz_clerk", "低保检查改版", "change", row.item_id)
    _, state = cases.get_case(world, actor(world, "mz_clerk"), change)
    fields = {k: state.data[k] for k in ("name", "target", "content", "criteria", "method",
                                         "frequency", "period", "legal_basis")}
    drive.do("mz_clerk", change, ItemTask.DRAFT_ITEM,
             {**fields, "weight": 2, "effective_date": "2027-01-01", "change_note": "降分"})
    drive.do("mz_head", change, ItemTask.SIGN_OFF, {"head_decision": "approve"})
    drive.to_joint(change)
    drive.publish(change)
    before = catalog_rows(world)
    assert len(before) == 5 + 6  # five items, six versions

    assert catalog.rebuild(world) == 6
    assert catalog_rows(world) == before
    notices = world.scalar(select(func.count()).select_from(Notification).where(
        Notification.kind == "catalog_published"))
    catalog.rebuild(world)
    assert world.scalar(select(func.count()).select_from(Notification).where(
        Notification.kind == "catalog_published")) == notices  # nobody is told twice


def test_browse_search_and_filters(world: Session) -> None:
    everything = catalog.browse(world)
    assert [r.code for r in everything] == sorted(r.code for r in everything)
    assert len(everything) == 5
    assert [r.name for r in catalog.browse(world, catalog.Filters(q="低保"))] == [
        "农村低保规范管理检查"]
    assert [r.name for r in catalog.browse(world, catalog.Filters(q="公开 台账"))] == [
        "村务公开民主管理考评"]
    mz = item_named(world, "村务公开民主管理考评").owner_unit_id
    assert {r.owner for r in catalog.browse(world, catalog.Filters(owner_unit_id=mz))} == {
        "区民政局"}
    villages = catalog.browse(world, catalog.Filters(target="villages"))
    assert {r.target for r in villages} == {"villages", "both"}
    assert {r.target for r in catalog.browse(world, catalog.Filters(target="both"))} == {"both"}
    assert {r.method for r in catalog.browse(world, catalog.Filters(method="on_site"))} == {
        "on_site"}
    assert catalog.browse(world, catalog.Filters(status="retired")) == []
    # LIKE wildcards are searched for literally.
    assert [r.name for r in catalog.browse(world, catalog.Filters(q="%"))] == [
        "农村低保规范管理检查"]
    assert catalog.browse(world, catalog.Filters(q="_")) == []


def test_exports_open_and_hold_every_row(world: Session) -> None:
    rows = catalog.browse(world)
    headers = {c: c.upper() for c in catalog.EXPORT_COLUMNS}
    text = catalog.export_csv(rows, headers).decode("utf-8")
    assert text.startswith("\ufeff")
    parsed = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert parsed[0] == [h.upper() for h in catalog.EXPORT_COLUMNS]
    assert sorted(r[1] for r in parsed[1:]) == sorted(r.name for r in rows)

    book = load_workbook(io.BytesIO(catalog.export_xlsx(rows, headers)), read_only=True)
    sheet = book.active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == [h.upper() for h in catalog.EXPORT_COLUMNS]
    assert len(values) == len(rows) + 1
    assert {v[1] for v in values[1:]} == {r.name for r in rows}


def test_formula_like_text_is_exported_as_text() -> None:
    row = catalog.CatalogRow(1, "KH-2026-001", 1, 1, "区民政局", "active", date(2026, 1, 1),
                             None, "=HYPERLINK(\"x\")", "villages", "c", "c", "on_site",
                             "yearly", "q1", 1, "b")
    text = catalog.export_csv([row], {}).decode("utf-8")
    assert "'=HYPERLINK" in text


def test_yearly_net_change_per_department(world: Session) -> None:
    net = {(n.owner, n.year): (n.added, n.retired, n.net) for n in catalog.net_change(world)}
    assert net == {("区农业农村委", 2026): (2, 0, 2), ("区民政局", 2026): (2, 0, 2),
                   ("区统计局", 2026): (1, 0, 1)}


def test_the_demo_proposals_wait_where_they_should(world: Session) -> None:
    states = {c.title: c.status for c in world.scalars(
        select(Case).where(Case.case_type == PROCESS))}
    assert states["村庄清洁行动考核评比（演示）"] == "review"
    assert states["农村互助养老点运行评估（演示）"] == "joint_sign_off"
    assert states["统计报表质量抽查（演示）"] == "returned"
    assert list(states.values()).count("published") == 5
