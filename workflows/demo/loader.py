"""Demo data: the district's departments and towns, demo villages, a user for every role,
and demo cases of every deployed process at several different steps."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import OrgKind, OrgUnit, User, utcnow
from workflows.apps import demo as demo_apps
from workflows.catalog import demo as demo_items
from workflows.complaints import demo as demo_complaints
from workflows.complaints.filing import ComplaintSettings
from workflows.complaints.receipts import ReceiptHasher
from workflows.inspections import demo as demo_inspections
from workflows.kernel import access, accounts, orgs, processes
from workflows.kernel.vault import Vault, generate_key
from workflows.lists import demo as demo_lists
from workflows.pilots import demo as demo_pilots
from workflows.report_forms import demo as demo_report_forms

DEMO_PASSWORD = "jianfu-demo-2026"

DEPARTMENTS = [
    ("qwbgs", "区委办公室"),
    ("qrdbgs", "区人大常委会办公室"),
    ("qzfbgs", "区政府办公室"),
    ("qzxbgs", "区政协办公室"),
    ("qwzzb", "区委组织部"),
    ("qwwxb", "区委网信办"),
    ("qfgw", "区发展改革委"),
    ("qjxw", "区经济信息委"),
    ("qmzj", "区民政局"),
    ("qczj", "区财政局"),
    ("qrsj", "区人力社保局"),
    ("qnyw", "区农业农村委"),
    ("qtjj", "区统计局"),
    ("qxczxj", "区乡村振兴局"),
    ("qwnb", "区委农办"),
    ("qwdcb", "区委督查办"),
]
TOWNS = [
    ("dgz", "大观镇"),
    ("mlz", "木凉镇"),
    ("xlz", "兴隆镇"),
    ("htz", "河图镇"),
    ("nzz", "南城街道"),
    ("sqz", "三泉镇"),
]
VILLAGES_PER_TOWN = 3
# Plausible official division codes under Nanchuan's 500119 (the same as in
# docs/samples/org_tree_nanchuan.csv); a town's villages are its 9 digits + 201, 202...
DISTRICT_DIVISION_CODE = "500119000000"
TOWN_DIVISION_CODES = {"dgz": "500119104000", "mlz": "500119116000", "xlz": "500119105000",
                       "htz": "500119122000", "nzz": "500119002000", "sqz": "500119100000"}
_A = access
# (username, display name, [(role, org unit code)])
DEMO_USERS: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("mz_clerk", "民政局经办人（演示）", [(_A.CLERK, "qmzj")]),
    ("mz_clerk2", "民政局经办人二（演示）", [(_A.CLERK, "qmzj")]),
    ("mz_head", "民政局负责人（演示）", [(_A.UNIT_HEAD, "qmzj")]),
    ("tj_clerk", "统计局经办人（演示）", [(_A.CLERK, "qtjj")]),
    ("tj_head", "统计局负责人（演示）", [(_A.UNIT_HEAD, "qtjj")]),
    ("nb_staff", "区委农办工作人员（演示）", [(_A.BURDEN_OFFICE, "qwnb")]),
    ("nb_head", "区委农办负责人（演示）", [(_A.BURDEN_OFFICE, "qwnb"), (_A.UNIT_HEAD, "qwnb")]),
    ("dc_staff", "区委督查办工作人员（演示）", [(_A.SUPERVISOR, "nanchuan")]),
    ("auditor", "审计员（演示）", [(_A.AUDITOR, "nanchuan")]),
    ("office_qw", "区委办公室审批人（演示）", [(_A.OFFICE_APPROVER, "qwbgs")]),
    ("office_qzf", "区政府办公室审批人（演示）", [(_A.OFFICE_APPROVER, "qzfbgs")]),
    ("dg_official", "大观镇经办人（演示）", [(_A.TOWN_OFFICIAL, "dgz"), (_A.CLERK, "dgz")]),
    ("dg_head", "大观镇负责人（演示）", [(_A.UNIT_HEAD, "dgz")]),
    ("qnyw_clerk", "区农业农村委经办人（演示）", [(_A.CLERK, "qnyw")]),
    ("qnyw_head", "区农业农村委负责人（演示）", [(_A.UNIT_HEAD, "qnyw")]),
    ("dg_cadre", "大观镇示例村1村干部（演示）", [(_A.VILLAGE_CADRE, "dgz-v1")]),
    ("admin", "系统管理员（演示）", [(_A.ADMIN, "nanchuan")]),
]


@dataclass(frozen=True)
class DemoData:
    logins: list[DemoLogin]
    # (receipt code, what the complaint is about) of the demo complaints
    receipts: list[tuple[str, str]]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    display_name: str
    roles: str


_DEMO_HASH: list[str] = []


def _user(
    session: Session,
    username: str,
    name: str,
    grants: list[tuple[str, OrgUnit]],
    logins: list[DemoLogin],
) -> User:
    if not _DEMO_HASH:
        _DEMO_HASH.append(accounts.hash_password(DEMO_PASSWORD))
    user = accounts.create_user(
        session,
        username,
        name,
        DEMO_PASSWORD,
        email=f"{username}@demo.jianfu.invalid",
        is_demo=True,
        password_hash=_DEMO_HASH[0],
    )
    for role, unit in grants:
        accounts.assign_role(session, user, role, unit)
    logins.append(DemoLogin(username, name, ", ".join(f"{r}@{u.name}" for r, u in grants)))
    return user


def is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(OrgUnit))


def load(
    session: Session,
    bpmn_dir: Path,
    now: datetime | None = None,
    complaint_settings: ComplaintSettings | None = None,
    items: bool = False,
    inspections: bool = False,
    lists: bool = False,
    pilots: bool = False,
) -> DemoData:
    """Create the demo tree, users and cases. Call on an empty database only. Without
    `complaint_settings` the demo complaints get throwaway keys (their codes do not work).
    With `items`, also the demo assessment item catalog and proposals (`demo_items`: some
    forty commands, so tests that do not need them leave them out). With `inspections`,
    also inspection and meeting requests at several steps and two more village cadres
    (`demo_inspections`: some fifty commands; `jianfu demo` and `jianfu run` load both).
    With `pilots`, the plan checks, pilot variants and innovation practices
    (`demo_pilots`) and three more town clerks (`jianfu demo` and `jianfu run` load them)."""
    now = now or utcnow()
    district = orgs.add_unit(session, "nanchuan", "南川区", OrgKind.DISTRICT)
    district.official_code = DISTRICT_DIVISION_CODE
    units = {
        code: orgs.add_unit(session, code, name, OrgKind.DEPARTMENT, district)
        for code, name in DEPARTMENTS
    }
    towns = {
        code: orgs.add_unit(session, code, name, OrgKind.TOWN, district) for code, name in TOWNS
    }
    for code, town in towns.items():
        town.official_code = TOWN_DIVISION_CODES[code]
        for i in range(1, VILLAGES_PER_TOWN + 1):
            orgs.add_unit(
                session,
                f"{code}-v{i}",
                f"{town.name}示例村{i}（演示）",
                OrgKind.VILLAGE,
                town,
                is_demo=True,
            ).official_code = f"{TOWN_DIVISION_CODES[code][:9]}{200 + i}"
    logins: list[DemoLogin] = []
    by_code = {**units, **towns, "nanchuan": district}
    plan = DEMO_USERS + demo_apps.USERS + (demo_inspections.USERS if inspections else [])
    plan = plan + (demo_pilots.USERS if pilots else [])
    plan = plan + (demo_lists.USERS if lists else [])
    for code in {c for _u, _n, grants in plan for _r, c in grants} - by_code.keys():
        village = orgs.by_code(session, code)
        assert village is not None, code
        by_code[code] = village
    users = {
        username: _user(session, username, name,
                        [(role, by_code[code]) for role, code in grants], logins)
        for username, name, grants in plan
    }
    clerk, tj_clerk = users["mz_clerk"], users["tj_clerk"]
    session.commit()
    processes.deploy(session, bpmn_dir)
    demo_report_forms.load(session, clerk, tj_clerk, now)
    settings = complaint_settings or ComplaintSettings(
        hasher=ReceiptHasher.for_tests(secrets.token_bytes(16)),
        vault=Vault.from_config(generate_key()),
    )
    actors = {u.username: access.load_actor(session, u.id) for u in users.values()}
    receipts = demo_complaints.load(session, actors, settings, now)
    if items:
        demo_items.load(session, actors, now)
    if inspections:
        demo_inspections.load(session, actors, now)
        demo_apps.load(session, actors, now)
    if pilots:
        demo_pilots.load(session, actors, bpmn_dir, settings, now)
    if lists:
        demo_lists.load(session, actors, now)
    return DemoData(logins, receipts)
