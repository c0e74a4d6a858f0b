"""Issue 7 items 1-3: the auditor's case history, time travel and the replay certificate;
only auditors and the supervision office reach them (every user x every audit page)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from models import Case, CaseEvent, ProcessVersion, User
from tests.webapp.conftest import PASSWORD, PUBLIC_CONFIG, csrf_token
from webapp import create_app

AUDITORS = {"auditor", "dc_staff"}


@pytest.fixture
def app(template_db: Any, tmp_path: Any) -> Iterator[Flask]:
    import shutil

    shutil.copy(template_db, tmp_path / "t.db")
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/t.db",
                      "SECRET_KEY": "test", **PUBLIC_CONFIG})
    yield app
    app.extensions["jianfu.db"].engine.dispose()


def login(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": username, "password": PASSWORD,
                                "csrf_token": token})
    return client


def some_case(app: Flask, case_type: str = "burden_complaint") -> tuple[int, int]:
    """A case with the most events of its type, and its event count."""
    with app.extensions["jianfu.db"].sessions() as db:
        counts = [(len(list(db.scalars(select(CaseEvent.id).where(CaseEvent.case_id == c)))), c)
                  for c in db.scalars(select(Case.id).where(Case.case_type == case_type))]
    events, case_id = max(counts)
    return case_id, events


def test_only_auditors_and_the_supervision_office(app: Flask) -> None:
    case_id, _ = some_case(app)
    pages = [f"/audit/cases/{case_id}", f"/audit/cases/{case_id}/at/1",
             f"/audit/cases/{case_id}/certificate", f"/audit/cases/{case_id}/certificate?print=1"]
    with app.extensions["jianfu.db"].sessions() as db:
        users = list(db.scalars(select(User.username)))
    allowed = 0
    for user in users:
        client = login(app, user)
        for page in pages:
            status = client.get(page).status_code
            if user in AUDITORS:
                assert status == 200, (user, page)
                allowed += 1
            else:
                assert status == 404, (user, page, status)
    assert allowed == len(AUDITORS) * len(pages)
    assert app.test_client().get(pages[0]).status_code in (302, 401)  # not logged in


def test_history_lists_every_event_with_actor_role_and_unit(app: Flask) -> None:
    case_id, events = some_case(app)
    page = login(app, "auditor").get(f"/audit/cases/{case_id}").get_data(as_text=True)
    assert len(re.findall(r'id="event-\d+"', page)) == events
    assert "区委农办" in page  # the unit of the intake decision's actor
    only = login(app, "auditor").get(
        f"/audit/cases/{case_id}?type=task_completed").get_data(as_text=True)
    assert 0 < len(re.findall(r'id="event-\d+"', only)) < events


def test_time_travel_steps_through_the_case(app: Flask) -> None:
    case_id, events = some_case(app)
    client = login(app, "dc_staff")
    first = client.get(f"/audit/cases/{case_id}/at/1").get_data(as_text=True)
    assert "受理审核" in first.split('id="tasks-at"')[1][:200]  # at filing: intake open
    assert 'rel="next"' in first and 'rel="prev"' not in first
    assert "<svg" in first and "is-current" in first  # the diagram with the open task
    last = client.get(f"/audit/cases/{case_id}/at/{events}").get_data(as_text=True)
    assert 'rel="prev"' in last and 'rel="next"' not in last
    assert "受理审核" not in last.split('id="tasks-at"')[1][:200]


def test_certificate_passes_then_catches_a_perturbed_event_and_version(app: Flask) -> None:
    case_id, events = some_case(app)
    client = login(app, "auditor")
    page = client.get(f"/audit/cases/{case_id}/certificate").get_data(as_text=True)
    assert 'class="verdict ok"' in page and f"<dd>{events}</dd>" in page
    with app.extensions["jianfu.db"].sessions() as db:
        digest = db.scalar(select(Case.last_event_hash).where(Case.id == case_id))
        assert digest is not None and digest in page
        # An event's recorded decision is changed behind the system's back.
        db.execute(text("UPDATE case_event SET inputs = :v WHERE case_id = :c AND seq = 2"),
                   {"v": '{"data": {"intake_decision": "reject", "reject_reason": "forged"}}',
                    "c": case_id})
        db.commit()
    broken = client.get(f"/audit/cases/{case_id}/certificate").get_data(as_text=True)
    assert 'class="verdict broken"' in broken and "event 2" in broken


def test_certificate_catches_a_perturbed_process_version(app: Flask) -> None:
    case_id, _ = some_case(app)
    with app.extensions["jianfu.db"].sessions() as db:
        pv = db.scalar(select(ProcessVersion).join(Case, Case.process_version_id ==
                                                   ProcessVersion.id).where(Case.id == case_id))
        assert pv is not None
        sources = dict(pv.sources)
        name = next(iter(sources))
        # The correction window silently grows from the category's limit to 30 days.
        sources[name] = sources[name].replace('working_days_after(limits["correction"])',
                                              "working_days_after(30)", 1)
        assert sources[name] != pv.sources[name]
        db.execute(text("UPDATE process_version SET sources = :s WHERE id = :i"),
                   {"s": __import__("json").dumps(sources), "i": pv.id})
        db.commit()
    page = login(app, "auditor").get(f"/audit/cases/{case_id}/certificate")
    assert 'class="verdict broken"' in page.get_data(as_text=True)
    assert "does not match its content hash" in page.get_data(as_text=True)
