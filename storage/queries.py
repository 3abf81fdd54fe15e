"""Query and change functions. Each takes the caller's session: the caller owns the unit of work."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, bindparam, delete, func, literal
from sqlalchemy import select as core_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, SQLModel, col, select

from storage import audit
from storage.models import Checklist, Contact, Event, Item, Note, Phase, SeenEvent, SeenRequest
from storage.sql import dialect_insert

if TYPE_CHECKING:
    from storage.db import Database


def active_checklist(session: Session, team_id: str, channel_id: str, *, lock: bool = False) -> Checklist | None:
    """The channel's open checklist. `lock=True` serialises writers on it (PostgreSQL row lock) and reads the row
    as the lock found it, even when this session had read it before (its `version` and `head_hash` move)."""
    stmt = select(Checklist).where(
        Checklist.team_id == team_id, Checklist.channel_id == channel_id, col(Checklist.archived_at).is_(None)
    )
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.exec(stmt).first()


# Built once: the hottest read of all (every `/checklist status` asks it), so neither the statement nor ORM objects
# are made per request.
_STAMP = core_select(col(Checklist.id), col(Checklist.version), col(Checklist.timezone)).where(
    col(Checklist.team_id) == bindparam("team_id"),
    col(Checklist.channel_id) == bindparam("channel_id"),
    col(Checklist.archived_at).is_(None),
)


def active_checklist_stamp(db: Database, team_id: str, channel_id: str) -> tuple[int, int, str] | None:
    """(id, version, timezone) of the channel's open checklist: what says whether a rendering of it is current.
    On PostgreSQL it is remembered until a notice says the channel's checklist changed (storage/watch.py)."""
    watch = db.watch
    if watch is None:
        return _read_stamp(db, team_id, channel_id)
    key = (team_id, channel_id)
    trusted, stamp, generation = watch.lookup(key)
    if stamp is not None:
        return stamp  # type: ignore[no-any-return]
    found = _read_stamp(db, team_id, channel_id)
    if trusted and found is not None:
        watch.remember(key, found, generation)
    return found


def _read_stamp(db: Database, team_id: str, channel_id: str) -> tuple[int, int, str] | None:
    row = db.one_row(_STAMP, {"team_id": team_id, "channel_id": channel_id})
    return (int(row[0]), int(row[1]), str(row[2])) if row is not None else None


def archived_checklists(session: Session, team_id: str, channel_id: str) -> list[Checklist]:
    """The channel's archived checklists, oldest archive first: `archived 1` always names the same one."""
    stmt = (
        select(Checklist)
        .where(
            Checklist.team_id == team_id, Checklist.channel_id == channel_id, col(Checklist.archived_at).is_not(None)
        )
        .order_by(col(Checklist.archived_at), col(Checklist.id))
    )
    return list(session.exec(stmt).all())


def signoff_roles(session: Session, checklist_id: int) -> set[str]:
    """The `signoff:` roles of a checklist's items (removed ones included)."""
    stmt = select(Item.signoff_role).where(Item.checklist_id == checklist_id, col(Item.signoff_role).is_not(None))
    return {r for r in session.exec(stmt).all() if r}


def create_checklist(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    template: str,
    title: str,
    created_by: str,
    created_at: datetime,
    phases: Iterable[tuple[int, str]],
    items: Iterable[dict[str, Any]],
) -> Checklist:
    checklist = Checklist(
        team_id=team_id,
        channel_id=channel_id,
        template=template,
        title=title,
        created_by=created_by,
        created_at=created_at,
    )
    session.add(checklist)
    session.flush()
    session.add_all(Phase(checklist_id=checklist.pk, number=n, name=name) for n, name in phases)
    session.add_all(Item(checklist_id=checklist.pk, **fields) for fields in items)
    session.flush()
    return checklist


def phases(session: Session, checklist_id: int) -> Sequence[Phase]:
    return session.exec(select(Phase).where(Phase.checklist_id == checklist_id).order_by(col(Phase.number))).all()


def _live(checklist_id: int) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """The items of a checklist that were not removed from it."""
    return (col(Item.checklist_id) == checklist_id, col(Item.removed_at).is_(None))


def items(session: Session, checklist_id: int) -> Sequence[Item]:
    stmt = select(Item).where(*_live(checklist_id)).order_by(col(Item.phase_number), col(Item.position))
    return session.exec(stmt).all()


def items_with_note_counts(session: Session, checklist_id: int) -> tuple[list[Item], dict[int, int]]:
    """`items` and how many notes each has (items without notes left out of the counts), in one statement."""
    notes = select(func.count()).where(col(Note.item_id) == col(Item.id)).scalar_subquery()
    rows = session.exec(
        select(Item, notes).where(*_live(checklist_id)).order_by(col(Item.phase_number), col(Item.position))
    ).all()
    return [item for item, _ in rows], {item.pk: n for item, n in rows if n}


def items_in(session: Session, checklist_ids: Sequence[int]) -> Sequence[Item]:
    """The items of several checklists in one query (removed ones left out)."""
    if not checklist_ids:
        return []
    return session.exec(
        select(Item)
        .where(col(Item.checklist_id).in_(list(checklist_ids)), col(Item.removed_at).is_(None))
        .order_by(col(Item.checklist_id), col(Item.phase_number), col(Item.position))
    ).all()


def removed_items(session: Session, checklist_id: int) -> Sequence[Item]:
    return session.exec(
        select(Item)
        .where(Item.checklist_id == checklist_id, col(Item.removed_at).is_not(None))
        .order_by(col(Item.phase_number), col(Item.position))
    ).all()


def item_by_number(session: Session, checklist_id: int, number: str) -> Item | None:
    return session.exec(select(Item).where(*_live(checklist_id), Item.number == number)).first()


@dataclass(frozen=True)
class ItemAndPhase:
    """An item to change, read with what the change needs in the same statement."""

    item: Item
    phase: list[Item]  # the live items of its phase, the item itself among them, in order
    phase_name: str | None
    pending_signoff: bool  # a sign-off request of the item is pending


def item_and_phase(session: Session, checklist_id: int, number: str) -> ItemAndPhase | None:
    """The live item `number` with the other live items of its phase, its phase's name and whether a sign-off of
    it is pending, in one statement (the caller holds the checklist's lock, so they stay as read); None when there
    is no such item."""
    from storage.signoffs import PENDING, SignoffRequest

    target = aliased(Item)
    phase_of_target = (
        select(target.phase_number).where(
            target.checklist_id == checklist_id, target.number == number, col(target.removed_at).is_(None)
        )
    ).scalar_subquery()
    pending = (
        select(SignoffRequest.id)
        .where(col(SignoffRequest.item_id) == col(Item.id), SignoffRequest.status == PENDING)
        .exists()
    )
    name = (
        select(Phase.name).where(Phase.checklist_id == checklist_id, Phase.number == col(Item.phase_number))
    ).scalar_subquery()
    rows = session.exec(
        select(Item, pending, name)
        .where(*_live(checklist_id), Item.phase_number == phase_of_target)
        .order_by(col(Item.position))
    ).all()
    found = next(((item, flag, phase_name) for item, flag, phase_name in rows if item.number == number), None)
    if found is None:
        return None
    item, flag, phase_name = found
    return ItemAndPhase(item, [row[0] for row in rows], phase_name, bool(flag))


def next_position(session: Session, checklist_id: int, phase_number: int) -> int:
    """The next free item number in a phase; removed items keep theirs, so no number is ever reused."""
    last = session.exec(
        select(func.max(Item.position)).where(Item.checklist_id == checklist_id, Item.phase_number == phase_number)
    ).one()
    return (last or 0) + 1


def item_range(session: Session, checklist_id: int) -> tuple[str, str] | None:
    first = session.exec(
        select(Item.number).where(*_live(checklist_id)).order_by(col(Item.phase_number), col(Item.position))
    ).first()
    last = session.exec(
        select(Item.number)
        .where(*_live(checklist_id))
        .order_by(col(Item.phase_number).desc(), col(Item.position).desc())
    ).first()
    return (first, last) if first and last else None


def member_checklists(session: Session, team_id: str, user_id: str) -> Sequence[Checklist]:
    """Active checklists of a team that a person belongs to: they created it, own an item in it, are one of its
    contacts, or were asked to approve a sign-off in it."""
    from storage.signoffs import SignoffApproval, SignoffRequest

    # Several owners: the first is `owner_id`, the others space-separated in `co_owners` (ids have no spaces).
    co_owned = (literal(" ") + func.coalesce(Item.co_owners, "") + literal(" ")).like(f"% {user_id} %")
    owned = select(Item.checklist_id).where((col(Item.owner_id) == user_id) | co_owned, col(Item.removed_at).is_(None))
    contact = select(Contact.checklist_id).where(Contact.user_id == user_id)
    approver = (
        select(SignoffRequest.checklist_id)
        .join(SignoffApproval, col(SignoffApproval.request_id) == col(SignoffRequest.id))
        .where(SignoffApproval.user_id == user_id)
    )
    return session.exec(
        select(Checklist)
        .where(
            Checklist.team_id == team_id,
            col(Checklist.archived_at).is_(None),
            (col(Checklist.created_by) == user_id)
            | col(Checklist.id).in_(owned)
            | col(Checklist.id).in_(contact)
            | col(Checklist.id).in_(approver),
        )
        .order_by(col(Checklist.created_at), col(Checklist.id))
    ).all()


def add_note(session: Session, *, item_id: int, author_id: str, text: str, at: datetime) -> Note:
    note = Note(item_id=item_id, author_id=author_id, text=text, created_at=at)
    session.add(note)
    return note


def notes(session: Session, item_id: int) -> Sequence[Note]:
    return session.exec(select(Note).where(Note.item_id == item_id).order_by(col(Note.created_at), col(Note.id))).all()


def notes_by_item(session: Session, checklist_id: int) -> dict[int, list[Note]]:
    """Every note of a checklist's items (removed ones too), oldest first, by item id."""
    out: dict[int, list[Note]] = {}
    rows = session.exec(
        select(Note)
        .join(Item, col(Item.id) == col(Note.item_id))
        .where(Item.checklist_id == checklist_id)
        .order_by(col(Note.created_at), col(Note.id))
    ).all()
    for note in rows:
        out.setdefault(note.item_id, []).append(note)
    return out


def note_counts(session: Session, checklist_id: int) -> dict[int, int]:
    rows = session.exec(
        select(Note.item_id, func.count())
        .join(Item, col(Item.id) == col(Note.item_id))
        .where(Item.checklist_id == checklist_id)
        .group_by(col(Note.item_id))
    ).all()
    return dict(rows)


def log_event(
    session: Session,
    *,
    checklist: Checklist,
    actor_id: str,
    action: str,
    at: datetime,
    item_number: str | None = None,
    old: str | None = None,
    new: str | None = None,
) -> Event:
    """Append an event to the checklist's chain and bump its version (every change does both). `checklist` is the
    row the caller locked (`active_checklist(..., lock=True)`): its head hash is the link. Nothing is flushed
    here, so the version and the head reach the database in one UPDATE however many events a unit of work logs."""
    event = Event(
        checklist_id=checklist.pk, item_number=item_number, actor_id=actor_id, action=action, old=old, new=new, at=at
    )
    audit.seal(checklist, event)
    checklist.version += 1
    session.add(event)
    session.add(checklist)
    return event


def events(session: Session, checklist_id: int, *, item_number: str | None = None, limit: int = 20) -> list[Event]:
    stmt = select(Event).where(Event.checklist_id == checklist_id)
    if item_number is not None:
        stmt = stmt.where(Event.item_number == item_number)
    rows = session.exec(stmt.order_by(col(Event.at).desc(), col(Event.id).desc()).limit(limit)).all()
    return list(reversed(rows))


def has_event(session: Session, checklist_id: int, action: str) -> bool:
    return (
        session.exec(
            select(Event.id).where(Event.checklist_id == checklist_id, Event.action == action).limit(1)
        ).first()
        is not None
    )


def contacts(session: Session, checklist_id: int, role: str | None = None) -> Sequence[Contact]:
    stmt = select(Contact).where(Contact.checklist_id == checklist_id)
    if role is not None:
        stmt = stmt.where(Contact.role == role)
    return session.exec(stmt.order_by(col(Contact.role), col(Contact.added_at), col(Contact.id))).all()


def replace_contacts(
    session: Session, *, checklist_id: int, role: str, user_ids: Sequence[str], added_by: str, at: datetime
) -> list[str]:
    """Set the contacts of one role to exactly `user_ids`; returns the previous ones."""
    old = list(contacts(session, checklist_id, role))
    for contact in old:
        session.delete(contact)
    session.flush()
    session.add_all(
        Contact(checklist_id=checklist_id, role=role, user_id=u, added_by=added_by, added_at=at) for u in user_ids
    )
    return [c.user_id for c in old]


def insert_if_absent(session: Session, model: type[SQLModel], values: dict[str, Any]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING; True when this call inserted the row (the caller won the claim)."""
    # RETURNING, not rowcount: psycopg reports rowcount -1 for this statement, so every delivery looked like a retry.
    key = list(model.__table__.primary_key.columns)[0]  # type: ignore[attr-defined]  # table=True models have it
    stmt = dialect_insert(session, model).values(**values).on_conflict_do_nothing().returning(key)
    return session.execute(stmt).first() is not None


def first_sighting(session: Session, key: str, at: datetime) -> bool:
    """Record a request's fingerprint; False when it was seen before (a replay)."""
    return insert_if_absent(session, SeenRequest, {"key": key, "seen_at": at})


def forget_sightings(session: Session, before: datetime) -> None:
    session.exec(delete(SeenRequest).where(col(SeenRequest.seen_at) < before))


def first_delivery(session: Session, event_id: str, at: datetime, keep: timedelta = timedelta(days=1)) -> bool:
    """Record an Events API delivery; False when this event_id was handled before (a retry)."""
    session.exec(delete(SeenEvent).where(col(SeenEvent.seen_at) < at - keep))
    return insert_if_absent(session, SeenEvent, {"event_id": event_id, "seen_at": at})
