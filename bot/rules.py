"""Rules of the domain, in one place: listeners, views and the scheduler all ask here.

- An item is *overdue* when it is open and its due date is before today.
- A checklist is *complete* when every item is done.
- An item with a sign-off role can only be completed by a sign-off.
- An item that *waits for* others (a phase gate, e.g. 3.3 waits for 1.2) cannot be done while any of them is
  open; a waited-for item that was removed from the checklist no longer holds it back.
- Only a request's approvers may decide on it, and only while it is pending. It is *approved* when every
  approver asked first has approved, or when a backup (asked on escalation) approves in their stead; any
  rejection rejects it.
- A pending sign-off is *stale* after N working days (Monday to Friday; holidays are not known).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol


class ItemLike(Protocol):
    number: str
    status: str
    due_date: date | None
    signoff_role: str | None


DONE = "done"
OPEN = "open"


def is_done(item: ItemLike) -> bool:
    return item.status == DONE


def is_overdue(item: ItemLike, today: date) -> bool:
    return not is_done(item) and item.due_date is not None and item.due_date < today


def days_overdue(item: ItemLike, today: date) -> int:
    return (today - item.due_date).days if is_overdue(item, today) else 0


def is_due_within(item: ItemLike, today: date, days: int) -> bool:
    return (
        not is_done(item)
        and item.due_date is not None
        and today <= item.due_date <= date.fromordinal(today.toordinal() + days)
    )


def needs_signoff(item: ItemLike) -> bool:
    return item.signoff_role is not None


def waits_for(item: ItemLike) -> list[str]:
    """The item numbers this item waits for (stored comma-separated)."""
    raw = getattr(item, "waits_for", None) or ""
    return [n for n in (part.strip() for part in raw.split(",")) if n]


def blocked_by(item: ItemLike, items: Iterable[ItemLike]) -> list[str]:
    """The items (numbers) this item still waits for: those it names that are in `items` and not done."""
    wanted = set(waits_for(item))
    if not wanted:
        return []
    return sorted((i.number for i in items if i.number in wanted and not is_done(i)), key=item_sort_key)


def is_complete(items: Iterable[ItemLike]) -> bool:
    items = list(items)
    return bool(items) and all(is_done(i) for i in items)


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    overdue: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def progress(items: Iterable[ItemLike], today: date) -> Progress:
    done = total = overdue = 0
    for item in items:
        total += 1
        done += is_done(item)
        overdue += is_overdue(item, today)
    return Progress(done=done, total=total, overdue=overdue)


def item_sort_key(number: str) -> tuple[int, int]:
    phase, pos = number.split(".")
    return int(phase), int(pos)


# -- sign-offs -------------------------------------------------------------------------------------------

APPROVED = "approved"
REJECTED = "rejected"


class ApprovalLike(Protocol):
    user_id: str
    backup: bool
    decision: str | None


def may_decide(approvals: Iterable[ApprovalLike], user_id: str) -> bool:
    return any(a.user_id == user_id for a in approvals)


def signoff_outcome(approvals: Iterable[ApprovalLike]) -> str | None:
    """`approved`, `rejected`, or None while still waiting."""
    approvals = list(approvals)
    if any(a.decision == REJECTED for a in approvals):
        return REJECTED
    primary = [a for a in approvals if not a.backup]
    if primary and all(a.decision == APPROVED for a in primary):
        return APPROVED
    if any(a.backup and a.decision == APPROVED for a in approvals):
        return APPROVED
    return None


def add_working_days(start: datetime, days: int) -> datetime:
    """`start` moved on by `days` working days (Monday to Friday), same time of day."""
    moment = start
    left = days
    while left > 0:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            left -= 1
    return moment


def is_stale(created_at: datetime, now: datetime, working_days: int) -> bool:
    return now >= add_working_days(created_at, working_days)


def days_waiting(created_at: datetime, now: datetime) -> int:
    return max((now - created_at).days, 0)
