"""The report form registry, the one form and collect-once (issue 13, items 1-4), through the
real commands on the demo world: the registry written by the approval and rebuilt from the
events; the pre-fill; who reads which values; the burden figures other features use."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import Case, CaseEvent, IndicatorValue, OrgUnit, ReportForm, User
from workflows.kernel import access, cases
from workflows.kernel.errors import NotFoundError, ValidationFailedError
from workflows.report_forms import burden, entitlement, registry, values, village
from workflows.report_forms.demo import draft

PROCESS = "report_form_approval"


def actor(s: Session, username: str) -> access.Actor:
    uid = s.scalar(select(User.id).where(User.username == username))
    assert uid is not None
    return access.load_actor(s, uid)


def step(s: Session, username: str, case_id: int, fields: dict[str, object],
         at: datetime) -> None:
    who = actor(s, username)
    _, state = cases.get_case(s, who, case_id)
    task = next(t for t in state.tasks.values() if t.state == "open")
    cases.complete_task(s, who, case_id, task.task_uuid, fields, now=at)


def propose(s: Session, lines: list[str], at: datetime, *, name: str = "测试报表",
            kind: str = "new", form_id: int | None = None, note: str = "") -> int:
    res = cases.start_case(s, actor(s, "mz_clerk"), PROCESS,
                           {"title": name, "change_kind": kind, "form_id": form_id}, now=at)
    fields = {**draft(name, lines), **({"change_note": note} if note else {})}
    step(s, "mz_clerk", res.case_id, fields, at)
    step(s, "mz_head", res.case_id, {"head_decision": "approve"}, at)
    return res.case_id


def village_unit(s: Session, code: str = "dgz-v1") -> OrgUnit:
    unit = s.scalar(select(OrgUnit).where(OrgUnit.code == code))
    assert unit is not None
    return unit


AT = datetime(2026, 12, 9, 2, tzinfo=UTC)


def test_the_demo_registry_and_values_are_rebuilt_from_the_events_exactly(
        demo_world: sessionmaker[Session]) -> None:
    with demo_world() as s:
        live_forms, live_values = registry.snapshot(s), values.snapshot(s)
        assert len([r for r in live_forms if isinstance(r[1], str)
                    and r[1].startswith("BB-")]) == 3
        assert live_values
        assert registry.rebuild(s) == 3
        assert values.rebuild(s) == 1
        assert registry.snapshot(s) == live_forms
        assert values.snapshot(s) == live_values


def test_propose_check_publish_change_retire_and_rebuild(
        demo_world: sessionmaker[Session]) -> None:
    with demo_world() as s:
        case_id = propose(s, ["户籍人口（人）= POP_REG", "低保户数（户）= 新", "道路里程（公里）"],
                          AT)
        data = cases.get_case(s, actor(s, "mz_clerk"), case_id)[1].data
        check = data["field_check"]
        assert [f["held_as"] for f in check["fields"]] == [None, "LOW_INCOME_HH", None]
        assert (check["mapped"], check["total"], check["reusable"]) == (1, 3, 1)
        assert data["all_fields_held"] is False
        assert burden.fields_already_held(data) == (2, 3)
        # Approving a field the one form already holds needs a reason.
        with pytest.raises(ValidationFailedError) as err:
            step(s, "nb_staff", case_id, {"review_decision": "approve"}, AT)
        assert "held_reason" in err.value.fields
        step(s, "nb_staff", case_id, {"review_decision": "approve",
                                      "held_reason": "需要按户口径单独核对"}, AT)
        form = s.get(ReportForm, case_id)
        assert form is not None and form.status == "in_force" and form.collection == "villages"
        # A change, then a retirement: each a new version through the same process.
        change = propose(s, ["户籍人口（人）= POP_REG"], AT, kind="change", form_id=case_id,
                         note="只保留一套表字段")
        assert cases.get_case(s, actor(s, "mz_clerk"), change)[1].status == "all_held"
        s.refresh(form)
        assert (form.current_version, form.collection) == (2, "shared")
        retire = propose(s, ["户籍人口（人）= POP_REG"], AT, kind="retire", form_id=case_id,
                         note="已由共享数据满足")
        step(s, "nb_staff", retire, {"review_decision": "approve"}, AT)
        s.refresh(form)
        assert (form.current_version, form.status) == (3, "retired")
        assert [v.change_kind for v in registry.versions(s, case_id)] == [
            "new", "change", "retire"]
        live = registry.snapshot(s)
        registry.rebuild(s)
        assert registry.snapshot(s) == live


def test_a_proposal_whose_fields_are_all_held_needs_no_new_collection(
        demo_world: sessionmaker[Session]) -> None:
    with demo_world() as s:
        case_id = propose(s, ["户籍人口（人）= POP_REG", "党员人数（人）= PARTY_MEMBERS"], AT)
        case = s.get(Case, case_id)
        assert case is not None and case.status == "all_held"
        assert not any(t.task_id == "review_form" for t in cases.get_case(
            s, actor(s, "mz_clerk"), case_id)[1].tasks.values())
        form = s.get(ReportForm, case_id)
        assert form is not None and form.collection == "shared"
        assert not village.applies(registry.row(s, case_id), village_unit(s))


def test_a_value_entered_once_fills_two_forms_and_a_change_fills_the_next_period_only(
        demo_world: sessionmaker[Session]) -> None:
    with demo_world() as s:
        cadre, unit = actor(s, "dg_cadre"), village_unit(s, "dgz-v2")
        # dg_cadre is a cadre of dgz-v1 only.
        with pytest.raises(NotFoundError):
            values.record(s, cadre, unit.id, [values.Entry("POP_REG", "2026", "10")])
        unit = village_unit(s)
        forms = [r for r in village.forms_of(s, unit)
                 if any(f.get("indicator") == "POP_REG" for f in r.fields)]
        assert len(forms) == 2
        dec, jan = date(2026, 12, 1), date(2027, 1, 1)
        values.record(s, cadre, unit.id, [values.Entry("POP_REG", "2026", "1300")], now=AT)
        for form in forms:
            field = next(f for f in village.instance(s, form, unit, dec).fields
                         if f.key == "POP_REG")
            assert field.value == "1300"
        later = datetime(2027, 1, 5, 2, tzinfo=UTC)
        values.record(s, cadre, unit.id, [values.Entry("POP_REG", "2027", "1310")], now=later)
        for form in forms:
            assert next(f for f in village.instance(s, form, unit, dec).fields
                        if f.key == "POP_REG").value == "1300"
            assert next(f for f in village.instance(s, form, unit, jan).fields
                        if f.key == "POP_REG").value == "1310"
        # The entry is an event: who and when.
        ev = s.scalars(select(CaseEvent).where(CaseEvent.type == "data_recorded")
                       .order_by(CaseEvent.global_seq.desc())).first()
        assert ev is not None and ev.actor_id == cadre.user_id and ev.inputs["values"] == [
            {"indicator": "POP_REG", "period": "2027", "value": "1310"}]
        row = s.scalar(select(IndicatorValue).where(IndicatorValue.period == "2027"))
        assert row is not None and row.entered_by == cadre.user_id and row.seq == ev.seq


def test_values_outside_the_indicator_range_are_refused_by_field(
        demo_world: sessionmaker[Session]) -> None:
    with demo_world() as s:
        cadre, unit = actor(s, "dg_cadre"), village_unit(s)
        with pytest.raises(ValidationFailedError) as err:
            values.record(s, cadre, unit.id, [values.Entry("POP_REG", "2026", "-3"),
                                               values.Entry("HOUSEHOLDS", "2026", "1.5"),
                                               values.Entry("ARABLE_LAND", "2026", "abc")])
        assert err.value.fields == {"POP_REG": ["out of range"],
                                    "HOUSEHOLDS": ["whole number"],
                                    "ARABLE_LAND": ["not a number"]}


def test_the_form_calendar_counts_remaining_fields_and_minutes(
        demo_world: sessionmaker[Session]) -> None:
    with demo_world() as s:
        unit = village_unit(s)
        due = village.calendar(s, unit, date(2026, 12, 8))
        monthly = [i for i in due if i.form.version.frequency == "monthly"
                   and i.due == date(2026, 12, 25)]
        assert {i.form.version.name for i in monthly} == {"社会救助月报", "养老服务月报"}
        for inst in monthly:
            assert inst.minutes == inst.remaining * village.MINUTES_PER_FIELD
            assert inst.filled == sum(1 for f in inst.fields if f.value is not None)
        relief = next(i for i in monthly if i.form.version.name == "社会救助月报")
        # The demo cadre entered POP_REG, HOUSEHOLDS and LOW_INCOME_POP (of 5 fields).
        assert (relief.filled, relief.total) == (3, 5)
        month = burden.form_minutes(s, unit.id, ["2026-12"])["2026-12"]
        assert month == (sum(i.total for i in due if i.due.month == 12),
                         sum(i.remaining for i in due if i.due.month == 12),
                         sum(i.minutes for i in due if i.due.month == 12))


def test_a_department_reads_only_the_indicators_it_is_entitled_to(
        demo_world: sessionmaker[Session]) -> None:
    with demo_world() as s:
        read = {u: {r.indicator for r in entitlement.read(s, actor(s, u))}
                for u in ("mz_clerk", "tj_clerk", "qnyw_clerk", "nb_staff", "dg_official")}
        held = {"POP_REG", "HOUSEHOLDS", "LOW_INCOME_POP", "ELDERLY_60"}
        assert read["nb_staff"] == held and read["dg_official"] == held
        assert read["mz_clerk"] == held  # steward of 低保/老年人, and its forms use the rest
        assert read["tj_clerk"] == {"POP_REG", "HOUSEHOLDS"}  # 统计局 stewards population
        assert read["qnyw_clerk"] == set()  # nothing it stewards or uses is held yet
        for username in ("auditor", "admin", "office_qw", "dg_cadre"):
            with pytest.raises(NotFoundError):
                entitlement.read(s, actor(s, username))


def test_the_village_burden_ledger_counts_the_form_fields_and_minutes(
        demo_world: sessionmaker[Session]) -> None:
    from workflows.inspections import ledger

    with demo_world() as s:
        unit = village_unit(s)
        month = burden.current_month()
        shown, rows = ledger.village_ledger(s, actor(s, "dg_cadre"))
        assert [v.id for v in shown] == [unit.id]
        row = rows[(unit.id, month)]
        assert (row.form_fields, row.form_remaining, row.form_minutes) == burden.form_minutes(
            s, unit.id, [month])[month]
        assert row.form_fields == 9  # the two monthly forms: 5 + 4 fields
        assert row.form_minutes == row.form_remaining * village.MINUTES_PER_FIELD
        assert ledger.totals(rows)["form_minutes"] == sum(r.form_minutes for r in rows.values())
