"""Engine and session set-up: SQLite (WAL, busy timeout, foreign keys) by default, PostgreSQL when configured.

Use `db.write()` for a unit of work that changes state and `db.read()` for one that only reads. On SQLite
write transactions start with BEGIN IMMEDIATE so two writers queue on the busy timeout instead of failing
half-way with "database is locked"; on PostgreSQL writers lock the checklist row they change.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import NullPool
from sqlmodel import Session, SQLModel

from storage import deadline, lifecycle, models, outbox, portfolio, schedules, signoffs  # noqa: F401  (registers the tables)
from storage.held import HeldReads, Statement
from storage.watch import ChecklistWatch, install_trigger

# Waits, chosen so that a database that stalls costs a request at most 2.5 s (Slack gives 3 s to answer):
SQLITE_BUSY_TIMEOUT_MS = 2_000  # a writer queues this long for the write lock, then "temporarily unavailable"
PG_CONNECT_TIMEOUT_S = 2  # libpq's minimum; under a request's budget the wait is cut shorter (storage/bounded.py)
PG_POOL_TIMEOUT_S = 1  # waiting for a free pooled connection
# Server-side limits: a statement running too long, a lock held too long (by a client that stalled mid-way),
# a transaction left open by a client that went away.
PG_OPTIONS = "-c statement_timeout=5000 -c lock_timeout=2000 -c idle_in_transaction_session_timeout=10000"

P = ParamSpec("P")
T = TypeVar("T")


def rerun_if_race_lost(unit: Callable[P, T]) -> Callable[P, T]:
    """For a unit of work that inserts a row a concurrent request may insert at the same moment (a channel's
    first checklist, its first digest schedule): when it loses on the unique constraint, its transaction is rolled
    back and it runs once more, now seeing the winner's row, so it gives its real answer ("this channel already
    has a checklist", or the schedule replaced) instead of an error."""

    @functools.wraps(unit)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return unit(*args, **kwargs)
        except IntegrityError:
            return unit(*args, **kwargs)

    return run


# The write session of `Database.joined()` on this thread: units of work inside it join its transaction.
_JOINED: ContextVar[Session | None] = ContextVar("joined_write_session", default=None)
# How the app's connections name themselves in PostgreSQL's pg_stat_activity, unless the URL's
# `?application_name=` says otherwise.
APPLICATION_NAME = "checklist-bot"


SINGLE_STATEMENT = "checklist_single_statement"  # an execution option: see `Database.one_row()`


def _sqlite_engine(url: str, begin: str, *, pooled: bool = True) -> Engine:
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}}
    if not pooled:
        kwargs["poolclass"] = NullPool
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: object) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get(SINGLE_STATEMENT):
            return  # `Database.one_row()`: one statement, in SQLite's own autocommit
        # Under a request's budget, queue for the write lock only as long as is left of it.
        left = deadline.remaining()
        wait_ms = SQLITE_BUSY_TIMEOUT_MS if left is None else int(min(left * 1000, SQLITE_BUSY_TIMEOUT_MS))
        conn.exec_driver_sql(f"PRAGMA busy_timeout={wait_ms}")
        conn.exec_driver_sql(begin)

    return engine


def _postgresql_engine(url: URL) -> Engine:
    from storage.bounded import connect_within_budget  # psycopg: imported only for PostgreSQL (0.15 s a process)

    query: dict[str, Any] = dict(url.query)  # str values (a tuple for a repeated key, passed on as it is)
    params = {"connect_timeout": query.pop("connect_timeout", str(PG_CONNECT_TIMEOUT_S))}
    if "application_name" not in query:
        params["application_name"] = APPLICATION_NAME
    params["options"] = " ".join(filter(None, [PG_OPTIONS, query.pop("options", "")]))
    conninfo = url.set(drivername="postgresql", query=query).render_as_string(hide_password=False)
    return create_engine(
        url,
        creator=lambda: connect_within_budget(conninfo, **params),
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        pool_timeout=PG_POOL_TIMEOUT_S,
    )


class Database:
    """One database: a reader and a writer engine (the same one outside SQLite)."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.dialect = self.url.get_backend_name()
        if self.dialect == "sqlite":
            database = self.url.database
            if not database or database == ":memory:":
                raise ValueError("SQLite needs a file path, e.g. sqlite:///checklist.db")
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            self.reader = _sqlite_engine(url, "BEGIN")
            self.writer = _sqlite_engine(url, "BEGIN IMMEDIATE")
        else:
            self.writer = _postgresql_engine(self.url)
            # Reads run in autocommit: no BEGIN/COMMIT round trips on the hot path. A view is drawn from one
            # query of the items, so it is consistent in itself; changes still go through `write()`.
            self.reader = self.writer.execution_options(isolation_level="AUTOCOMMIT")
        self._peeker = self.reader.execution_options(**{SINGLE_STATEMENT: True})
        self.held = HeldReads(self.reader)
        # PostgreSQL tells which checklists changed (storage/watch.py); SQLite has no such channel.
        self.watch: ChecklistWatch | None = None if self.dialect == "sqlite" else ChecklistWatch(self.reader)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    def create_all(self) -> None:
        SQLModel.metadata.create_all(self.writer)
        if not self.is_sqlite:
            with self.writer.begin() as conn:
                install_trigger(conn)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A unit of work that commits on success and rolls back on any exception, and on running out of the
        request's time budget before its COMMIT (storage/deadline.py).

        Inside `joined()` it is a SAVEPOINT of the joined transaction instead, so its changes commit together with
        whatever else that transaction writes (e.g. the outbox effects that belong to the change)."""
        joined = _JOINED.get()
        if joined is not None:
            with joined.begin_nested():
                yield joined
            return
        try:
            with Session(self.writer, expire_on_commit=False) as session, session.begin():
                yield session
                deadline.check_time_to_commit()
        finally:
            self._wrote()

    @contextmanager
    def joined(self) -> Iterator[Session]:
        """One transaction that every `write()` on this thread joins until it ends; commits on success."""
        if _JOINED.get() is not None:
            raise RuntimeError("joined() does not nest")
        try:
            with Session(self.writer, expire_on_commit=False) as session, session.begin():
                token = _JOINED.set(session)
                try:
                    yield session
                finally:
                    _JOINED.reset(token)
                deadline.check_time_to_commit()
        finally:
            self._wrote()

    def _wrote(self) -> None:
        """After a write ends, committed or not (a COMMIT that got no answer may have saved it): this process sees
        its own change at once, not when PostgreSQL's notice comes (storage/watch.py)."""
        if self.watch is not None:
            self.watch.forget_all()

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.reader, expire_on_commit=False) as session, session.begin():
            yield session

    def one_row(self, stmt: Statement, params: dict[str, Any]) -> tuple[Any, ...] | None:
        """The first row of one read statement (built once, at module level), consistent by itself: no session,
        no BEGIN/COMMIT. For the hottest read (the version `/checklist status` checks): it runs on a connection
        this thread keeps (storage/held.py), and through a pooled connection when that fails."""

        def pooled() -> tuple[Any, ...] | None:
            with self._peeker.connect() as conn:
                row = conn.execute(stmt, params).first()
            return tuple(row) if row is not None else None

        return self.held.row(stmt, params, pooled)

    def ping(self, within_s: float | None = None) -> bool:
        """True when the database answers `SELECT 1` (within `within_s` seconds, when given)."""
        if within_s is not None:
            with deadline.within(within_s):
                return self.ping()
        try:
            with self.reader.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001  (any failure means "not healthy")
            return False

    def dispose(self) -> None:
        if self.watch is not None:
            self.watch.stop()
        self.held.close()
        self.writer.dispose()
        if self.is_sqlite:
            self.reader.dispose()
