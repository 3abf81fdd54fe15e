"""What the sign-off feature refuses, as data (`bot.errors.Refusal`): the service raises these with what the answer
needs (plain values, read before the transaction ends); `bot.signoffs.messages` says each one. No Slack here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.errors import Refusal


@dataclass(eq=False)
class RequestGone(Refusal):
    """The request does not exist, or belongs to another workspace's checklist (ids in payloads are not trusted)."""


@dataclass(eq=False)
class OwnRequest(Refusal):
    """The requester clicked on their own request."""


@dataclass(eq=False)
class NotAnApprover(Refusal):
    item_number: str
    approvers: tuple[str, ...]


@dataclass(eq=False)
class SignoffArchived(Refusal):
    """The request's checklist was archived: its sign-offs are closed."""


@dataclass(eq=False)
class SignoffClosed(Refusal):
    """The request is no longer pending: what became of it (`storage.signoffs` status), who closed it and, for a
    rejection, the reason given."""

    item_number: str
    status: str
    decided_by: str | None
    reason: str | None = None


@dataclass(eq=False)
class AlreadyDecided(Refusal):
    decision: str  # approved | rejected
    decided_at: datetime | None


@dataclass(eq=False)
class NoLongerContact(Refusal):
    """The approver was taken out of the role (`role` as asked: `qa`, or `qa-backup` for a backup)."""

    item_number: str
    role: str


@dataclass(eq=False)
class DoneNeedsNoSignoff(Refusal):
    item_number: str


@dataclass(eq=False)
class SkippedNeedsNoSignoff(Refusal):
    item_number: str


@dataclass(eq=False)
class ChecklistChanged(Refusal):
    """The channel's checklist is not the one the request was planned on (restarted meanwhile)."""


@dataclass(eq=False)
class ClosedMeanwhile(Refusal):
    """The item was marked done or not applicable between the plan and the record."""

    item_number: str


@dataclass(eq=False)
class NothingToCancel(Refusal):
    item_number: str


@dataclass(eq=False)
class ReasonMissing(Refusal):
    """The reject form was sent with no reason."""


@dataclass(eq=False)
class ReasonTooLong(Refusal):
    length: int  # characters typed
