"""seen requests: fingerprints of handled signed requests, so a replay counts once across replicas

Revision ID: 0004
Revises: 0005
Create Date: 2026-11-29 00:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.AutoString; alembic#1647)
from alembic import op

import storage.types  # noqa: F401

revision: str = "0004"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "seenrequest",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("seen_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("seenrequest", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_seenrequest_seen_at"), ["seen_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("seenrequest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seenrequest_seen_at"))
    op.drop_table("seenrequest")
