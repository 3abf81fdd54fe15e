"""The data lifecycle: erasing one person (`forget_user`), deleting a workspace (`purge_workspace`) once it has
been uninstalled for long enough, and deleting archived checklists past their retention. No Slack here.

A person's id is replaced everywhere it is stored (every text column of every table, the OAuth stores' included)
by one pseudonym, so records keep their shape: an item still has an owner, a sign-off still has its approver,
and it is still visible that the same person did both. The pseudonym is random, not derived from the id: a hash
of the id could be recomputed by anyone who can list the workspace's members. Every erasure leaves an `Erasure`
row (never the erased id) and an `erase` event in each checklist it touched; the event log's hash chain is
re-anchored as `storage.audit` describes, so `checklist-bot audit verify` still passes.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Column, MetaData, String, Table, delete, select, update
from sqlmodel import Field, Session, SQLModel, col

from storage import audit
from storage.models import Checklist, Contact, Event, Item, Note, Stored
from storage.outbox import OutboxEffect
from storage.portfolio import PortfolioShare
from storage.queries import log_event
from storage.schedules import DigestSchedule, ReminderRun, UserPref
from storage.signoffs import SignoffApproval, SignoffRequest
from storage.types import UTCDateTime

ERASE = "erase"  # the event an erasure leaves in each checklist it touched
SYSTEM_ACTOR = "checklist-bot"  # who did it, in history: the operator's command, not a Slack user
USER_ID = re.compile(r"[UW][A-Z0-9]{2,30}")
TEAM_ID = re.compile(r"[TE][A-Z0-9]{2,30}")
PSEUDONYM_PREFIX = "UERASED"
OAUTH_TABLES = ("slack_installations", "slack_bots")
SKIP_TABLES = {"alembic_version", "erasure", "workspace_uninstall"}


class Erasure(Stored, SQLModel, table=True):
    """What an erasure did, when and why; the erased person's id is never kept."""

    __tablename__ = "erasure"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # user | workspace | archive
    subject: str = Field(max_length=64)  # the pseudonym | the team id | the checklist id
    reason: str = Field(max_length=64)  # forget-user | purge-workspace | uninstall retention | archive retention
    rows: int = 0
    at: datetime = Field(sa_type=UTCDateTime)


class WorkspaceUninstall(SQLModel, table=True):
    """A workspace that uninstalled the app: its data is deleted once the retention has passed, unless it
    reinstalls first (which deletes this row)."""

    __tablename__ = "workspace_uninstall"

    team_id: str = Field(primary_key=True, max_length=32)
    uninstalled_at: datetime = Field(sa_type=UTCDateTime)


def new_pseudonym() -> str:
    """A user-id-shaped stand-in (`UERASED` + 10 random characters): mentions of it show as an unknown user."""
    return PSEUDONYM_PREFIX + secrets.token_hex(5).upper()


def _pattern(user_id: str) -> re.Pattern[str]:
    # The id as a whole word: U123 must not touch U1234.
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(user_id)}(?![A-Za-z0-9])")


def _all_tables(session: Session) -> list[Table]:
    """Every table in the database (reflected, so tables of other parts and of slack_sdk count too)."""
    meta = MetaData()
    meta.reflect(bind=session.connection())
    return [t for t in meta.sorted_tables if t.name not in SKIP_TABLES]


def _text_columns(table: Table) -> list[Column[Any]]:
    return [c for c in table.columns if isinstance(c.type, String)]


@dataclass
class Forgotten:
    pseudonym: str
    rows: int = 0
    checklists: list[int] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)


def _checklists_of(session: Session, table: Table, column: Column[Any], values: list[str]) -> set[int]:
    """The checklists that rows of `table` whose `column` is among `values` belong to."""
    where = column.in_(values)
    if table.name == Checklist.__tablename__:
        stmt = select(table.c.id).where(where)
    elif "checklist_id" in table.c:
        stmt = select(table.c.checklist_id).where(where)
    elif table.name == Note.__tablename__:
        stmt = select(col(Item.checklist_id)).where(col(Item.id).in_(select(table.c.item_id).where(where)))
    elif table.name == SignoffApproval.__tablename__:
        stmt = select(col(SignoffRequest.checklist_id)).where(
            col(SignoffRequest.id).in_(select(table.c.request_id).where(where))
        )
    else:
        return set()
    return {int(v) for v in session.execute(stmt).scalars() if v is not None}


def find_user(session: Session, user_id: str) -> dict[tuple[str, str], list[str]]:
    """Where the id is stored: (table, column) -> the distinct values that contain it as a whole word."""
    pattern = _pattern(user_id)
    found: dict[tuple[str, str], list[str]] = {}
    for table in _all_tables(session):
        for column in _text_columns(table):
            values = session.execute(
                select(column).where(column.like(f"%{user_id}%")).distinct()
            ).scalars()
            hits = [v for v in values if v is not None and pattern.search(v)]
            if hits:
                found[(table.name, column.name)] = hits
    return found


def forget_user(session: Session, user_id: str, *, at: datetime) -> Forgotten:
    """Replace `user_id` everywhere by one new pseudonym and drop their preferences, in the caller's transaction;
    each checklist it touched gets an `erase` event (and a new version, so no cached rendering shows the id)."""
    if not USER_ID.fullmatch(user_id):
        raise ValueError(f"{user_id!r} is not a Slack user id (U… or W…)")
    report = Forgotten(pseudonym=new_pseudonym())
    prefs = session.exec(delete(UserPref).where(col(UserPref.user_id) == user_id))
    if prefs.rowcount:
        report.tables[UserPref.__tablename__] = prefs.rowcount
    tables = {t.name: t for t in _all_tables(session)}
    found = find_user(session, user_id)
    checklists: set[int] = set()
    for (table_name, column_name), values in found.items():
        table = tables[table_name]
        checklists |= _checklists_of(session, table, table.c[column_name], values)
    checklists &= set(session.execute(select(col(Checklist.id))).scalars())
    # The hash chain's head of each checklist before the rewrite: its erase event keeps it (storage/audit.py), so a
    # copy exported before the erasure can still be matched.
    heads = {checklist_id: audit.head(session, checklist_id)[0] for checklist_id in checklists}

    pattern = _pattern(user_id)
    for (table_name, column_name), values in found.items():
        column = tables[table_name].c[column_name]
        for value in values:
            result = session.exec(
                update(tables[table_name])
                .where(column == value)
                .values({column_name: pattern.sub(report.pseudonym, value)})
            )
            report.tables[table_name] = report.tables.get(table_name, 0) + (result.rowcount or 0)
    report.rows = sum(report.tables.values())
    report.checklists = sorted(checklists)
    session.expire_all()

    for checklist_id in report.checklists:
        checklist = session.get(Checklist, checklist_id, with_for_update=True, populate_existing=True)
        assert checklist is not None  # it has events, so it exists
        audit.rechain(session, checklist_id)  # re-anchor: the rewritten events get new hashes, linked as before
        old_head = heads[checklist_id]
        log_event(session, checklist=checklist, actor_id=SYSTEM_ACTOR, action=ERASE, at=at, old=old_head)
    session.add(Erasure(kind="user", subject=report.pseudonym, reason="forget-user", rows=report.rows, at=at))
    session.flush()
    return report


# -- workspaces ---------------------------------------------------------------------------------------------------


def record_uninstall(session: Session, team_id: str, at: datetime) -> None:
    """Remember that `team_id` uninstalled the app at `at` (a later uninstall moves the date)."""
    row = session.get(WorkspaceUninstall, team_id)
    if row is None:
        session.add(WorkspaceUninstall(team_id=team_id, uninstalled_at=at))
    else:
        row.uninstalled_at = at
        session.add(row)


def cancel_uninstall(session: Session, team_id: str) -> bool:
    """The workspace is back (reinstalled, or a request came from it): nothing is deleted."""
    result = session.exec(delete(WorkspaceUninstall).where(col(WorkspaceUninstall.team_id) == team_id))
    return bool(result.rowcount)


def pending_uninstalls(session: Session) -> list[WorkspaceUninstall]:
    return list(
        session.execute(select(WorkspaceUninstall).order_by(col(WorkspaceUninstall.uninstalled_at))).scalars()
    )


def _people_of(session: Session, checklist_ids: list[int]) -> set[str]:
    """Users named in these checklists' owners, contacts, approvals and events."""
    if not checklist_ids:
        return set()
    ids = checklist_ids
    people = set(session.execute(select(col(Item.owner_id)).where(col(Item.checklist_id).in_(ids))).scalars())
    people |= set(session.execute(select(col(Contact.user_id)).where(col(Contact.checklist_id).in_(ids))).scalars())
    people |= set(session.execute(select(col(Event.actor_id)).where(col(Event.checklist_id).in_(ids))).scalars())
    for more in session.execute(select(col(Item.co_owners)).where(col(Item.checklist_id).in_(ids))).scalars():
        people |= set((more or "").split())  # several owners: the others, space-separated
    people |= set(
        session.execute(
            select(col(SignoffApproval.user_id))
            .join(SignoffRequest, col(SignoffRequest.id) == col(SignoffApproval.request_id))
            .where(col(SignoffRequest.checklist_id).in_(ids))
        ).scalars()
    )
    return {p for p in people if p and USER_ID.fullmatch(p)}


def _still_named(session: Session, people: Iterable[str]) -> set[str]:
    people = list(people)
    if not people:
        return set()
    named = set(session.execute(select(col(Item.owner_id)).where(col(Item.owner_id).in_(people))).scalars())
    named |= set(session.execute(select(col(Contact.user_id)).where(col(Contact.user_id).in_(people))).scalars())
    named |= set(
        session.execute(select(col(SignoffApproval.user_id)).where(col(SignoffApproval.user_id).in_(people))).scalars()
    )
    named |= set(session.execute(select(col(Event.actor_id)).where(col(Event.actor_id).in_(people))).scalars())
    for more in session.execute(select(col(Item.co_owners)).where(col(Item.co_owners).is_not(None))).scalars():
        named |= set(more.split()) & set(people)
    return named


def delete_checklists(session: Session, checklist_ids: list[int]) -> int:
    """Delete checklists with everything that hangs off them (phases, items, notes, contacts, events, sign-offs:
    ON DELETE CASCADE), and the preferences of people no other checklist names any more. Returns rows deleted."""
    if not checklist_ids:
        return 0
    people = _people_of(session, checklist_ids)
    rows = 0
    for model in (SignoffApproval, SignoffRequest, Note, Contact, Event, Item, PortfolioShare):
        # Counted for the record; the cascade would delete them as well.
        if model is SignoffApproval:
            where = col(SignoffApproval.request_id).in_(
                select(col(SignoffRequest.id)).where(col(SignoffRequest.checklist_id).in_(checklist_ids))
            )
        elif model is Note:
            where = col(Note.item_id).in_(select(col(Item.id)).where(col(Item.checklist_id).in_(checklist_ids)))
        else:
            where = col(model.checklist_id).in_(checklist_ids)  # type: ignore[union-attr]  # the rest have it
        rows += session.exec(delete(model).where(where)).rowcount or 0
    rows += session.exec(delete(Checklist).where(col(Checklist.id).in_(checklist_ids))).rowcount or 0
    gone = people - _still_named(session, people)
    if gone:
        rows += session.exec(delete(UserPref).where(col(UserPref.user_id).in_(gone))).rowcount or 0
    return rows


def purge_workspace(session: Session, team_id: str, *, at: datetime, reason: str) -> int:
    """Delete everything the app keeps about `team_id`: its checklists (and all that hangs off them), digest
    schedules and their claims, people's preferences no other workspace needs, and its OAuth installation rows.
    Records the purge; returns the number of rows deleted."""
    if not TEAM_ID.fullmatch(team_id):
        raise ValueError(f"{team_id!r} is not a Slack workspace id (T… or E…)")
    ids = list(session.execute(select(col(Checklist.id)).where(col(Checklist.team_id) == team_id)).scalars())
    rows = delete_checklists(session, ids)
    rows += session.exec(delete(DigestSchedule).where(col(DigestSchedule.team_id) == team_id)).rowcount or 0
    rows += (
        session.exec(delete(ReminderRun).where(col(ReminderRun.key).startswith(f"{team_id}:"))).rowcount or 0
    )
    # Side effects still waiting to be sent for it (or kept as sent/unknown): they name its people and channels.
    rows += session.exec(delete(OutboxEffect).where(col(OutboxEffect.team_id) == team_id)).rowcount or 0
    existing = {t.name: t for t in _all_tables(session) if t.name in OAUTH_TABLES}
    for table in existing.values():
        if "team_id" in table.c:
            rows += session.exec(delete(table).where(table.c.team_id == team_id)).rowcount or 0
    cancel_uninstall(session, team_id)
    session.add(Erasure(kind="workspace", subject=team_id, reason=reason, rows=rows, at=at))
    session.flush()
    return rows


# -- archived checklists ------------------------------------------------------------------------------------------


def expired_archives(session: Session, before: datetime, limit: int = 200) -> list[int]:
    return list(
        session.execute(
            select(col(Checklist.id))
            .where(col(Checklist.archived_at).is_not(None), col(Checklist.archived_at) < before)
            .order_by(col(Checklist.archived_at))
            .limit(limit)
        ).scalars()
    )


def delete_archives(session: Session, checklist_ids: list[int], *, at: datetime) -> int:
    """Delete archived checklists past their retention, recording each one."""
    still = list(
        session.execute(
            select(col(Checklist.id)).where(
                col(Checklist.id).in_(checklist_ids), col(Checklist.archived_at).is_not(None)
            )
        ).scalars()
    )
    rows = 0
    for checklist_id in still:
        n = delete_checklists(session, [checklist_id])
        session.add(Erasure(kind="archive", subject=str(checklist_id), reason="archive retention", rows=n, at=at))
        rows += n
    session.flush()
    return rows
