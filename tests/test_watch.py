"""PostgreSQL tells each process which channels' checklists changed (storage/watch.py): the stamp `/checklist
status` checks is then answered from memory, with no statement, and is never trusted past what the process can
vouch for: its own writes at once, another replica's when the notice arrives, nothing while the listening
connection is broken or deaf."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from storage import queries as q
from storage import watch as watch_module
from storage.db import Database
from tests.conftest import PG_ONLY, fresh_database, pg_available
from tests.sqlcount import counting
from tests.test_held_reads import start_checklist as start

STAMP = ("T1", "C1")


@pytest.fixture
def replicas(database_url: str) -> Iterator[tuple[Database, Database]]:
    """Two processes' databases on one PostgreSQL schema: `a` is watched, `b` writes."""
    if pg_available() is None:
        pytest.skip(PG_ONLY)
    a = fresh_database(database_url)
    b = Database(database_url)
    yield a, b
    a.dispose()
    b.dispose()


def bump(db: Database) -> None:
    """A change, as every change does it: the checklist's version moves."""
    with db.write() as session:
        row = q.active_checklist(session, *STAMP, lock=True)
        assert row is not None
        row.version += 1


def stamp(db: Database) -> tuple[int, int, str]:
    found = q.active_checklist_stamp(db, *STAMP)
    assert found is not None
    return found


def eventually(check: Callable[[], bool], within: float = 10.0) -> None:
    """Wait for `check` (a bound, not a timing: on a quiet machine it holds within milliseconds)."""
    end = time.monotonic() + within
    while not check():
        assert time.monotonic() < end, "did not happen in time"
        time.sleep(0.01)


def remembered(db: Database) -> bool:
    """True once the stamp is answered from memory: the watch listens, and a read was remembered."""
    assert db.watch is not None
    stamp(db)
    trusted, found, _ = db.watch.lookup(STAMP)
    return trusted and found is not None


def remembered_stamp(db: Database) -> tuple[int, int, str]:
    eventually(lambda: remembered(db))
    return stamp(db)


def deafen(db: Database) -> Any:
    """The listening connection stops listening (and stays open): no notice reaches this process any more."""
    assert db.watch is not None
    with db.watch._lock:
        conn = db.watch._conn
        conn.execute(f"UNLISTEN {watch_module.CHANNEL}")
    return conn


def statements(db: Database) -> int:
    with counting(db) as seen:
        stamp(db)
    return len(seen.data())


def test_a_remembered_stamp_runs_no_statement_and_another_replicas_change_arrives(replicas):
    a, b = replicas
    start(b)
    before = remembered_stamp(a)
    assert statements(a) == 0  # no round trip: what made status cost more on PostgreSQL than on SQLite

    bump(b)  # through the other replica: only PostgreSQL's notice can tell `a`
    eventually(lambda: stamp(a)[1] == before[1] + 1)
    eventually(lambda: remembered(a))
    assert statements(a) == 0 and stamp(a)[1] == before[1] + 1


def test_a_process_sees_its_own_write_at_once(replicas, monkeypatch):
    """Not thanks to the notice: here none arrives (the listener stops listening; its echo is not awaited in
    this test's time), and each write is still seen by the very next read."""
    monkeypatch.setattr(watch_module, "ECHO_WAIT_S", 600)
    a, _ = replicas
    start(a)
    before = remembered_stamp(a)
    deafen(a)
    for n in range(1, 4):
        bump(a)
        assert stamp(a)[1] == before[1] + n
        assert remembered(a) and statements(a) == 0  # and remembered again, until the next write


def test_a_new_checklist_in_the_channel_is_seen(replicas):
    a, b = replicas
    start(b)
    eventually(lambda: remembered(a))
    first = stamp(a)
    with b.write() as session:
        row = q.active_checklist(session, *STAMP, lock=True)
        assert row is not None
        row.archived_at = datetime(2026, 11, 30, tzinfo=UTC)
    eventually(lambda: q.active_checklist_stamp(a, *STAMP) is None)
    start(b)
    eventually(lambda: q.active_checklist_stamp(a, *STAMP) not in (None, first))


def test_a_killed_listener_is_not_trusted_and_comes_back(replicas):
    a, b = replicas
    start(b)
    before = remembered_stamp(a)
    assert a.watch is not None
    listener = a.watch._conn.info.backend_pid
    with b.writer.begin() as conn:  # what a database restart or a failover does to it
        conn.exec_driver_sql(f"SELECT pg_terminate_backend({listener})")
    bump(b)  # its notice reaches nobody in `a`
    eventually(lambda: stamp(a)[1] == before[1] + 1)  # read from the database meanwhile
    eventually(lambda: remembered(a))  # listening again, on a new connection
    assert a.watch._conn.info.backend_pid != listener
    bump(b)
    eventually(lambda: stamp(a)[1] == before[1] + 2)


def test_a_deaf_listener_stops_being_trusted(replicas, monkeypatch):
    """A connection that stays open but hears nothing (a network that drops packets) would keep an old stamp for
    ever; its own echo not coming back makes the watch stop trusting it, and listen afresh."""
    monkeypatch.setattr(watch_module, "ECHO_EVERY_S", 0.2)
    monkeypatch.setattr(watch_module, "ECHO_WAIT_S", 0.5)
    a, b = replicas
    start(b)
    before = remembered_stamp(a)
    deaf = deafen(a)
    bump(b)  # `a` hears no notice of it
    eventually(lambda: stamp(a)[1] == before[1] + 1, within=10)
    eventually(lambda: remembered(a) and a.watch._conn is not deaf)
