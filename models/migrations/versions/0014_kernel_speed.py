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


def upgrade() -> None:
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.create_index('ix_human_task_case_open', ['case_id', 'state'], unique=False)
        batch_op.create_index('ix_human_task_case_lane',
                              ['case_id', 'role', 'scope_org_unit_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.drop_index('ix_human_task_case_lane')
        batch_op.drop_index('ix_human_task_case_open')
