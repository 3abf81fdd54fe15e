"""PostgreSQL tells each process which channels' checklists changed (storage/watch.py): the stamp `/checklist
status` checks is then answered from memory, with no statement, and is never trusted past what the process can
vouch for: its own writes at once, another replica's when the notice arrives, nothing while the listening
connection is broken or deaf."""

from __future__ import annotations

import os
import select
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from storage import queries as q
from storage import watch as watch_module
from storage.db import Database
from storage.watch import ChecklistWatch
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
    assert stamp(a)[1] == before[1] + 1  # what it remembered before the break is gone
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


# -- one step at a time: the watch's thread is the test's ----------------------------------------------------------


@pytest.fixture
def stepped(replicas) -> Iterator[tuple[Database, Database, ChecklistWatch]]:
    """`a`'s watch without its thread: the test listens and steps it."""
    a, b = replicas
    watch = ChecklistWatch(a.reader, thread=False)
    a.watch = watch
    start(b)
    watch.listen()
    yield a, b, watch
    watch.stop()


def hear(watch: ChecklistWatch) -> None:
    """Step until the first echo has come back."""

    def stepped_and_trusted() -> bool:
        watch.step(0.1)
        return watch.lookup(STAMP)[0]

    eventually(stepped_and_trusted)


def notice_waiting(watch: ChecklistWatch) -> None:
    """Wait until a notice has reached the listening socket (nobody reads it but the next lookup)."""
    poller = select.poll()
    poller.register(watch._conn.pgconn.socket, select.POLLIN)
    assert poller.poll(10_000), "no notice came"


def test_nothing_is_trusted_before_the_first_echo(stepped):
    a, _, watch = stepped
    assert watch.lookup(STAMP)[0] is False  # listening, but not yet shown to hear
    stamp(a)
    assert watch.lookup(STAMP)[1] is None  # so nothing read meanwhile was remembered
    hear(watch)
    stamp(a)
    assert watch.lookup(STAMP)[1] == stamp(a)


def test_a_notice_on_the_socket_is_read_before_answering(stepped):
    a, b, watch = stepped
    hear(watch)
    before = stamp(a)
    assert remembered(a)
    bump(b)
    notice_waiting(watch)  # no step: only the lookup itself can read it
    assert stamp(a)[1] == before[1] + 1


def test_a_read_overtaken_by_a_notice_is_not_remembered(stepped):
    """lookup (nothing remembered), the read, a change committed and its notice read by another request, then the
    first request's remember: what it read is already old and must not be kept."""
    a, b, watch = stepped
    hear(watch)
    trusted, found, generation = watch.lookup(STAMP)
    assert trusted and found is None
    old = a.one_row(q._STAMP, {"team_id": STAMP[0], "channel_id": STAMP[1]})
    bump(b)
    notice_waiting(watch)
    watch.lookup(("T1", "another channel"))  # another request's lookup reads the notice
    watch.remember(STAMP, old, generation)
    assert watch.lookup(STAMP)[1] is None
    assert stamp(a)[1] == old[1] + 1


def test_without_the_triggers_nothing_is_trusted(stepped):
    a, b, watch = stepped
    with b.writer.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE checklist DISABLE TRIGGER checklist_changed")
    try:
        with pytest.raises(LookupError, match="triggers are missing or disabled"):
            for _ in range(50):
                watch.step(0.1)
        assert watch.lookup(STAMP)[0] is False
    finally:
        with b.writer.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE checklist ENABLE TRIGGER checklist_changed")


def test_a_truncate_forgets_every_channel(stepped):
    a, b, watch = stepped
    hear(watch)
    stamp(a)
    assert remembered(a)
    with b.writer.begin() as conn:
        conn.exec_driver_sql("TRUNCATE checklist CASCADE")
    notice_waiting(watch)
    assert q.active_checklist_stamp(a, *STAMP) is None


def test_a_forked_child_starts_afresh(replicas):
    """A child forked while a thread of the parent held the watch's lock neither hangs on that lock nor trusts what
    the parent remembered."""
    a, b = replicas
    start(b)
    eventually(lambda: remembered(a))
    assert a.watch is not None
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with a.watch._lock:
            held.set()
            release.wait()

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait()
    pid = os.fork()
    if pid == 0:  # the child: answer, then leave at once
        try:
            trusted, found, _ = a.watch.lookup(STAMP)
            os._exit(0 if found is None and not trusted else 3)
        except BaseException:
            os._exit(4)
    release.set()
    holder.join()
    end = time.monotonic() + 20
    while (done := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < end:
        time.sleep(0.05)
    if done[0] == 0:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        pytest.fail("the forked child hung on the watch's lock")
    assert os.waitstatus_to_exitcode(done[1]) == 0
