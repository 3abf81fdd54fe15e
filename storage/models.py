"""SQLModel tables. Nothing here knows about Slack; ids are opaque strings."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


class Stored:
    """A table whose `id` the database gives: `row.pk` is that id as an int, for a row that is stored (read from the
    database, or added and flushed). The column stays `int | None` because a new row has none until its flush;
    reading `pk` before then is a bug, and raises instead of passing None on as an id."""

    if TYPE_CHECKING:
        id: int | None

    @property
    def pk(self) -> int:
        if self.id is None:
            raise RuntimeError(f"{type(self).__name__} has no id yet: it is not stored (add it and flush first)")
        return self.id


class Checklist(Stored, SQLModel, table=True):
    __table_args__ = (
        # One active checklist per team + channel; archived ones are kept with their history.
        Index(
            "uq_checklist_active_channel",
            "team_id",
            "channel_id",
            unique=True,
            sqlite_where=text("archived_at IS NULL"),
            postgresql_where=text("archived_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    channel_id: str = Field(max_length=32, index=True)
    template: str = Field(max_length=64)
    title: str = Field(max_length=200)
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    archived_by: str | None = Field(default=None, max_length=32)
    # Bumped on every change; lets readers and the scheduler see that something changed.
    version: int = 0
    # The checklist's calendar: its "today" (overdue, date words) is the date in `timezone` (an IANA name), and
    # its working days (escalation, `in 5 working days`) are those of `workweek` (mon-fri | sun-thu | mon-sat).
    timezone: str = Field(default="UTC", max_length=64, sa_column_kwargs={"server_default": "UTC"})
    workweek: str = Field(default="mon-fri", max_length=16, sa_column_kwargs={"server_default": "mon-fri"})
    # Who hears about item changes: `channel` (everyone) or `quiet` (only the person who made the change).
    notify: str = Field(default="channel", max_length=16, sa_column_kwargs={"server_default": "channel"})
    # The hash of the checklist's newest event (storage/audit.py), or None before its first: a new event links to
    # it, and it moves with `version` in the same UPDATE, so appending needs no read of the event table.
    head_hash: str | None = Field(default=None, max_length=64)


class Phase(Stored, SQLModel, table=True):
    __table_args__ = (UniqueConstraint("checklist_id", "number", name="uq_phase_number"),)

    id: int | None = Field(default=None, primary_key=True)
    checklist_id: int = Field(foreign_key="checklist.id", index=True, ondelete="CASCADE")
    number: int
    name: str = Field(max_length=200)


class Item(Stored, SQLModel, table=True):
    __table_args__ = (UniqueConstraint("checklist_id", "number", name="uq_item_number"),)

    id: int | None = Field(default=None, primary_key=True)
    checklist_id: int = Field(foreign_key="checklist.id", index=True, ondelete="CASCADE")
    phase_number: int
    position: int  # item number inside its phase: 3 for "4.3"
    number: str = Field(max_length=16)  # "4.3"
    title: str = Field(sa_column=Column(Text, nullable=False))
    detail: str | None = Field(default=None, sa_column=Column(Text))
    group: str | None = Field(default=None, max_length=200)  # sub-group inside a phase
    help_url: str | None = Field(default=None, max_length=500)
    signoff_role: str | None = Field(default=None, max_length=64)
    status: str = Field(default="open", max_length=16)  # open | done | skipped
    done_by: str | None = Field(default=None, max_length=32)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    owner_id: str | None = Field(default=None, max_length=32, index=True)
    due_date: date | None = None
    # Item numbers this one waits for, comma-separated ("1.2,2.1"); `done` is refused until they are done.
    waits_for: str | None = Field(default=None, sa_column=Column(Text))
    # Set when a team takes the item out of a running checklist; it keeps its number and its record.
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    removed_by: str | None = Field(default=None, max_length=32)
    # Several owners: `owner_id` is the first, `co_owners` the others in order, space-separated user ids.
    co_owners: str | None = Field(default=None, sa_column=Column(Text))
    # The plan (bot/checklists/plan.py): the template's role for the owner, the due rule ("+10" working days after the
    # kickoff, "3.2 +5" after item 3.2's date) and the date the last plan gave; a due date equal to it is "planned".
    owner_role: str | None = Field(default=None, max_length=64)
    due_rule: str | None = Field(default=None, max_length=32)
    planned_due: date | None = None
    # Not applicable (status "skipped"): who decided, when and why. It counts apart and satisfies gates.
    skipped_by: str | None = Field(default=None, max_length=32)
    skipped_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    skip_reason: str | None = Field(default=None, sa_column=Column(Text))


class Note(Stored, SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True, ondelete="CASCADE")
    author_id: str = Field(max_length=32)
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Contact(Stored, SQLModel, table=True):
    __table_args__ = (UniqueConstraint("checklist_id", "role", "user_id", name="uq_contact"),)

    id: int | None = Field(default=None, primary_key=True)
    checklist_id: int = Field(foreign_key="checklist.id", index=True, ondelete="CASCADE")
    role: str = Field(max_length=64)
    user_id: str = Field(max_length=32)
    added_by: str = Field(max_length=32)
    added_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Event(Stored, SQLModel, table=True):
    """Append-only log of every change; `history` reads it. Chained by hashes: `storage.audit`."""

    id: int | None = Field(default=None, primary_key=True)
    checklist_id: int = Field(foreign_key="checklist.id", index=True, ondelete="CASCADE")
    item_number: str | None = Field(default=None, max_length=16)
    actor_id: str = Field(max_length=32)
    action: str = Field(max_length=32)
    old: str | None = Field(default=None, sa_column=Column(Text))
    new: str | None = Field(default=None, sa_column=Column(Text))
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    # The hash chain (storage/audit.py): the previous event's hash, and this event's hash over its content + link.
    prev_hash: str | None = Field(default=None, max_length=64)
    hash: str | None = Field(default=None, max_length=64)


class SeenRequest(SQLModel, table=True):
    """Signed requests already handled, by fingerprint (its trigger_id, else its signature and body): a replay
    within Slack's 5-minute window is acknowledged without running again, whichever replica it reaches."""

    key: str = Field(primary_key=True, max_length=64)
    seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class SeenEvent(SQLModel, table=True):
    """Events API deliveries already handled: Slack retries carry the same event_id."""

    event_id: str = Field(primary_key=True, max_length=64)
    seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
