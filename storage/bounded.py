"""PostgreSQL connections whose every wait is bounded by the current budget (storage/deadline.py).

PostgreSQL's own `statement_timeout` runs on the server: it cannot help when the network or the server stalls
and nothing comes back. Here the client stops waiting: a statement (or COMMIT) with no answer in time closes
its connection, which SQLAlchemy then treats as lost, and the error says what happened.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

import psycopg
from psycopg import errors as pe

from storage import deadline


class DatabaseTimeout(psycopg.OperationalError):
    """The database did not answer within the budget; the connection was closed."""


class CommitOutcomeUnknown(DatabaseTimeout):
    """COMMIT was sent and no answer came in time: the change may or may not be saved."""


class BoundedConnection(psycopg.Connection):
    def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
        limit = deadline.wait_limit()
        if limit is None or (timeout is not None and timeout <= limit):
            return super().wait(gen, interval, timeout)  # the caller's own, tighter timeout: its own handling
        try:
            return super().wait(gen, interval, limit)
        except pe._WaitTimeout:
            self.pgconn.finish()  # mid-protocol: the connection cannot be reused; the server rolls back
            raise DatabaseTimeout(f"the database did not answer within {limit:.1f} s") from None

    def commit(self) -> None:
        try:
            super().commit()
        except DatabaseTimeout as exc:
            raise CommitOutcomeUnknown(f"no answer to COMMIT: {exc}") from None


_connecting = ThreadPoolExecutor(max_workers=4, thread_name_prefix="db-connect")


def connect_within_budget(conninfo: str, **kwargs: Any) -> BoundedConnection:
    """Connect (libpq's `connect_timeout` cannot go below 2 s); under a budget give up when it runs out, and
    close the connection should it arrive later."""
    left = deadline.remaining()
    if left is None or left == float("inf"):
        return BoundedConnection.connect(conninfo, **kwargs)
    future = _connecting.submit(BoundedConnection.connect, conninfo, **kwargs)
    try:
        return future.result(timeout=left)
    except FutureTimeout:
        future.add_done_callback(_close_late_connection)
        raise DatabaseTimeout(f"no connection to the database within {left:.1f} s") from None


def _close_late_connection(future: Any) -> None:
    if not future.cancelled() and future.exception() is None:
        threading.Thread(target=future.result().close, daemon=True).start()
