"""Who reads which village values (docs/report_forms.md).

- 区委农办 and 区委督查办 (burden office, supervisor): every indicator of every village.
- A town (its officials and head): every indicator of its own villages.
- A district department (its clerks and head): of every village, the indicators it is the
  data steward of, those its forms in force use, and its forms' own fields. Nothing else:
  a department asks the shared data, not the villages, and only for what it is entitled to.
- A village cadre reads and enters their own village's data on the village data page.
Everyone else reads nothing (the pages answer 404).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import FormStatus, IndicatorValue, OrgKind, OrgUnit, User
from workflows.kernel import access
from workflows.kernel.access import Actor
from workflows.kernel.errors import NotFoundError
from workflows.report_forms import indicators
from workflows.report_forms.registry import rows
from workflows.report_forms.values import form_key

READ_ALL = frozenset({access.BURDEN_OFFICE, access.SUPERVISOR})
DEPARTMENT_ROLES = frozenset({access.CLERK, access.UNIT_HEAD})
TOWN_ROLES = frozenset({access.TOWN_OFFICIAL, access.UNIT_HEAD, access.CLERK})


@dataclass(frozen=True)
class Reach:
    """What an actor may read: indicator keys (None: all) and villages (ids)."""

    keys: frozenset[str] | None
    villages: frozenset[int]

    def allows(self, key: str) -> bool:
        return self.keys is None or key in self.keys


def reach(session: Session, actor: Actor) -> Reach:
    """What the actor may read; NotFoundError when nothing."""
    if actor.is_system:
        raise NotFoundError("no such page")
    units = {uid: session.get(OrgUnit, uid) for _r, uid, _p in actor.roles}
    villages = {v.id: v for v in session.scalars(
        select(OrgUnit).where(OrgUnit.kind == OrgKind.VILLAGE))}
    if actor.role_names() & READ_ALL:
        return Reach(None, frozenset(villages))
    keys: set[str] = set()
    seen: set[int] = set()
    town_paths = [u.path for r, uid, _p in actor.roles
                  if r in TOWN_ROLES and (u := units.get(uid)) is not None
                  and u.kind == OrgKind.TOWN]
    if town_paths:
        seen |= {v.id for v in villages.values()
                 if any(v.path.startswith(p) for p in town_paths)}
    departments = [u for r, uid, _p in actor.roles
                   if r in DEPARTMENT_ROLES and (u := units.get(uid)) is not None
                   and u.kind == OrgKind.DEPARTMENT]
    for dept in departments:
        keys |= {i.code for i in indicators.INDICATORS if i.steward == dept.code}
        for form in rows(session, status=FormStatus.IN_FORCE, owner_unit_id=dept.id):
            for f in form.fields:
                keys.add(str(f["indicator"]) if f.get("indicator")
                         else form_key(form.form.id, str(f["key"])))
    if departments:
        seen |= set(villages)
        if town_paths:  # a town's own villages stay whole
            return Reach(None, frozenset(seen))
        return Reach(frozenset(keys), frozenset(seen))
    if town_paths:
        return Reach(None, frozenset(seen))
    raise NotFoundError("no such page")


@dataclass(frozen=True)
class ValueRow:
    village_id: int
    village: str
    indicator: str
    name: str
    unit: str
    period: str
    value: str
    entered_by: str
    entered_at: datetime


def read(session: Session, actor: Actor, period: str = "") -> list[ValueRow]:
    """The values the actor may read (of one period, or all), by village and indicator."""
    allowed = reach(session, actor)
    names = dict(session.execute(select(OrgUnit.id, OrgUnit.name)).all())
    people = dict(session.execute(select(User.id, User.display_name)).all())
    query = select(IndicatorValue).where(IndicatorValue.village_id.in_(sorted(allowed.villages)))
    if period:
        query = query.where(IndicatorValue.period == period)
    labels = _labels(session)
    out = []
    for v in session.scalars(query):
        if not allowed.allows(v.indicator):
            continue
        name, unit = labels.get(v.indicator, (v.indicator, ""))
        out.append(ValueRow(v.village_id, names.get(v.village_id, ""), v.indicator, name, unit,
                            v.period, v.value, people.get(v.entered_by or 0, ""),
                            v.entered_at))
    out.sort(key=lambda r: (r.village, r.period, r.indicator))
    return out


def _labels(session: Session) -> dict[str, tuple[str, str]]:
    """Name and unit of every indicator and every form's own field."""
    out = {i.code: (i.name, i.unit) for i in indicators.INDICATORS}
    for form in rows(session):
        for f in form.fields:
            if not f.get("indicator"):
                out[form_key(form.form.id, str(f["key"]))] = (
                    f"{form.version.name} · {f['name']}", str(f.get("unit") or ""))
    return out
