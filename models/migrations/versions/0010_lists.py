"""The village lists (self-governance, assistance, certificates, plaques), the plaques hanging in each village and the service purchases of work assignments (issue 14).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08 00:00:00.000000

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('list_entry',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('list_kind', sa.String(length=20), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('current_version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('in_force_from', sa.Date(), nullable=False),
    sa.Column('in_force_to', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['unit_id'], ['org_unit.id'], name=op.f('fk_list_entry_unit_id_org_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_list_entry')),
    sa.UniqueConstraint('code', name=op.f('uq_list_entry_code'))
    )
    with op.batch_alter_table('list_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_list_entry_list_kind'), ['list_kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_list_entry_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_list_entry_unit_id'), ['unit_id'], unique=False)

    op.create_table('list_entry_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('change_kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('legal_basis', sa.Text(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('in_force_from', sa.Date(), nullable=False),
    sa.Column('in_force_to', sa.Date(), nullable=True),
    sa.Column('change_note', sa.Text(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('published_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], name=op.f('fk_list_entry_version_case_id_case_record')),
    sa.ForeignKeyConstraint(['entry_id'], ['list_entry.id'], name=op.f('fk_list_entry_version_entry_id_list_entry')),
    sa.ForeignKeyConstraint(['published_by'], ['app_user.id'], name=op.f('fk_list_entry_version_published_by_app_user')),
    sa.ForeignKeyConstraint(['unit_id'], ['org_unit.id'], name=op.f('fk_list_entry_version_unit_id_org_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_list_entry_version')),
    sa.UniqueConstraint('entry_id', 'version', name=op.f('uq_list_entry_version_entry_id_version'))
    )
    with op.batch_alter_table('list_entry_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_list_entry_version_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_list_entry_version_entry_id'), ['entry_id'], unique=False)

    op.create_table('village_plaque',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('hung_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('merged_into', sa.Integer(), nullable=True),
    sa.Column('ended_by_case', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['ended_by_case'], ['case_record.id'], name=op.f('fk_village_plaque_ended_by_case_case_record')),
    sa.ForeignKeyConstraint(['entry_id'], ['list_entry.id'], name=op.f('fk_village_plaque_entry_id_list_entry')),
    sa.ForeignKeyConstraint(['merged_into'], ['village_plaque.id'], name=op.f('fk_village_plaque_merged_into_village_plaque')),
    sa.ForeignKeyConstraint(['village_id'], ['org_unit.id'], name=op.f('fk_village_plaque_village_id_org_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_village_plaque'))
    )
    with op.batch_alter_table('village_plaque', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_village_plaque_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_village_plaque_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_village_plaque_village_id'), ['village_id'], unique=False)

    op.create_table('service_purchase',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('paying_unit_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('budget_line', sa.String(length=100), nullable=False),
    sa.Column('agreement_ref', sa.String(length=60), nullable=False),
    sa.Column('payment_schedule', sa.Text(), nullable=False),
    sa.Column('approved_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], name=op.f('fk_service_purchase_case_id_case_record')),
    sa.ForeignKeyConstraint(['paying_unit_id'], ['org_unit.id'], name=op.f('fk_service_purchase_paying_unit_id_org_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_purchase')),
    sa.UniqueConstraint('agreement_ref', name=op.f('uq_service_purchase_agreement_ref')),
    sa.UniqueConstraint('case_id', name=op.f('uq_service_purchase_case_id'))
    )
    with op.batch_alter_table('service_purchase', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_purchase_paying_unit_id'), ['paying_unit_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('service_purchase', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_purchase_paying_unit_id'))
    op.drop_table('service_purchase')
    with op.batch_alter_table('village_plaque', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_village_plaque_village_id'))
        batch_op.drop_index(batch_op.f('ix_village_plaque_status'))
        batch_op.drop_index(batch_op.f('ix_village_plaque_entry_id'))
    op.drop_table('village_plaque')
    with op.batch_alter_table('list_entry_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_list_entry_version_entry_id'))
        batch_op.drop_index(batch_op.f('ix_list_entry_version_case_id'))
    op.drop_table('list_entry_version')
    with op.batch_alter_table('list_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_list_entry_unit_id'))
        batch_op.drop_index(batch_op.f('ix_list_entry_status'))
        batch_op.drop_index(batch_op.f('ix_list_entry_list_kind'))
    op.drop_table('list_entry')
