"""The service-purchase rule (measure 6) outside the engine, and the public entry point other
requests call (docs/lists.md, "The rule for other requests").

The rule itself is one decision table, `bpmn/service_purchase.dmn` (decision
`service_purchase_rule`): work on the self-governance or assistance list needs nothing; work
on neither needs a service-purchase record. The work assignment process runs it as a business
rule task; `decide` evaluates the same table, read from the calling case's pinned process
version (every process version pins every decision table), for the checks the commands repeat
at approval time and for inspection, meeting, form and app requests.

Public entry points (named in pyproject's import-linter contracts):
- `check_request(session, case, text, on)`: is the work `text` of a request of `case`'s
  department on a list, or bought as a service (an approved work assignment of the same
  department with a service purchase, in force on `on`, whose task matches)? Plain data to
  record in the event: result on_list | purchased | refused | no_lists, reason, the match.
- `refusal(check)`: the reason to refuse, or None.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case, ProcessVersion
from workflows.kernel import processes
from workflows.kernel.ids import ProcessId
from workflows.lists import matching
from workflows.lists.forms import WORK_LISTS

TABLE = "service_purchase.dmn"
DECISION = "service_purchase_rule"
DMN = "{https://www.omg.org/spec/DMN/20191111/MODEL/}"
INPUTS = ('purchase_facts["on_list"]', 'purchase_facts["recorded"]')
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
ASSIGNMENT = str(ProcessId.WORK_ASSIGNMENT)
APPROVED = "approved"
# No list is in force: the rule cannot tell listed work from unlisted (nothing is refused).
NO_LISTS = "no_lists"
# What a request other than a work assignment does about it: buy the work first.
OTHER_REQUEST_REMEDY = "。本申请涉及的工作不在清单内：请先经“村级工作事项准入”按购买服务方式办理"


class TableError(ValueError):
    """The decision table is not the shape this evaluator reads."""


def table_source(session: Session, case: Case | None = None) -> str:
    """The table as `case`'s pinned process version has it (else the latest work
    assignment version's)."""
    version = (session.get(ProcessVersion, case.process_version_id)
               if case is not None else None)
    source = (version.sources or {}).get(TABLE) if version is not None else None
    if not source:
        source = (processes.latest(session, ASSIGNMENT).sources or {}).get(TABLE)
    if not source:
        raise TableError(f"{TABLE} is not deployed")
    return str(source)


def _literal(text: str) -> str:
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise TableError(f"output {text!r} is not a string literal")
    return text[1:-1]


def _matches(entry: str, value: bool) -> bool:
    entry = entry.strip()
    if entry in ("-", ""):
        return True
    if entry in ("True", "False"):
        return (entry == "True") == value
    raise TableError(f"input entry {entry!r} is not True, False or -")


def decide(source: str, on_list: bool, recorded: bool) -> tuple[str, str]:
    """(purchase_result, purchase_reason) of the table for these facts (hit policy UNIQUE)."""
    root = etree.fromstring(source.encode("utf-8"), _PARSER)
    decision = next((d for d in root.iter(f"{DMN}decision") if d.get("id") == DECISION), None)
    if decision is None:
        raise TableError(f"no decision {DECISION}")
    order = [(i.findtext(f"{DMN}inputExpression/{DMN}text") or "").strip()
             for i in decision.iter(f"{DMN}input")]
    if tuple(order) != INPUTS:
        raise TableError(f"inputs {order} are not {INPUTS}")
    facts = (on_list, recorded)
    hits = []
    for rule in decision.iter(f"{DMN}rule"):
        entries = [e.findtext(f"{DMN}text") or "" for e in rule.iter(f"{DMN}inputEntry")]
        if all(_matches(e, v) for e, v in zip(entries, facts, strict=True)):
            hits.append([_literal(o.findtext(f"{DMN}text") or "")
                         for o in rule.iter(f"{DMN}outputEntry")])
    if len(hits) != 1:
        raise TableError(f"{len(hits)} rows match {facts} (hit policy UNIQUE)")
    return hits[0][0], hits[0][1]


def purchased_work(session: Session, unit_id: int | None, on: date) -> list[dict[str, Any]]:
    """The approved, paid work assignments of `unit_id` in force on `on` (case data)."""
    rows = session.execute(select(Case.id, Case.data).where(
        Case.case_type == ASSIGNMENT, Case.status == APPROVED,
        Case.scope_org_unit_id == unit_id))
    out = []
    for case_id, raw in rows:
        data = json.loads(raw or "{}")
        if not data.get("paid"):
            continue
        if str(data.get("start_on", "")) <= on.isoformat() <= str(data.get("end_on", "")):
            out.append({"case_id": int(case_id), "task_title": data.get("task_title", ""),
                        "description": data.get("task_description", "")})
    return out


def check_request(session: Session, case: Case, text: str, on: date) -> dict[str, Any]:
    """The rule applied to the work of another request (see the module docstring)."""
    listed = matching.match(session, {"name": text, "content": text}, WORK_LISTS, on=on)
    top = next((m for m in listed["matches"] if m["likely"]), None)
    on_list = top is not None
    bought = None
    if not on_list:
        for work in purchased_work(session, case.scope_org_unit_id, on):
            score = matching.similarity(
                {"name": text, "content": text},
                {"name": work["task_title"], "content": work["description"]})
            if score >= matching.THRESHOLD:
                bought = work
                break
    out: dict[str, Any] = {"text": text, "on": on.isoformat(), "compared": listed["compared"],
                           "match": top, "purchase_case_id": bought["case_id"] if bought else None}
    if not listed["compared"]:
        return {**out, "result": NO_LISTS, "reason": "no list is in force"}
    result, reason = decide(table_source(session, case), on_list, bought is not None)
    if result == "refused":
        reason = f"{reason}{OTHER_REQUEST_REMEDY}"
    return {**out, "result": result, "reason": reason}


def refusal(check: dict[str, Any]) -> str | None:
    """The reason to refuse a request whose check says so, else None."""
    return str(check.get("reason")) if check.get("result") == "refused" else None
