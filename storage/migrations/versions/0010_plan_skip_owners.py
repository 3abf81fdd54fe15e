"""plan from the template (owner role, due rule, planned date), not-applicable items, several owners, skip requests

Existing items get no plan, no co-owners and stay open or done; existing sign-off requests are sign-offs.

Revision ID: 0010
Revises: 0004
Create Date: 2026-11-29 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.AutoString; alembic#1647)
from alembic import op

from storage.types import UTCDateTime

revision: str = "0010"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("co_owners", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("owner_role", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column("due_rule", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column("planned_due", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("skipped_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column("skipped_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("skip_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("signoffrequest", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("purpose", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default="signoff")
        )


def downgrade() -> None:
    with op.batch_alter_table("signoffrequest", schema=None) as batch_op:
        batch_op.drop_column("purpose")
    with op.batch_alter_table("item", schema=None) as batch_op:
        for name in ("skip_reason", "skipped_at", "skipped_by", "planned_due", "due_rule", "owner_role", "co_owners"):
            batch_op.drop_column(name)
