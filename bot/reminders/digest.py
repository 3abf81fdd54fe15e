"""Digest data for many channels at once: a few bulk queries per chunk of channels, never one per channel.

Pending sign-offs come from a `SignoffProvider` hook (default: none) so the sign-off feature can plug in later:
given the session and a chunk of checklist ids it returns {checklist id: {item number: PendingSignoff}}.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import groupby
from typing import Any

from sqlmodel import Session

from bot.checklists import rules
from storage import schedules as sq
from storage import signoffs as signoff_store
from storage.db import Database

DUE_SOON_DAYS = 7
CHUNK = 500
CHANGES_SINCE = timedelta(days=7)  # "changes this week": the seven days before the digest


@dataclass(frozen=True)
class PendingSignoff:
    """A sign-off that is still waiting: who has not answered yet and since when."""

    waiting_on: tuple[str, ...]
    requested_at: datetime


SignoffProvider = Callable[[Session, Sequence[int]], Mapping[int, Mapping[str, PendingSignoff]]]


def no_signoffs(session: Session, checklist_ids: Sequence[int]) -> Mapping[int, Mapping[str, PendingSignoff]]:
    """A provider that reports nothing pending."""
    return {}


def pending_signoffs(session: Session, checklist_ids: Sequence[int]) -> Mapping[int, Mapping[str, PendingSignoff]]:
    """Pending sign-offs of a batch of checklists, with the approvers who have not decided, in two queries."""
    requests = signoff_store.pending_in(session, checklist_ids)
    approvals = signoff_store.approvals_of(session, [r.pk for r in requests])
    out: dict[int, dict[str, PendingSignoff]] = {}
    for r in requests:
        waiting = tuple(a.user_id for a in approvals[r.pk] if a.decision is None)
        out.setdefault(r.checklist_id, {})[r.item_number] = PendingSignoff(waiting, r.created_at)
    return out


@dataclass(frozen=True)
class ActorChanges:
    """What one person changed this week: (action, item numbers, how many times), most frequent action first."""

    actor_id: str
    actions: tuple[tuple[str, tuple[str, ...], int], ...]
    total: int


def summarise_changes(rows: Sequence[Any]) -> list[ActorChanges]:
    """Rows of (actor_id, action, item_number, n, last) for one checklist → one entry per person, busiest first.
    Pure."""
    by_actor: dict[str, dict[str, tuple[list[tuple[int, str]], int]]] = {}
    for r in rows:
        actions = by_actor.setdefault(r.actor_id, {})
        numbers, n = actions.get(r.action, ([], 0))
        if r.item_number:
            numbers.append((r.last, r.item_number))
        actions[r.action] = (numbers, n + r.n)
    out = []
    for actor, actions in by_actor.items():
        listed = tuple(
            (action, tuple(dict.fromkeys(num for _, num in sorted(numbers))), n)
            for action, (numbers, n) in sorted(actions.items(), key=lambda kv: (-kv[1][1], kv[0]))
        )
        out.append(ActorChanges(actor, listed, sum(n for _, _, n in listed)))
    return sorted(out, key=lambda a: (-a.total, a.actor_id))


@dataclass(frozen=True)
class DigestTarget:
    """One channel to build a digest for, with what its last digest showed."""

    team_id: str
    channel_id: str
    today: date  # used when `now` is None
    last_checklist_id: int | None = None
    last_version: int | None = None
    last_done: int | None = None
    # The moment of the run: the digest's today is then the checklist's (`rules.today`, in its timezone).
    now: datetime | None = None


@dataclass(frozen=True)
class Digest:
    checklist_id: int
    team_id: str
    channel_id: str
    title: str
    version: int
    today: date
    done: int
    total: int
    done_delta: int | None  # since the last digest of this checklist; None when there was none
    changed: bool
    overdue: list[Any] = field(default_factory=list)  # item rows, most overdue first
    due_soon: list[Any] = field(default_factory=list)  # item rows, soonest first
    signoffs: list[tuple[Any, PendingSignoff]] = field(default_factory=list)  # (item row, pending), oldest first
    unowned_open: int = 0
    finished: bool = False
    changes: list[ActorChanges] = field(default_factory=list)  # this week's changes, by person (both modes)

    @property
    def quiet(self) -> bool:
        """Nothing changed and nothing is overdue or due soon: a one-line digest is enough."""
        return not self.changed and not self.overdue and not self.due_soon


def build_digest(
    checklist: Any,
    items: Sequence[Any],
    today: date,
    *,
    last_checklist_id: int | None = None,
    last_version: int | None = None,
    last_done: int | None = None,
    signoffs: Mapping[str, PendingSignoff] | None = None,
    changes: Sequence[Any] = (),
) -> Digest:
    """One channel's digest from its checklist row and item rows (anything with the `rules.ItemLike` fields plus
    `title` and `owner_id`). Pure."""
    signoffs = signoffs or {}
    progress = rules.progress(items, today)
    same = last_checklist_id == checklist.id
    overdue = sorted((i for i in items if rules.is_overdue(i, today)), key=lambda i: (i.due_date, i.number))
    due_soon = sorted(
        (i for i in items if rules.is_due_within(i, today, DUE_SOON_DAYS)), key=lambda i: (i.due_date, i.number)
    )
    pending = sorted(
        ((i, signoffs[i.number]) for i in items if i.number in signoffs and rules.is_open(i)),
        key=lambda pair: pair[1].requested_at,
    )
    return Digest(
        checklist_id=checklist.id,
        team_id=checklist.team_id,
        channel_id=checklist.channel_id,
        title=checklist.title,
        version=checklist.version,
        today=today,
        done=progress.done,
        total=progress.total,
        done_delta=progress.done - last_done if same and last_done is not None else None,
        changed=not same or last_version != checklist.version,
        overdue=overdue,
        due_soon=due_soon,
        signoffs=pending,
        unowned_open=sum(1 for i in items if rules.is_open(i) and not i.owner_id),
        finished=rules.is_complete(items),
        changes=summarise_changes(changes),
    )


def iter_digests(
    db: Database,
    targets: Sequence[DigestTarget],
    *,
    signoffs: SignoffProvider = no_signoffs,
    chunk: int = CHUNK,
) -> Iterator[tuple[DigestTarget, Digest | None]]:
    """Digests for many channels, `chunk` channels per read: about three statements per chunk.

    Yields (target, digest), or (target, None) when the channel has no active checklist."""
    from storage import portfolio as pf

    for start in range(0, len(targets), chunk):
        part = targets[start : start + chunk]
        moment = min((t.now or datetime.combine(t.today, time(), UTC) for t in part), default=None)
        with db.read() as session:
            checklists = sq.active_checklists_in(session, [(t.team_id, t.channel_id) for t in part])
            by_channel = {(c.team_id, c.channel_id): c for c in checklists}
            ids = [c.id for c in checklists]
            rows = sq.item_rows(session, ids)
            pending = signoffs(session, ids) if ids else {}
            change_rows = pf.change_counts(session, ids, moment - CHANGES_SINCE) if ids and moment else []
        items_of = {cid: list(group) for cid, group in groupby(rows, key=lambda r: r.checklist_id)}
        changes_of: dict[int, list[Any]] = {}
        for r in change_rows:
            changes_of.setdefault(r.checklist_id, []).append(r)
        for t in part:
            c = by_channel.get((t.team_id, t.channel_id))
            if c is None:
                yield t, None
                continue
            yield (
                t,
                build_digest(
                    c,
                    items_of.get(c.id, []),
                    rules.today(c.timezone, t.now) if t.now is not None else t.today,
                    last_checklist_id=t.last_checklist_id,
                    last_version=t.last_version,
                    last_done=t.last_done,
                    signoffs=pending.get(c.id),
                    changes=changes_of.get(c.id, ()),
                ),
            )
