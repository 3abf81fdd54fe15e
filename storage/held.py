"""One-statement reads on a driver connection each thread keeps: the path of the hottest read of all.

Every `/checklist status` asks the database one question (the checklist's id, version and timezone) to know
whether its cached rendering is current. Asked through SQLAlchemy, that question cost about 0.8 M instructions a
request (a pool checkout, with a `SELECT 1` pre-ping on PostgreSQL; a `Connection`; the Core execution machinery;
a `Row`), more than all of Bolt's dispatch, against a few tens of thousands on the driver's own cursor. Here the
statement is compiled once for the database's driver and run on a connection the thread keeps between requests.

The connection comes from the engine's own pool (so it is made by the same creator, with the same settings: WAL
and busy timeout on SQLite; the budget-bounded connection and server-side timeouts on PostgreSQL) and is then
detached from it, so the pool's size is not taken up. It reads in autocommit: each statement sees what is
committed when it runs. On any error the thread's connection is closed and dropped, and the read runs once more the
usual way (`fallback`), whose errors the app already answers ("temporarily unavailable"); the next read connects
afresh. `close()` closes every thread's connection (at shutdown).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, TypeAlias

from sqlalchemy import Engine, Select

log = logging.getLogger(__name__)

Row = tuple[Any, ...]
Statement: TypeAlias = "Select[*tuple[Any, ...]]"  # a Core SELECT, whatever its columns
Observer = Callable[[str], None]


class Compiled:
    """A statement rendered once for a driver: its SQL and the order of its parameters (qmark drivers)."""

    def __init__(self, stmt: Statement, engine: Engine) -> None:
        compiled = stmt.compile(dialect=engine.dialect)
        self.sql = str(compiled)
        self.positions: tuple[str, ...] | None = tuple(compiled.positiontup) if compiled.positiontup else None

    def args(self, params: dict[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        return tuple(params[name] for name in self.positions) if self.positions is not None else params


class HeldReads:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._local = threading.local()
        self._compiled: dict[int, tuple[Statement, Compiled]] = {}
        self._all: list[Any] = []  # every thread's connection, to close them at shutdown
        self._lock = threading.Lock()
        self.observers: list[Observer] = []  # told the SQL of each statement run (tests count statements)

    def row(self, stmt: Statement, params: dict[str, Any], fallback: Callable[[], Row | None]) -> Row | None:
        """The first row of `stmt` (a module-level statement, built once), or None; on any error from the
        driver, `fallback()`'s answer instead."""
        compiled = self._compile(stmt)
        try:
            conn = self._connection()
            for observe in self.observers:
                observe(compiled.sql)
            cursor = conn.cursor()
            try:
                cursor.execute(compiled.sql, compiled.args(params))
                found = cursor.fetchone()
            finally:
                cursor.close()
        except Exception:  # noqa: BLE001  (the connection is suspect: drop it; the usual path answers this time)
            log.debug("held read failed; dropping this thread's connection", exc_info=True)
            self._drop()
            return fallback()
        return tuple(found) if found is not None else None

    def close(self) -> None:
        with self._lock:
            held, self._all = self._all, []
        for conn in held:
            close_quietly(conn)
        self._local = threading.local()

    def _compile(self, stmt: Statement) -> Compiled:
        entry = self._compiled.get(id(stmt))
        if entry is None or entry[0] is not stmt:
            entry = (stmt, Compiled(stmt, self.engine))
            self._compiled[id(stmt)] = entry
        return entry[1]

    def _connection(self) -> Any:
        held = getattr(self._local, "conn", None)
        if held is not None:
            return held
        conn = detached_connection(self.engine)
        with self._lock:
            self._all.append(conn)
        self._local.conn = conn
        return conn

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is None:
            return
        with self._lock:
            if conn in self._all:
                self._all.remove(conn)
        close_quietly(conn)


def detached_connection(engine: Engine) -> Any:
    """A driver connection made by `engine`'s pool (its creator, its settings) and then detached from it, so the
    pool neither counts nor recycles it; outside SQLite in autocommit. The caller closes it."""
    fairy = engine.raw_connection()
    try:
        fairy.detach()
        conn: Any = fairy.dbapi_connection
        if engine.dialect.name != "sqlite":
            conn.rollback()  # a checkout's pre-ping may have opened a transaction
            conn.autocommit = True
    except Exception:
        fairy.close()
        raise
    return conn


def close_quietly(conn: Any) -> None:
    try:
        conn.close()
    except Exception:  # noqa: BLE001  (closing a connection that is already broken)
        log.debug("closing a connection failed", exc_info=True)
