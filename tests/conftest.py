"""Fixtures: a fake Slack Web API on loopback, the app served over HTTP, a driver that signs requests.

The database is a SQLite file per test, or PostgreSQL when TEST_DATABASE_URL is set: the run then works in a
database of its own, created from that URL's server at the start and dropped at the end (so two runs on one
server never meet), and each test starts from empty tables. No test writes into the repository: the session
fails if a file appears there.
"""

from __future__ import annotations

import importlib
import os
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from hypothesis import settings as hypothesis_settings
from hypothesis.configuration import set_hypothesis_home_dir
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

from bot.app import Runtime, create_runtime
from bot.clock import FixedClock
from bot.config import load_settings
from bot.slack.server import wsgi_app
from storage import migrate
from storage.db import Database
from tests.fake.driver import SlackDriver, http_transport
from tests.fake.server import FakeSlack
from tests.fake.signed import Signer

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # a Wednesday
OAUTH_TABLES = ("slack_bots", "slack_installations", "slack_oauth_states")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PG_ONLY = "PostgreSQL-only: set TEST_DATABASE_URL (make test runs these in its PostgreSQL pass)"

# Hypothesis keeps failing examples in ./.hypothesis by default: none are kept (and see pytest_sessionstart).
hypothesis_settings.register_profile("checklist-bot", database=None)
hypothesis_settings.load_profile("checklist-bot")


# -- one PostgreSQL database per test run -------------------------------------------------------------------------


def _admin_engine(url: str):
    return create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)


def create_run_database(base_url: str) -> str:
    """A new, uniquely named database on base_url's server; returns its URL."""
    base = make_url(base_url)
    name = f"{base.database or 'checklist'}_run_{os.getpid()}_{secrets.token_hex(3)}"[-63:]
    engine = _admin_engine(base_url)
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def drop_run_database(base_url: str, run_url: str) -> None:
    name = make_url(run_url).database
    engine = _admin_engine(base_url)
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def _repo_files() -> set[str]:
    """Files in the repository that a test run could leave behind (caches of Python and tools aside)."""
    skip = {".git", ".venv", "__pycache__", ".ruff_cache", ".pytest_cache"}
    found: set[str] = set()
    for root, dirs, files in os.walk(REPO):
        dirs[:] = [d for d in dirs if d not in skip and not d.endswith(".egg-info")]
        found.update(os.path.relpath(os.path.join(root, f), REPO) for f in files)
    return found


def pytest_sessionstart(session) -> None:
    session.config._repo_files_before = _repo_files()
    # Hypothesis also caches what it learns from our sources (./.hypothesis/constants): keep that with the run.
    set_hypothesis_home_dir(session.config._tmp_path_factory.getbasetemp() / "hypothesis")
    base = os.environ.get("TEST_DATABASE_URL")
    if base and not base.startswith("sqlite"):
        try:
            run_url = create_run_database(base)
        except Exception as exc:  # noqa: BLE001
            pytest.exit(f"TEST_DATABASE_URL does not answer: {type(exc).__name__}: {exc}".splitlines()[0], 2)
        session.config._run_database = (base, run_url)
        os.environ["TEST_DATABASE_URL"] = run_url  # tests and the processes they start all use the run's database
        print(f"\n== PostgreSQL: this run works in database {make_url(run_url).database}")


def pytest_sessionfinish(session, exitstatus) -> None:
    run = getattr(session.config, "_run_database", None)
    if run:
        os.environ["TEST_DATABASE_URL"] = run[0]
        drop_run_database(*run)
    before = getattr(session.config, "_repo_files_before", None)
    if before is not None:
        new = sorted(_repo_files() - before)
        if new:
            session.config.get_terminal_writer().line(f"\nTests wrote into the repository: {new}", red=True)
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


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
    # slack_sdk's OAuth store tables, from the same definitions as migration 0003 (create_all knows our models only).
    importlib.import_module("storage.migrations.versions.0003_slack_oauth_stores")._tables().create_all(db.writer)
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
            # Generous on a machine shared by many test runs; tests/test_db_stall.py uses the real 2.5 s.
            "DB_REQUEST_TIMEOUT": "10",
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
    """The run's PostgreSQL database, or None in a SQLite run: PostgreSQL-only tests then skip (with PG_ONLY), so
    they run once, in the PostgreSQL pass, and never touch a database nobody named."""
    url = os.environ.get("TEST_DATABASE_URL")
    return url if url and not url.startswith("sqlite") else None
