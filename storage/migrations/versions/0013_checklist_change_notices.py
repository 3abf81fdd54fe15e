"""PostgreSQL notices of checklist changes

A trigger on `checklist` sends `pg_notify('checklist_changed', '<team> <channel>')` for every row written, at
commit, so each process can answer `/checklist status`'s stamp from memory (storage/watch.py). SQLite: nothing.
The SQL is written out here as this revision ran it; 0014 adds the TRUNCATE notice.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 09:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE = (
    """CREATE OR REPLACE FUNCTION checklist_changed_notify() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('checklist_changed', OLD.team_id || ' ' || OLD.channel_id);
  ELSE
    PERFORM pg_notify('checklist_changed', NEW.team_id || ' ' || NEW.channel_id);
    IF TG_OP = 'UPDATE' AND (OLD.team_id, OLD.channel_id) IS DISTINCT FROM (NEW.team_id, NEW.channel_id) THEN
      PERFORM pg_notify('checklist_changed', OLD.team_id || ' ' || OLD.channel_id);
    END IF;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS checklist_changed ON checklist",
    "CREATE TRIGGER checklist_changed AFTER INSERT OR UPDATE OR DELETE ON checklist "
    "FOR EACH ROW EXECUTE FUNCTION checklist_changed_notify()",
)
DOWNGRADE = (
    "DROP TRIGGER IF EXISTS checklist_changed ON checklist",
    "DROP FUNCTION IF EXISTS checklist_changed_notify()",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in DOWNGRADE:
            op.execute(statement)
