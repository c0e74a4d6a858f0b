"""Open311 requests' location (issue 18, item 12): `lat`/`long` and `address_string` as the
GeoReport spec sends them, kept as given and placed on a town and village by the gazetteer
(`workflows.complaints.gazetteer`) when the request's attributes do not name them; what
cannot be placed is left to intake (docs/open311.md)."""

from __future__ import annotations

import math
from typing import Any

from flask import request
from flask_babel import gettext as _

from webapp.core.db import get_session
from workflows.complaints import gazetteer

MAX_ADDRESS = 200


class Open311Error(Exception):
    def __init__(self, status: int, param: str | None, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.errors = [(param, description)]


def _coordinate(param: str, bound: float) -> float | None:
    raw = request.form.get(param, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not -bound <= value <= bound:  # also NaN and infinities
        raise Open311Error(400, param, _("a decimal degree from %(low)s to %(high)s",
                                         low=-bound, high=bound))
    return value


def location(fields: dict[str, Any]) -> dict[str, Any]:
    """The spec's location: kept as given; placed on a town and village by the gazetteer
    when the attributes do not name them (docs/open311.md)."""
    lat, long = _coordinate("lat", 90.0), _coordinate("long", 180.0)
    if (lat is None) != (long is None):
        raise Open311Error(400, "long" if long is None else "lat",
                           _("lat and long go together"))
    address = " ".join(request.form.get("address_string", "").split())
    if len(address) > MAX_ADDRESS:
        raise Open311Error(400, "address_string", _("at most %(max)s characters",
                                                    max=MAX_ADDRESS))
    parts = [address] if address else []
    if lat is not None:
        parts.append(f"{lat:.6f},{long:.6f}")
    out: dict[str, Any] = {"reported_location": "；".join(parts) or None}
    if fields["town_id"] is None and fields["village_id"] is None and parts:
        found = gazetteer.resolve(get_session(), lat, long, address)
        if found is not None:
            out |= {"town_id": found.town_id, "village_id": found.village_id}
    return out


def placed(fields: dict[str, Any]) -> str:
    if fields.get("village_id") is not None:
        return ""
    if fields.get("town_id") is not None:
        return "已定位到乡镇（街道），所在村由区委农办受理时确定。"
    return "未能确定负担发生地，由区委农办受理时确定。"
