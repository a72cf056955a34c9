"""xero_contact_snapshot: the last extract of each Xero contact, for incremental extracts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "xero_contact_snapshot",
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("contact_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("contact_number", sa.String(length=50), nullable=True),
        sa.Column("contact_status", sa.String(length=20), nullable=True),
        sa.Column("updated_utc", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "contact_id", name=op.f("pk_xero_contact_snapshot")),
    )


def downgrade() -> None:
    op.drop_table("xero_contact_snapshot")
