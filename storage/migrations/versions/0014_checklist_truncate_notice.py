"""PostgreSQL: a TRUNCATE of checklist is noticed too

The notice function learns TG_OP = 'TRUNCATE' (payload `*`: every channel), fired by a statement-level trigger, so
no process keeps a stamp of a checklist that is gone (storage/watch.py checks that both triggers are enabled).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 09:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE = (
    """CREATE OR REPLACE FUNCTION checklist_changed_notify() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    PERFORM pg_notify('checklist_changed', '*');
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('checklist_changed', OLD.team_id || ' ' || OLD.channel_id);
  ELSE
    PERFORM pg_notify('checklist_changed', NEW.team_id || ' ' || NEW.channel_id);
    IF TG_OP = 'UPDATE' AND (OLD.team_id, OLD.channel_id) IS DISTINCT FROM (NEW.team_id, NEW.channel_id) THEN
      PERFORM pg_notify('checklist_changed', OLD.team_id || ' ' || OLD.channel_id);
    END IF;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS checklist_truncated ON checklist",
    "CREATE TRIGGER checklist_truncated AFTER TRUNCATE ON checklist "
    "FOR EACH STATEMENT EXECUTE FUNCTION checklist_changed_notify()",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS checklist_truncated ON checklist")
