"""What a change to a checklist did, as data: the service returns these, `bot.checklists.messages.changes` says
them in Slack. Each holds the facts its sentence needs (numbers, titles and people's ids as stored: escaping is
the messages' job). No Slack here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.reminders.schedule import Weekly

# -- item changes (`Change.event`) --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemDone:
    by: str
    number: str
    title: str
    note: str = ""


@dataclass(frozen=True)
class Reopened:
    """`undo`: the item is open again; `signed_off` when its sign-off was withdrawn (`reason` says why)."""

    by: str
    number: str
    title: str
    reason: str = ""
    signed_off: bool = False
    done_dependents: tuple[str, ...] = ()  # items that wait for it and are already closed


@dataclass(frozen=True)
class Skipped:
    by: str
    number: str
    title: str
    reason: str


@dataclass(frozen=True)
class Unskipped:
    by: str
    number: str
    title: str


@dataclass(frozen=True)
class OwnersSet:
    by: str
    number: str
    title: str
    owners: tuple[str, ...]  # () when now unassigned


@dataclass(frozen=True)
class DueSet:
    by: str
    number: str
    title: str
    due: date | None
    today: date  # the checklist's
    overdue: bool = False


@dataclass(frozen=True)
class NoteAdded:
    by: str
    number: str
    title: str
    text: str


@dataclass(frozen=True)
class ItemAdded:
    by: str
    number: str
    title: str
    phase: int
    phase_name: str


@dataclass(frozen=True)
class ItemRemoved:
    by: str
    number: str
    title: str


@dataclass(frozen=True)
class PhaseDone:
    """The change completed its item's phase (told to the channel in both modes)."""

    phase: int
    name: str | None
    items: int
    by: str  # who did the last item


# -- the checklist ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Started:
    by: str
    title: str
    timezone: str
    workweek: str
    known_timezone: bool  # the starter's timezone was known: the answer says which calendar the dates follow
    carried_roles: tuple[str, ...] = ()  # contacts carried over from the channel's last checklist


@dataclass(frozen=True)
class Planned:
    by: str
    title: str


@dataclass(frozen=True)
class ArchivedChecklist:
    by: str
    title: str
    done: int
    total: int
    cancelled: int  # pending sign-off requests withdrawn


@dataclass(frozen=True)
class TimezoneSet:
    by: str
    timezone: str
    old: str
    now: datetime  # in the new timezone
    digest: Weekly | None = None  # the weekly digest that moved with it


@dataclass(frozen=True)
class WorkweekSet:
    by: str
    workweek: str
    old: str


@dataclass(frozen=True)
class NotifySet:
    by: str
    mode: str


@dataclass(frozen=True)
class Shared:
    by: str
    title: str
    channel_id: str


@dataclass(frozen=True)
class Unshared:
    by: str
    title: str
    channel_id: str


ItemEvent = ItemDone | Reopened | Skipped | Unskipped | OwnersSet | DueSet | NoteAdded | ItemAdded | ItemRemoved
ChecklistEvent = Started | Planned
