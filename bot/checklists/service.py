"""Units of work on a channel's checklist. Each public function opens one session, applies the rules in
`bot.checklists.rules`, records an event for every change and returns plain data for the views: what a change did
(`bot.checklists.changes`) and what it refused (`bot.checklists.refusals`), never a sentence. No Slack here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, overload

from sqlmodel import Session

from bot.checklists import changes as ev
from bot.checklists import refusals as no
from bot.checklists import rules
from bot.checklists.dates import parse_date
from bot.checklists.plan import planned_dates as plan_dates
from bot.checklists.templates import DEFAULT_TEMPLATE, Template
from bot.clock import Clock
from bot.errors import NoChecklist
from bot.who import Who
from storage import audit
from storage import queries as q
from storage import signoffs as sq
from storage.db import Database, rerun_if_race_lost
from storage.models import Checklist, Contact, Event, Item, Note, Phase
from storage.signoffs import SignoffApproval, SignoffRequest

if TYPE_CHECKING:
    from bot.reminders.schedule import Weekly

# Item numbers are `phase.position`, each at most three digits: the parser reads no more, so `add` stops here.
MAX_ITEMS_PER_PHASE = 999
ARCHIVED_REASON = "the checklist was archived"
# `session.info` key: {item id: a sign-off of it is pending}, as `_change_item` read it with the item.
PENDING_KNOWN = "pending_signoff_by_item"
# A profile timezone read from Slack this recently is used as it is (as the reminders do).
PROFILE_TIMEZONE_FRESH = timedelta(days=7)


@dataclass(frozen=True)
class SignoffRecord:
    """One sign-off request with its approvers' decisions."""

    request: SignoffRequest
    approvals: Sequence[SignoffApproval]


def signoff_records(session: Session, requests: Sequence[SignoffRequest]) -> list[SignoffRecord]:
    approvals = sq.approvals_of(session, [r.pk for r in requests])
    return [SignoffRecord(r, approvals[r.pk]) for r in requests]


@dataclass(frozen=True)
class Board:
    """A checklist with everything the status view needs."""

    checklist: Checklist
    phases: Sequence[Phase]
    items: Sequence[Item]
    today: date
    note_counts: dict[int, int] = field(default_factory=dict)
    # The newest sign-off request per item number, with its approvals (for "⏳ waiting on @cara (3 d)").
    signoffs: dict[str, SignoffRecord] = field(default_factory=dict)

    def phase_items(self, number: int) -> list[Item]:
        return [i for i in self.items if i.phase_number == number]


@dataclass(frozen=True)
class Change:
    """What a change did (`event`, said by `bot.checklists.messages.changes`), on which checklist."""

    checklist_id: int
    event: ev.ItemEvent | ev.ChecklistEvent
    item: Item | None = None
    # `start` only: the starter's timezone was not known, so the checklist starts in UTC until the listener has
    # read their Slack profile (after the acknowledgement) and called `apply_profile_timezone`.
    lookup_timezone: bool = False
    # The checklist is in quiet mode (`rules.is_quiet`): the answer goes to the person who made the change only.
    quiet: bool = False
    # When this change completed a phase: told to the channel, in both modes.
    phase_done: ev.PhaseDone | None = None
    # `start` with a kickoff and `plan`: what the plan did.
    plan: PlanResult | None = None
    # `start` and `plan` only: the board after the change, which their answer describes (item changes leave it
    # out: no caller needs it, and reading it again cost four statements).
    board: Board | None = None


@dataclass(frozen=True)
class CalendarInfo:
    """A checklist's calendar and what it means right now."""

    timezone: str
    workweek: str
    now: datetime  # in the checklist's timezone

    @property
    def today(self) -> date:
        return self.now.date()

    @property
    def week_name(self) -> str:
        return rules.WORKWEEK_NAMES.get(self.workweek, self.workweek)

    @classmethod
    def of(cls, checklist: Checklist, now: datetime) -> CalendarInfo:
        return cls(checklist.timezone, checklist.workweek, now.astimezone(rules.zone(checklist.timezone)))


@dataclass(frozen=True)
class Undone:
    """What `undo` did beyond reopening: the sign-off it withdrew (approvers to tell) and the dependents."""

    change: Change
    withdrawn_request_id: int | None = None
    done_dependents: tuple[str, ...] = ()


@dataclass(frozen=True)
class ContactChange:
    role: str
    removed: tuple[str, ...]  # contacts the change took out of a signing role: each is told by DM
    checklist_title: str
    channel_id: str
    by: str
    contacts: tuple[str, ...] = ()  # the role's contacts now

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> ContactChange:
        """From `asdict` of one (an outbox payload; one written before `contacts` had `message` instead)."""
        known = {k: v for k, v in payload.items() if k in cls.__dataclass_fields__}
        return cls(**{**known, "removed": tuple(known["removed"]), "contacts": tuple(known.get("contacts", ()))})


@dataclass(frozen=True)
class Archived:
    event: ev.ArchivedChecklist
    cancelled_request_ids: tuple[int, ...]  # pending sign-offs closed by the archive: their DMs lose the buttons


@dataclass(frozen=True)
class ItemDetail:
    checklist: Checklist
    item: Item
    notes: Sequence[Note]
    events: Sequence[Event]
    today: date
    signoffs: Sequence[SignoffRecord] = ()


@dataclass(frozen=True)
class ExportData:
    """Everything an export file holds: items (and removed ones), notes, contacts and every sign-off request."""

    checklist: Checklist
    phases: Sequence[Phase]
    items: Sequence[Item]
    removed: Sequence[Item]
    notes: dict[int, list[Note]]
    signoffs: dict[int, list[SignoffRecord]]  # by item id, oldest request first
    contacts: Sequence[Contact]
    today: date
    chain_head: str = ""  # the hash of the newest event (storage/audit.py), to check a copy against the database
    chain_length: int = 0

    def user_ids(self) -> set[str]:
        """Everyone the file names, so their names can be looked up once."""
        ids = {self.checklist.created_by} | {c.user_id for c in self.contacts}
        for item in [*self.items, *self.removed]:
            ids |= {u for u in (*rules.owners(item), item.done_by, item.removed_by, item.skipped_by) if u}
            ids |= {n.author_id for n in self.notes.get(item.pk, ())}
            for record in self.signoffs.get(item.pk, ()):
                ids |= {u for u in (record.request.requested_by, record.request.decided_by) if u}
                ids |= {a.user_id for a in record.approvals}
        return ids


@dataclass(frozen=True)
class HomeData:
    """One person's App Home: the checklists they belong to, their items, and the sign-offs waiting on them."""

    user_id: str
    checklists: Sequence[Checklist]
    items: dict[int, list[Item]]  # by checklist id (removed items left out)
    signoffs: Sequence[SignoffRecord]  # pending, with this person undecided; oldest first
    today: date  # in UTC; each checklist's own today is `today_of(checklist_id)`
    todays: dict[int, date] = field(default_factory=dict)  # by checklist id, in its timezone (`rules.today`)

    @cached_property
    def by_id(self) -> dict[int, Checklist]:
        return {c.pk: c for c in self.checklists}

    def today_of(self, checklist_id: int) -> date:
        return self.todays.get(checklist_id, self.today)

    def own_open_items(self) -> list[Item]:
        """Open items this person owns, overdue first (most overdue first), then by due date, undated last."""
        mine = [i for items in self.items.values() for i in items if rules.owns(i, self.user_id) and rules.is_open(i)]
        return sorted(
            mine,
            key=lambda i: (
                -rules.days_overdue(i, self.today_of(i.checklist_id)),
                i.due_date is None,
                i.due_date or self.today,
                i.checklist_id,
                rules.item_sort_key(i.number),
            ),
        )

    def item(self, checklist_id: int, number: str) -> Item | None:
        return next((i for i in self.items.get(checklist_id, ()) if i.number == number), None)


@dataclass(frozen=True)
class PlanResult:
    """What a plan did: for the answer (each phase's date range, who owns what, the dates kept)."""

    kickoff: date
    dates: dict[str, date]
    moved: tuple[str, ...]
    kept: tuple[tuple[str, date | None, date], ...]  # (item, its date set by hand or none, the plan's date)
    owned: dict[str, list[str]]  # role -> items it now owns
    no_contacts: dict[str, list[str]]  # role without contacts -> items left unassigned
    contacts: dict[str, list[str]]
    move_all: bool = False


class ChecklistService:
    def __init__(self, db: Database, templates: dict[str, Template], clock: Clock) -> None:
        self.db = db
        self.templates = templates
        self.clock = clock

    # -- helpers -----------------------------------------------------------------------------------------

    def checklist_of(self, session: Session, who: Who, *, lock: bool = False) -> Checklist:
        if who.archived is not None:
            if lock:
                raise no.ArchivedIsReadOnly()
            return self._archived(session, who)
        checklist = q.active_checklist(session, who.team_id, who.channel_id, lock=lock)
        if checklist is None:
            raise NoChecklist()
        if who.checklist_id is not None and checklist.id != who.checklist_id:
            raise no.ChecklistReplaced()
        return checklist

    def _archived(self, session: Session, who: Who) -> Checklist:
        archived = q.archived_checklists(session, who.team_id, who.channel_id)
        n = who.archived or 0
        if not 1 <= n <= len(archived):
            raise no.NoArchivedChecklist(n, len(archived))
        return archived[n - 1]

    def has_pending_signoff(self, session: Session, item: Item) -> bool:
        known: dict[int, bool] = session.info.get(PENDING_KNOWN, {})
        if item.pk in known:  # read with the item by `_change_item`, under the checklist's lock
            return known[item.pk]
        return sq.pending_for_item(session, item.pk) is not None

    def item_of(self, session: Session, checklist: Checklist, number: str) -> Item:
        item = q.item_by_number(session, checklist.pk, number)
        if item is None:
            first_last = q.item_range(session, checklist.pk)
            raise no.NoSuchItem(number, (first_last[0], first_last[1]) if first_last else None)
        return item

    def _board(self, session: Session, checklist: Checklist) -> Board:
        """Three statements after the checklist: its phases, its items with their note counts, and the newest
        sign-off request of each item with its approvals."""
        items, note_counts = q.items_with_note_counts(session, checklist.pk)
        return Board(
            checklist=checklist,
            phases=q.phases(session, checklist.pk),
            items=items,
            today=self.today(checklist),
            note_counts=note_counts,
            signoffs={
                request.item_number: SignoffRecord(request, approvals)
                for request, approvals in sq.latest_per_item_with_approvals(session, checklist.pk)
            },
        )

    def check_gate(self, session: Session, checklist: Checklist, item: Item) -> None:
        """Refuse with the reason when the item still waits for others (`rules.blocked_by`)."""
        if not rules.waits_for(item):
            return  # no gate: no need to read the other items
        items = q.items(session, checklist.pk)
        blocked = rules.blocked_by(item, items)
        if blocked:
            titles = {i.number: i.title for i in items}
            raise no.WaitsFor(item.number, tuple((n, titles[n]) for n in blocked))

    def today(self, checklist: Checklist) -> date:
        """The checklist's today (`rules.today`: the date in its timezone)."""
        return rules.today(checklist, self.clock.now())

    def _log(self, session: Session, checklist: Checklist, who: Who, action: str, **kw: str | None) -> None:
        q.log_event(session, checklist=checklist, actor_id=who.user_id, action=action, at=self.clock.now(), **kw)

    def first_delivery(self, event_id: str) -> bool:
        """True the first time an Events API event_id is seen; retries of it get False."""
        with self.db.write() as session:
            return q.first_delivery(session, event_id, self.clock.now())

    # -- reading -----------------------------------------------------------------------------------------

    def board(self, who: Who) -> Board:
        with self.db.read() as session:
            return self._board(session, self.checklist_of(session, who))

    def current(self, who: Who) -> tuple[int, int, date]:
        """(checklist id, version, its today) of the channel's checklist: one cheap query that says whether it
        changed."""
        if who.archived is not None or who.checklist_id is not None:
            with self.db.read() as session:
                checklist = self.checklist_of(session, who)
                return checklist.pk, checklist.version, self.today(checklist)
        stamp = q.active_checklist_stamp(self.db, who.team_id, who.channel_id)
        if stamp is None:
            raise NoChecklist()
        checklist_id, version, timezone = stamp
        return checklist_id, version, rules.today(timezone, self.clock.now())

    def board_by_id(self, checklist_id: int, team_id: str) -> Board | None:
        """The active checklist with this id, if it belongs to `team_id` (ids from payloads stay in their team)."""
        with self.db.read() as session:
            checklist = session.get(Checklist, checklist_id)
            if checklist is None or checklist.archived_at is not None or checklist.team_id != team_id:
                return None
            return self._board(session, checklist)

    def show(self, who: Who, number: str) -> ItemDetail:
        with self.db.read() as session:
            checklist = self.checklist_of(session, who)
            item = self.item_of(session, checklist, number)
            return ItemDetail(
                checklist=checklist,
                item=item,
                notes=q.notes(session, item.pk),
                events=q.events(session, checklist.pk, item_number=number, limit=20),
                today=self.today(checklist),
                signoffs=signoff_records(session, sq.requests(session, checklist.pk, item_number=item.number)),
            )

    def export(self, who: Who) -> ExportData:
        with self.db.read() as session:
            checklist = self.checklist_of(session, who)
            head, length = audit.head(session, checklist.pk)
            signoffs: dict[int, list[SignoffRecord]] = {}
            for record in signoff_records(session, sq.requests(session, checklist.pk)):
                signoffs.setdefault(record.request.item_id, []).append(record)
            return ExportData(
                checklist=checklist,
                phases=q.phases(session, checklist.pk),
                items=q.items(session, checklist.pk),
                removed=q.removed_items(session, checklist.pk),
                notes=q.notes_by_item(session, checklist.pk),
                signoffs=signoffs,
                contacts=q.contacts(session, checklist.pk),
                today=self.today(checklist),
                chain_head=head,
                chain_length=length,
            )

    def home(self, team_id: str, user_id: str) -> HomeData:
        with self.db.read() as session:
            checklists = q.member_checklists(session, team_id, user_id)
            items: dict[int, list[Item]] = {c.pk: [] for c in checklists}
            for item in q.items_in(session, list(items)):
                items[item.checklist_id].append(item)
            return HomeData(
                user_id=user_id,
                checklists=checklists,
                items=items,
                signoffs=signoff_records(session, sq.waiting_on(session, team_id, user_id)),
                today=self.clock.today(),
                todays={c.pk: self.today(c) for c in checklists},
            )

    def history(self, who: Who, number: str | None) -> tuple[Checklist, list[Event]]:
        with self.db.read() as session:
            checklist = self.checklist_of(session, who)
            if number is not None and q.item_by_number(session, checklist.pk, number) is None:
                if number not in {i.number for i in q.removed_items(session, checklist.pk)}:
                    self.item_of(session, checklist, number)  # raises, naming the range of items
                # else: a removed item, whose history stays readable
            return checklist, q.events(session, checklist.pk, item_number=number, limit=20)

    def contacts(self, who: Who) -> tuple[Checklist, Sequence[Contact]]:
        with self.db.read() as session:
            checklist = self.checklist_of(session, who)
            return checklist, q.contacts(session, checklist.pk)

    def template(self, name: str | None) -> Template:
        name = name or DEFAULT_TEMPLATE
        template = self.templates.get(name)
        if template is None:
            raise no.NoSuchTemplate(name, tuple(sorted(self.templates)))
        return template

    # -- changing ----------------------------------------------------------------------------------------

    @rerun_if_race_lost
    def start(self, who: Who, template_name: str | None, kickoff: str | None = None) -> Change:
        """Create the channel's checklist with the starter's calendar: their Slack profile's timezone when it
        was read recently (no Web API call on the acknowledgement path), else UTC and `lookup_timezone`.
        With `kickoff` (date words, read in that calendar) the checklist is planned at once (`plan`)."""
        from storage import schedules as rq

        template = self.template(template_name)
        now = self.clock.now()
        with self.db.write() as session:
            pref = rq.user_pref(session, who.user_id)
            fresh = bool(
                pref and pref.timezone and pref.tz_checked_at and pref.tz_checked_at > now - PROFILE_TIMEZONE_FRESH
            )
            timezone = pref.timezone if fresh and pref and pref.timezone else rules.DEFAULT_TIMEZONE
            existing = q.active_checklist(session, who.team_id, who.channel_id, lock=True)
            if existing is not None:
                raise no.AlreadyStarted(existing.title, existing.created_at, existing.created_by)
            checklist = q.create_checklist(
                session,
                team_id=who.team_id,
                channel_id=who.channel_id,
                template=template.name,
                title=template.title,
                created_by=who.user_id,
                created_at=self.clock.now(),
                phases=[(p.number, p.name) for p in template.phases],
                items=[
                    {
                        "phase_number": i.phase_number,
                        "position": i.position,
                        "number": i.number,
                        "title": i.title,
                        "detail": i.detail,
                        "group": i.group,
                        "help_url": i.help_url,
                        "signoff_role": i.signoff_role,
                        "waits_for": ",".join(i.waits_for) or None,
                        "owner_role": i.owner_role,
                        "due_rule": i.due_rule,
                    }
                    for i in template.items
                ],
            )
            checklist.timezone, checklist.workweek = rules.zone(timezone).key, rules.DEFAULT_WORKWEEK
            session.add(checklist)
            self._log(session, checklist, who, "start", new=template.name)
            carried = self._carry_contacts(session, checklist, who)
            planned = None
            if kickoff is not None:
                day = parse_date(kickoff, self.today(checklist), checklist.workweek)
                planned = self._plan(session, checklist, who, day, move_all=False)
            board = self._board(session, checklist)  # the answer counts its items and phases
        started = ev.Started(who.user_id, template.title, checklist.timezone, checklist.workweek, fresh, tuple(carried))
        return Change(checklist.pk, started, lookup_timezone=not fresh, plan=planned, board=board)

    def _carry_contacts(self, session: Session, checklist: Checklist, who: Who) -> list[str]:
        """Contacts belong to the channel: a new checklist starts with those of the channel's last one."""
        archived = q.archived_checklists(session, who.team_id, who.channel_id)
        if not archived:
            return []
        roles: dict[str, list[str]] = {}
        for c in q.contacts(session, archived[-1].pk):
            roles.setdefault(c.role, []).append(c.user_id)
        for role, user_ids in sorted(roles.items()):
            q.replace_contacts(
                session,
                checklist_id=checklist.pk,
                role=role,
                user_ids=user_ids,
                added_by=who.user_id,
                at=self.clock.now(),
            )
            self._log(session, checklist, who, "contact", old=f"{role}: ", new=f"{role}: {' '.join(user_ids)}")
        return sorted(roles)

    # -- the calendar ------------------------------------------------------------------------------------

    def calendar(self, who: Who) -> CalendarInfo:
        with self.db.read() as session:
            return CalendarInfo.of(self.checklist_of(session, who), self.clock.now())

    def set_timezone(self, who: Who, timezone: str) -> ev.TimezoneSet:
        """Set the checklist's timezone (a name checked by the parser); told to the channel, kept in history."""
        with self.db.write() as session:
            checklist = self.checklist_of(session, who, lock=True)
            if checklist.timezone == timezone:
                raise no.SameTimezone(timezone)
            old, checklist.timezone = checklist.timezone, timezone
            session.add(checklist)
            self._log(session, checklist, who, "timezone", old=old, new=timezone)
            moved = self._move_digest(session, checklist, old)
            info = CalendarInfo.of(checklist, self.clock.now())
        return ev.TimezoneSet(who.user_id, timezone, old, info.now, moved)

    def _move_digest(self, session: Session, checklist: Checklist, old: str) -> Weekly | None:
        """A weekly digest that followed the checklist's old zone follows the new one (one set in another zone
        stays); it restarts from now, so a run already past in the new zone is not caught up. Its schedule."""
        from bot.reminders.schedule import Weekly
        from storage import schedules as rq

        schedule = rq.schedule_for(session, checklist.team_id, checklist.channel_id)
        if schedule is None or schedule.timezone != old:
            return None
        schedule.timezone, schedule.updated_at = checklist.timezone, self.clock.now()
        session.add(schedule)
        return Weekly(schedule.weekday, schedule.hour, schedule.minute, schedule.timezone)

    def set_workweek(self, who: Who, workweek: str) -> ev.WorkweekSet:
        with self.db.write() as session:
            checklist = self.checklist_of(session, who, lock=True)
            if checklist.workweek == workweek:
                raise no.SameWorkweek(workweek)
            old, checklist.workweek = checklist.workweek, workweek
            session.add(checklist)
            self._log(session, checklist, who, "workweek", old=old, new=workweek)
        return ev.WorkweekSet(who.user_id, workweek, old)

    # -- who hears about changes, and portfolios ------------------------------------------------------------

    def notify_mode(self, who: Who) -> str:
        with self.db.read() as session:
            return self.checklist_of(session, who).notify

    def set_notify(self, who: Who, mode: str) -> ev.NotifySet:
        """Quiet or channel (`rules.is_quiet`); anyone in the channel may switch, and the channel is told."""
        with self.db.write() as session:
            checklist = self.checklist_of(session, who, lock=True)
            if checklist.notify == mode:
                raise no.SameNotify(mode)
            old, checklist.notify = checklist.notify, mode
            session.add(checklist)
            self._log(session, checklist, who, "notify", old=old, new=mode)
        return ev.NotifySet(who.user_id, mode)

    def _share_target(self, session: Session, who: Who, channel_id: str, verb: str) -> Checklist:
        checklist = self.checklist_of(session, who, lock=True)
        if channel_id == who.channel_id:
            raise no.ShareHere(verb)
        lead_ids = self.leads(session, checklist)
        if not rules.may_share(who.user_id, lead_ids):
            raise no.OnlyLeadsShare(tuple(lead_ids))
        return checklist

    def share(self, who: Who, channel_id: str) -> ev.Shared:
        """List the channel's checklist in `channel_id`'s portfolio (same workspace); a lead's call."""
        from storage import portfolio as pf

        with self.db.write() as session:
            checklist = self._share_target(session, who, channel_id, "share")
            if not pf.share(
                session,
                team_id=who.team_id,
                channel_id=channel_id,
                checklist_id=checklist.pk,
                by=who.user_id,
                at=self.clock.now(),
            ):
                raise no.AlreadyShared(channel_id)
            self._log(session, checklist, who, "share", new=channel_id)
            title = checklist.title
        return ev.Shared(who.user_id, title, channel_id)

    def unshare(self, who: Who, channel_id: str) -> ev.Unshared:
        from storage import portfolio as pf

        with self.db.write() as session:
            checklist = self._share_target(session, who, channel_id, "unshare")
            if not pf.unshare(session, checklist.pk, channel_id):
                raise no.NotShared(channel_id)
            self._log(session, checklist, who, "unshare", old=channel_id)
            title = checklist.title
        return ev.Unshared(who.user_id, title, channel_id)

    def apply_profile_timezone(self, who: Who, checklist_id: int, timezone: str | None) -> CalendarInfo | None:
        """After `start`: remember the starter's profile timezone and give it to the checklist they started,
        unless someone set its timezone since (or it is archived). The calendar when it changed, else None."""
        from storage import schedules as rq

        with self.db.write() as session:
            if timezone:
                pref = rq.ensure_user_pref(session, who.user_id)
                pref.timezone, pref.tz_checked_at = timezone, self.clock.now()
                session.add(pref)
            checklist = session.get(Checklist, checklist_id, with_for_update=True, populate_existing=True)
            if (
                not timezone
                or checklist is None
                or checklist.archived_at is not None
                or checklist.timezone == timezone
                or q.has_event(session, checklist.pk, "timezone")
            ):
                return None
            old, checklist.timezone = checklist.timezone, timezone
            session.add(checklist)
            self._log(session, checklist, who, "timezone", old=old, new=timezone)
            self._move_digest(session, checklist, old)
            return CalendarInfo.of(checklist, self.clock.now())

    @overload
    def _change_item(
        self,
        who: Who,
        number: str,
        apply: Callable[[Session, Checklist, Item], ev.ItemEvent],
        *,
        completes_phase: bool = False,
    ) -> Change: ...

    @overload
    def _change_item(
        self,
        who: Who,
        number: str,
        apply: Callable[[Session, Checklist, Item], ev.ItemEvent | None],
        *,
        completes_phase: bool = False,
    ) -> Change | None: ...

    def _change_item(
        self,
        who: Who,
        number: str,
        apply: Callable[[Session, Checklist, Item], ev.ItemEvent | None],
        *,
        completes_phase: bool = False,
    ) -> Change | None:
        """Lock the checklist, read the item with its phase and whether a sign-off of it is pending (one
        statement), let `apply(session, checklist, item)` change it and log. With `completes_phase`, a change
        that finished the item's phase says so (`Change.phase_done`). An `apply` that gives no event changed
        nothing (`skip` of an item that needs a sign-off): no Change then."""
        with self.db.write() as session:
            checklist = self.checklist_of(session, who, lock=True)
            found = q.item_and_phase(session, checklist.pk, number)
            if found is None:
                self.item_of(session, checklist, number)  # raises, naming the range of items
                raise AssertionError(f"item_of found {number} that item_and_phase did not")
            item = found.item
            session.info[PENDING_KNOWN] = {item.pk: found.pending_signoff}
            try:
                event = apply(session, checklist, item)
            finally:
                session.info.pop(PENDING_KNOWN, None)
            session.add(item)
            session.flush()
            if event is None:
                return None
            phase_done = None
            if completes_phase and rules.phase_completed(item, found.phase):
                phase_done = ev.PhaseDone(item.phase_number, found.phase_name, len(found.phase), who.user_id)
            return Change(checklist.pk, event, item, quiet=rules.is_quiet(checklist), phase_done=phase_done)

    def mark_done(self, who: Who, number: str, note: str = "") -> Change:
        def apply(session: Session, checklist: Checklist, item: Item) -> ev.ItemDone:
            if rules.is_done(item):
                raise no.AlreadyDone(item.number, item.done_by, item.done_at)
            if rules.is_skipped(item):
                raise no.SkippedNotDone(item.number, item.skip_reason or "")
            rules.refuse_if_locked(item.number, "done", self.has_pending_signoff(session, item))
            self.check_gate(session, checklist, item)
            if rules.needs_signoff(item):
                raise no.DoneBySignoff(item.number, item.signoff_role)
            now = self.clock.now()
            item.status, item.done_by, item.done_at = rules.DONE, who.user_id, now
            self._log(session, checklist, who, "done", item_number=item.number, old=rules.OPEN, new=rules.DONE)
            if note:
                q.add_note(session, item_id=item.pk, author_id=who.user_id, text=note, at=now)
                self._log(session, checklist, who, "note", item_number=item.number, new=note)
            return ev.ItemDone(who.user_id, item.number, item.title, note)

        return self._change_item(who, number, apply, completes_phase=True)

    def undo(self, who: Who, number: str, reason: str = "") -> Undone:
        """Reopen an item. A signed-off one needs a reason: its sign-off is withdrawn on the record (the approved
        request becomes `withdrawn`) and the item needs a new sign-off. Dependents already done are named."""
        withdrawn: int | None = None  # the approved request withdrawn, if any
        deps: tuple[str, ...] = ()  # dependents already done

        def apply(session: Session, checklist: Checklist, item: Item) -> ev.Unskipped | ev.Reopened:
            nonlocal withdrawn, deps
            if rules.is_skipped(item):
                return self._unskip(session, checklist, who, item)  # reopening a not-applicable item
            if not rules.is_done(item):
                raise no.NotDone(item.number)
            latest = sq.latest_for_item(session, item.pk)
            approved = latest if latest is not None and rules.is_signed_off(item, latest.status) else None
            signed_off = approved is not None
            if signed_off and not reason:
                raise no.UndoNeedsReason(item.number)
            done_deps = tuple(
                d.number for d in rules.dependents(item.number, q.items(session, checklist.pk)) if rules.is_closed(d)
            )
            item.status, item.done_by, item.done_at = rules.OPEN, None, None
            if approved is not None:
                sq.withdraw_approved(session, request_id=approved.pk, by=who.user_id, at=self.clock.now())
                withdrawn = approved.pk
                self._log(session, checklist, who, "signoff_withdraw", item_number=item.number, new=reason)
            self._log(
                session,
                checklist,
                who,
                "undo",
                item_number=item.number,
                old=rules.DONE,
                new=rules.OPEN if not done_deps else f"{rules.OPEN}; done while waiting for it: {' '.join(done_deps)}",
            )
            if reason and not signed_off:
                q.add_note(session, item_id=item.pk, author_id=who.user_id, text=reason, at=self.clock.now())
                self._log(session, checklist, who, "note", item_number=item.number, new=reason)
            deps = done_deps
            return ev.Reopened(who.user_id, item.number, item.title, reason, signed_off, done_deps)

        change = self._change_item(who, number, apply)
        return Undone(change, withdrawn, deps)

    def assign(self, who: Who, number: str, owner_id: str | None, *, field: str | None = None) -> Change:
        """One owner (or none): `set_owners` with exactly that person."""
        return self.set_owners(who, number, owners=[owner_id] if owner_id else [], field=field)

    def set_due(self, who: Who, number: str, due: date | None, *, text: str | None = None) -> Change:
        """Set or clear the due date; with `text`, the date is read from it in the checklist's calendar (its today
        and working week), inside the same unit of work."""

        def apply(session: Session, checklist: Checklist, item: Item) -> ev.DueSet:
            rules.refuse_if_locked(item.number, "due", self.has_pending_signoff(session, item))
            today = self.today(checklist)
            when = parse_date(text, today, checklist.workweek) if text is not None else due
            if item.due_date == when:
                raise no.SameDue(item.number, when, today)
            old, item.due_date = item.due_date, when
            self._log(
                session,
                checklist,
                who,
                "due",
                item_number=item.number,
                old=old.isoformat() if old else None,
                new=when.isoformat() if when else None,
            )
            return ev.DueSet(who.user_id, item.number, item.title, when, today, rules.is_overdue(item, today))

        return self._change_item(who, number, apply)

    def add_note(self, who: Who, number: str, text: str) -> Change:
        def apply(session: Session, checklist: Checklist, item: Item) -> ev.NoteAdded:
            q.add_note(session, item_id=item.pk, author_id=who.user_id, text=text, at=self.clock.now())
            self._log(session, checklist, who, "note", item_number=item.number, new=text)
            return ev.NoteAdded(who.user_id, item.number, item.title, text)

        return self._change_item(who, number, apply)

    # -- the plan, not applicable, several owners ---------------------------------------------------------

    def plan(self, who: Who, when: str, *, move_all: bool = False) -> Change:
        """(Re)plan from a kickoff date: open items still on their planned date (or without one) move to the
        new plan, dates set by hand are kept and listed (`move_all` moves them too), role owners fill items
        nobody owns. One `plan` event in the history."""
        with self.db.write() as session:
            checklist = self.checklist_of(session, who, lock=True)
            day = parse_date(when, self.today(checklist), checklist.workweek)
            result = self._plan(session, checklist, who, day, move_all=move_all)
            board = self._board(session, checklist)  # the plan's answer lists each phase's dates
            return Change(checklist.pk, ev.Planned(who.user_id, checklist.title), plan=result, board=board)

    def _plan(self, session: Session, checklist: Checklist, who: Who, kickoff: date, *, move_all: bool) -> PlanResult:
        items = q.items(session, checklist.pk)
        dates = plan_dates(items, kickoff, checklist.workweek)
        if not dates:
            raise no.NothingToPlan()
        contacts: dict[str, list[str]] = {}
        for c in q.contacts(session, checklist.pk):
            contacts.setdefault(c.role, []).append(c.user_id)
        # The starter is a lead without being a `lead` contact (rules.leads): with no `lead` contacts named, the
        # items a template gives to `lead` go to the starter rather than to nobody.
        contacts.setdefault(rules.LEAD_ROLE, rules.leads(checklist.created_by, []))
        moved: list[str] = []
        changes: list[str] = []  # "1.1 due 2026-12-14", "3.1 owners U1 U2": the event keeps each change
        kept: list[tuple[str, date | None, date]] = []
        owned: dict[str, list[str]] = {}
        no_contacts: dict[str, list[str]] = {}
        # A pending sign-off locks its item's date and owners (`rules.refuse_if_locked`): the plan leaves it too.
        locked = {r.item_id for r in sq.requests(session, checklist.pk, status=sq.PENDING)}
        for item in items:
            if not rules.is_open(item):
                continue
            new = dates.get(item.number)
            if item.pk in locked:
                if new is not None and item.due_date != new:
                    kept.append((item.number, item.due_date, new))
                continue
            if new is not None:
                hand_set = item.due_date is not None and item.due_date != item.planned_due
                if hand_set and not move_all:
                    if item.due_date != new:
                        kept.append((item.number, item.due_date, new))
                elif item.due_date != new:
                    item.due_date = new
                    moved.append(item.number)
                    changes.append(f"{item.number} due {new.isoformat()}")
                item.planned_due = new
            if item.owner_role and not rules.owners(item):
                people = contacts.get(item.owner_role, [])[: rules.MAX_OWNERS]
                if people:
                    item.owner_id, item.co_owners = people[0], " ".join(people[1:]) or None
                    owned.setdefault(item.owner_role, []).append(item.number)
                    changes.append(f"{item.number} owners {' '.join(people)}")
                else:
                    no_contacts.setdefault(item.owner_role, []).append(item.number)
            session.add(item)
        summary = (
            f"kickoff {kickoff.isoformat()} ({checklist.workweek}): {len(moved)} dates set"
            + (f"; kept by hand: {' '.join(n for n, _, _ in kept)}" if kept else "")
            + (" (all moved)" if move_all else "")
            + "".join(f"; {role} owns {' '.join(nums)}" for role, nums in sorted(owned.items()))
        )
        # One event: the summary on its first line (history shows it), then every change, so the record alone
        # says what the plan did to each item (and replays it).
        self._log(session, checklist, who, "plan", new=summary + ("\n" + "; ".join(changes) if changes else ""))
        return PlanResult(kickoff, dates, tuple(moved), tuple(kept), owned, no_contacts, contacts, move_all)

    def skip(self, who: Who, number: str, reason: str) -> Change | None:
        """Mark an item not applicable, with why. None (and nothing changed) when the item needs a sign-off: then
        skipping is a sign-off request ("not applicable") its role's approvers decide (`SignoffService.plan`)."""
        def apply(session: Session, checklist: Checklist, item: Item) -> ev.Skipped | None:
            if rules.is_skipped(item):
                raise no.AlreadySkipped(item.number, item.skip_reason or "")
            if rules.is_done(item):
                raise no.DoneNotSkippable(item.number)
            rules.refuse_if_locked(item.number, "skip", self.has_pending_signoff(session, item))
            if rules.skip_needs_signoff(item):
                return None
            item.status, item.skipped_by, item.skipped_at = rules.SKIPPED, who.user_id, self.clock.now()
            item.skip_reason = reason
            self._log(session, checklist, who, "skip", item_number=item.number, new=reason)
            return ev.Skipped(who.user_id, item.number, item.title, reason)

        return self._change_item(who, number, apply)

    def unskip(self, who: Who, number: str) -> Change:
        def apply(session: Session, checklist: Checklist, item: Item) -> ev.Unskipped:
            if not rules.is_skipped(item):
                raise no.NotSkipped(item.number)
            return self._unskip(session, checklist, who, item)

        return self._change_item(who, number, apply)

    def _unskip(self, session: Session, checklist: Checklist, who: Who, item: Item) -> ev.Unskipped:
        old = item.skip_reason
        item.status, item.skipped_by, item.skipped_at, item.skip_reason = rules.OPEN, None, None, None
        self._log(session, checklist, who, "unskip", item_number=item.number, old=old)
        return ev.Unskipped(who.user_id, item.number, item.title)

    def set_owners(
        self,
        who: Who,
        number: str,
        *,
        owners: Sequence[str] | None = None,
        add: Sequence[str] = (),
        remove: Sequence[str] = (),
        field: str | None = None,
    ) -> Change:
        """Set the owners (`owners`: exactly these, [] clears), or add and remove some; at most
        `rules.MAX_OWNERS`. The first owner is `owner_id`, the others `co_owners`."""
        for user_id in [*(owners or ()), *add, *remove]:
            rules.check_person(user_id, field)

        def apply(session: Session, checklist: Checklist, item: Item) -> ev.OwnersSet:
            rules.refuse_if_locked(item.number, "assign", self.has_pending_signoff(session, item))
            old = rules.owners(item)
            if owners is not None:
                new = list(dict.fromkeys(owners))
            else:
                missing = [u for u in remove if u not in old]
                if missing:
                    raise no.NotOwners(item.number, tuple(missing), tuple(old))
                new = [u for u in old if u not in remove] + [u for u in add if u not in old and u not in remove]
            if len(new) > rules.MAX_OWNERS:
                raise no.TooManyOwners(item.number, len(new), rules.MAX_OWNERS, field=field)
            if new == old:
                raise no.SameOwners(item.number, tuple(new))
            item.owner_id = new[0] if new else None
            item.co_owners = " ".join(new[1:]) or None
            self._log(
                session,
                checklist,
                who,
                "assign",
                item_number=item.number,
                old=" ".join(old) or None,
                new=" ".join(new) or None,
            )
            return ev.OwnersSet(who.user_id, item.number, item.title, tuple(new))

        return self._change_item(who, number, apply)

    def leads(self, session: Session, checklist: Checklist) -> list[str]:
        return rules.leads(
            checklist.created_by, [c.user_id for c in q.contacts(session, checklist.pk, rules.LEAD_ROLE)]
        )

    def guarded_roles(self, session: Session, checklist: Checklist) -> set[str]:
        return rules.signing_roles(q.signoff_roles(session, checklist.pk))

    def set_contacts(self, who: Who, role: str, user_ids: Sequence[str]) -> ContactChange:
        """Set a role's contacts. Only a lead may change a role that signs (`rules.signing_roles`)."""
        for user_id in user_ids:
            rules.check_person(user_id)
        with self.db.write() as session:
            checklist = self.checklist_of(session, who, lock=True)
            guarded = self.guarded_roles(session, checklist)
            lead_ids = self.leads(session, checklist)
            if not rules.may_change_contacts(who.user_id, role, guarded, lead_ids):
                raise no.OnlyLeadsChangeContacts(role, tuple(lead_ids))
            current = [c.user_id for c in q.contacts(session, checklist.pk, role)]
            if current == list(user_ids):
                raise no.SameContacts(role)
            old = q.replace_contacts(
                session,
                checklist_id=checklist.pk,
                role=role,
                user_ids=list(user_ids),
                added_by=who.user_id,
                at=self.clock.now(),
            )
            self._log(
                session, checklist, who, "contact", old=f"{role}: {' '.join(old)}", new=f"{role}: {' '.join(user_ids)}"
            )
            removed = tuple(u for u in old if u not in user_ids)
            title, channel_id = checklist.title, checklist.channel_id
        told = removed if role in guarded else ()
        return ContactChange(role, told, title, channel_id, who.user_id, tuple(user_ids))

    def add_item(self, who: Who, phase_number: int, title: str) -> Change:
        """Append an item to a phase of the running checklist, under the phase's next free number."""
        with self.db.write() as session:
            checklist = self.checklist_of(session, who, lock=True)
            phases = q.phases(session, checklist.pk)
            phase = next((p for p in phases if p.number == phase_number), None)
            if phase is None:
                raise no.NoSuchPhase(phase_number, max((p.number for p in phases), default=0))
            position = q.next_position(session, checklist.pk, phase_number)
            if position > MAX_ITEMS_PER_PHASE:
                raise no.PhaseFull(phase_number, MAX_ITEMS_PER_PHASE)
            item = Item(
                checklist_id=checklist.pk,
                phase_number=phase_number,
                position=position,
                number=f"{phase_number}.{position}",
                title=title,
            )
            session.add(item)
            self._log(session, checklist, who, "add", item_number=item.number, new=title)
            session.flush()
            added = ev.ItemAdded(who.user_id, item.number, title, phase_number, phase.name)
            return Change(checklist.pk, added, item, quiet=rules.is_quiet(checklist))

    def remove_item(self, who: Who, number: str) -> Change:
        """Take an item out of the running checklist. It keeps its number (never reused) and its record for the
        export; an item with a pending sign-off is refused: cancel the request first."""

        def apply(session: Session, checklist: Checklist, item: Item) -> ev.ItemRemoved:
            rules.refuse_if_locked(item.number, "remove", self.has_pending_signoff(session, item))
            latest = sq.latest_for_item(session, item.pk)
            if latest is not None and rules.is_signed_off(item, latest.status):
                raise no.SignedOffNotRemovable(item.number)
            waiting = rules.dependents(item.number, q.items(session, checklist.pk))
            if waiting:
                raise no.RemoveWouldDropGate(item.number, tuple((d.number, d.title) for d in waiting))
            item.removed_at, item.removed_by = self.clock.now(), who.user_id
            self._log(session, checklist, who, "remove", item_number=item.number, old=item.title)
            return ev.ItemRemoved(who.user_id, item.number, item.title)

        return self._change_item(who, number, apply)

    def archive(self, who: Who) -> Archived:
        """Close the checklist: pending sign-offs are cancelled on the record (their DMs are updated after)."""
        with self.db.write() as session:
            checklist = self.checklist_of(session, who, lock=True)
            items = q.items(session, checklist.pk)
            now = self.clock.now()
            cancelled = []
            for request in sq.requests(session, checklist.pk, status=sq.PENDING):
                if sq.close_request(session, request_id=request.pk, status=sq.CANCELLED, by=who.user_id, at=now):
                    cancelled.append(request.pk)
                    self._log(
                        session, checklist, who, "signoff_cancel", item_number=request.item_number, new=ARCHIVED_REASON
                    )
            checklist.archived_at, checklist.archived_by = now, who.user_id
            self._log(session, checklist, who, "archive")
            done = sum(rules.is_done(i) for i in items)
        event = ev.ArchivedChecklist(who.user_id, checklist.title, done, len(items), len(cancelled))
        return Archived(event, tuple(cancelled))

    def archived_list(self, who: Who) -> list[Checklist]:
        with self.db.read() as session:
            return list(q.archived_checklists(session, who.team_id, who.channel_id))
