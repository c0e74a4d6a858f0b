"""Administration (issue 20): official codes and validity dates of org units, a person's
password change at next login and the administrator's lock, who deployed a process version.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08 00:40:00.000000

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('org_unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('official_code', sa.String(length=18), nullable=True))
        batch_op.add_column(sa.Column('valid_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('valid_to', sa.Date(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_org_unit_official_code'), ['official_code'])
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('admin_locked', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('process_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deployed_by', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_process_version_deployed_by_app_user'), 'app_user', ['deployed_by'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('process_version', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_process_version_deployed_by_app_user'), type_='foreignkey')
        batch_op.drop_column('deployed_by')
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('admin_locked')
        batch_op.drop_column('must_change_password')
    with op.batch_alter_table('org_unit', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_org_unit_official_code'), type_='unique')
        batch_op.drop_column('valid_to')
        batch_op.drop_column('valid_from')
        batch_op.drop_column('official_code')
