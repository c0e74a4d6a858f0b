"""Changes and retirements of published assessment items (issue 5) through the service
layer: version two with its field diffs, the end of an item and the referenceable rule, one
open proposal per item."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from models import ItemStatus
from tests.integration.item_world import actor, driver, item_named
from tests.integration.item_world import template as template  # fixture
from tests.integration.item_world import world as world  # fixture
from workflows.catalog import browse as catalog
from workflows.catalog import duplicates as item_duplicates
from workflows.kernel import cases
from workflows.kernel.errors import ValidationFailedError
from workflows.kernel.ids import ItemTask

# ------------------------------------------------------------------ changes and retirement


def test_a_change_publishes_version_two_with_the_field_diffs(world: Session) -> None:
    drive = driver(world)
    row = item_named(world, "农村低保规范管理检查")
    case_id = drive.propose("mz_clerk", "低保检查改为半年一次", "change", row.item_id)
    _, state = cases.get_case(world, actor(world, "mz_clerk"), case_id)
    assert state.data["name"] == row.name and state.data["base_version"] == 1  # prefilled
    fields = {k: state.data[k] for k in ("name", "target", "content", "criteria", "method",
                                         "frequency", "period", "weight", "legal_basis")}
    with pytest.raises(ValidationFailedError) as err:
        drive.do("mz_clerk", case_id, ItemTask.DRAFT_ITEM,
                 {**fields, "effective_date": "2027-01-01", "change_note": "无变化"})
    assert "name" in err.value.fields
    drive.do("mz_clerk", case_id, ItemTask.DRAFT_ITEM,
             {**fields, "frequency": "half_yearly", "weight": 3,
              "effective_date": "2027-01-01", "change_note": "减少检查频次，降低分值"})
    drive.do("mz_head", case_id, ItemTask.SIGN_OFF, {"head_decision": "approve"})
    check = cases.get_case(world, actor(world, "nb_staff"), case_id)[1].data["duplicate_check"]
    assert row.item_id not in [m["item_id"] for m in check["matches"]]  # not its own twin
    drive.to_joint(case_id)
    drive.publish(case_id)

    after = catalog.get_row(world, row.item_id)
    assert after.version == 2 and after.frequency == "half_yearly" and after.weight == 3
    v1, v2 = catalog.history(world, row.item_id)
    assert v2.change_kind == "change" and v2.change_note == "减少检查频次，降低分值"
    assert {(c.field, c.old, c.new) for c in v2.changes} == {
        ("frequency", "yearly", "half_yearly"), ("weight", 4, 3),
        ("effective_date", v1.effective_date.isoformat(), "2027-01-01")}
    assert v2.steps[0].actor == "民政局经办人（演示）"
    assert v2.case_id == case_id != v1.case_id


def test_a_retirement_ends_the_item_and_the_referenceable_rule(world: Session) -> None:
    drive = driver(world)
    row = item_named(world, "秸秆禁烧与综合利用检查")
    assert catalog.referenceable(world, row.item_id, date(2026, 12, 1))
    case_id = drive.propose("qnyw_clerk", "取消秸秆禁烧检查", "retire", row.item_id)
    _, state = cases.get_case(world, actor(world, "qnyw_clerk"), case_id)
    keep = {k: state.data[k] for k in ("name", "target", "content", "criteria", "method",
                                       "frequency", "period", "weight", "legal_basis")}
    drive.do("qnyw_clerk", case_id, ItemTask.DRAFT_ITEM,
             {**keep, "effective_date": "2027-01-01", "change_note": "并入人居环境整治考核"})
    drive.do("qnyw_head", case_id, ItemTask.SIGN_OFF, {"head_decision": "approve"})
    drive.to_joint(case_id)
    drive.publish(case_id)

    after = catalog.get_row(world, row.item_id)
    assert after.status == ItemStatus.RETIRED and after.retired_on == date(2027, 1, 1)
    assert catalog.referenceable(world, row.item_id, date(2026, 12, 31))
    assert not catalog.referenceable(world, row.item_id, date(2027, 1, 1))
    assert not catalog.referenceable(world, row.item_id, date(2027, 6, 1))
    assert not catalog.referenceable(world, row.item_id, date(2025, 12, 31))  # not yet
    assert not catalog.referenceable(world, 999_999, date(2026, 12, 1))
    assert [v.change_kind for v in catalog.history(world, row.item_id)] == ["new", "retire"]
    # A retired item is no duplicate candidate any more, and cannot be changed again.
    assert row.item_id not in [e.item_id for e in item_duplicates.active_entries(world)]
    with pytest.raises(ValidationFailedError):
        drive.propose("qnyw_clerk", "再改", "change", row.item_id)
    net = {(n.owner, n.year): (n.added, n.retired, n.net) for n in catalog.net_change(world)}
    assert net[("区农业农村委", 2027)] == (0, 1, -1)


def test_an_item_with_an_open_proposal_takes_no_second_one(world: Session) -> None:
    drive = driver(world)
    row = item_named(world, "村务公开民主管理考评")
    first = drive.propose("mz_clerk", "改一", "change", row.item_id)

    with pytest.raises(ValidationFailedError) as err:
        drive.propose("mz_clerk2", "改二", "change", row.item_id)
    assert str(first) in err.value.fields["item_id"][0]
