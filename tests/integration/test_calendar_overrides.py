"""Calendar overrides change deadlines from their creation on; replay keeps old ones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import HumanTask, User
from webapp.cli.main import main
from workflows.kernel import access, calendar_admin, cases, replay
from workflows.kernel.errors import NotAllowedError, ValidationFailedError

# Thursday 2027-03-04 10:00 in China; +5 working days is Thursday 2027-03-11.
START = datetime(2027, 3, 4, 2, 0, tzinfo=UTC)


def _actor(session: Session, username: str) -> access.Actor:
    uid = session.scalar(select(User.id).where(User.username == username))
    assert uid is not None
    return access.load_actor(session, uid)


def _draft_due(session: Session, case_id: int) -> datetime:
    due = session.scalar(select(HumanTask.due_at).where(HumanTask.case_id == case_id)
                         .execution_options(populate_existing=True))
    assert due is not None
    return due


def test_override_moves_later_deadlines_only(demo_world: sessionmaker[Session]) -> None:
    with demo_world() as s:
        clerk = _actor(s, "mz_clerk")
        before = cases.start_case(s, clerk, "report_form_approval", {"title": "报表甲"}, now=START)
        assert _draft_due(s, before.case_id) == START + timedelta(days=7)
        # Announced after the first case started: Monday 2027-03-08 becomes a day off.
        calendar_admin.add_override(s, _actor(s, "admin"), date(2027, 3, 8), False,
                                    "示例调整通知", now=START + timedelta(hours=1))
        after = cases.start_case(s, clerk, "report_form_approval", {"title": "报表乙"},
                                 now=START + timedelta(hours=2))
        assert _draft_due(s, after.case_id) == START + timedelta(days=8, hours=2)
        assert _draft_due(s, before.case_id) == START + timedelta(days=7)
        assert replay.replay_case(s, before.case_id).ok
        assert replay.replay_case(s, after.case_id).ok


def test_only_admins_change_the_calendar(demo_world: sessionmaker[Session]) -> None:
    with demo_world() as s:
        with pytest.raises(NotAllowedError):
            calendar_admin.add_override(s, _actor(s, "nb_head"), date(2027, 1, 2), True, "x")
        with pytest.raises(ValidationFailedError) as err:
            calendar_admin.add_override(s, _actor(s, "admin"), date(2027, 1, 2), True, " ")
        assert "note" in err.value.fields
        assert calendar_admin.list_overrides(s) == []


def test_cli_records_and_lists_overrides(demo_world: sessionmaker[Session], db_url: str) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["calendar", "override", "--database-url", db_url,
                                  "2027-10-09", "--workday", "--note", "国庆调休"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["calendar", "list", "--database-url", db_url])
    assert "2027-10-09" in result.output and "working day" in result.output
    bad = runner.invoke(main, ["calendar", "override", "--database-url", db_url,
                               "2027-13-40", "--workday", "--note", "x"])
    assert bad.exit_code == 2 and "DAY" in bad.output
