"""Open311 GeoReport v2 at `/open311/v2` for partner systems (the 12345 hotline, 网格化平台):
JSON or XML by the `.json`/`.xml` suffix. No login session and no CSRF token: every request
about complaints carries the channel's `api_key` (`jianfu channel add NAME`; docs/open311.md).

Deviations from GeoReport v2 (docs/open311.md):
- `GET requests` and `GET requests/<id>` need `api_key` too (query parameter, or the
  `X-Api-Key` header), and a channel sees only the requests it filed: complaints are not
  public data. `services`, `services/<code>` and `discovery` need no key.
- Where the burden arises: `attribute[town_id]` and `attribute[village_id]` when the client
  knows them; else the spec's location (`lat`/`long` or `address_string`) is placed on a town
  and village by the gazetteer (`workflows.complaints.gazetteer`), and what it cannot place
  is left to intake. The location is kept as given (`reported_location`).
- `jurisdiction_id` is honoured: this server serves one jurisdiction (`OPEN311_JURISDICTION`,
  default "nanchuan"); another value is a 400 on that parameter.
- `POST requests` answers 201 with the extension field `receipt_code`: the complainant's
  16-digit code, which the operator reads out once. It is stored nowhere in the clear.
- On anonymous complaints every datetime is cut to the day (`T00:00:00+08:00`).
- `first_name`/`last_name`/`phone` are sealed apart from the case and never returned;
  `email`, `device_id`, `account_id`, `address_id` and `media_url` are accepted and dropped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, Flask, current_app, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from webapp.complaints import settings as complaint_settings
from webapp.complaints.open311_place import Open311Error, location, placed
from webapp.complaints.open311_render import errors as _errors
from webapp.complaints.open311_render import respond as _respond
from webapp.core import i18n, throttle
from webapp.core.db import get_session
from workflows.complaints import filing as complaints
from workflows.complaints import open311 as channels
from workflows.complaints.forms import CATEGORIES, CATEGORY_LABELS
from workflows.kernel.calendar import CHINA_TZ
from workflows.kernel.errors import CaseError, NotFoundError, ProcessError, ValidationFailedError

logger = logging.getLogger(__name__)

bp = Blueprint("open311", __name__, template_folder="templates", url_prefix="/open311/v2")
FMT = "<any(json, xml):fmt>"
GROUP = "减负投诉"
MAX_IDS = 200
ID = re.compile(r"[0-9]{1,18}")
ATTRIBUTES = ("town_id", "village_id", "responsible_unit_id", "anonymous")
# Service-layer field -> the GeoReport parameter a partner sent it in.
MIN_YEAR, MAX_YEAR = 1970, 2999  # dates outside are refused by their parameter
PARAMS = {
    "category": "service_code",
    "description": "description",
    "town_id": "attribute[town_id]",
    "village_id": "attribute[village_id]",
    "responsible_unit_id": "attribute[responsible_unit_id]",
    "anonymous": "attribute[anonymous]",
    "name": "last_name",
    "phone": "phone",
    "attachments": "media_url",
    "reported_location": "address_string",
}
DROPPED = ("email", "device_id", "account_id", "address_id", "media_url")
DEFAULT_JURISDICTION = "nanchuan"


def _ensure_settings(state: BlueprintSetupState) -> None:
    app = state.app
    if isinstance(app, Flask) and complaint_settings.EXTENSION not in app.extensions:
        complaint_settings.init_app(app)


bp.record_once(_ensure_settings)


# ---------------------------------------------------------------- rendering


@bp.errorhandler(Open311Error)
def _open311_error(err: Open311Error) -> Response:
    return _errors(err.status, err.errors)


@bp.errorhandler(CaseError)
def _case_error(err: CaseError) -> Response:
    if isinstance(err, ValidationFailedError):
        return _errors(400, [(PARAMS.get(f, f), i18n.message(m))
                             for f, ms in err.fields.items() for m in ms])
    if isinstance(err, NotFoundError):
        return _errors(404, [(None, _("No such service request."))])
    if isinstance(err, ProcessError):
        logger.error("process error in %s (line %s): %s", err.task_id, err.line_number, err)
        return _errors(500, [(None, _("Something went wrong on our side."))])
    return _errors(err.status, [(None, i18n.message(str(err)))])


@bp.errorhandler(HTTPException)
def _http_error(err: HTTPException) -> Response:
    status = err.code or 500
    return _errors(status, [(None, f"{status} {err.name}")])


@bp.errorhandler(500)
def _internal_error(err: Exception) -> Response:
    logger.error("unhandled error", exc_info=getattr(err, "original_exception", None) or err)
    return _errors(500, [(None, _("Something went wrong on our side."))])


def jurisdiction() -> str:
    return str(current_app.config.get("OPEN311_JURISDICTION") or DEFAULT_JURISDICTION)


@bp.before_request
def _jurisdiction() -> None:
    """GeoReport's `jurisdiction_id` names the city a multi-city endpoint serves: this one
    serves one district; the same id, or none, is accepted, any other refused."""
    given = request.values.get("jurisdiction_id", "").strip()
    if given and given != jurisdiction():
        raise Open311Error(400, "jurisdiction_id", _("this server serves only the "
                                                     "jurisdiction %(id)s", id=jurisdiction()))


@bp.after_request
def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"  # receipt codes, complaint texts
    return response


def _w3c(moment: datetime | None) -> str | None:
    return moment.astimezone(CHINA_TZ).isoformat(timespec="seconds") if moment else None


# ---------------------------------------------------------------- input


def _channel() -> str:
    key = request.headers.get("X-Api-Key") or request.values.get("api_key", "")
    channel = channels.channel_for_key(get_session(), key.strip())
    if channel is None:
        raise Open311Error(403, "api_key", _("missing, unknown or disabled API key"))
    return channel


def _int(param: str, *, required: bool) -> int | None:
    raw = request.form.get(param, "").strip()
    if not raw:
        if required:
            raise Open311Error(400, param, _("this attribute is required"))
        return None
    if not ID.fullmatch(raw):
        raise Open311Error(400, param, _("give a key from the service definition"))
    return int(raw)


def _list(param: str) -> list[str]:
    return [v.strip() for v in request.args.get(param, "").split(",") if v.strip()]


def _date(param: str) -> datetime | None:
    raw = request.args.get(param, "").strip()
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise Open311Error(400, param, _("not a W3C datetime such as "
                                         "2024-05-01T08:00:00+08:00")) from None
    if not MIN_YEAR <= moment.year <= MAX_YEAR:  # 0001 or 9999 overflow in time zones
        raise Open311Error(400, param, _("a year from %(first)s to %(last)s",
                                         first=MIN_YEAR, last=MAX_YEAR))
    return moment if moment.tzinfo else moment.replace(tzinfo=CHINA_TZ)


def _query() -> channels.RequestQuery:
    ids = _list("service_request_id")
    if len(ids) > MAX_IDS or not all(ID.fullmatch(i) for i in ids):
        raise Open311Error(400, "service_request_id",
                           _("up to %(n)s numeric ids separated by commas", n=MAX_IDS))
    codes = frozenset(_list("service_code"))
    if codes - set(CATEGORIES):
        raise Open311Error(400, "service_code", _("unknown service code; see services.json"))
    statuses = frozenset(_list("status"))
    if statuses - {"open", "closed"}:
        raise Open311Error(400, "status", _("open, closed or both separated by a comma"))
    start, end = _date("start_date"), _date("end_date")
    if start and end and start > end:
        raise Open311Error(400, "start_date", _("must not be after end_date"))
    if start and end and end - start > timedelta(days=90):
        raise Open311Error(400, "end_date", _("at most 90 days after start_date"))
    return channels.RequestQuery(tuple(int(i) for i in ids), codes, start, end, statuses)


# ---------------------------------------------------------------- services


def _service(code: str) -> dict[str, Any]:
    return {"service_code": code, "service_name": CATEGORY_LABELS[code],
            "description": f"{GROUP}：{CATEGORY_LABELS[code]}", "metadata": True,
            "type": "realtime", "keywords": f"{GROUP},{code}", "group": GROUP}


def _attribute(code: str, order: int, required: bool, description: str,
               values: Sequence[tuple[object, str]], hint: str = "") -> dict[str, Any]:
    return {"variable": True, "code": code, "datatype": "singlevaluelist",
            "required": required, "datatype_description": hint, "order": order,
            "description": description,
            "values": [{"key": str(k), "name": n} for k, n in values]}


@bp.get(f"/discovery.{FMT}")
def discovery(fmt: str) -> Response:
    """GeoReport service discovery: this endpoint, its formats and where keys come from."""
    changeset = "2026-12-08T00:00:00+08:00"
    endpoint = {"specification": "http://wiki.open311.org/GeoReport_v2",
                "url": url_for("open311.services", fmt="json", _external=True)
                .rsplit("/services.json", 1)[0],
                "changeset": changeset, "type": "production",
                "formats": ["application/json", "text/xml"]}
    return _respond(fmt, "discovery", {
        "changeset": changeset, "contact": "区委农办（南川区委农村工作领导小组办公室）",
        "key_service": "API keys are issued by the district burden office "
                       "(jianfu channel add NAME); see docs/open311.md",
        "jurisdiction_id": jurisdiction(), "endpoints": [endpoint]})


@bp.get(f"/services.{FMT}")
def services(fmt: str) -> Response:
    return _respond(fmt, "services", [_service(c) for c in CATEGORIES])


@bp.get(f"/services/<code>.{FMT}")
def service_definition(code: str, fmt: str) -> Response:
    if code not in CATEGORIES:
        raise Open311Error(404, "service_code", _("unknown service code; see services.json"))
    options = complaints.filing_options(get_session())
    villages = [(vid, f"{town}·{name}") for _t, town, vs in options.towns for vid, name in vs]
    units = options.departments + [(tid, town) for tid, town, _v in options.towns]
    attributes = [
        _attribute("town_id", 1, False, "负担发生地所在乡镇（街道）",
                   [(tid, town) for tid, town, _v in options.towns],
                   "不填时按 lat/long 或 address_string 定位；无法定位的由区委农办受理时确定"),
        _attribute("village_id", 2, False, "负担发生地所在村（社区）", villages,
                   "必须属于 town_id 所选的乡镇（街道）；不填时按位置定位"),
        _attribute("responsible_unit_id", 3, False, "布置该负担的部门或乡镇（不清楚可不填）",
                   units),
        _attribute("anonymous", 4, False, "是否匿名", [("true", "匿名：不记录姓名和电话"),
                   ("false", "实名：填写 last_name、first_name 和 phone，密封保存")],
                   "不填时：有姓名则实名，否则匿名"),
    ]
    return _respond(fmt, "service_definition", {"service_code": code, "attributes": attributes})


# ---------------------------------------------------------------- requests


def _fields(code: str) -> dict[str, Any]:
    form = request.form
    unknown = sorted(k for k in form if k.startswith("attribute[")
                     and k[len("attribute["):-1] not in ATTRIBUTES)
    if unknown:
        raise Open311Error(400, unknown[0], _("not an attribute of this service"))
    flag = form.get("attribute[anonymous]", "").strip().lower()
    if flag not in ("", "true", "false"):
        raise Open311Error(400, "attribute[anonymous]", _("true or false"))
    name = form.get("last_name", "").strip() + form.get("first_name", "").strip()
    phone = form.get("phone", "").strip()
    anonymous = flag == "true" or (not flag and not name and not phone)
    if not anonymous and not name:
        raise Open311Error(400, "last_name", _("a named complaint needs the name"))
    if not anonymous and not phone:
        raise Open311Error(400, "phone", _("a named complaint needs a phone number"))
    fields: dict[str, Any] = {
        "category": code,
        "description": form.get("description", ""),
        "town_id": _int("attribute[town_id]", required=False),
        "village_id": _int("attribute[village_id]", required=False),
        "responsible_unit_id": _int("attribute[responsible_unit_id]", required=False),
        "anonymous": anonymous,
    }
    fields |= location(fields)
    if not anonymous:
        fields |= {"name": name, "phone": phone}
    return fields


def _notice(anonymous: bool) -> str:
    sent = [p for p in DROPPED if request.form.get(p, "").strip()]
    parts = ["已登记。请把 receipt_code（16 位回执码）读给投诉人：凭它查询进度、补充材料和评价，"
             "系统不保存回执码，丢失无法补发。"]
    parts.append("按匿名受理，未记录姓名和电话。" if anonymous
                 else "姓名和电话已单独密封保存，办理单位看不到。")
    if sent:
        parts.append(f"以下字段未保存：{'、'.join(sent)}。")
    return "".join(parts)


@bp.post(f"/requests.{FMT}")
@throttle.open311
def post_request(fmt: str) -> Response:
    channel = _channel()
    code = request.form.get("service_code", "").strip()
    if code not in CATEGORIES:
        raise Open311Error(400, "service_code", _("unknown service code; see services.json"))
    fields = _fields(code)
    filed = complaints.file_complaint(get_session(), fields, [],
                                      settings=complaint_settings.settings(), channel=channel)
    item = {"service_request_id": str(filed.case_id),
            "service_notice": _notice(bool(fields["anonymous"])) + placed(fields),
            "receipt_code": filed.code}
    return _respond(fmt, "service_requests", [item], 201)


def _request_item(r: channels.ChannelRequest) -> dict[str, Any]:
    return {
        "service_request_id": str(r.case_id),
        "status": "closed" if r.closed else "open",
        "status_notes": r.status_notes,
        "service_name": CATEGORY_LABELS.get(r.category, r.category),
        "service_code": r.category,
        "description": r.description,
        "agency_responsible": r.agency,
        "requested_datetime": _w3c(r.requested_at),
        "updated_datetime": _w3c(r.updated_at),
        "expected_datetime": _w3c(r.expected_at),
        "address": r.address,
    }


@bp.get(f"/requests.{FMT}")
@throttle.open311
def get_requests(fmt: str) -> Response:
    channel = _channel()
    found = channels.requests_for(get_session(), channel, _query())
    return _respond(fmt, "service_requests", [_request_item(r) for r in found])


@bp.get(f"/requests/<request_id>.{FMT}")
@throttle.open311
def get_request(request_id: str, fmt: str) -> Response:
    channel = _channel()
    if not ID.fullmatch(request_id):
        raise NotFoundError("no such service request")
    found = channels.request_for(get_session(), channel, int(request_id))
    return _respond(fmt, "service_requests", [_request_item(found)])


@bp.route("/<path:rest>", methods=["GET", "POST"])
def unknown(rest: str) -> Response:
    raise Open311Error(404, None, _("No such resource. Paths end in .json or .xml."))
