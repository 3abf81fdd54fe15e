"""Rules of the domain, in one place: listeners, views and the scheduler all ask here.

- An item is *overdue* when it is open and its due date is before today.
- A checklist is *complete* when every item is done.
- An item with a sign-off role can only be completed by a sign-off.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
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
