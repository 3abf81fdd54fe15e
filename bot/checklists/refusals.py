"""What the checklists feature refuses, as data (`bot.errors.Refusal`): the service and the rules raise these;
`bot.checklists.messages.refusals` says each one (and escapes the user text in it). No Slack here.

Every refusal means "nothing changed"; the fields are what the answer names (item numbers, people's ids, the
range that exists, the fix's arguments)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.errors import Refusal

# -- which checklist, which item --------------------------------------------------------------------------------


@dataclass(eq=False)
class ArchivedIsReadOnly(Refusal):
    """A change asked of an archived checklist (`… archived <n>`)."""


@dataclass(eq=False)
class ChecklistReplaced(Refusal):
    """A message or modal drawn for a checklist that is no longer the channel's active one."""


@dataclass(eq=False)
class NoArchivedChecklist(Refusal):
    number: int
    count: int  # how many archived checklists the channel has


@dataclass(eq=False)
class NoSuchItem(Refusal):
    number: str
    first_last: tuple[str, str] | None  # the checklist's first and last item numbers, None when it has none


@dataclass(eq=False)
class NoSuchPhase(Refusal):
    number: int
    last: int  # phases run from 1 to `last`


@dataclass(eq=False)
class PhaseFull(Refusal):
    phase: int
    most: int  # items a phase holds at most


@dataclass(eq=False)
class NoSuchTemplate(Refusal):
    name: str  # as typed
    names: tuple[str, ...]  # the templates there are, sorted


@dataclass(eq=False)
class AlreadyStarted(Refusal):
    title: str
    started_at: datetime
    started_by: str


# -- item states ------------------------------------------------------------------------------------------------


@dataclass(eq=False)
class AlreadyDone(Refusal):
    number: str
    done_by: str | None
    done_at: datetime | None


@dataclass(eq=False)
class SkippedNotDone(Refusal):
    """`done` on an item marked not applicable."""

    number: str
    reason: str


@dataclass(eq=False)
class DoneBySignoff(Refusal):
    """`done` on an item that is done by its role's approval."""

    number: str
    role: str | None


@dataclass(eq=False)
class WaitsFor(Refusal):
    """The item's gate (`waits_for`) is not open: these items are not done yet."""

    number: str
    blocked: tuple[tuple[str, str], ...]  # (number, title) of each


@dataclass(eq=False)
class NotDone(Refusal):
    """`undo` on an open item."""

    number: str


@dataclass(eq=False)
class UndoNeedsReason(Refusal):
    """Reopening a signed-off item withdraws the sign-off: the record needs why."""

    number: str


@dataclass(eq=False)
class AlreadySkipped(Refusal):
    number: str
    reason: str


@dataclass(eq=False)
class DoneNotSkippable(Refusal):
    number: str


@dataclass(eq=False)
class NotSkipped(Refusal):
    number: str


@dataclass(eq=False)
class SameDue(Refusal):
    number: str
    due: date | None
    today: date


@dataclass(eq=False)
class SignedOffNotRemovable(Refusal):
    number: str


@dataclass(eq=False)
class RemoveWouldDropGate(Refusal):
    number: str
    waiting: tuple[tuple[str, str], ...]  # (number, title) of each item that waits for it


@dataclass(eq=False)
class Locked(Refusal):
    """A pending sign-off request locks its item against `action` (`rules.LOCKED_ACTIONS`)."""

    number: str
    action: str


@dataclass(eq=False)
class NothingToPlan(Refusal):
    """The checklist's template has no `due:` rules."""


# -- owners, people, contacts -----------------------------------------------------------------------------------


@dataclass(eq=False)
class NotAPerson(Refusal):
    token: str  # as typed
    kind: str  # what it is instead (`rules.kind_of`)
    example: str = ""  # a usage example, for a command


@dataclass(eq=False)
class NotOwners(Refusal):
    number: str
    missing: tuple[str, ...]
    owners: tuple[str, ...]


@dataclass(eq=False)
class TooManyOwners(Refusal):
    number: str
    count: int
    most: int


@dataclass(eq=False)
class SameOwners(Refusal):
    number: str
    owners: tuple[str, ...]


@dataclass(eq=False)
class OnlyLeadsChangeContacts(Refusal):
    role: str
    leads: tuple[str, ...]


@dataclass(eq=False)
class SameContacts(Refusal):
    role: str


# -- who is asked to sign off -----------------------------------------------------------------------------------


@dataclass(eq=False)
class OwnRequest(Refusal):
    """The requester named themselves as an approver."""

    number: str


@dataclass(eq=False)
class NoRoleContacts(Refusal):
    number: str
    role: str


@dataclass(eq=False)
class NotRoleContacts(Refusal):
    number: str
    role: str
    outside: tuple[str, ...]
    contacts: tuple[str, ...]


@dataclass(eq=False)
class NameApprovers(Refusal):
    """An item without a sign-off role: the requester names who approves."""

    number: str


@dataclass(eq=False)
class NobodyLeftToApprove(Refusal):
    number: str
    role: str | None


# -- the checklist's settings and where it is shown ------------------------------------------------------------


@dataclass(eq=False)
class SameTimezone(Refusal):
    timezone: str


@dataclass(eq=False)
class SameWorkweek(Refusal):
    workweek: str


@dataclass(eq=False)
class SameNotify(Refusal):
    mode: str


@dataclass(eq=False)
class ShareHere(Refusal):
    """`share`/`unshare` naming the checklist's own channel."""

    verb: str


@dataclass(eq=False)
class OnlyLeadsShare(Refusal):
    leads: tuple[str, ...]


@dataclass(eq=False)
class AlreadyShared(Refusal):
    channel_id: str


@dataclass(eq=False)
class NotShared(Refusal):
    channel_id: str


# -- what a click or a form sent ----------------------------------------------------------------------------------


@dataclass(eq=False)
class UnknownMenuChoice(Refusal):
    choice: str


@dataclass(eq=False)
class PickPeople(Refusal):
    """The assign modal sent something other than a list of users."""


@dataclass(eq=False)
class PickDate(Refusal):
    """The due date modal sent something other than a date."""


@dataclass(eq=False)
class EmptyNote(Refusal):
    pass


@dataclass(eq=False)
class NoteTooLong(Refusal):
    most: int  # characters


@dataclass(eq=False)
class UnreadableDate(Refusal):
    """Date words `parse_date` cannot read; `problem` when they name a day that does not exist."""

    text: str
    problem: str | None = None
