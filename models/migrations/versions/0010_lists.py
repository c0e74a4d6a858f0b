"""The three village lists (self-governance, assistance, certificates), plaques and work assignments (issue 14).

Placeholder in the chain until the feature adds its tables: upgrade and downgrade do nothing.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08 00:00:00.000000

"""
from collections.abc import Sequence

# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
