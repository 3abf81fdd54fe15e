"""Fixtures: a fake Slack Web API on loopback, the app served over HTTP, a driver that signs requests.

The database is a SQLite file per test, or PostgreSQL when TEST_DATABASE_URL is set: the run then works in a
database of its own, created from that URL's server at the start and dropped at the end (so two runs on one
server never meet), and each test starts from empty tables. No test writes into the repository: the session
fails if a file appears there.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import os
import secrets
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from socketserver import ThreadingMixIn
from types import CodeType
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from hypothesis import settings as hypothesis_settings
from hypothesis.configuration import set_hypothesis_home_dir
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

from bot.app import Runtime, create_runtime
from bot.checklists import templates as checklist_templates
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
SQLITE_PASS = "its SQLite case: ran in the SQLite pass (make test's first)"

# Every app a test starts reads the built-in checklist templates: they are immutable (frozen dataclasses and
# tuples) and the same files throughout a run, so a test process parses them once and each app gets its own dict.
# Template folders of a test's own are read as ever, and the processes tests start read everything themselves.
_builtin_templates = functools.cache(checklist_templates.builtin_templates)
setattr(checklist_templates, "builtin_templates", lambda: dict(_builtin_templates()))  # noqa: B010

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
    skip = {".git", ".venv", "__pycache__", ".ruff_cache", ".mypy_cache", ".pytest_cache"}  # mypy may run beside
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


# -- the PostgreSQL pass runs the tests that reach the database it names --------------------------------------------
#
# Every way a test gets the run's PostgreSQL database goes through TEST_DATABASE_URL (the database_url fixture,
# pg_available(), or the variable read directly), and nothing outside tests/ reads that variable
# (tests/test_database_pass.py checks). So a test whose code, fixtures and tests/ helpers never mention it does
# the same thing in both passes: the parsers, renderers, wording and manifest checks, the CLI's configuration
# errors, the wheel, and the processes started on a SQLite file of their own. The PostgreSQL pass skips those
# (they ran in the SQLite pass), all under one reason and count in the summary. What mentions it runs in both.
NO_DATABASE = "reaches no database the run names: it ran in the SQLite pass (make test's first)"
_DB_VARIABLE = "TEST_DATABASE_URL"


def _reads_test_database_url(code: CodeType, namespace: dict, seen: set) -> bool:
    if code in seen:
        return False
    seen.add(code)
    for const in code.co_consts:
        if isinstance(const, str) and _DB_VARIABLE in const:
            return True
        if isinstance(const, CodeType) and _reads_test_database_url(const, namespace, seen):
            return True
    # Helpers the code names: globals of its module, and names imported inside it from a tests module.
    spaces = [namespace] + [vars(sys.modules[n]) for n in code.co_names if n.startswith("tests") and n in sys.modules]
    for name in code.co_names:
        for space in spaces:
            if name in space and _helper_reads_test_database_url(space[name], seen):
                return True
    return False


def _helper_reads_test_database_url(obj: object, seen: set) -> bool:
    """obj is a function or class from tests/ whose code (or a method's) mentions TEST_DATABASE_URL."""
    if not str(getattr(obj, "__module__", "")).startswith("tests"):
        return False
    if inspect.isclass(obj):
        return any(_helper_reads_test_database_url(v, seen) for v in vars(obj).values() if inspect.isfunction(v))
    fn = inspect.unwrap(obj) if callable(obj) else obj
    fn = getattr(getattr(fn, "hypothesis", None), "inner_test", fn)  # @given wraps the test
    code = getattr(fn, "__code__", None)
    return code is not None and _reads_test_database_url(code, getattr(fn, "__globals__", {}), seen)


def reaches_the_database(item: pytest.Item) -> bool:
    """True when the test, a fixture it uses or a tests/ helper they call mentions TEST_DATABASE_URL."""
    seen: set = set()
    fixtures = getattr(item, "_fixtureinfo", None)
    funcs = [getattr(item, "function", None)]
    if fixtures is not None:
        funcs += [d.func for defs in fixtures.name2fixturedefs.values() for d in defs]
    return any(f is not None and _helper_reads_test_database_url(f, seen) for f in funcs)


_no_database = pytest.StashKey[bool]()


# The long tests (real processes, a long random walk) go first, so that under pytest-xdist they overlap with the
# many short ones instead of finishing alone at the end (make test hands tests out a few at a time,
# --maxschedchunk). Order only: a test missing here runs all the same, later.
LONG_FIRST = (
    "tests/test_outbox_serve.py::",
    "tests/test_signoff_machine.py::",
    "tests/test_replicas.py::",
    "tests/test_serve.py::",
    "tests/test_reminders.py::test_two_os_processes_on_one_database_post_once",
    "tests/test_migrations.py::test_cli_db_upgrade_and_status",
    "tests/test_db_stall.py::test_a_stalled_database_is_answered_in_time_and_commits_nothing_late",
    "tests/test_config_cli.py::test_bare_command_without_tokens_opens_the_console_and_reads_pipes",
    "tests/test_config_cli.py::test_a_half_configured_environment_names_the_missing_variable",
    "tests/test_oauth.py::test_serve_in_oauth_mode_installs_and_answers_two_workspaces",
    "tests/test_logs.py::test_json_log_lines_parse_and_carry_no_user_text",
    "tests/test_bounded.py::test_a_hundred_trickling_clients_leave_healthz_and_commands_answering",
    "tests/test_verify_first.py::test_unverified_requests_to_checklist_bot_serve",
    "tests/test_socket_mode.py::",
    "tests/test_console.py::test_make_run_passes_args",
    "tests/test_wheel.py::",
)


def pytest_collection_modifyitems(config, items) -> None:
    items.sort(key=lambda item: not item.nodeid.startswith(LONG_FIRST))  # stable: the rest keep their order
    if pg_available():
        for item in items:
            item.stash[_no_database] = not reaches_the_database(item)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item) -> None:
    if item.stash.get(_no_database, False):
        pytest.skip(NO_DATABASE)


def _test_database_url(tmp_path) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path}/checklist.db"


def fresh_database(url: str) -> Database:
    """An empty database at the newest schema: made with create_all and stamped, which is fast; that the
    migrations build the very same schema is proven in tests/test_migrations.py. A new SQLite file is a copy of
    the first one this process built; PostgreSQL's schema is emptied when it is one built here (_emptied)."""
    path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else None
    if path and not os.path.exists(path):
        with open(path, "wb") as f:  # a new SQLite file: a copy of the one this process built first
            f.write(_empty_sqlite_file())
        return Database(url)
    return _build(url)


def _build(url: str) -> Database:
    db = Database(url)
    if not db.is_sqlite and _emptied(db):
        return db
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
    if not db.is_sqlite:
        with db.writer.begin() as conn:
            conn.execute(text(f"COMMENT ON TABLE alembic_version IS '{_MADE_HERE}'"))
    return db


@functools.cache
def _empty_sqlite_file() -> bytes:
    """The bytes of a SQLite file that fresh_database built (create_all, the OAuth tables, stamped), once a
    process: each test's new file is a copy, without building the schema again."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "empty.db")
        _build(f"sqlite:///{path}").dispose()
        assert os.listdir(folder) == ["empty.db"], os.listdir(folder)  # no -wal file left beside it
        with open(path, "rb") as f:
            return f.read()


_MADE_HERE = "fresh_database"  # on alembic_version: this schema is one fresh_database built


def _emptied(db: Database) -> bool:
    """PostgreSQL, when the schema is one fresh_database built (its mark is still on alembic_version, which the
    migration tests drop, and every table is there at the newest revision): empty the tables, their id sequences
    restarted, instead of dropping and creating them again. The same empty schema, without the DDL, which costs
    PostgreSQL most of a test's set-up."""
    tables = [*SQLModel.metadata.tables, *OAUTH_TABLES]
    with db.writer.begin() as conn:
        mark = conn.execute(text("SELECT obj_description(to_regclass('alembic_version'), 'pg_class')")).scalar()
        if mark != _MADE_HERE:
            return False
        present = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).scalars()
        if not set(tables) <= set(present):
            return False
        if conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() != [migrate.head()]:
            return False
        # DELETE, children first, and the id sequences restarted: on a few rows far cheaper than TRUNCATE, which
        # gives every table and index a new file.
        sequences = conn.execute(text("SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()"))
        statements = [f"DELETE FROM {t.name}" for t in reversed(SQLModel.metadata.sorted_tables)]
        statements += [f"DELETE FROM {t}" for t in OAUTH_TABLES]
        statements += [f'ALTER SEQUENCE "{name}" RESTART' for name in sequences.scalars()]
        conn.exec_driver_sql("; ".join(statements))
    return True


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
