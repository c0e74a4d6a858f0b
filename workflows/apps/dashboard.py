"""The apps aspect of supervision (issue 13, item 7; measure 9): per village, the registered
apps and work groups it is demanded to use and the check-ins a week they demand; per owner
department or town, its apps and groups in force, the villages they reach and the check-ins a
week they demand of all villages together; and the requests by outcome.

Computed from the events (`workflows.kernel.event_fold`), never from the registry tables:
the published requests are replayed in the order they were published, with the projection's
rules (a merge hands the merged one's villages to the one kept; a retirement frees its
villages). tests/integration/test_app_dashboard.py recomputes every figure from the
registry the projection wrote, and by hand for the demo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from workflows.apps.forms import PROCESS
from workflows.kernel.event_fold import FoldedCase, fold_all

GROUP_KINDS = frozenset({"wechat_group", "dingtalk_group"})
OUTCOMES = ("requested", "published", "rejected", "pending")


@dataclass
class Registered:
    kind: str
    owner: int
    checkins: int
    villages: set[int]


@dataclass
class Figures:
    apps: int = 0
    groups: int = 0
    checkins_per_week: int = 0
    villages: int = 0  # for an owner: the villages its apps and groups reach
    app_ids: list[int] = field(default_factory=list)


@dataclass
class AppsAspect:
    as_of: datetime
    per_village: dict[int, Figures] = field(default_factory=dict)
    per_owner: dict[int, Figures] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))

    def total(self) -> Figures:
        """All apps and groups in force; check-ins a week summed over every village."""
        out = Figures()
        for f in self.per_owner.values():
            out.apps += f.apps
            out.groups += f.groups
            out.checkins_per_week += f.checkins_per_week
            out.app_ids += f.app_ids
        out.villages = sum(1 for f in self.per_village.values() if f.apps or f.groups)
        return out


def _publish(registry: dict[int, Registered], case: FoldedCase) -> None:
    data: dict[str, Any] = case.data
    kind = data.get("app_change")
    if kind == "new":
        registry[case.case_id] = Registered(
            str(data.get("app_kind")), int(data["owner_unit_id"]),
            int(data.get("checkins_per_week") or 0),
            {int(v) for v in data.get("village_ids") or []})
        return
    gone = registry.pop(int(data["app_id"]), None)
    if kind == "merge" and gone is not None:
        kept = registry.get(int(data["merge_into_id"]))
        if kept is not None:
            kept.villages |= gone.villages


def registry_from_events(folded: dict[int, FoldedCase], as_of: datetime
                         ) -> dict[int, Registered]:
    """The apps and groups in force at `as_of`, by replaying the published requests."""
    published = [c for c in folded.values() if c.status == "published"]
    published.sort(key=lambda c: (c.first_time("published") or as_of, c.case_id))
    registry: dict[int, Registered] = {}
    for case in published:
        _publish(registry, case)
    return registry


def compute(session: Session, as_of: datetime) -> AppsAspect:
    board = AppsAspect(as_of)
    folded = fold_all(session, as_of=as_of, case_types=[PROCESS])
    for case in folded.values():
        board.requests["requested"] += 1
        outcome = case.status if case.status in ("published", "rejected") else "pending"
        board.requests[outcome] += 1
    for app_id, app in sorted(registry_from_events(folded, as_of).items()):
        owner = board.per_owner.setdefault(app.owner, Figures())
        is_group = app.kind in GROUP_KINDS
        owner.groups += is_group
        owner.apps += not is_group
        owner.checkins_per_week += app.checkins * len(app.villages)
        owner.app_ids.append(app_id)
        for village in app.villages:
            here = board.per_village.setdefault(village, Figures())
            here.groups += is_group
            here.apps += not is_group
            here.checkins_per_week += app.checkins
            here.app_ids.append(app_id)
    for owner in board.per_owner.values():
        owner.villages = len({v for v, f in board.per_village.items()
                              if set(f.app_ids) & set(owner.app_ids)})
    return board
