"""The stamp `/checklist status` reads runs on a driver connection each thread keeps (storage/held.py): it sees
every commit at once, and a broken connection costs no request (the read runs the usual way and the next one
connects afresh)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from storage import queries as q
from storage.db import Database
from tests.conftest import fresh_database


def start_checklist(db: Database) -> int:
    """A checklist in T1/C1, written the way the app writes one."""
    from datetime import UTC, datetime

    with db.write() as session:
        checklist = q.create_checklist(
            session,
            team_id="T1",
            channel_id="C1",
            template="t",
            title="T",
            created_by="U1",
            created_at=datetime(2026, 11, 29, tzinfo=UTC),
            phases=[(1, "One")],
            items=[],
        )
        return checklist.pk


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = fresh_database(database_url)
    database.watch = None  # these tests are about the read beneath PostgreSQL's remembered stamps (test_watch.py)
    yield database
    database.dispose()


def _held(db: Database) -> Any:
    """This thread's kept connection, if any."""
    return getattr(db.held._local, "conn", None)


def test_a_commit_is_seen_by_the_next_read(db):
    assert q.active_checklist_stamp(db, "T1", "C1") is None
    checklist_id = start_checklist(db)
    stamp = q.active_checklist_stamp(db, "T1", "C1")
    assert stamp is not None and stamp[0] == checklist_id
    with db.write() as session:
        row = q.active_checklist(session, "T1", "C1", lock=True)
        assert row is not None
        row.version += 1
    again = q.active_checklist_stamp(db, "T1", "C1")
    assert again is not None and again[1] == stamp[1] + 1  # no snapshot kept between reads


def test_a_broken_connection_falls_back_and_is_replaced(db):
    start_checklist(db)
    first = q.active_checklist_stamp(db, "T1", "C1")
    held = _held(db)
    held.close()  # what a database restart does to it
    assert q.active_checklist_stamp(db, "T1", "C1") == first  # answered through a pooled connection
    assert _held(db) is None
    assert q.active_checklist_stamp(db, "T1", "C1") == first
    assert _held(db) is not None and _held(db) is not held


def test_each_thread_keeps_its_own_and_shutdown_closes_all(db):
    start_checklist(db)
    seen: list[object] = []

    def read() -> None:
        assert q.active_checklist_stamp(db, "T1", "C1") is not None
        seen.append(_held(db))

    threads = [threading.Thread(target=read) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(c) for c in seen}) == 3
    assert len(db.held._all) == 3
    db.dispose()  # shutdown: every thread's connection closed
    assert db.held._all == []
