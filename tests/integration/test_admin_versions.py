"""Process versions from the administration pages (issue 20, item 4): a new version deployed
from uploaded files with `jianfu deploy`'s validation, recorded as an administrative action
with who deployed it; the same files twice deploy nothing; broken, unknown or form-less
models are refused with the reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import CaseEvent, ProcessVersion, User
from workflows.admin import record, versions
from workflows.kernel import access
from workflows.kernel.access import Actor
from workflows.kernel.errors import NotFoundError, ValidationFailedError

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
PROCESS = "report_form_approval"


def actor(session: Session, username: str) -> Actor:
    return access.load_actor(session, session.scalars(
        select(User.id).where(User.username == username)).one())


def model(change: str = "") -> bytes:
    text = (BPMN_DIR / f"{PROCESS}.bpmn").read_text(encoding="utf-8")
    return text.replace('name="新增报表审批"', f'name="新增报表审批{change}"').encode("utf-8")


def test_a_new_version_is_deployed_and_recorded(demo_world: sessionmaker[Session]) -> None:
    with demo_world() as session:
        admin = actor(session, "admin")
        before = {r.process_id: r.version for r in versions.listing(session, admin) if r.newest}
        done = versions.deploy(session, admin, {f"{PROCESS}.bpmn": model("（修订）")})
        assert done.new and done.version.version == before[PROCESS] + 1
        assert done.version.deployed_by == admin.user_id
        rows = [r for r in versions.listing(session, admin) if r.process_id == PROCESS]
        assert rows[0].newest and rows[0].deployed_by == "系统管理员（演示）" and rows[0].cases == 0
        assert rows[1].cases > 0  # the demo's cases stay on the version they started on
        # the model and every decision table beside it (`jianfu deploy` bundles them all)
        assert set(rows[0].files) == {f"{PROCESS}.bpmn"} | {
            p.name for p in BPMN_DIR.glob("*.dmn")}
        events, _total = record.events(session, admin, action="process.deploy")
        assert events[0].after["version"] == done.version.version
        assert events[0].after["content_hash"] == done.version.content_hash
        again = versions.deploy(session, admin, {f"{PROCESS}.bpmn": model("（修订）")})
        assert not again.new and again.version.id == done.version.id
        assert len(list(session.scalars(select(CaseEvent.id).where(
            CaseEvent.type == "admin_action")))) == 1


@pytest.mark.parametrize(("files", "reason"), [
    ({f"{PROCESS}.bpmn": b"<bpmn:definitions"}, "cannot parse process"),
    ({"unknown_process.bpmn": model()}, "no part of Jianfu runs a process unknown_process"),
    ({f"{PROCESS}.bpmn": model(), "meeting_request.bpmn": model()}, "exactly one .bpmn"),
    ({"../evil.bpmn": model()}, "a file name is the process id"),
    ({f"{PROCESS}.bpmn": b"\xff\xfe"}, "not UTF-8"),
    ({f"{PROCESS}.bpmn": model().replace(b'id="review_form"', b'id="review_formx"')
      .replace(b'"review_form"', b'"review_formx"')}, "no form for the user task"),
])
def test_broken_unknown_or_formless_models_are_refused(
        demo_world: sessionmaker[Session], files: dict[str, bytes], reason: str) -> None:
    with demo_world() as session:
        admin = actor(session, "admin")
        count = len(list(session.scalars(select(ProcessVersion.id))))
        with pytest.raises(ValidationFailedError) as err:
            versions.deploy(session, admin, files)
        assert reason in " ".join(err.value.fields["files"])
        session.rollback()
        assert len(list(session.scalars(select(ProcessVersion.id)))) == count


def test_only_administrators_see_or_deploy_versions(demo_world: sessionmaker[Session]) -> None:
    with demo_world() as session:
        for username in ("auditor", "mz_clerk", "nb_staff", "dc_staff"):
            someone = actor(session, username)
            with pytest.raises(NotFoundError):
                versions.listing(session, someone)
            with pytest.raises(NotFoundError):
                versions.deploy(session, someone, {f"{PROCESS}.bpmn": model("x")})
