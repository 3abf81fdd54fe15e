"""a calendar per checklist (timezone, working week) and each person's working week

Existing checklists and people get UTC and Monday–Friday, so nothing changes for them until a team sets its
calendar.

Revision ID: 0007
Revises: 0003
Create Date: 2026-11-28 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.AutoString; alembic#1647)
from alembic import op

revision: str = "0007"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("checklist", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("timezone", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default="UTC")
        )
        batch_op.add_column(
            sa.Column("workweek", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default="mon-fri")
        )
    with op.batch_alter_table("user_pref", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("workweek", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default="mon-fri")
        )


def downgrade() -> None:
    with op.batch_alter_table("user_pref", schema=None) as batch_op:
        batch_op.drop_column("workweek")
    with op.batch_alter_table("checklist", schema=None) as batch_op:
        batch_op.drop_column("workweek")
        batch_op.drop_column("timezone")
