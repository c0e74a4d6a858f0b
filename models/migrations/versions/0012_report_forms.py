"""The report-form registry, the indicator dictionary's village values (issue 13).

Rows are projections of events: the registry of the report form approval cases, the values of
the villages' data records.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 00:00:00.000000

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('report_form',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('current_version', sa.Integer(), nullable=False),
    sa.Column('owner_unit_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('collection', sa.String(length=20), nullable=False),
    sa.Column('effective_date', sa.Date(), nullable=False),
    sa.Column('retired_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['owner_unit_id'], ['org_unit.id'], name=op.f('fk_report_form_owner_unit_id_org_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_form')),
    sa.UniqueConstraint('code', name=op.f('uq_report_form_code'))
    )
    with op.batch_alter_table('report_form', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_form_owner_unit_id'), ['owner_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_form_status'), ['status'], unique=False)

    op.create_table('report_form_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('change_kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('legal_basis', sa.Text(), nullable=False),
    sa.Column('frequency', sa.String(length=20), nullable=False),
    sa.Column('due_day', sa.Integer(), nullable=False),
    sa.Column('towns', sa.JSON(), nullable=False),
    sa.Column('submission', sa.String(length=20), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('effective_date', sa.Date(), nullable=False),
    sa.Column('change_note', sa.Text(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('published_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], name=op.f('fk_report_form_version_case_id_case_record')),
    sa.ForeignKeyConstraint(['form_id'], ['report_form.id'], name=op.f('fk_report_form_version_form_id_report_form')),
    sa.ForeignKeyConstraint(['published_by'], ['app_user.id'], name=op.f('fk_report_form_version_published_by_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_form_version')),
    sa.UniqueConstraint('form_id', 'version', name=op.f('uq_report_form_version_form_id_version'))
    )
    with op.batch_alter_table('report_form_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_form_version_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_form_version_form_id'), ['form_id'], unique=False)

    op.create_table('indicator_value',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('indicator', sa.String(length=40), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('value', sa.String(length=40), nullable=False),
    sa.Column('entered_by', sa.Integer(), nullable=True),
    sa.Column('entered_at', sa.DateTime(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], name=op.f('fk_indicator_value_case_id_case_record')),
    sa.ForeignKeyConstraint(['entered_by'], ['app_user.id'], name=op.f('fk_indicator_value_entered_by_app_user')),
    sa.ForeignKeyConstraint(['village_id'], ['org_unit.id'], name=op.f('fk_indicator_value_village_id_org_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_value')),
    sa.UniqueConstraint('village_id', 'indicator', 'period', name=op.f('uq_indicator_value_village_id_indicator_period'))
    )
    with op.batch_alter_table('indicator_value', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_value_indicator'), ['indicator'], unique=False)
        batch_op.create_index(batch_op.f('ix_indicator_value_village_id'), ['village_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('indicator_value', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_value_village_id'))
        batch_op.drop_index(batch_op.f('ix_indicator_value_indicator'))
    op.drop_table('indicator_value')
    with op.batch_alter_table('report_form_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_form_version_form_id'))
        batch_op.drop_index(batch_op.f('ix_report_form_version_case_id'))
    op.drop_table('report_form_version')
    with op.batch_alter_table('report_form', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_form_status'))
        batch_op.drop_index(batch_op.f('ix_report_form_owner_unit_id'))
    op.drop_table('report_form')
