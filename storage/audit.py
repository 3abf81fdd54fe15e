"""The event log as a hash chain: every event of a checklist carries the hash of the event before it and a hash
over its own content and that link, so a row changed, deleted or inserted out of band breaks the chain.

The hash of an event (`event_hash`) is the SHA-256, in lower-case hex, of the UTF-8 bytes of this JSON text,
keys sorted, no spaces (`json.dumps(..., sort_keys=True, separators=(",", ":"), ensure_ascii=False)`):

    {"action": <action>, "actor": <actor_id>, "at": <at, UTC, ISO 8601 with microseconds and +00:00>,
     "checklist": <checklist_id>, "item": <item_number or null>, "new": <new or null>, "old": <old or null>,
     "prev": <prev_hash>, "v": 1}

`prev_hash` is the `hash` of the previous event of the same checklist (by id), or `GENESIS` (64 zeros) for its
first event. The row id is not an input, so a chain can be recomputed row by row.

Re-anchoring (for an erasure such as `forget-user`): rewrite the personal data in the rows, then `rechain`
from the first rewritten row, inside the same transaction, and append an event recording the erasure whose `old`
holds the head hash before the rewrite (`head(...)` read first). `verify` then passes again, and a copy
exported before the erasure can still be matched: its head hash is the one that erasure event records.

Appending needs the previous event's hash, which the checklist row keeps (`Checklist.head_hash`, moved in the
same UPDATE as its `version`): every writer holds the checklist's row lock (PostgreSQL) or the database's write
lock (SQLite, `BEGIN IMMEDIATE`) while it logs, so a chain never forks. `rechain` moves the head too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from storage.models import Checklist, Event

GENESIS = "0" * 64
VERSION = 1


def _at(at: datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def event_hash(
    prev_hash: str,
    *,
    checklist_id: int,
    item_number: str | None,
    actor_id: str,
    action: str,
    old: str | None,
    new: str | None,
    at: datetime,
) -> str:
    content = {
        "v": VERSION,
        "prev": prev_hash,
        "checklist": checklist_id,
        "item": item_number,
        "actor": actor_id,
        "action": action,
        "old": old,
        "new": new,
        "at": _at(at),
    }
    raw = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def hash_of(event: Event, prev_hash: str) -> str:
    return event_hash(
        prev_hash,
        checklist_id=event.checklist_id,
        item_number=event.item_number,
        actor_id=event.actor_id,
        action=event.action,
        old=event.old,
        new=event.new,
        at=event.at,
    )


def head(session: Session, checklist_id: int) -> tuple[str, int]:
    """(hash of the newest event, or GENESIS; how many events the chain has)."""
    rows = session.exec(
        select(Event.id, Event.hash).where(Event.checklist_id == checklist_id).order_by(col(Event.id).desc())
    ).all()
    return (rows[0][1] or GENESIS, len(rows)) if rows else (GENESIS, 0)


def seal(checklist: Checklist, event: Event) -> None:
    """Link a new (not yet flushed) event to its checklist's chain: set its `prev_hash` and `hash`, and move the
    checklist's head to it. The caller holds the checklist's lock and adds both to its session."""
    event.prev_hash = checklist.head_hash or GENESIS
    event.hash = hash_of(event, event.prev_hash)
    checklist.head_hash = event.hash


def rechain(session: Session, checklist_id: int, from_id: int = 0) -> str:
    """Recompute `prev_hash` and `hash` of the events with id >= `from_id` (see the module's docstring);
    returns the new head hash."""
    prev = GENESIS
    for event in session.exec(select(Event).where(Event.checklist_id == checklist_id).order_by(col(Event.id))).all():
        if event.pk >= from_id:
            event.prev_hash = prev
            event.hash = hash_of(event, prev)
            session.add(event)
        prev = event.hash or GENESIS
    checklist = session.get(Checklist, checklist_id)
    if checklist is not None:
        checklist.head_hash = None if prev == GENESIS else prev
        session.add(checklist)
    session.flush()
    return prev


@dataclass(frozen=True)
class Broken:
    """The first broken link of one checklist's chain."""

    checklist_id: int
    event_id: int
    why: str
    event: Event

    def describe(self) -> str:
        e = self.event
        item = f" {e.item_number}" if e.item_number else ""
        return (
            f"checklist {self.checklist_id}: event {self.event_id} ({e.action}{item} by {e.actor_id} at {_at(e.at)}) "
            f"{self.why}"
        )


@dataclass(frozen=True)
class Chain:
    checklist_id: int
    events: int
    head: str
    broken: Broken | None


def check_chain(checklist_id: int, events: Iterable[Event]) -> Chain:
    prev, count = GENESIS, 0
    for event in events:
        count += 1
        if event.prev_hash != prev:
            why = (
                "does not link to the event before it (an event was deleted, inserted or re-ordered)"
                if event.prev_hash
                else "has no hash"
            )
            return Chain(checklist_id, count, prev, Broken(checklist_id, event.pk, why, event))
        if event.hash != hash_of(event, prev):
            why = "was changed after it was recorded (its content does not match its hash)"
            return Chain(checklist_id, count, prev, Broken(checklist_id, event.pk, why, event))
        prev = event.hash
    return Chain(checklist_id, count, prev, None)


def verify(session: Session, checklist_ids: Iterable[int] | None = None) -> list[Chain]:
    """Check every checklist's chain (or those named), oldest event first."""
    ids = (
        list(checklist_ids)
        if checklist_ids is not None
        else [i for i in session.exec(select(Checklist.id).order_by(col(Checklist.id))).all() if i is not None]
    )
    chains = []
    for checklist_id in ids:
        events = session.exec(select(Event).where(Event.checklist_id == checklist_id).order_by(col(Event.id))).all()
        chains.append(check_chain(checklist_id, events))
    return chains


def find(session: Session, hash_value: str) -> Event | None:
    """The event with this hash (to match a head hash printed in an export against the live database)."""
    return session.exec(select(Event).where(Event.hash == hash_value.strip().lower())).first()
