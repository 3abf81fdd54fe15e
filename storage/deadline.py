"""How long the database may take for the work at hand, so a database that stalls (answers nothing, closes
nothing) costs a request a bounded wait instead of a hung thread.

A request sets its budget with `within(seconds)`; every wait on PostgreSQL (connect, pool checkout, statement,
commit) is cut at what is left of it, and a unit of work that would start its COMMIT too late rolls back
instead, so nobody is told "nothing was changed" about a change that commits afterwards. Work without a budget
(the scheduler, the follow-up pool) waits at most DEFAULT_WAIT_S for any single database answer.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

DEFAULT_WAIT_S = 30.0
COMMIT_MARGIN_S = 0.25  # a COMMIT is only started with at least this much of the budget left


class OutOfTime(Exception):
    """The budget ran out before the unit of work could commit: it was rolled back, nothing changed."""


_deadline: ContextVar[float | None] = ContextVar("database_deadline", default=None)


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Give the database work done inside this block `seconds` in all (nested budgets only shrink)."""
    new = time.monotonic() + seconds
    current = _deadline.get()
    token = _deadline.set(new if current is None else min(current, new))
    try:
        yield
    finally:
        _deadline.reset(token)


@contextmanager
def unbounded() -> Iterator[None]:
    """No limit at all inside this block: schema migrations, which may rewrite a large table or wait for
    another replica's migration."""
    token = _deadline.set(math.inf)
    try:
        yield
    finally:
        _deadline.reset(token)


def check_time_to_commit() -> None:
    left = remaining()
    if left is not None and left < COMMIT_MARGIN_S:
        raise OutOfTime(f"{left:.2f} s left of the database budget: rolled back rather than risk a late commit")


def remaining() -> float | None:
    """Seconds left of the current budget (never below 0), or None when there is none."""
    deadline = _deadline.get()
    return None if deadline is None else max(0.0, deadline - time.monotonic())


def wait_limit() -> float | None:
    """How long the next single wait on the database may take (None: as long as it takes)."""
    if _deadline.get() == math.inf:
        return None
    left = remaining()
    return DEFAULT_WAIT_S if left is None else min(left, DEFAULT_WAIT_S)
