"""Units of work for sign-offs: plan a request, record it, approve, reject, cancel, escalate. No Slack here.

Every decision goes through guarded UPDATEs (see `storage.signoffs`), so a double click, a replayed payload or
two replicas handling the same click change the state once; the loser gets a refusal (`bot.signoffs.refusals`)
saying why, as data: `bot.signoffs.messages` words it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from bot.checklists import rules
from bot.checklists.service import ChecklistService, SignoffRecord, signoff_records
from bot.signoffs.refusals import (
    AlreadyDecided,
    ChecklistChanged,
    ClosedMeanwhile,
    DoneNeedsNoSignoff,
    NoLongerContact,
    NotAnApprover,
    NothingToCancel,
    OwnRequest,
    RequestGone,
    SignoffArchived,
    SignoffClosed,
    SkippedNeedsNoSignoff,
)
from bot.who import Who
from storage import queries as q
from storage import signoffs as sq
from storage.models import Checklist, Item

SYSTEM_ACTOR = "checklist-bot"  # the actor of events nobody typed (escalations)
BACKUP_SUFFIX = rules.BACKUP_SUFFIX


@dataclass(frozen=True)
class Signoff:
    """A request, its approvals and what messages about it need to say."""

    request: sq.SignoffRequest
    approvals: Sequence[sq.SignoffApproval]
    item_title: str
    checklist_title: str
    channel_id: str
    team_id: str

    @property
    def id(self) -> int:
        return self.request.pk

    def approval(self, user_id: str) -> sq.SignoffApproval | None:
        return next((a for a in self.approvals if a.user_id == user_id), None)


@dataclass(frozen=True)
class Loaded:
    """A sign-off with the rows it belongs to, as one unit of work read them."""

    signoff: Signoff
    checklist: Checklist
    item: Item | None


@dataclass(frozen=True)
class Plan:
    """Who to ask about which item; checked before any DM is opened."""

    checklist_id: int
    channel_id: str
    item_number: str
    item_title: str
    approvers: tuple[str, ...]
    role: str | None
    purpose: str = "signoff"  # "skip": approving marks the item not applicable (the note is why)


@dataclass(frozen=True)
class Decision:
    signoff: Signoff
    user_id: str
    decision: str  # approved | rejected
    closed: bool  # the request is finished by this decision (all approved, or rejected)


class SignoffService:
    def __init__(self, checklists: ChecklistService) -> None:
        self.checklists = checklists
        self.db = checklists.db
        self.clock = checklists.clock

    # -- helpers -----------------------------------------------------------------------------------------

    def _log(self, session: Session, checklist: Checklist, actor: str, action: str, **kw: str | None) -> None:
        q.log_event(session, checklist=checklist, actor_id=actor, action=action, at=self.clock.now(), **kw)

    def _read(self, session: Session, request_id: int, *, lock: bool = False, team_id: str | None = None) -> Loaded:
        """The request with its approvals, its checklist (locked first with `lock`) and its item: two statements.
        With `team_id` (a click or form from Slack), a request of another workspace's checklist is refused as if it
        did not exist: ids in payloads are never trusted across teams."""
        checklist = sq.checklist_of_request(session, request_id, lock=lock)
        if checklist is None:
            raise RequestGone()
        if team_id is not None and checklist.team_id != team_id:
            raise RequestGone()
        found = sq.request_with_approvals(session, request_id)
        if found is None:
            raise RequestGone()
        request, item, approvals = found
        signoff = Signoff(
            request=request,
            approvals=approvals,
            item_title=item.title if item else request.item_number,
            checklist_title=checklist.title,
            channel_id=checklist.channel_id,
            team_id=checklist.team_id,
        )
        return Loaded(signoff, checklist, item)

    def _load(self, session: Session, request_id: int, *, lock: bool = False, team_id: str | None = None) -> Signoff:
        return self._read(session, request_id, lock=lock, team_id=team_id).signoff

    def _signoff(self, session: Session, request: sq.SignoffRequest, checklist: Checklist, item: Item) -> Signoff:
        return Signoff(
            request,
            sq.approvals(session, request.pk),
            item.title,
            checklist.title,
            checklist.channel_id,
            checklist.team_id,
        )

    def _guard(self, session: Session, loaded: Loaded, user_id: str) -> sq.SignoffApproval:
        """The clicker's approval row, or a refusal: not an approver, no longer pending, already decided."""
        signoff = loaded.signoff
        request = signoff.request
        approval = signoff.approval(user_id)
        if user_id == request.requested_by:
            raise OwnRequest()
        if approval is None:
            raise NotAnApprover(request.item_number, tuple(a.user_id for a in signoff.approvals))
        if request.status == sq.WITHDRAWN:
            raise closed(request, signoff.approvals)
        checklist = loaded.checklist
        if checklist is not None and checklist.archived_at is not None:
            raise SignoffArchived()
        if approval.decision is not None:
            raise already_decided(approval)
        if request.status != sq.PENDING:
            raise closed(request, signoff.approvals)
        item = loaded.item
        role = item.signoff_role if item is not None else None
        if not rules.still_signs(
            user_id, role, approval.backup, lambda r: [c.user_id for c in q.contacts(session, request.checklist_id, r)]
        ):
            shown = f"{role}{rules.BACKUP_SUFFIX}" if approval.backup else role
            raise NoLongerContact(request.item_number, shown or "")
        return approval

    # -- requesting --------------------------------------------------------------------------------------

    def plan(self, who: Who, number: str, users: Sequence[str], *, purpose: str = "signoff") -> Plan:
        """Check a request can be made and name the approvers (the named people, or the role's contacts).
        `purpose="skip"` asks them to agree the item is not applicable (`rules.skip_needs_signoff`)."""
        with self.db.read() as session:
            checklist = self.checklists.checklist_of(session, who)
            item = self.checklists.item_of(session, checklist, number)
            if rules.is_done(item):
                raise DoneNeedsNoSignoff(item.number)
            if rules.is_skipped(item):
                raise SkippedNeedsNoSignoff(item.number)
            if purpose == "skip":
                rules.refuse_if_locked(item.number, "skip", self.checklists.has_pending_signoff(session, item))
            else:
                self.checklists.check_gate(session, checklist, item)
            for user_id in users:
                rules.check_person(user_id)
            role_contacts = (
                [c.user_id for c in q.contacts(session, checklist.pk, item.signoff_role)] if item.signoff_role else []
            )
            approvers = rules.approvers_for(
                item_number=item.number,
                role=item.signoff_role,
                role_contacts=role_contacts,
                named=list(users),
                requester=who.user_id,
            )
            return Plan(
                checklist_id=checklist.pk,
                channel_id=checklist.channel_id,
                item_number=item.number,
                item_title=item.title,
                approvers=approvers,
                role=item.signoff_role,
                purpose=purpose,
            )

    def record(self, who: Who, plan: Plan, dms: dict[str, str], note: str) -> tuple[Signoff, list[Signoff]]:
        """Record a pending request (DMs already opened); a pending one for the item is superseded.

        Returns the new request and the superseded ones (their DMs need updating)."""
        with self.db.write() as session:
            checklist = self.checklists.checklist_of(session, Who(who.team_id, plan.channel_id, who.user_id), lock=True)
            if checklist.id != plan.checklist_id:
                raise ChecklistChanged()
            item = self.checklists.item_of(session, checklist, plan.item_number)
            if rules.is_closed(item):
                raise ClosedMeanwhile(item.number)
            now = self.clock.now()
            superseded = []
            old = sq.pending_for_item(session, item.pk)
            if old is not None and sq.close_request(
                session, request_id=old.pk, status=sq.SUPERSEDED, by=who.user_id, at=now
            ):
                session.refresh(old)
                superseded.append(self._signoff(session, old, checklist, item))
                self._log(session, checklist, who.user_id, "signoff_supersede", item_number=item.number)
            session.flush()
            request, _ = sq.create_request(
                session,
                checklist_id=checklist.id,
                item_id=item.pk,
                item_number=item.number,
                requested_by=who.user_id,
                note=note,
                at=now,
                approvers=[(u, dms.get(u)) for u in plan.approvers],
                purpose=plan.purpose,
            )
            asked = " ".join(plan.approvers)
            self._log(
                session,
                checklist,
                who.user_id,
                "signoff_request" if plan.purpose != "skip" else "skip_request",
                item_number=item.number,
                old=asked,
                new=note or None,
            )
            return self._signoff(session, request, checklist, item), superseded

    def set_dm(self, request_id: int, user_id: str, dm_channel: str, dm_ts: str) -> Signoff | None:
        """Keep a posted DM's ts. Serialised with decisions on the checklist row: when this person already decided,
        or the request closed, before the ts was kept (a fast click), returns the Signoff so the DM is updated."""
        with self.db.write() as session:
            signoff = self._load(session, request_id, lock=True)
            sq.set_dm_ts(session, request_id=request_id, user_id=user_id, dm_channel=dm_channel, dm_ts=dm_ts)
            approval = signoff.approval(user_id)
            if signoff.request.status != sq.PENDING or (approval is not None and approval.decision is not None):
                session.flush()
                session.expire_all()
                return self._load(session, request_id)
            return None

    def abandon(self, request_id: int, actor: str) -> Signoff | None:
        """Withdraw a request whose DMs could not all be delivered; None if it was no longer pending."""
        with self.db.write() as session:
            loaded = self._read(session, request_id, lock=True)
            signoff = loaded.signoff
            if not sq.close_request(session, request_id=request_id, status=sq.CANCELLED, by=actor, at=self.clock.now()):
                return None
            self._log(
                session,
                loaded.checklist,
                actor,
                "signoff_cancel",
                item_number=signoff.request.item_number,
                new="a direct message could not be delivered",
            )
            return self._load(session, request_id)

    # -- deciding ----------------------------------------------------------------------------------------

    def check_decider(self, team_id: str, user_id: str, request_id: int) -> Signoff:
        """Raise unless `user_id` of `team_id` may decide on this request now (before opening the reason modal)."""
        with self.db.read() as session:
            loaded = self._read(session, request_id, team_id=team_id)
            self._guard(session, loaded, user_id)
            return loaded.signoff

    def approve(self, team_id: str, user_id: str, request_id: int) -> Decision:
        return self._decide(team_id, user_id, request_id, rules.APPROVED, None)

    def reject(self, team_id: str, user_id: str, request_id: int, reason: str) -> Decision:
        return self._decide(team_id, user_id, request_id, rules.REJECTED, reason)

    def _decide(self, team_id: str, user_id: str, request_id: int, decision: str, reason: str | None) -> Decision:
        with self.db.write() as session:
            # Under the checklist's lock nothing else changes this request or its approvals, so what is read here
            # and what the guarded UPDATEs write is the whole state: no second read (see `sq.written`).
            loaded = self._read(session, request_id, lock=True, team_id=team_id)
            signoff, checklist = loaded.signoff, loaded.checklist
            approval = self._guard(session, loaded, user_id)
            now = self.clock.now()
            if not sq.decide(session, request_id=request_id, user_id=user_id, decision=decision, reason=reason, at=now):
                session.refresh(approval)
                raise already_decided(approval)
            sq.written(approval, decision=decision, reason=reason, decided_at=now)
            number = signoff.request.item_number
            approvals = signoff.approvals
            outcome = rules.signoff_outcome(approvals)
            finished = outcome is not None and sq.close_request(
                session, request_id=request_id, status=outcome, by=user_id, at=now
            )
            # Logged after the guarded UPDATEs, so the events and the checklist's version reach the database in
            # one flush; the chain's order is the same (the decision, then what it completed).
            action = "signoff_approve" if decision == rules.APPROVED else "signoff_reject"
            self._log(session, checklist, user_id, action, item_number=number, new=reason)
            if finished:
                sq.written(signoff.request, status=outcome, decided_by=user_id, decided_at=now)
                item = loaded.item
                if outcome == rules.APPROVED and signoff.request.purpose == "skip":
                    if item is not None and rules.is_open(item):
                        item.status, item.skipped_by, item.skipped_at = rules.SKIPPED, signoff.request.requested_by, now
                        item.skip_reason = signoff.request.note
                        session.add(item)
                        self._log(session, checklist, user_id, "skip", item_number=number, new=signoff.request.note)
                elif outcome == rules.APPROVED:
                    if item is not None and not rules.is_done(item):
                        item.status, item.done_by, item.done_at = rules.DONE, user_id, now
                        session.add(item)
                        approvers = " ".join(a.user_id for a in approvals if a.decision == rules.APPROVED)
                        self._log(session, checklist, user_id, "signoff_done", item_number=number, new=approvers)
            session.flush()
            return Decision(signoff, user_id, decision, finished)

    def cancel(self, who: Who, number: str) -> Signoff:
        with self.db.write() as session:
            checklist = self.checklists.checklist_of(session, who, lock=True)
            item = self.checklists.item_of(session, checklist, number)
            request = sq.pending_for_item(session, item.pk)
            if request is None:
                raise NothingToCancel(item.number)
            sq.close_request(session, request_id=request.pk, status=sq.CANCELLED, by=who.user_id, at=self.clock.now())
            self._log(session, checklist, who.user_id, "signoff_cancel", item_number=item.number)
            session.refresh(request)
            return self._signoff(session, request, checklist, item)

    # -- reading -----------------------------------------------------------------------------------------

    def pending(self, who: Who) -> tuple[Checklist, list[SignoffRecord]]:
        with self.db.read() as session:
            checklist = self.checklists.checklist_of(session, who)
            return checklist, signoff_records(session, sq.requests(session, checklist.pk, status=sq.PENDING))

    def get(self, request_id: int) -> Signoff:
        with self.db.read() as session:
            return self._load(session, request_id)

    # -- escalation --------------------------------------------------------------------------------------

    def stale(self, now: datetime, working_days: int) -> list[tuple[int, str]]:
        """(id, team id) of pending, never escalated requests that have waited `working_days` working days of
        their checklist's calendar (its working week, in its timezone)."""
        with self.db.read() as session:
            return [
                (r.pk, checklist.team_id)
                for r, checklist in sq.unescalated_pending_with_checklist(session)
                if rules.is_stale(r.created_at, now, working_days, checklist)
            ]

    def waited(self, signoff: Signoff, now: datetime) -> tuple[int, date]:
        """(working days the request has really waited, today), both in its checklist's calendar."""
        with self.db.read() as session:
            checklist = session.get(Checklist, signoff.request.checklist_id)
            return rules.working_days_waited(signoff.request.created_at, now, checklist), rules.today(checklist, now)

    def claim_escalation(self, request_id: int, now: datetime) -> Signoff | None:
        """Mark the request escalated; the Signoff for the one caller that won, None for the others."""
        with self.db.write() as session:
            # The checklist row first (locked), like every other writer.
            checklist = self._read(session, request_id, lock=True).checklist
            if not sq.claim_escalation(session, request_id=request_id, at=now):
                return None
            signoff = self._load(session, request_id)
            self._log(session, checklist, SYSTEM_ACTOR, "signoff_escalate", item_number=signoff.request.item_number)
            return signoff

    def backups(self, signoff: Signoff, role: str | None) -> list[str]:
        """Backup contacts (`<role>-backup`) of the item's role who are not approvers yet."""
        if not role:
            return []
        with self.db.read() as session:
            asked = {a.user_id for a in signoff.approvals} | {signoff.request.requested_by}
            contacts = q.contacts(session, signoff.request.checklist_id, role + BACKUP_SUFFIX)
            return [c.user_id for c in contacts if c.user_id not in asked]

    def item_role(self, signoff: Signoff) -> str | None:
        with self.db.read() as session:
            item = session.get(Item, signoff.request.item_id)
            return item.signoff_role if item else None

    def add_backups(self, request_id: int, dms: dict[str, str]) -> Signoff:
        with self.db.write() as session:
            loaded = self._read(session, request_id, lock=True)
            signoff = loaded.signoff
            for user_id, dm in dms.items():
                if signoff.approval(user_id) is None and user_id != signoff.request.requested_by:
                    sq.add_approver(
                        session,
                        request_id=request_id,
                        user_id=user_id,
                        dm_channel=dm,
                        backup=True,
                        at=self.clock.now(),
                    )
            if dms:
                self._log(
                    session,
                    loaded.checklist,
                    SYSTEM_ACTOR,
                    "signoff_backup",
                    item_number=signoff.request.item_number,
                    new=" ".join(dms),
                )
            return self._load(session, request_id)


def already_decided(approval: sq.SignoffApproval) -> AlreadyDecided:
    return AlreadyDecided(approval.decision or "", approval.decided_at)


def rejection(approvals: Sequence[sq.SignoffApproval]) -> sq.SignoffApproval | None:
    """The rejection that closed a request (one at most: a rejection closes it)."""
    return next((a for a in approvals if a.decision == rules.REJECTED), None)


def closed(request: sq.SignoffRequest, approvals: Sequence[sq.SignoffApproval]) -> SignoffClosed:
    """Why a click on this request changes nothing any more: what became of it."""
    rejected = rejection(approvals) if request.status == sq.REJECTED else None
    return SignoffClosed(request.item_number, request.status, request.decided_by, rejected.reason if rejected else None)
