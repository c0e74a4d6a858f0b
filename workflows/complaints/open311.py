"""Open311 channels (partner systems such as the 12345 hotline) and what a channel may read
back: only the complaints it filed itself, never a name or a phone number.

A channel is authenticated by a random API key; only the key's SHA-256 hex is stored. On
anonymous complaints every time a channel reads is cut to the local day (00:00 +08:00), so a
time of day cannot be matched against a call log.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import ApiChannel, Case, CaseEvent, HumanTask, OrgUnit, utcnow
from workflows.kernel.calendar import CHINA_TZ
from workflows.kernel.errors import NotFoundError, ValidationFailedError
from workflows.kernel.ids import ComplaintTask, ProcessId
from workflows.kernel.state import COMMENT_ADDED, TASK_COMPLETED

PROCESS = ProcessId.BURDEN_COMPLAINT
PREFIX = "open311:"
COMPLAINANT = "complainant"
CLOSED = frozenset({"closed", "rejected", "merged"})
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
MAX_KEY = 200
MAX_RESULTS = 1000
WINDOW = timedelta(days=90)
PLACES = ("responsible_unit_id", "town_id", "village_id")
MERGED_NOTE = "本投诉已与同一问题的其他投诉合并办理。"


@dataclass(frozen=True)
class ChannelInfo:
    id: int
    name: str
    active: bool
    created_at: datetime


@dataclass(frozen=True)
class ChannelRequest:
    """One complaint as its channel sees it. Times are UTC; on anonymous complaints they
    are local midnight of the day."""

    case_id: int
    category: str
    description: str
    address: str | None  # town and village names
    closed: bool
    status_notes: str | None
    agency: str | None
    requested_at: datetime
    updated_at: datetime
    expected_at: datetime | None
    anonymous: bool


@dataclass(frozen=True)
class RequestQuery:
    """GeoReport `GET requests` filters. `ids` overrides all others (as in the spec)."""

    ids: tuple[int, ...] = ()
    categories: frozenset[str] = frozenset()
    start: datetime | None = None
    end: datetime | None = None
    statuses: frozenset[str] = frozenset()  # "open", "closed"; empty = both


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def add_channel(session: Session, name: str) -> str:
    """Create a channel; return its API key (shown once, only its hash is kept).

    :raise ValidationFailedError: bad or taken name
    """
    if not NAME.fullmatch(name):
        raise ValidationFailedError(
            {"name": ["1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit"]}
        )
    if session.scalar(select(ApiChannel.id).where(ApiChannel.name == name)) is not None:
        raise ValidationFailedError({"name": ["a channel with this name exists"]})
    key = secrets.token_urlsafe(32)
    session.add(ApiChannel(name=name, key_hash=key_hash(key), active=True, created_at=utcnow()))
    try:
        session.commit()
    except IntegrityError as err:
        session.rollback()
        raise ValidationFailedError({"name": ["a channel with this name exists"]}) from err
    return key


def list_channels(session: Session) -> list[ChannelInfo]:
    rows = session.execute(
        select(ApiChannel.id, ApiChannel.name, ApiChannel.active, ApiChannel.created_at)
        .order_by(ApiChannel.name)
    )
    return [ChannelInfo(*row) for row in rows]


def channel_for_key(session: Session, key: str) -> str | None:
    """The `channel` value ("open311:NAME") of an active channel's key, or None. Every
    active channel is compared in constant time, without an early exit."""
    if not key or len(key) > MAX_KEY:
        return None
    digest = key_hash(key)
    found = None
    for name, stored in session.execute(
        select(ApiChannel.name, ApiChannel.key_hash).where(ApiChannel.active.is_(True))
    ):
        if hmac.compare_digest(stored.encode(), digest.encode()):
            found = name
    session.rollback()
    return PREFIX + found if found is not None else None


def _day(moment: datetime) -> datetime:
    local = moment.astimezone(CHINA_TZ)
    return datetime.combine(local.date(), time(0), CHINA_TZ)


def _candidates(
    session: Session, channel: str, query: RequestQuery
) -> list[tuple[int, dict[str, Any], datetime, datetime]]:
    """The channel's cases that may match, newest first: Case.data is canonical JSON (sorted
    keys, no spaces), so a LIKE narrows the scan and the parsed value decides."""
    needle = f'"channel":{json.dumps(channel, ensure_ascii=False)}'
    stmt = select(Case.id, Case.data, Case.created_at, Case.updated_at).where(
        Case.case_type == PROCESS, Case.data.contains(needle, autoescape=True)
    )
    if query.ids:
        stmt = stmt.where(Case.id.in_(query.ids))
    else:
        start, end = window(query)
        # A day of slack either side: anonymous cases are matched on their day.
        stmt = stmt.where(Case.created_at >= start - timedelta(days=1),
                          Case.created_at <= end + timedelta(days=1))
    rows = session.execute(stmt.order_by(Case.created_at.desc(), Case.id.desc()))
    found = []
    for case_id, raw, created, updated in rows:
        data = json.loads(raw)
        if isinstance(data, dict) and data.get("channel") == channel:
            found.append((case_id, data, created, updated))
    return found


def window(query: RequestQuery) -> tuple[datetime, datetime]:
    """The requested_datetime range: 90 days back from the end (default now), or 90 days
    on from a start given alone."""
    if query.start is not None and query.end is None:
        return query.start, query.start + WINDOW
    end = query.end or utcnow()
    return query.start or end - WINDOW, end


def _notes(session: Session, cases: dict[int, dict[str, Any]]) -> dict[int, str]:
    """The latest thing the complainant can read on each case: a public office reply, the
    reject reason or (when verification passed) the actions taken, as `complaint_tracking.track`."""
    notes: dict[int, str] = {}
    rows = session.execute(
        select(CaseEvent.case_id, CaseEvent.type, CaseEvent.actor_role, CaseEvent.task_id,
               CaseEvent.inputs)
        .where(CaseEvent.case_id.in_(list(cases)),
               CaseEvent.type.in_((COMMENT_ADDED, TASK_COMPLETED)))
        .order_by(CaseEvent.case_id, CaseEvent.seq)
    )
    for case_id, kind, role, task_id, inputs in rows:
        inputs = inputs or {}
        data = inputs.get("data") or {}
        text: object = None
        if kind == COMMENT_ADDED and inputs.get("public") and role != COMPLAINANT:
            text = inputs.get("text")
        elif kind == TASK_COMPLETED and task_id == ComplaintTask.INTAKE:
            text = data.get("reject_reason")
        elif (kind == TASK_COMPLETED and task_id == ComplaintTask.VERIFICATION
              and data.get("verification_decision") == "pass"):
            text = cases[case_id].get("actions_taken")
        if text:
            notes[case_id] = str(text)
    return notes


def _open_tasks(
    session: Session, case_ids: Sequence[int]
) -> dict[int, tuple[int | None, datetime | None]]:
    """Per case: the unit of the open staff task and the earliest due time."""
    found: dict[int, tuple[int | None, datetime | None]] = {}
    rows = session.execute(
        select(HumanTask.case_id, HumanTask.scope_org_unit_id, HumanTask.due_at)
        .where(HumanTask.case_id.in_(case_ids), HumanTask.state == "open",
               HumanTask.role != COMPLAINANT)
        .order_by(HumanTask.case_id, HumanTask.id)
    )
    for case_id, unit_id, due in rows:
        unit, earliest = found.get(case_id, (None, None))
        if due is not None and (earliest is None or due < earliest):
            earliest = due
        found[case_id] = (unit or unit_id, earliest)
    return found


def _as_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _status(data: dict[str, Any]) -> str:
    return "closed" if data.get("case_status") in CLOSED else "open"


def _coarse(moment: datetime, anonymous: bool) -> datetime:
    return _day(moment) if anonymous else moment


def requests_for(session: Session, channel: str, query: RequestQuery) -> list[ChannelRequest]:
    """The channel's complaints matching `query`, newest first, at most 1,000."""
    start, end = window(query)
    chosen = []
    for case_id, data, created, updated in _candidates(session, channel, query):
        anonymous = bool(data.get("anonymous", True))
        if not query.ids:
            if query.categories and data.get("category") not in query.categories:
                continue
            if query.statuses and _status(data) not in query.statuses:
                continue
            if not start <= _coarse(created, anonymous) <= end:
                continue
        chosen.append((case_id, data, created, updated, anonymous))
        if len(chosen) >= MAX_RESULTS:
            break
    ids = [c[0] for c in chosen]
    tasks = _open_tasks(session, ids) if ids else {}
    notes = _notes(session, {c[0]: c[1] for c in chosen}) if ids else {}
    unit_ids = {u for u, _due in tasks.values() if u is not None}
    for c in chosen:
        unit_ids |= {u for k in PLACES if (u := _as_int(c[1].get(k)))}
    names: dict[int, str] = {}
    if unit_ids:
        rows = session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(unit_ids)))
        names = {uid: name for uid, name in rows}
    session.rollback()
    picked = []
    for case_id, data, created, updated, anonymous in chosen:
        closed = _status(data) == "closed"
        unit, due = tasks.get(case_id, (None, None))
        if unit is None and closed:
            unit = _as_int(data.get("responsible_unit_id"))
        note = notes.get(case_id)
        if note is None and data.get("case_status") == "merged":
            note = MERGED_NOTE
        picked.append(ChannelRequest(
            case_id=case_id,
            category=str(data.get("category", "")),
            description=str(data.get("description", "")),
            address=" ".join(n for k in ("town_id", "village_id")
                             if (n := names.get(_as_int(data.get(k)) or 0)))
            or (str(data["reported_location"]) if data.get("reported_location") else None),
            closed=closed,
            status_notes=note,
            agency=names.get(unit) if unit is not None else None,
            requested_at=_coarse(created, anonymous),
            updated_at=_coarse(updated, anonymous),
            expected_at=_coarse(due, anonymous) if due is not None and not closed else None,
            anonymous=anonymous,
        ))
    return picked


def request_for(session: Session, channel: str, case_id: int) -> ChannelRequest:
    """One complaint of the channel; another channel's complaint is not found.

    :raise NotFoundError: no complaint of this channel has this id
    """
    found = requests_for(session, channel, RequestQuery(ids=(case_id,)))
    if not found:
        raise NotFoundError("no such service request")
    return found[0]
