"""The report-form registry, the indicator dictionary and indicator values (issue 13).

Placeholder in the chain until the feature adds its tables: upgrade and downgrade do nothing.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 00:00:00.000000

"""
from collections.abc import Sequence

# revision identifiers, used by Alembic.
revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
