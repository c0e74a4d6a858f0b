"""The command path (issue 15): indexes for what a command reads of a case's inbox rows.

A command loads only the case's open tasks and the (role, unit) pairs its tasks were ever
offered to; with these two indexes neither read grows with the finished tasks of a case.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 00:00:00.000000

"""
from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


INDEXES = (("ix_human_task_case_open", ["case_id", "state"]),
           ("ix_human_task_case_lane", ["case_id", "role", "scope_org_unit_id"]))


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        # human_task grows with every task ever offered: build without blocking writes
        # (CONCURRENTLY runs outside the migration's transaction; tests/integration/
        # test_migration_safety.py lints for this).
        with op.get_context().autocommit_block():
            for name, columns in INDEXES:
                op.create_index(name, "human_task", columns, unique=False,
                                postgresql_concurrently=True, if_not_exists=True)
        return
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        for name, columns in INDEXES:
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            for name, _columns in reversed(INDEXES):
                op.drop_index(name, table_name="human_task", postgresql_concurrently=True,
                              if_exists=True)
        return
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        for name, _columns in reversed(INDEXES):
            batch_op.drop_index(name)
