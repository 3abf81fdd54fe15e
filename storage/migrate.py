"""Schema migrations with Alembic, shared by SQLite and PostgreSQL.

`upgrade(db)` brings a database to the newest revision. On PostgreSQL it holds a transaction-level advisory
lock while it runs, so several replicas starting at once migrate one after the other, not over each other.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from storage import deadline
from storage.db import Database

MIGRATIONS = Path(__file__).parent / "migrations"
LOCK_KEY = 7_345_201_001  # any constant shared by every replica


def alembic_config(db: Database, connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", db.url.render_as_string(hide_password=False).replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    """The newest revision in storage/migrations."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    revision = ScriptDirectory.from_config(cfg).get_current_head()
    assert revision is not None, "storage/migrations holds no revision"
    return revision


def current(db: Database) -> str | None:
    with db.writer.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(db: Database, revision: str = "head") -> None:
    # No time limits here: a migration may rewrite a large table, or wait for another replica's migration.
    with deadline.unbounded(), db.writer.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL statement_timeout = 0"))
            conn.execute(text("SET LOCAL lock_timeout = 0"))
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
        command.upgrade(alembic_config(db, conn), revision)


def stamp(db: Database, revision: str = "head") -> None:
    """Mark a schema made by `create_all` (tests) as being at `revision`."""
    with db.writer.begin() as conn:
        command.stamp(alembic_config(db, conn), revision)
