"""Rules of the domain, in one place: listeners, views and the scheduler all ask here.

- An item is *overdue* when it is open and its due date is before today.
- An item may be *not applicable* (status `skipped`, with who and why): it counts apart from the done ones
  ("18/23 done · 2 not applicable"), satisfies gates like a done item, and is never overdue. Skipping an item
  that needs a sign-off is itself a sign-off request ("not applicable") its role's approvers decide.
- An item has up to `MAX_OWNERS` owners; each of them sees it in App Home and gets its nudges.
- A checklist is *complete* when every item is done or not applicable.
- An item with a sign-off role can only be completed by a sign-off.
- An item that *waits for* others (a phase gate, e.g. 3.3 waits for 1.2) cannot be done while any of them is
  open; a waited-for item that was removed from the checklist no longer holds it back.
- Only a request's approvers may decide on it, and only while it is pending. It is *approved* when every
  approver asked first has approved, or when a backup (asked on escalation) approves in their stead; any
  rejection rejects it.
- A pending sign-off is *stale* after N working days of its checklist's working week (holidays are not known).
- Each checklist has a *calendar*: a timezone and a working week. Its "today" is the date in that timezone,
  from one function, `today()`, which status, App Home, digests, exports, nudges and date words all use; so an
  item due D turns overdue at local midnight between D and D+1, wherever the reader is.

Authority (the README's table is this section in prose):
- The approvers of an item with `signoff: <role>` are that role's contacts (all, or the ones named, who must be
  among them); `<role>-backup` contacts take part only through escalation. An item without a role may be
  signed off by any people named. The requester is never an approver.
- The *leads* of a checklist are the person who started it and the `lead` contacts. Only a lead may change the
  contacts of a role that signs (a `signoff:` role of the checklist's items, its `-backup`, and `lead` itself).
- A pending request *locks* its item: `done`, `assign`, `due`, `remove` and `skip` are refused until it is
  decided or withdrawn (`/checklist signoff cancel <item>`).
- A *signed-off* item (done by an approved request) is evidence: `undo` needs a reason and withdraws the
  sign-off on the record; `remove` is refused.
- An item others wait for cannot be removed; reopening it names the dependents that are already done.
- Owners, approvers and contacts are people: Slack user ids (`U…`/`W…`), never a channel, a group or text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.checklists.refusals import (
    Locked,
    NameApprovers,
    NobodyLeftToApprove,
    NoRoleContacts,
    NotAPerson,
    NotRoleContacts,
    OwnRequest,
)
from storage.signoffs import APPROVED as APPROVED  # re-exported: the words a decision and an outcome use
from storage.signoffs import REJECTED as REJECTED


class ItemLike(Protocol):
    number: str
    status: str
    due_date: date | None
    signoff_role: str | None


AnItem = TypeVar("AnItem", bound=ItemLike)  # an ItemLike, given back as the type it came in

DONE = "done"
OPEN = "open"
SKIPPED = "skipped"  # not applicable
MAX_OWNERS = 5


# -- the calendar: one "today" per checklist, working weeks ---------------------------------------------------

DEFAULT_TIMEZONE = "UTC"
DEFAULT_WORKWEEK = "mon-fri"
# Working weeks teams use: weekday numbers (0 = Monday) of each.
WORKWEEKS: dict[str, frozenset[int]] = {
    "mon-fri": frozenset({0, 1, 2, 3, 4}),
    "sun-thu": frozenset({6, 0, 1, 2, 3}),
    "mon-sat": frozenset({0, 1, 2, 3, 4, 5}),
}
WORKWEEK_NAMES = {"mon-fri": "Monday–Friday", "sun-thu": "Sunday–Thursday", "mon-sat": "Monday–Saturday"}


class CalendarLike(Protocol):
    timezone: str
    workweek: str


@lru_cache(maxsize=1024)
def zone(name: str | None) -> ZoneInfo:
    """The tz database zone `name`; UTC for an empty or unknown name (a stored zone is validated when set)."""
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def local_date(now: datetime, timezone: str | None) -> date:
    """The calendar date of the instant `now` in `timezone`."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(zone(timezone)).date()


def today(calendar: CalendarLike | str | None, now: datetime) -> date:
    """THE "today" of a checklist: the date in its timezone at `now` (a zone name works too; None is UTC).

    Every rule that needs today (overdue, due soon, days overdue, date words) is given this date, so a checklist
    has one today whoever reads it and whichever part of the app asks."""
    tz = calendar if isinstance(calendar, str) or calendar is None else getattr(calendar, "timezone", None)
    return local_date(now, tz)


def working_weekdays(workweek: str | None) -> frozenset[int]:
    return WORKWEEKS.get(workweek or DEFAULT_WORKWEEK, WORKWEEKS[DEFAULT_WORKWEEK])


def is_working_day(day: date, workweek: str | None = DEFAULT_WORKWEEK) -> bool:
    return day.weekday() in working_weekdays(workweek)


def add_working_day_count(start: date, days: int, workweek: str | None = DEFAULT_WORKWEEK) -> date:
    """The date `days` working days after `start` (`start` itself not counted; 0 gives `start`)."""
    week = working_weekdays(workweek)
    day, left = start, days
    while left > 0:
        day += timedelta(days=1)
        if day.weekday() in week:
            left -= 1
    return day


def nth_working_day(start: date, n: int, workweek: str | None = DEFAULT_WORKWEEK) -> date:
    """The n-th working day counting from `start` itself (n >= 1): `start` when it is a working day and n is 1."""
    week = working_weekdays(workweek)
    day = start if start.weekday() in week else add_working_day_count(start, 1, workweek)
    return add_working_day_count(day, n - 1, workweek)


def working_days_between(start: date, end: date, workweek: str | None = DEFAULT_WORKWEEK) -> int:
    """Working days after `start` up to and including `end` (0 when `end` <= `start`): how many working days
    something has waited."""
    if end <= start:
        return 0
    week = working_weekdays(workweek)
    full, rest = divmod((end - start).days, 7)
    count = full * len(week)
    day = start + timedelta(days=7 * full)
    for _ in range(rest):
        day += timedelta(days=1)
        count += day.weekday() in week
    return count


def is_done(item: ItemLike) -> bool:
    return item.status == DONE


def is_skipped(item: ItemLike) -> bool:
    """Not applicable to this project (skipped with a reason)."""
    return item.status == SKIPPED


def is_closed(item: ItemLike) -> bool:
    """Done or not applicable: nothing is left to do, and items waiting for it may go on."""
    return item.status in (DONE, SKIPPED)


def is_open(item: ItemLike) -> bool:
    return not is_closed(item)


def owners(item: object) -> list[str]:
    """Everyone who owns the item, first owner first (`owner_id`, then the space-separated `co_owners`)."""
    first = getattr(item, "owner_id", None)
    more = (getattr(item, "co_owners", None) or "").split()
    return ([first] if first else []) + [u for u in more if u != first]


def owns(item: object, user_id: str) -> bool:
    return user_id in owners(item)


def is_overdue(item: ItemLike, today: date) -> bool:
    return is_open(item) and item.due_date is not None and item.due_date < today


def days_overdue(item: ItemLike, today: date) -> int:
    return (today - item.due_date).days if item.due_date is not None and is_overdue(item, today) else 0


def is_due_within(item: ItemLike, today: date, days: int) -> bool:
    return (
        is_open(item)
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
    """The items (numbers) this item still waits for: those it names that are in `items` and neither done nor
    not applicable."""
    wanted = set(waits_for(item))
    if not wanted:
        return []
    return sorted((i.number for i in items if i.number in wanted and is_open(i)), key=item_sort_key)


def is_complete(items: Iterable[ItemLike]) -> bool:
    items = list(items)
    return bool(items) and all(is_closed(i) for i in items)


@dataclass(frozen=True)
class Progress:
    """`done` of `total`, where `total` leaves out the `skipped` (not applicable) items: "18/23 done · 2 not
    applicable" for 25 items."""

    done: int
    total: int
    overdue: int
    skipped: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def text(self) -> str:
        tail = f" · {self.skipped} not applicable" if self.skipped else ""
        return f"{self.done}/{self.total} done{tail}"


def progress(items: Iterable[ItemLike], today: date) -> Progress:
    done = total = overdue = skipped = 0
    for item in items:
        if is_skipped(item):
            skipped += 1
            continue
        total += 1
        done += is_done(item)
        overdue += is_overdue(item, today)
    return Progress(done=done, total=total, overdue=overdue, skipped=skipped)


def item_sort_key(number: str) -> tuple[int, int]:
    phase, pos = number.split(".")
    return int(phase), int(pos)


# -- sign-offs -------------------------------------------------------------------------------------------

# APPROVED and REJECTED (a decision, and a request's outcome) are the words `storage.signoffs` stores: imported.


class ApprovalLike(Protocol):
    user_id: str
    backup: bool
    decision: str | None


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


def add_working_days(start: datetime, days: int, calendar: CalendarLike | None = None) -> datetime:
    """`start` moved on by `days` working days of the calendar's week, at the same local time of day in the
    calendar's timezone (Monday–Friday in UTC without a calendar)."""
    tz = zone(calendar.timezone if calendar else None)
    local = (start if start.tzinfo else start.replace(tzinfo=UTC)).astimezone(tz)
    day = add_working_day_count(local.date(), days, calendar.workweek if calendar else None)
    return datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=tz).astimezone(UTC)


def is_stale(created_at: datetime, now: datetime, working_days: int, calendar: CalendarLike | None = None) -> bool:
    """A pending sign-off has waited `working_days` working days of its checklist's calendar."""
    return now >= add_working_days(created_at, working_days, calendar)


def working_days_waited(created_at: datetime, now: datetime, calendar: CalendarLike | None = None) -> int:
    """Whole working days (of the calendar) from `created_at` to `now`, in the calendar's timezone."""
    tz = calendar.timezone if calendar else None
    return working_days_between(
        local_date(created_at, tz), local_date(now, tz), calendar.workweek if calendar else None
    )


def days_waiting(created_at: datetime, now: datetime) -> int:
    return max((now - created_at).days, 0)


# -- people ----------------------------------------------------------------------------------------------

_PERSON_ID = re.compile(r"^[UW][A-Z0-9]{1,20}$")


def is_person(user_id: str | None) -> bool:
    """A Slack user id (`U…` or `W…` for Enterprise Grid), the only thing that may own, approve or be a contact."""
    return user_id is not None and bool(_PERSON_ID.match(user_id))


def kind_of(token: str) -> str:
    """What a token that is not a person is, for the answer: a channel, a user group, a special mention, text."""
    if token.startswith("<#"):
        return "a channel"
    if token.startswith("<!subteam"):
        return "a user group"
    if token.startswith("<!"):
        return "a special mention"
    if token.startswith("<@"):
        return "not a user id"
    return "text"


def not_a_person(token: str, example: str = "") -> NotAPerson:
    """The refusal of a token that is not a person (`example`: the command's usage, for the fix)."""
    return NotAPerson(token, kind_of(token), example)


def check_person(user_id: str | None, field: str | None = None) -> str:
    """The id when it is a person's; otherwise the refusal (from a modal, attached to `field`)."""
    if not is_person(user_id):
        raise NotAPerson(user_id or "nothing", kind_of(user_id or "nothing"), field=field)
    return user_id  # type: ignore[return-value]


# -- authority: who may request, approve, change contacts ------------------------------------------------

LEAD_ROLE = "lead"
BACKUP_SUFFIX = "-backup"


def signing_roles(item_roles: Iterable[str | None]) -> set[str]:
    """The roles guarded by the leads: each `signoff:` role, its `-backup`, and `lead` itself."""
    roles = {r for r in item_roles if r}
    return roles | {r + BACKUP_SUFFIX for r in roles} | {LEAD_ROLE}


def leads(created_by: str, lead_contacts: Iterable[str]) -> list[str]:
    """The checklist's leads: its starter, then the `lead` contacts."""
    out = [created_by]
    out += [u for u in lead_contacts if u not in out]
    return out


def still_signs(user_id: str, role: str | None, backup: bool, contacts_of: Callable[[str], Sequence[str]]) -> bool:
    """An approver of an item with a role decides only while still its contact (`<role>-backup` for a backup):
    a lead who takes someone out of the role takes away their pending buttons too."""
    if not role:
        return True
    return user_id in contacts_of(role + BACKUP_SUFFIX if backup else role)


def may_change_contacts(user_id: str, role: str, guarded: set[str], lead_ids: Sequence[str]) -> bool:
    return role not in guarded or user_id in lead_ids


def approvers_for(
    *,
    item_number: str,
    role: str | None,
    role_contacts: Sequence[str],
    named: Sequence[str],
    requester: str,
) -> tuple[str, ...]:
    """Who is asked to sign off: the role's contacts (or those named, who must be among them), or, for an item
    without a role, the people named; never the requester. Raises the refusal, with the fix, otherwise."""
    if requester in named:
        raise OwnRequest(item_number)
    if role:
        if not role_contacts:
            raise NoRoleContacts(item_number, role)
        outside = [u for u in named if u not in role_contacts]
        if outside:
            raise NotRoleContacts(item_number, role, tuple(outside), tuple(role_contacts))
        chosen = list(named) or list(role_contacts)
    else:
        if not named:
            raise NameApprovers(item_number)
        chosen = list(named)
    approvers = tuple(u for u in chosen if u != requester)
    if not approvers:
        raise NobodyLeftToApprove(item_number, role)
    return approvers


# -- what a sign-off locks -------------------------------------------------------------------------------

LOCKED_ACTIONS = {
    "done": "marked done",
    "assign": "reassigned",
    "due": "given a new due date",
    "remove": "removed",
    "skip": "marked not applicable",
}


def skip_needs_signoff(item: ItemLike) -> bool:
    """Marking an item that needs a sign-off not applicable is itself a sign-off ("not applicable") that the
    role's approvers decide: otherwise `skip` would be a way round the sign-off."""
    return needs_signoff(item)


def refuse_if_locked(item_number: str, action: str, pending: bool) -> None:
    """A pending request locks its item against `done`, `assign`, `due` and `remove` (refused, with the fix)."""
    if pending and action in LOCKED_ACTIONS:
        raise Locked(item_number, action)


def dependents(number: str, items: Iterable[AnItem]) -> list[AnItem]:
    """The items that wait for `number`, in checklist order."""
    return sorted((i for i in items if number in waits_for(i)), key=lambda i: item_sort_key(i.number))


def is_signed_off(item: ItemLike, latest_request_status: str | None) -> bool:
    """Done by an approved sign-off that was not withdrawn since."""
    return is_done(item) and latest_request_status == APPROVED


# -- who hears about changes, and who shows a checklist elsewhere -------------------------------------------------

NOTIFY_CHANNEL = "channel"  # every item change is told to the channel
NOTIFY_QUIET = "quiet"  # item changes are told to the person who made them only
NOTIFY_MODES = (NOTIFY_CHANNEL, NOTIFY_QUIET)


def is_quiet(checklist: object) -> bool:
    """Item changes (done, undo, assign, due, note, add, remove…) go to their author only. Phase completions,
    sign-off requests and outcomes, and calendar or mode changes are told to the channel in both modes."""
    return getattr(checklist, "notify", NOTIFY_CHANNEL) == NOTIFY_QUIET


def may_share(user_id: str, lead_ids: Sequence[str]) -> bool:
    """Only a lead of the checklist (its starter or a `lead` contact) lists it in, or takes it out of, another
    channel's portfolio: showing a project outside its channel is the lead's call."""
    return user_id in lead_ids


def phase_completed(item: ItemLike, items: Iterable[ItemLike]) -> bool:
    """True when `item` is done and so is every other item of its phase (the change that completes a phase)."""
    if not is_done(item):
        return False
    phase = [i for i in items if getattr(i, "phase_number", None) == getattr(item, "phase_number", None)]
    return bool(phase) and is_complete(phase)
