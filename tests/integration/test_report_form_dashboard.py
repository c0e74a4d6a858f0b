"""The forms aspect of supervision (issue 13, item 7), recomputed by hand from the demo's
known forms and values, as of several moments, and checked against the registry's own
figures (the events and the projections must tell the same story)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import OrgKind, OrgUnit, User
from workflows import features
from workflows.demo import loader
from workflows.kernel import access, cases
from workflows.report_forms import burden, dashboard, values

BPMN = Path(__file__).resolve().parents[2] / "bpmn"
NOW = datetime(2026, 12, 8, 3, tzinfo=UTC)


def _actor(s: Session, username: str) -> access.Actor:
    uid = s.scalar(select(User.id).where(User.username == username))
    assert uid is not None
    return access.load_actor(s, uid)


def test_the_forms_aspect_recomputed_by_hand(sessions: sessionmaker[Session]) -> None:
    features.install()
    with sessions() as s:
        loader.load(s, BPMN, now=NOW)
        villages = list(s.scalars(select(OrgUnit).where(OrgUnit.kind == OrgKind.VILLAGE)))
        v1 = next(v for v in villages if v.code == "dgz-v1")
        mz = s.scalar(select(OrgUnit.id).where(OrgUnit.code == "qmzj"))

        board = dashboard.compute(s, datetime(2026, 12, 8, 4, tzinfo=UTC))
        # Two monthly forms in force for every village (5 + 4 fields, due on the 25th), one
        # read from shared data only; published on 19 November.
        assert board.months == ["2026-11", "2026-12"]
        assert board.per_department == {mz: (3, 1)}
        for v in villages:
            for month in board.months:
                cell = board.cells[(v.id, month)]
                assert cell.demanded == 9
                # The demo cadre entered 户籍人口, 户数, 60岁以上 (yearly: both months) and
                # 低保人数 for December: 户籍人口 is in both forms.
                expected = {"2026-11": 4, "2026-12": 5}[month] if v.id == v1.id else 0
                assert cell.shared == expected, (v.code, month)
                assert burden.form_minutes(s, v.id, [month])[month][0] == cell.demanded
        assert (board.total().demanded, board.total().shared) == (len(villages) * 18, 9)
        # A department's own figures: its forms' fields summed over the villages.
        assert {m: (c.demanded, c.shared) for (u, m), c in board.department_cells.items()
                if u == mz} == {m: (board.total(m).demanded, board.total(m).shared)
                                for m in board.months}
        assert board.total("2026-12").share == round(5 / (len(villages) * 9), 4)

        # November's 低保人数, entered later: the figure as of before it stays as it was.
        values.record(s, _actor(s, "dg_cadre"), v1.id,
                      [values.Entry("LOW_INCOME_POP", "2026-11", "36")],
                      now=datetime(2026, 12, 8, 5, tzinfo=UTC))
        assert dashboard.compute(s, datetime(2026, 12, 8, 6, tzinfo=UTC)).cells[
            (v1.id, "2026-11")].shared == 5
        assert dashboard.compute(s, datetime(2026, 12, 8, 4, 30, tzinfo=UTC)).cells[
            (v1.id, "2026-11")].shared == 4

        # Retiring 养老服务月报 (4 fields) on 9 December takes it out of December only.
        form_id = next(r.form.id for r in burden.village.forms_of(s, v1)
                       if r.version.name == "养老服务月报")
        at = datetime(2026, 12, 9, 2, tzinfo=UTC)
        res = cases.start_case(s, _actor(s, "mz_clerk"), "report_form_approval",
                               {"title": "废止养老服务月报", "change_kind": "retire",
                                "form_id": form_id}, now=at)
        for who, fields in (("mz_clerk", {"change_note": "已并入一套表"}),
                            ("mz_head", {"head_decision": "approve"}),
                            ("nb_staff", {"review_decision": "approve"})):
            _, state = cases.get_case(s, _actor(s, "mz_clerk"), res.case_id)
            task = next(t for t in state.tasks.values() if t.state == "open")
            data = dict(state.data.get("current") or {}) if who == "mz_clerk" else {}
            cases.complete_task(s, _actor(s, who), res.case_id, task.task_uuid,
                                {**data, **fields}, now=at)
        later = dashboard.compute(s, datetime(2026, 12, 10, tzinfo=UTC))
        assert later.cells[(v1.id, "2026-11")].demanded == 9
        assert later.cells[(v1.id, "2026-12")].demanded == 5
        assert later.per_department == {mz: (2, 1)}
        assert burden.form_minutes(s, v1.id, ["2026-12"])["2026-12"][0] == 5
