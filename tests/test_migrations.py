"""Alembic migrations build exactly the models' schema, on SQLite and PostgreSQL, and run once under races."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from storage import migrate
from storage.db import Database
from storage.migrations.env_filters import include_name
from storage.watch import install_trigger
from tests.conftest import PG_ONLY, pg_available


def empty(url: str) -> Database:
    db = Database(url)
    if not db.is_sqlite:
        with db.writer.begin() as conn:
            SQLModel.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    return db


def databases(tmp_path) -> list[str]:
    """SQLite in the SQLite pass, the run's PostgreSQL database in the PostgreSQL pass."""
    return [pg_available() or f"sqlite:///{tmp_path}/migrate.db"]


def test_migrations_build_the_models_schema(tmp_path):
    for url in databases(tmp_path):
        db = empty(url)
        assert migrate.current(db) is None
        migrate.upgrade(db)
        migrate.upgrade(db)  # idempotent
        assert migrate.current(db) == migrate.head()
        with db.writer.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_name": include_name})
            assert compare_metadata(context, SQLModel.metadata) == [], url
            tables = set(inspect(conn).get_table_names())
            assert tables >= set(SQLModel.metadata.tables)
            assert {"slack_installations", "slack_bots", "slack_oauth_states"} <= tables
            if not db.is_sqlite:  # the triggers behind storage/watch.py (create_all installs them too)
                triggers = "SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass('checklist') AND NOT tgisinternal"
                assert sorted(conn.execute(text(triggers)).scalars()) == ["checklist_changed", "checklist_truncated"]
                function = "SELECT pg_get_functiondef('checklist_changed_notify'::regproc)"
                migrated = conn.execute(text(function)).scalar()
                install_trigger(conn)  # what create_all installs
                assert conn.execute(text(function)).scalar() == migrated
                conn.rollback()
        db.dispose()


def test_concurrent_upgrades_on_postgresql_run_once():
    url = pg_available()
    if not url:
        pytest.skip(PG_ONLY)
    empty(url).dispose()
    errors: list[BaseException] = []

    def run() -> None:
        db = Database(url)
        try:
            migrate.upgrade(db)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            db.dispose()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    db = Database(url)
    assert migrate.current(db) == migrate.head()
    db.dispose()


def test_cli_db_upgrade_and_status(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path}/cli.db"

    def run(*a):
        return subprocess.run(
            [sys.executable, "-m", "bot", "db", *a],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )

    before = run("status")
    assert before.returncode == 1 and "revision none" in before.stdout
    up = run("upgrade")
    assert up.returncode == 0 and f"revision {migrate.head()}" in up.stdout, up.stderr
    assert run("status").returncode == 0


def test_start_without_upgrade_refuses_an_old_schema(tmp_path, fake_slack):
    from bot.app import create_runtime
    from bot.config import ConfigError, load_settings

    settings = load_settings(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path}/old.db",
            "DB_UPGRADE_ON_START": "false",
            "SLACK_API_URL": fake_slack.api_url,
            "SLACK_BOT_TOKEN": "xoxb-1",
        }
    )
    with pytest.raises(ConfigError, match="db upgrade"):
        create_runtime(settings)


def test_upgrade_keeps_existing_data(tmp_path):
    for url in databases(tmp_path):
        db = empty(url)
        migrate.upgrade(db, "0001")
        with db.writer.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO checklist (id, team_id, channel_id, template, title, created_by, created_at, version) "
                    "VALUES (1, 'T', 'C', 'interop', 'Old', 'U', '2026-01-01 00:00:00', 3)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO item (id, checklist_id, phase_number, position, number, title, status) "
                    "VALUES (1, 1, 1, 1, '1.1', 'kept', 'done')"
                )
            )
        migrate.upgrade(db)
        with db.writer.connect() as conn:
            row = conn.execute(text("SELECT title, status, waits_for, removed_at FROM item WHERE id = 1")).one()
        assert tuple(row) == ("kept", "done", None, None), url
        db.dispose()


def test_upgrade_to_0012_keeps_the_chain_head_on_the_checklist(tmp_path):
    """0012 puts each checklist's newest event hash on its row; the next event links to it, so the chain that
    existed before the upgrade continues unbroken (and a checklist without events starts from GENESIS)."""
    from datetime import UTC, datetime

    from sqlmodel import Session

    from storage import audit
    from storage import queries as q
    from storage.models import Checklist

    for url in databases(tmp_path):
        db = empty(url)
        migrate.upgrade(db, "0011")
        at = datetime(2026, 1, 1, tzinfo=UTC)
        with db.writer.begin() as conn:
            for cid in (1, 2):
                conn.execute(
                    text(
                        "INSERT INTO checklist (id, team_id, channel_id, template, title, created_by, created_at, "
                        "version) VALUES (:id, 'T', :ch, 'interop', 'Old', 'U', '2026-01-01 00:00:00', 2)"
                    ),
                    {"id": cid, "ch": f"C{cid}"},
                )
            prev = audit.GENESIS
            for action in ("start", "done"):
                digest = audit.event_hash(
                    prev, checklist_id=1, item_number=None, actor_id="U", action=action, old=None, new=None, at=at
                )
                conn.execute(
                    text(
                        "INSERT INTO event (checklist_id, actor_id, action, at, prev_hash, hash) "
                        "VALUES (1, 'U', :action, :at, :prev, :hash)"
                    ),
                    {"action": action, "at": at.replace(tzinfo=None), "prev": prev, "hash": digest},
                )
                prev = digest
        migrate.upgrade(db)
        with db.writer.connect() as conn:
            heads: dict[int, str | None] = {
                row.id: row.head_hash for row in conn.execute(text("SELECT id, head_hash FROM checklist ORDER BY id"))
            }
        assert heads == {1: prev, 2: None}, url
        with Session(db.writer) as session, session.begin():
            for cid in (1, 2):
                checklist = session.get(Checklist, cid)
                assert checklist is not None
                q.log_event(session, checklist=checklist, actor_id="U", action="note", at=at, new="after")
        with Session(db.writer) as session:
            chains = audit.verify(session)
            assert [(c.events, c.broken) for c in chains] == [(3, None), (1, None)], url
            rows = [session.get(Checklist, c.checklist_id) for c in chains]
            assert [row.head_hash if row else None for row in rows] == [c.head for c in chains]
        db.dispose()
