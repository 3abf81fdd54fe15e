"""Portfolio shares: a checklist listed in another channel of the same workspace (a leads' channel), by opt-in.

A share names the checklist, not its channel, so archiving the checklist takes it out of every portfolio and a
new checklist in the same channel is not shared until someone shares it. No Slack here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, UniqueConstraint, delete, func
from sqlalchemy import select as sa_select  # typed for any number of columns (sqlmodel's select: up to 4)
from sqlmodel import Field, Session, SQLModel, col, select

from storage.models import Checklist, Event, Stored
from storage.types import UTCDateTime


class PortfolioShare(Stored, SQLModel, table=True):
    """Checklist `checklist_id` is shown in the portfolio of channel `channel_id` of workspace `team_id`."""

    __tablename__ = "portfolio_share"
    __table_args__ = (UniqueConstraint("checklist_id", "channel_id", name="uq_portfolio_share"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    channel_id: str = Field(max_length=32, index=True)  # the portfolio channel
    checklist_id: int = Field(foreign_key="checklist.id", index=True, ondelete="CASCADE")
    shared_by: str = Field(max_length=32)
    shared_at: datetime = Field(sa_type=UTCDateTime)


def share(session: Session, *, team_id: str, channel_id: str, checklist_id: int, by: str, at: datetime) -> bool:
    """Add the share; False when it was there already."""
    if shares_of(session, checklist_id, channel_id):
        return False
    session.add(
        PortfolioShare(team_id=team_id, channel_id=channel_id, checklist_id=checklist_id, shared_by=by, shared_at=at)
    )
    session.flush()
    return True


def unshare(session: Session, checklist_id: int, channel_id: str) -> bool:
    result = session.exec(
        delete(PortfolioShare).where(
            col(PortfolioShare.checklist_id) == checklist_id, col(PortfolioShare.channel_id) == channel_id
        )
    )
    return bool(result.rowcount)


def shares_of(session: Session, checklist_id: int, channel_id: str | None = None) -> list[PortfolioShare]:
    stmt = select(PortfolioShare).where(PortfolioShare.checklist_id == checklist_id)
    if channel_id is not None:
        stmt = stmt.where(PortfolioShare.channel_id == channel_id)
    return list(session.exec(stmt.order_by(col(PortfolioShare.shared_at), col(PortfolioShare.id))).all())


def shared_to(session: Session, team_id: str, channel_id: str) -> list[Checklist]:
    """The active checklists of workspace `team_id` shared to its channel `channel_id`, oldest share first.

    Both the share's and the checklist's workspace must be `team_id`: a channel id seen from another workspace
    (a Slack Connect channel) never shows this workspace's checklists."""
    stmt = (
        select(Checklist)
        .join(PortfolioShare, col(PortfolioShare.checklist_id) == col(Checklist.id))
        .where(
            PortfolioShare.team_id == team_id,
            PortfolioShare.channel_id == channel_id,
            Checklist.team_id == team_id,
            col(Checklist.archived_at).is_(None),
        )
        .order_by(col(PortfolioShare.shared_at), col(PortfolioShare.id))
    )
    return list(session.exec(stmt).all())


def has_shares(session: Session, team_id: str, channel_id: str) -> bool:
    return bool(shared_to(session, team_id, channel_id))


def change_counts(session: Session, checklist_ids: Sequence[int], since: datetime) -> list[Row[Any]]:
    """Events since `since` per (checklist, actor, action, item): rows of (checklist_id, actor_id, action,
    item_number, n, last). Grouped in SQL, so a busy week is a bounded number of rows."""
    if not checklist_ids:
        return []
    return list(
        session.execute(
            sa_select(
                col(Event.checklist_id),
                col(Event.actor_id),
                col(Event.action),
                col(Event.item_number),
                func.count().label("n"),
                func.max(Event.id).label("last"),
            )
            .where(col(Event.checklist_id).in_(list(checklist_ids)), col(Event.at) >= since)
            .group_by(col(Event.checklist_id), col(Event.actor_id), col(Event.action), col(Event.item_number))
        ).all()
    )
