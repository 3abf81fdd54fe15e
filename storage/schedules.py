"""Reminder tables and queries: digest schedules, per-period run claims, per-user reminder settings.

Exactly once: a `ReminderRun` row per (kind, key, period) is guarded by a unique constraint and inserted with
`INSERT … ON CONFLICT DO NOTHING`; only the process whose insert returned the row does the work. The row then
records what happened (claimed → posting → posted/failed/skipped/unknown), so a crash can be recovered without
posting twice. No Slack here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import Row, UniqueConstraint, and_, delete, func, tuple_, update
from sqlalchemy import select as sa_select  # typed for any number of columns (sqlmodel's select: up to 4)
from sqlmodel import Field, Session, SQLModel, col, select

from storage.models import Checklist, Item, Stored
from storage.sql import dialect_insert
from storage.types import UTCDateTime

T = TypeVar("T")

# Run states.
CLAIMED = "claimed"  # taken, nothing sent yet: safe to retake when stale
POSTING = "posting"  # the Web API call is under way: if it goes stale, its outcome is looked up in Slack
POSTED = "posted"
FAILED = "failed"  # Slack refused or could not be reached: nothing was posted, may be retried
SKIPPED = "skipped"  # nothing to send (archived, complete, no overdue items)
UNKNOWN = "unknown"  # may or may not have been posted and we cannot look: left alone, logged

DIGEST = "digest"
NUDGE = "nudge"


class DigestSchedule(Stored, SQLModel, table=True):
    """A weekly digest for one channel, in wall-clock time of `timezone`."""

    __tablename__ = "digest_schedule"
    __table_args__ = (UniqueConstraint("team_id", "channel_id", name="uq_digest_schedule_channel"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    channel_id: str = Field(max_length=32)
    weekday: int  # 0 = Monday
    hour: int
    minute: int
    timezone: str = Field(max_length=64)
    created_by: str = Field(max_length=32)
    # Runs due before this moment are not caught up (a schedule set on Tuesday does not post Monday's digest).
    updated_at: datetime = Field(sa_type=UTCDateTime)
    paused_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    paused_reason: str | None = Field(default=None, max_length=64)
    # What the last posted digest showed, so the next one can say what changed (and stay quiet otherwise).
    last_checklist_id: int | None = None
    last_version: int | None = None
    last_done: int | None = None


class ReminderRun(Stored, SQLModel, table=True):
    """The claim for one period of one reminder (a channel's digest, or a person's daily nudge)."""

    __tablename__ = "reminder_run"
    __table_args__ = (UniqueConstraint("kind", "key", "period", name="uq_reminder_run_period"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # digest | nudge
    key: str = Field(max_length=80)  # "team:channel" for a digest, the user id for a nudge
    period: str = Field(max_length=10)  # local ISO date of the run
    status: str = Field(max_length=16)
    claimed_by: str = Field(max_length=64)
    claimed_at: datetime = Field(sa_type=UTCDateTime)
    attempts: int = 1
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ts: str | None = Field(default=None, max_length=32)  # the posted message
    error: str | None = Field(default=None, max_length=200)


class UserPref(SQLModel, table=True):
    """Per-person reminder settings and the timezone last read from their Slack profile."""

    __tablename__ = "user_pref"

    user_id: str = Field(primary_key=True, max_length=32)
    timezone: str | None = Field(default=None, max_length=64)
    tz_checked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    dm_enabled: bool = True
    snooze_until: date | None = None  # no nudges up to and including this local date
    # The person's working week: nudges go out on these days only (mon-fri | sun-thu | mon-sat).
    workweek: str = Field(default="mon-fri", max_length=16, sa_column_kwargs={"server_default": "mon-fri"})


# -- schedules ------------------------------------------------------------------------------------------------


def schedule_for(session: Session, team_id: str, channel_id: str) -> DigestSchedule | None:
    return session.exec(
        select(DigestSchedule).where(DigestSchedule.team_id == team_id, DigestSchedule.channel_id == channel_id)
    ).first()


def active_schedules(session: Session) -> Sequence[DigestSchedule]:
    return session.exec(
        select(DigestSchedule).where(col(DigestSchedule.paused_at).is_(None)).order_by(col(DigestSchedule.id))
    ).all()


def pause_schedule(session: Session, schedule_id: int, reason: str, at: datetime) -> None:
    session.exec(
        update(DigestSchedule).where(col(DigestSchedule.id) == schedule_id).values(paused_at=at, paused_reason=reason)
    )


def record_digest(session: Session, schedule_id: int, *, checklist_id: int, version: int, done: int) -> None:
    session.exec(
        update(DigestSchedule)
        .where(col(DigestSchedule.id) == schedule_id)
        .values(last_checklist_id=checklist_id, last_version=version, last_done=done)
    )


# -- run claims -----------------------------------------------------------------------------------------------


def runs_for(session: Session, kind: str, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], ReminderRun]:
    """The existing runs among (key, period) pairs."""
    found: dict[tuple[str, str], ReminderRun] = {}
    for chunk in _chunks(list(pairs), 400):
        rows = session.exec(
            select(ReminderRun).where(
                ReminderRun.kind == kind, tuple_(col(ReminderRun.key), col(ReminderRun.period)).in_(chunk)
            )
        ).all()
        found.update({(r.key, r.period): r for r in rows})
    return found


def claim_runs(
    session: Session, kind: str, pairs: Sequence[tuple[str, str]], *, owner: str, at: datetime
) -> set[tuple[str, str]]:
    """Insert a claim per (key, period); return the pairs this call won (ON CONFLICT DO NOTHING … RETURNING)."""
    won: set[tuple[str, str]] = set()
    for chunk in _chunks(list(pairs), 400):
        values = [
            {
                "kind": kind,
                "key": k,
                "period": p,
                "status": CLAIMED,
                "claimed_by": owner,
                "claimed_at": at,
                "attempts": 1,
            }
            for k, p in chunk
        ]
        stmt = (
            dialect_insert(session, ReminderRun)
            .values(values)
            .on_conflict_do_nothing(index_elements=["kind", "key", "period"])
            .returning(col(ReminderRun.key), col(ReminderRun.period))
        )
        won.update((r[0], r[1]) for r in session.execute(stmt))
    return won


def retake_run(
    session: Session, run: ReminderRun, *, owner: str, at: datetime, stale_before: datetime, max_attempts: int
) -> bool:
    """Take over a run that a crashed process left `claimed`, or one that `failed` and may be retried.

    A conditional UPDATE on the state we read: only one process can win it."""
    if run.status == CLAIMED:
        cond = and_(col(ReminderRun.status) == CLAIMED, col(ReminderRun.claimed_at) < stale_before)
    elif run.status == FAILED and run.attempts < max_attempts:
        cond = and_(col(ReminderRun.status) == FAILED, col(ReminderRun.attempts) == run.attempts)
    else:
        return False
    result = session.exec(
        update(ReminderRun)
        .where(col(ReminderRun.id) == run.id, cond)
        .values(status=CLAIMED, claimed_by=owner, claimed_at=at, attempts=col(ReminderRun.attempts) + 1, error=None)
    )
    return result.rowcount == 1


def start_posting(session: Session, kind: str, key: str, period: str, *, owner: str, at: datetime) -> bool:
    """claimed → posting, only if this process still holds the claim; `claimed_at` restarts the stale timer."""
    result = session.exec(
        update(ReminderRun)
        .where(
            col(ReminderRun.kind) == kind,
            col(ReminderRun.key) == key,
            col(ReminderRun.period) == period,
            col(ReminderRun.status) == CLAIMED,
            col(ReminderRun.claimed_by) == owner,
        )
        .values(status=POSTING, claimed_at=at)
    )
    return result.rowcount == 1


def finish_run(
    session: Session,
    kind: str,
    key: str,
    period: str,
    *,
    status: str,
    at: datetime,
    ts: str | None = None,
    error: str | None = None,
) -> None:
    session.exec(
        update(ReminderRun)
        .where(col(ReminderRun.kind) == kind, col(ReminderRun.key) == key, col(ReminderRun.period) == period)
        .values(status=status, finished_at=at, ts=ts, error=(error or "")[:200] or None)
    )


def stale_posting(session: Session, kind: str, stale_before: datetime) -> Sequence[ReminderRun]:
    """Runs left `posting` by a dead process (or an unsettled look): their outcome must be looked up."""
    return session.exec(
        select(ReminderRun).where(
            ReminderRun.kind == kind, ReminderRun.status == POSTING, col(ReminderRun.claimed_at) < stale_before
        )
    ).all()


def touch_posting(session: Session, run: ReminderRun, *, owner: str, at: datetime) -> bool:
    """Take a stale `posting` run to look it up (one looker at a time): a conditional UPDATE on what we read."""
    result = session.exec(
        update(ReminderRun)
        .where(
            col(ReminderRun.id) == run.id,
            col(ReminderRun.status) == POSTING,
            col(ReminderRun.claimed_at) == run.claimed_at,
        )
        .values(claimed_by=owner, claimed_at=at, attempts=col(ReminderRun.attempts) + 1)
    )
    return result.rowcount == 1


def prune_runs(session: Session, before: datetime) -> int:
    """Forget finished runs claimed before `before` (they only matter while their period can still be due)."""
    result = session.exec(
        delete(ReminderRun).where(
            col(ReminderRun.claimed_at) < before, col(ReminderRun.status).not_in([CLAIMED, POSTING])
        )
    )
    return result.rowcount or 0


# -- user settings --------------------------------------------------------------------------------------------


def user_pref(session: Session, user_id: str) -> UserPref | None:
    return session.get(UserPref, user_id)


def user_prefs(session: Session, user_ids: Iterable[str]) -> dict[str, UserPref]:
    found: dict[str, UserPref] = {}
    for chunk in _chunks(sorted(set(user_ids)), 500):
        found.update({p.user_id: p for p in session.exec(select(UserPref).where(col(UserPref.user_id).in_(chunk)))})
    return found


def ensure_user_pref(session: Session, user_id: str) -> UserPref:
    pref = session.get(UserPref, user_id)
    if pref is None:
        session.execute(
            dialect_insert(session, UserPref)
            .values(user_id=user_id, dm_enabled=True)
            .on_conflict_do_nothing(index_elements=["user_id"])
        )
        pref = session.get(UserPref, user_id)
        assert pref is not None
    return pref


# -- bulk reads for digests and nudges ------------------------------------------------------------------------

ITEM_COLUMNS = (
    col(Item.checklist_id),
    col(Item.number),
    col(Item.title),
    col(Item.status),
    col(Item.due_date),
    col(Item.owner_id),
    col(Item.co_owners),
    col(Item.signoff_role),
    col(Item.phase_number),
    col(Item.position),
)


def active_checklists_in(session: Session, channels: Sequence[tuple[str, str]]) -> list[Row[Any]]:
    """The active checklist of each (team, channel), as rows of the columns a digest needs."""
    rows: list[Row[Any]] = []
    for chunk in _chunks(list(channels), 400):
        rows.extend(
            session.execute(
                sa_select(
                    col(Checklist.id),
                    col(Checklist.team_id),
                    col(Checklist.channel_id),
                    col(Checklist.title),
                    col(Checklist.version),
                    col(Checklist.timezone),
                ).where(
                    col(Checklist.archived_at).is_(None),
                    col(Checklist.channel_id).in_({c for _, c in chunk}),
                )
            ).all()
        )
    wanted = set(channels)
    return [r for r in rows if (r.team_id, r.channel_id) in wanted]


def item_rows(session: Session, checklist_ids: Sequence[int]) -> list[Row[Any]]:
    """Items of many checklists in one statement (the caller chunks)."""
    if not checklist_ids:
        return []
    return list(
        session.execute(
            sa_select(*ITEM_COLUMNS)
            .where(col(Item.checklist_id).in_(checklist_ids), col(Item.removed_at).is_(None))
            .order_by(col(Item.checklist_id), col(Item.phase_number), col(Item.position))
        ).all()
    )


def owned_items_due_before(session: Session, before: date, *, not_status: str) -> list[Row[Any]]:
    """Items with an owner and a due date before `before` whose status is not `not_status` (the caller's "done"),
    in active checklists, with their channel. A pre-filter: the caller applies `bot.checklists.rules`."""
    return list(
        session.execute(
            sa_select(
                *ITEM_COLUMNS,
                col(Checklist.team_id),
                col(Checklist.channel_id),
                col(Checklist.title).label("ctitle"),
                col(Checklist.timezone).label("ctz"),
            )
            .join(Checklist, col(Checklist.id) == col(Item.checklist_id))
            .where(
                col(Checklist.archived_at).is_(None),
                col(Item.removed_at).is_(None),
                col(Item.owner_id).is_not(None),  # the first owner: an item with owners always has one
                col(Item.due_date).is_not(None),
                col(Item.due_date) < before,
                col(Item.status) != not_status,
            )
            .order_by(col(Item.owner_id), col(Item.due_date), col(Item.checklist_id), col(Item.phase_number))
        ).all()
    )


def _chunks(seq: list[T], size: int) -> Iterable[list[T]]:
    for i in range(0, len(seq), size):
        yield seq[i : i + size]


def unknown_runs(session: Session) -> dict[str, int]:
    """How many runs of each kind are `unknown` (every kind listed, 0 included)."""
    rows = session.exec(
        select(ReminderRun.kind, func.count()).where(ReminderRun.status == UNKNOWN).group_by(col(ReminderRun.kind))
    ).all()
    return {DIGEST: 0, NUDGE: 0} | {kind: int(n) for kind, n in rows}
