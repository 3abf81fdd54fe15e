"""a quiet channel (checklist.notify) and portfolio shares

Existing checklists keep telling the channel about every change (`notify` = `channel`) and are shared nowhere.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.AutoString; alembic#1647)
from alembic import op

import storage.types  # noqa: F401

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("checklist", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("notify", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default="channel")
        )
    op.create_table(
        "portfolio_share",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("checklist_id", sa.Integer(), nullable=False),
        sa.Column("shared_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("shared_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["checklist_id"], ["checklist.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("checklist_id", "channel_id", name="uq_portfolio_share"),
    )
    with op.batch_alter_table("portfolio_share", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_portfolio_share_channel_id"), ["channel_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_portfolio_share_checklist_id"), ["checklist_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("portfolio_share", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portfolio_share_checklist_id"))
        batch_op.drop_index(batch_op.f("ix_portfolio_share_channel_id"))
    op.drop_table("portfolio_share")
    with op.batch_alter_table("checklist", schema=None) as batch_op:
        batch_op.drop_column("notify")
