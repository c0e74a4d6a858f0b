"""Where a complaint sent with a GeoReport location arises (issue 18, item 12): a stock
Open311 client sends `lat`/`long` or `address_string`, not our town and village ids.

The gazetteer (`data/gazetteer.json`, `JIANFU_GAZETTEER` to use another file) lists towns and
villages by their org-unit code with a coordinate and an address. `resolve`:

- coordinates: the nearest village within `max_village_km` (great-circle distance), and its
  town; farther from every village, nothing;
- an address: the town whose name (or name without 镇/街道/乡) it contains, then the one village
  of that town whose name, less the town's name, it contains; a town alone when no village
  matches; nothing when no town or several match;
- unknown units (a code not in the org tree, or no longer active) are skipped.

What it cannot place is left to intake: the complaint is filed with the location as given.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import OrgKind, OrgUnit

DEFAULT_FILE = Path(__file__).with_name("data") / "gazetteer.json"
EARTH_KM = 6371.0
DEMO_MARK = re.compile(r"[（(]演示[)）]")
NOISE = re.compile(r"[\s,，。．.、;；:：/\\\-—]+")
TOWN_SUFFIXES = ("街道", "镇", "乡")


@dataclass(frozen=True)
class Place:
    code: str
    kind: str
    name: str
    address: str
    lat: float
    long: float


@dataclass(frozen=True)
class Found:
    """Where the location lies: a town and a village, or a town alone."""

    town_id: int
    village_id: int | None
    how: str  # "coordinates" or "address"


@lru_cache(maxsize=4)
def _load(path: str) -> tuple[float, tuple[Place, ...]]:
    doc: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    places = tuple(Place(str(p["code"]), str(p["kind"]), str(p["name"]), str(p["address"]),
                         float(p["lat"]), float(p["long"])) for p in doc["places"])
    return float(doc.get("max_village_km", 3.0)), places


def gazetteer(path: str | None = None) -> tuple[float, tuple[Place, ...]]:
    return _load(path or os.environ.get("JIANFU_GAZETTEER") or str(DEFAULT_FILE))


def km(lat1: float, long1: float, lat2: float, long2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(long2 - long1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(a))


def _units(session: Session) -> dict[str, OrgUnit]:
    kinds = (OrgKind.TOWN.value, OrgKind.VILLAGE.value)
    return {u.code: u for u in session.scalars(select(OrgUnit).where(OrgUnit.kind.in_(kinds)))
            if u.valid_to is None}


def _found(units: dict[str, OrgUnit], village: Place | None, town: Place | None,
           how: str) -> Found | None:
    if village is not None:
        unit = units.get(village.code)
        if unit is not None and unit.parent_id is not None:
            return Found(unit.parent_id, unit.id, how)
        return None
    unit = units.get(town.code) if town is not None else None
    return Found(unit.id, None, how) if unit is not None else None


def by_coordinates(session: Session, lat: float, long: float,
                   path: str | None = None) -> Found | None:
    limit, places = gazetteer(path)
    units = _units(session)
    villages = [p for p in places if p.kind == "village" and p.code in units]
    if not villages:
        return None
    distance, nearest = min((km(lat, long, p.lat, p.long), p) for p in villages)
    return _found(units, nearest, None, "coordinates") if distance <= limit else None


def _clean(text: str) -> str:
    return NOISE.sub("", DEMO_MARK.sub("", text))


def _short(town: str) -> str:
    for suffix in TOWN_SUFFIXES:
        if town.endswith(suffix) and len(town) > len(suffix) + 1:
            return town[: -len(suffix)]
    return town


def by_address(session: Session, address: str, path: str | None = None) -> Found | None:
    _limit, places = gazetteer(path)
    units = _units(session)
    text = _clean(address)
    towns = [p for p in places if p.kind == "town" and p.code in units
             and (p.name in text or _short(p.name) in text)]
    if len(towns) != 1:
        return None
    town = towns[0]
    rest = text.replace(town.name, "", 1) if town.name in text else text.replace(
        _short(town.name), "", 1)
    villages = [p for p in places if p.kind == "village" and p.code in units
                and units[p.code].parent_id == units[town.code].id
                and _clean(p.name).replace(town.name, "", 1) in rest]
    return _found(units, villages[0] if len(villages) == 1 else None, town, "address")


def resolve(session: Session, lat: float | None, long: float | None, address: str,
            path: str | None = None) -> Found | None:
    """The town and village of a GeoReport location: coordinates first, then the address."""
    if lat is not None and long is not None:
        found = by_coordinates(session, lat, long, path)
        if found is not None:
            return found
    return by_address(session, address, path) if address.strip() else None
