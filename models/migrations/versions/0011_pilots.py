"""Five-year-plan checks, pilot process variants and innovation practices (issue 14).

A process version may be bound to one org unit (a pilot town's variant); the checks and
the practices are cases, read from their case rows, so no table of their own.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 00:00:00.000000

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('process_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bound_unit_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_process_version_bound_unit_id'), ['bound_unit_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_process_version_bound_unit_id_org_unit'),
                                    'org_unit', ['bound_unit_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('process_version', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_process_version_bound_unit_id_org_unit'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_process_version_bound_unit_id'))
        batch_op.drop_column('bound_unit_id')
