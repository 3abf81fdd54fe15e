"""Fixtures: a fake Slack Web API on loopback, the app served over HTTP, a driver that signs requests.

The database is a SQLite file per test, or PostgreSQL when TEST_DATABASE_URL is set (each test then starts
from empty tables).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

from bot.app import Runtime, create_runtime
from bot.clock import FixedClock
from bot.config import load_settings
from bot.localslack.driver import SlackDriver, http_transport
from bot.localslack.server import FakeSlack
from bot.localslack.signed import Signer
from bot.server import wsgi_app
from storage import migrate
from storage.db import Database

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # a Wednesday
OAUTH_TABLES = ("slack_bots", "slack_installations", "slack_oauth_states")


def _test_database_url(tmp_path) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path}/checklist.db"


def fresh_database(url: str) -> Database:
    """An empty database at the newest schema: made with create_all and stamped, which is fast; that the
    migrations build the very same schema is proven in tests/test_migrations.py."""
    db = Database(url)
    if not db.is_sqlite:
        with db.writer.begin() as conn:
            SQLModel.metadata.drop_all(conn)
            for table in OAUTH_TABLES:  # slack_sdk's OAuth stores make their own tables
                conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.create_all()
    migrate.stamp(db)
    return db


@pytest.fixture
def database_url(tmp_path) -> str:
    return _test_database_url(tmp_path)


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    for user in ("U0LOCAL", "UALICE", "UBOB", "UCARA", "UDAN", "UEVE"):
        fake.add_user(user)
    yield fake
    fake.stop()


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


@dataclass
class Bot:
    rt: Runtime
    url: str
    slack: SlackDriver
    fake: FakeSlack
    clock: FixedClock

    def settle(self) -> None:
        """Wait for the work the app does after acknowledging (Web API calls)."""
        assert self.rt.background.drain(10), "background work did not finish"


def start_bot(
    fake: FakeSlack,
    database_url: str,
    *,
    clock: FixedClock | None = None,
    env: dict | None = None,
    db: Database | None = None,
):
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake.api_url,
            "DATABASE_URL": database_url,
            **(env or {}),
        }
    )
    clock = clock or FixedClock(NOW)
    rt = create_runtime(settings, clock=clock, db=db)
    server = make_server("127.0.0.1", 0, wsgi_app(rt), server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/slack/events"
    bot = Bot(rt, url, SlackDriver(http_transport(url), Signer(SIGNING_SECRET), fake), fake, clock)

    def stop() -> None:
        server.shutdown()
        server.server_close()
        rt.close()

    return bot, stop


@pytest.fixture
def bot(fake_slack: FakeSlack, database_url: str) -> Iterator[Bot]:
    db = fresh_database(database_url)
    b, stop = start_bot(fake_slack, database_url, db=db)
    yield b
    stop()
    violations = fake_slack.violations()
    assert not violations, f"Slack would have rejected: {[(c.method, c.args.get('errors')) for c in violations]}"
    assert not b.slack.violations, f"Slack would have rejected these replies: {b.slack.violations}"


@pytest.fixture
def slack(bot: Bot) -> SlackDriver:
    return bot.slack


@pytest.fixture
def started(bot: Bot) -> Bot:
    reply = bot.slack.command("start")
    assert reply.status == 200 and reply.response_type == "in_channel", reply.body
    return bot


def pg_available() -> str | None:
    # PG_URL (what `make test PG_URL=…` names) keeps the SQLite pass's PostgreSQL-only tests on that database too.
    url = (
        os.environ.get("TEST_DATABASE_URL")
        or os.environ.get("PG_URL")
        or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    try:
        db = Database(url)
        with db.reader.connect() as conn:
            conn.execute(text("SELECT 1"))
        db.dispose()
        return url
    except Exception:  # noqa: BLE001
        return None
