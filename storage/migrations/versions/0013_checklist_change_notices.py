"""PostgreSQL notices of checklist changes

Triggers on `checklist` send `pg_notify('checklist_changed', '<team> <channel>')` for every row written (`*` for a
TRUNCATE), at commit, so each process can answer `/checklist status`'s stamp from memory (storage/watch.py).
SQLite: nothing.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 09:10:00
"""

from collections.abc import Sequence

from alembic import op

from storage.watch import DROP_TRIGGER_DDL, TRIGGER_DDL

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in TRIGGER_DDL:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in DROP_TRIGGER_DDL:
            op.execute(statement)
