"""sign-off audit: event hash chain, when each approver was asked

Revision ID: 0006
Revises: 0007
Create Date: 2026-11-28 23:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.AutoString; alembic#1647)
from alembic import op

import storage.types  # noqa: F401

revision: str = "0006"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    with op.batch_alter_table("signoffapproval", schema=None) as batch_op:
        batch_op.add_column(sa.Column("asked_at", storage.types.UTCDateTime(timezone=True), nullable=True))

    bind = op.get_bind()
    # Approvers asked with the request were asked when it was made; backups when it was escalated.
    bind.execute(
        sa.text(
            "UPDATE signoffapproval SET asked_at = (SELECT CASE WHEN signoffapproval.backup "
            "AND r.escalated_at IS NOT NULL THEN r.escalated_at ELSE r.created_at END "
            "FROM signoffrequest r WHERE r.id = signoffapproval.request_id)"
        )
    )
    # Chain the events recorded before this version, in id order per checklist (storage/audit.py). Plain SQL,
    # not the models, so this step keeps working when later versions add columns.
    from datetime import datetime

    from storage.audit import GENESIS, event_hash

    rows = bind.execute(
        sa.text("SELECT id, checklist_id, item_number, actor_id, action, old, new, at FROM event ORDER BY id")
    ).all()
    heads: dict[int, str] = {}
    for row in rows:
        at = row.at if isinstance(row.at, datetime) else datetime.fromisoformat(str(row.at))
        prev = heads.get(row.checklist_id, GENESIS)
        digest = event_hash(
            prev,
            checklist_id=row.checklist_id,
            item_number=row.item_number,
            actor_id=row.actor_id,
            action=row.action,
            old=row.old,
            new=row.new,
            at=at,
        )
        bind.execute(
            sa.text("UPDATE event SET prev_hash = :prev, hash = :hash WHERE id = :id"),
            {"prev": prev, "hash": digest, "id": row.id},
        )
        heads[row.checklist_id] = digest


def downgrade() -> None:
    with op.batch_alter_table("signoffapproval", schema=None) as batch_op:
        batch_op.drop_column("asked_at")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
