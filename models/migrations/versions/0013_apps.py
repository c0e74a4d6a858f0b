"""The registry of government apps and work groups (issue 13): apps, versions, villages.

Rows are a projection of the app request cases' events (workflows.apps.projection).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08 00:00:00.000000

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('gov_app',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('owner_unit_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('current_version', sa.Integer(), nullable=False),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['merged_into_id'], ['gov_app.id'], name=op.f('fk_gov_app_merged_into_id_gov_app')),
    sa.ForeignKeyConstraint(['owner_unit_id'], ['org_unit.id'], name=op.f('fk_gov_app_owner_unit_id_org_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gov_app')),
    sa.UniqueConstraint('code', name=op.f('uq_gov_app_code'))
    )
    with op.batch_alter_table('gov_app', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gov_app_owner_unit_id'), ['owner_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_gov_app_status'), ['status'], unique=False)

    op.create_table('gov_app_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('app_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('change_kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('demands', sa.Text(), nullable=False),
    sa.Column('checkins_per_week', sa.Integer(), nullable=False),
    sa.Column('minutes_per_checkin', sa.Integer(), nullable=False),
    sa.Column('village_ids', sa.Text(), nullable=False),
    sa.Column('change_note', sa.Text(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('published_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['app_id'], ['gov_app.id'], name=op.f('fk_gov_app_version_app_id_gov_app')),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], name=op.f('fk_gov_app_version_case_id_case_record')),
    sa.ForeignKeyConstraint(['published_by'], ['app_user.id'], name=op.f('fk_gov_app_version_published_by_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gov_app_version')),
    sa.UniqueConstraint('app_id', 'version', name=op.f('uq_gov_app_version_app_id_version'))
    )
    with op.batch_alter_table('gov_app_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gov_app_version_app_id'), ['app_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_gov_app_version_case_id'), ['case_id'], unique=False)

    op.create_table('gov_app_village',
    sa.Column('app_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['app_id'], ['gov_app.id'], name=op.f('fk_gov_app_village_app_id_gov_app')),
    sa.ForeignKeyConstraint(['village_id'], ['org_unit.id'], name=op.f('fk_gov_app_village_village_id_org_unit')),
    sa.PrimaryKeyConstraint('app_id', 'village_id', name=op.f('pk_gov_app_village'))
    )
    with op.batch_alter_table('gov_app_village', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gov_app_village_village_id'), ['village_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('gov_app_village', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gov_app_village_village_id'))
    op.drop_table('gov_app_village')
    with op.batch_alter_table('gov_app_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gov_app_version_case_id'))
        batch_op.drop_index(batch_op.f('ix_gov_app_version_app_id'))
    op.drop_table('gov_app_version')
    with op.batch_alter_table('gov_app', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gov_app_status'))
        batch_op.drop_index(batch_op.f('ix_gov_app_owner_unit_id'))
    op.drop_table('gov_app')
