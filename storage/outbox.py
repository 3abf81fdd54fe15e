"""The outbox: Web API effects written in the same transaction as the change they belong to, sent afterwards.

A row per effect, unique by its idempotency `key`. It moves pending → sending (claimed by one process with a
conditional UPDATE) → sent | failed | unknown, or back to pending with a later `due_at` to be retried. `state`
(JSON) records the progress of a multi-step effect (a DM channel opened, a message posted with its ts), so a
process that takes over after a crash resumes where the dead one stopped. No Slack here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Index, Text, delete, func, or_, update
from sqlmodel import Field, Session, SQLModel, col, select

from storage.models import Stored
from storage.sql import dialect_insert
from storage.types import UTCDateTime

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"  # Slack refused it for good (e.g. channel_not_found): nothing was sent
UNKNOWN = "unknown"  # Slack may or may not have acted and looking could not settle it: never retried


class OutboxEffect(Stored, SQLModel, table=True):
    __tablename__ = "outbox_effect"
    __table_args__ = (Index("ix_outbox_effect_due", "status", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)  # idempotency key; posts carry it in their metadata
    kind: str = Field(max_length=32)
    team_id: str = Field(default="", max_length=32)
    payload: str = Field(sa_type=Text)  # JSON: what to do
    state: str = Field(default="{}", sa_type=Text)  # JSON: how far it got
    status: str = Field(default=PENDING, max_length=16)
    attempts: int = 0
    due_at: datetime = Field(sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    error: str | None = Field(default=None, max_length=200)


def add(session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert effects (dicts of columns); an effect whose key exists already is not added again. Returns new ids."""
    ids: list[int] = []
    for row in rows:
        stmt = (
            dialect_insert(session, OutboxEffect)
            .values(**row)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(col(OutboxEffect.id))
        )
        ids.extend(r[0] for r in session.execute(stmt))
    return ids


def claim(session: Session, effect_id: int, *, owner: str, at: datetime, stale_before: datetime) -> bool:
    """pending (or sending but abandoned by a dead process) → sending, for one caller only."""
    result = session.exec(
        update(OutboxEffect)
        .where(
            col(OutboxEffect.id) == effect_id,
            or_(
                col(OutboxEffect.status) == PENDING,
                (col(OutboxEffect.status) == SENDING) & (col(OutboxEffect.claimed_at) < stale_before),
            ),
        )
        .values(status=SENDING, claimed_by=owner, claimed_at=at, attempts=col(OutboxEffect.attempts) + 1)
    )
    return result.rowcount == 1


def save_state(session: Session, effect_id: int, state: str, *, owner: str, at: datetime) -> bool:
    """Record progress (and renew the claim); False when this process no longer holds it."""
    result = session.exec(
        update(OutboxEffect)
        .where(
            col(OutboxEffect.id) == effect_id,
            col(OutboxEffect.status) == SENDING,
            col(OutboxEffect.claimed_by) == owner,
        )
        .values(state=state, claimed_at=at)
    )
    return result.rowcount == 1


def finish(
    session: Session,
    effect_id: int,
    *,
    owner: str,
    status: str,
    at: datetime,
    due_at: datetime | None = None,
    error: str | None = None,
) -> bool:
    values: dict[str, Any] = {"status": status, "error": (error or "")[:200] or None}
    if status == PENDING:
        values |= {"due_at": due_at or at, "claimed_by": None}
    else:
        values["finished_at"] = at
    result = session.exec(
        update(OutboxEffect)
        .where(
            col(OutboxEffect.id) == effect_id,
            col(OutboxEffect.status) == SENDING,
            col(OutboxEffect.claimed_by) == owner,
        )
        .values(**values)
    )
    return result.rowcount == 1


def due(session: Session, now: datetime, stale_before: datetime, limit: int) -> list[int]:
    """Effects to send now: pending and due, or left `sending` by a process that died (claim gone stale)."""
    ids = (
        session.exec(
            select(OutboxEffect.id)
            .where(
                or_(
                    (col(OutboxEffect.status) == PENDING) & (col(OutboxEffect.due_at) <= now),
                    (col(OutboxEffect.status) == SENDING) & (col(OutboxEffect.claimed_at) < stale_before),
                )
            )
            .order_by(col(OutboxEffect.id))
            .limit(limit)
        ).all()
    )
    return [i for i in ids if i is not None]


def get(session: Session, effect_id: int) -> OutboxEffect | None:
    return session.get(OutboxEffect, effect_id)


def counts(session: Session) -> dict[str, int]:
    """How many effects are in each state (for the log and operators)."""
    rows = session.execute(select(OutboxEffect.status, func.count()).group_by(OutboxEffect.status)).all()
    return {str(status): int(n) for status, n in rows}


def prune(session: Session, before: datetime) -> int:
    """Forget sent and failed effects finished before `before` (unknown ones stay for an operator to see)."""
    result = session.exec(
        delete(OutboxEffect).where(col(OutboxEffect.status).in_([SENT, FAILED]), col(OutboxEffect.finished_at) < before)
    )
    return result.rowcount or 0
