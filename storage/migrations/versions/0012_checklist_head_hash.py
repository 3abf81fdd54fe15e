"""the audit chain's head hash on the checklist row

Appending an event then reads the link from the checklist row it already holds locked, instead of the newest
event (storage/audit.py). Existing checklists get the hash of their newest event (by id); those without events
keep NULL, which stands for the chain's start.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 02:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("checklist", schema=None) as batch_op:
        batch_op.add_column(sa.Column("head_hash", AutoString(length=64), nullable=True))
    op.get_bind().execute(
        sa.text(
            "UPDATE checklist SET head_hash = (SELECT e.hash FROM event e WHERE e.checklist_id = checklist.id "
            "ORDER BY e.id DESC LIMIT 1)"
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("checklist", schema=None) as batch_op:
        batch_op.drop_column("head_hash")
