"""The choices of the inbox's filter fields: processes, tasks, statuses, towns, villages,
units and complaint categories (codes and names; the web layer translates the codes)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from models import Case, HumanTask, OrgKind, OrgUnit
from workflows.complaints.forms import CATEGORIES
from workflows.kernel import forms


@dataclass(frozen=True)
class FilterOptions:
    processes: list[str]
    tasks: list[tuple[str, str]]  # (task id, task name)
    # The process of each task id (a name two processes share, e.g. 区委农办审核, is told
    # apart by it on the page).
    task_processes: dict[str, str]
    statuses: list[str]
    towns: list[tuple[int, str]]
    villages: list[tuple[int, str]]  # (id, "town · village")
    units: list[tuple[int, str]]  # departments and towns
    categories: list[str]


def filter_options(session: Session) -> FilterOptions:
    open_tasks = HumanTask.state == "open"
    processes = {*forms.START_FORMS, *session.scalars(
        select(Case.case_type).distinct().join(HumanTask, HumanTask.case_id == Case.id)
        .where(open_tasks))}
    tasks: dict[str, str] = {}
    task_processes: dict[str, str] = {}
    for task_id, name, process in session.execute(
            select(HumanTask.task_id, HumanTask.name, Case.case_type)
            .join(Case, Case.id == HumanTask.case_id).where(open_tasks)
            .group_by(HumanTask.task_id, HumanTask.name, Case.case_type)
            .order_by(HumanTask.task_id, Case.case_type)):
        tasks.setdefault(task_id, name)
        task_processes.setdefault(task_id, process)
    statuses = session.scalars(
        select(Case.status).distinct().join(HumanTask, HumanTask.case_id == Case.id)
        .where(open_tasks))
    units = list(session.execute(
        select(OrgUnit.id, OrgUnit.name, OrgUnit.kind)
        .where(OrgUnit.kind.in_([OrgKind.TOWN.value, OrgKind.DEPARTMENT.value]))
        .order_by(OrgUnit.kind, OrgUnit.id)))
    town = aliased(OrgUnit)
    villages = session.execute(
        select(OrgUnit.id, OrgUnit.name, town.name)
        .join(town, town.id == OrgUnit.parent_id)
        .where(OrgUnit.kind == OrgKind.VILLAGE.value)
        .order_by(town.id, OrgUnit.id))
    return FilterOptions(
        processes=sorted(processes),
        tasks=sorted(tasks.items(), key=lambda kv: (kv[1], kv[0])),
        task_processes=task_processes,
        statuses=sorted(statuses),
        towns=[(i, n) for i, n, k in units if k == OrgKind.TOWN.value],
        villages=[(i, f"{t} · {n}") for i, n, t in villages],
        units=[(i, n) for i, n, _ in units],
        categories=list(CATEGORIES),
    )
