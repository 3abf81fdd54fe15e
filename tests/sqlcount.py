"""Count the SQL statements a request runs, with an SQLAlchemy `before_cursor_execute` listener (and the held
reads' own observer list, for the statements run on a kept driver connection).

Statements run by the request's own thread (the unit of work behind the acknowledgement) are kept apart from those
run after the ack by the background pool (threads named `after-ack…`: outbox delivery, Home refreshes)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine, event

from storage.db import Database


@dataclass
class Statements:
    request: list[str] = field(default_factory=list)
    after_ack: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, statement: str) -> None:
        with self._lock:
            if threading.current_thread().name.startswith("after-ack"):
                self.after_ack.append(statement)
            else:
                self.request.append(statement)

    def clear(self) -> None:
        with self._lock:
            self.request.clear()
            self.after_ack.clear()

    def data(self) -> list[str]:
        """The request's statements without transaction control (BEGIN/COMMIT/SAVEPOINT/PRAGMA)."""
        skip = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA")
        return [s for s in self.request if not s.lstrip().upper().startswith(skip)]


@contextmanager
def counting(db: Database) -> Iterator[Statements]:
    """Record every statement the database's engines run while the block is open."""
    seen = Statements()
    engines: list[Engine] = []
    for engine in (db.writer, db.reader):
        # An execution_options() engine (PostgreSQL's reader) runs its parent's listeners: listen on the parent only,
        # or each read would be counted twice. (Its `.engine` is itself; `_proxied` is the parent.)
        base = getattr(engine, "_proxied", engine)
        if all(base is not e for e in engines):
            engines.append(base)

    def listener(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.record(statement)

    for engine in engines:
        event.listen(engine, "before_cursor_execute", listener)
    db.held.observers.append(seen.record)  # the reads run on a kept driver connection (storage/held.py)
    try:
        yield seen
    finally:
        db.held.observers.remove(seen.record)
        for engine in engines:
            event.remove(engine, "before_cursor_execute", listener)
