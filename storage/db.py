"""Engine and session set-up: SQLite (WAL, busy timeout, foreign keys) by default, PostgreSQL when configured.

Use `db.write()` for a unit of work that changes state and `db.read()` for one that only reads. On SQLite
write transactions start with BEGIN IMMEDIATE so two writers queue on the busy timeout instead of failing
half-way with "database is locked"; on PostgreSQL writers lock the checklist row they change.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.pool import NullPool
from sqlmodel import Session, SQLModel

from . import lifecycle, models, outbox, schedules, signoffs  # noqa: F401  (registers the tables on SQLModel.metadata)

SQLITE_BUSY_TIMEOUT_MS = 15_000
# The write session of `Database.joined()` on this thread: units of work inside it join its transaction.
_JOINED: ContextVar[Session | None] = ContextVar("joined_write_session", default=None)
# How the app's connections name themselves in PostgreSQL's pg_stat_activity, unless the URL's
# `?application_name=` says otherwise.
APPLICATION_NAME = "checklist-bot"


def _sqlite_engine(url: str, begin: str, *, pooled: bool = True) -> Engine:
    kwargs = {"connect_args": {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}}
    if not pooled:
        kwargs["poolclass"] = NullPool
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        conn.exec_driver_sql(begin)

    return engine


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
            connect_args = {} if "application_name" in self.url.query else {"application_name": APPLICATION_NAME}
            self.writer = create_engine(
                url, pool_pre_ping=True, pool_size=10, max_overflow=10, pool_timeout=5, connect_args=connect_args
            )
            # Reads run in autocommit: no BEGIN/COMMIT round trips on the hot path. A view is drawn from one
            # query of the items, so it is consistent in itself; changes still go through `write()`.
            self.reader = self.writer.execution_options(isolation_level="AUTOCOMMIT")

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    def create_all(self) -> None:
        SQLModel.metadata.create_all(self.writer)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A unit of work that commits on success and rolls back on any exception.

        Inside `joined()` it is a SAVEPOINT of the joined transaction instead, so its changes commit together with
        whatever else that transaction writes (e.g. the outbox effects that belong to the change)."""
        joined = _JOINED.get()
        if joined is not None:
            with joined.begin_nested():
                yield joined
            return
        with Session(self.writer, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def joined(self) -> Iterator[Session]:
        """One transaction that every `write()` on this thread joins until it ends; commits on success."""
        if _JOINED.get() is not None:
            raise RuntimeError("joined() does not nest")
        with Session(self.writer, expire_on_commit=False) as session, session.begin():
            token = _JOINED.set(session)
            try:
                yield session
            finally:
                _JOINED.reset(token)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.reader, expire_on_commit=False) as session, session.begin():
            yield session

    def ping(self) -> bool:
        try:
            with self.reader.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001  (any failure means "not healthy")
            return False

    def dispose(self) -> None:
        self.writer.dispose()
        if self.is_sqlite:
            self.reader.dispose()
