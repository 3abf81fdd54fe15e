"""Sign-off requests and each approver's decision, with the guarded updates that make clicks count once.

Every state change is a conditional UPDATE (`... WHERE decision IS NULL`, `... WHERE status = 'pending'`) whose
row count tells the caller whether it won, so double clicks, retried payloads and several replicas agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, Text, UniqueConstraint, text, update
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Field, Session, SQLModel, col, select

from storage.models import Checklist, Item, Stored, utcnow
from storage.types import UTCDateTime

PENDING = "pending"
APPROVED = "approved"
REJECTED = "rejected"
CANCELLED = "cancelled"
SUPERSEDED = "superseded"
WITHDRAWN = "withdrawn"  # was approved; the item was reopened with a reason, so it needs a new sign-off


class SignoffRequest(Stored, SQLModel, table=True):
    __table_args__ = (
        # At most one pending request per item; a new one supersedes it in the same transaction.
        Index(
            "uq_signoff_pending_item",
            "item_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    checklist_id: int = Field(foreign_key="checklist.id", index=True, ondelete="CASCADE")
    item_id: int = Field(foreign_key="item.id", index=True, ondelete="CASCADE")
    item_number: str = Field(max_length=16)
    requested_by: str = Field(max_length=32)
    note: str | None = Field(default=None, sa_column=Column(Text))
    status: str = Field(default=PENDING, max_length=16, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by: str | None = Field(default=None, max_length=32)  # who cancelled, rejected or completed it
    escalated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # What an approval does: "signoff" completes the item; "skip" marks it not applicable (the note is why).
    purpose: str = Field(default="signoff", max_length=16, sa_column_kwargs={"server_default": "signoff"})


class SignoffApproval(Stored, SQLModel, table=True):
    __table_args__ = (UniqueConstraint("request_id", "user_id", name="uq_signoff_approver"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="signoffrequest.id", index=True, ondelete="CASCADE")
    user_id: str = Field(max_length=32)
    backup: bool = False  # asked on escalation; their approval stands in for the undecided approvers
    dm_channel: str | None = Field(default=None, max_length=32)
    dm_ts: str | None = Field(default=None, max_length=32)
    decision: str | None = Field(default=None, max_length=16)  # None | approved | rejected
    reason: str | None = Field(default=None, sa_column=Column(Text))
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When this person was asked (a backup later than the others); the age "waiting on @eve (1 d)" counts from it.
    asked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


def create_request(
    session: Session,
    *,
    checklist_id: int,
    item_id: int,
    item_number: str,
    requested_by: str,
    note: str | None,
    at: datetime,
    approvers: Sequence[tuple[str, str | None]],
    purpose: str = "signoff",
) -> tuple[SignoffRequest, list[SignoffApproval]]:
    """A pending request and one approval row per `(user_id, dm_channel)`."""
    request = SignoffRequest(
        checklist_id=checklist_id,
        item_id=item_id,
        item_number=item_number,
        requested_by=requested_by,
        note=note or None,
        created_at=at,
        purpose=purpose,
    )
    session.add(request)
    session.flush()
    approvals = [SignoffApproval(request_id=request.pk, user_id=u, dm_channel=dm, asked_at=at) for u, dm in approvers]
    session.add_all(approvals)
    session.flush()
    return request, approvals


def add_approver(
    session: Session, *, request_id: int, user_id: str, dm_channel: str | None, backup: bool, at: datetime
) -> SignoffApproval:
    approval = SignoffApproval(
        request_id=request_id, user_id=user_id, dm_channel=dm_channel, backup=backup, asked_at=at
    )
    session.add(approval)
    session.flush()
    return approval


def request(session: Session, request_id: int) -> SignoffRequest | None:
    return session.get(SignoffRequest, request_id)


def checklist_of_request(session: Session, request_id: int, *, lock: bool = False) -> Checklist | None:
    """The checklist of a request (None when there is no such request), locked with `lock=True` like every
    writer's first statement (PostgreSQL row lock), and read as the lock found it."""
    of_request = select(SignoffRequest.checklist_id).where(col(SignoffRequest.id) == request_id).scalar_subquery()
    stmt = select(Checklist).where(col(Checklist.id) == of_request)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.exec(stmt).first()


def request_with_approvals(
    session: Session, request_id: int
) -> tuple[SignoffRequest, Item | None, list[SignoffApproval]] | None:
    """A request, its item and its approvals (in the order asked) in one statement, as they are now."""
    stmt = (
        select(SignoffRequest, Item, SignoffApproval)
        .outerjoin(Item, col(Item.id) == col(SignoffRequest.item_id))
        .outerjoin(SignoffApproval, col(SignoffApproval.request_id) == col(SignoffRequest.id))
        .where(col(SignoffRequest.id) == request_id)
        .order_by(col(SignoffApproval.id))
        .execution_options(populate_existing=True)
    )
    rows = session.exec(stmt).all()
    if not rows:
        return None
    return rows[0][0], rows[0][1], [approval for _, _, approval in rows if approval is not None]


def written(row: SQLModel, **values: Any) -> None:
    """Show on a loaded row the values a guarded UPDATE (`decide`, `close_request`) just wrote, without marking
    the row changed (so no second UPDATE follows) and without reading it again."""
    for key, value in values.items():
        set_committed_value(row, key, value)


def approvals(session: Session, request_id: int) -> list[SignoffApproval]:
    stmt = select(SignoffApproval).where(SignoffApproval.request_id == request_id).order_by(col(SignoffApproval.id))
    return list(session.exec(stmt).all())


def approvals_of(session: Session, request_ids: Sequence[int]) -> dict[int, list[SignoffApproval]]:
    """The approvals of several requests in one query, by request id."""
    out: dict[int, list[SignoffApproval]] = {rid: [] for rid in request_ids}
    if request_ids:
        stmt = select(SignoffApproval).where(col(SignoffApproval.request_id).in_(list(request_ids)))
        for a in session.exec(stmt.order_by(col(SignoffApproval.id))).all():
            out[a.request_id].append(a)
    return out


def pending_for_item(session: Session, item_id: int) -> SignoffRequest | None:
    stmt = select(SignoffRequest).where(SignoffRequest.item_id == item_id, SignoffRequest.status == PENDING)
    return session.exec(stmt).first()


def latest_for_item(session: Session, item_id: int) -> SignoffRequest | None:
    stmt = select(SignoffRequest).where(SignoffRequest.item_id == item_id)
    return session.exec(stmt.order_by(col(SignoffRequest.id).desc())).first()


def withdraw_approved(session: Session, *, request_id: int, by: str, at: datetime) -> bool:
    """An approved request becomes `withdrawn` (its item was reopened); False when it was not approved."""
    result = session.exec(
        update(SignoffRequest)
        .where(col(SignoffRequest.id) == request_id, col(SignoffRequest.status) == APPROVED)
        .values(status=WITHDRAWN, decided_by=by, decided_at=at)
    )
    return result.rowcount == 1


def requests(
    session: Session, checklist_id: int, *, status: str | None = None, item_number: str | None = None
) -> list[SignoffRequest]:
    stmt = select(SignoffRequest).where(SignoffRequest.checklist_id == checklist_id)
    if status is not None:
        stmt = stmt.where(SignoffRequest.status == status)
    if item_number is not None:
        stmt = stmt.where(SignoffRequest.item_number == item_number)
    return list(session.exec(stmt.order_by(col(SignoffRequest.created_at), col(SignoffRequest.id))).all())


def pending_in(session: Session, checklist_ids: Sequence[int]) -> list[SignoffRequest]:
    """Pending requests of several checklists in one query (for the digests)."""
    if not checklist_ids:
        return []
    stmt = select(SignoffRequest).where(
        col(SignoffRequest.checklist_id).in_(list(checklist_ids)), SignoffRequest.status == PENDING
    )
    return list(session.exec(stmt.order_by(col(SignoffRequest.created_at), col(SignoffRequest.id))).all())


def latest_per_item(session: Session, checklist_id: int) -> dict[str, SignoffRequest]:
    """The newest request of each item that has one."""
    latest: dict[str, SignoffRequest] = {}
    for r in requests(session, checklist_id):
        latest[r.item_number] = r
    return latest


def latest_per_item_with_approvals(
    session: Session, checklist_id: int
) -> list[tuple[SignoffRequest, list[SignoffApproval]]]:
    """`latest_per_item` with each request's approvals (in the order asked), in one statement: a request is the
    latest of its item when no request of the item comes after it (by `created_at`, then id)."""
    later = aliased(SignoffRequest)
    newer = (
        select(later.id)
        .where(
            later.checklist_id == checklist_id,
            later.item_number == SignoffRequest.item_number,
            (col(later.created_at) > col(SignoffRequest.created_at))
            | ((col(later.created_at) == col(SignoffRequest.created_at)) & (col(later.id) > col(SignoffRequest.id))),
        )
        .exists()
    )
    rows = session.exec(
        select(SignoffRequest, SignoffApproval)
        .outerjoin(SignoffApproval, col(SignoffApproval.request_id) == col(SignoffRequest.id))
        .where(SignoffRequest.checklist_id == checklist_id, ~newer)
        .order_by(col(SignoffRequest.created_at), col(SignoffRequest.id), col(SignoffApproval.id))
    ).all()
    out: dict[int, tuple[SignoffRequest, list[SignoffApproval]]] = {}
    for request, approval in rows:
        entry = out.setdefault(request.pk, (request, []))
        if approval is not None:
            entry[1].append(approval)
    return list(out.values())


def unescalated_pending_with_checklist(session: Session) -> list[tuple[SignoffRequest, Checklist]]:
    """Pending, never escalated requests of active checklists with their checklist (its calendar counts the
    working days), oldest first."""
    stmt = (
        select(SignoffRequest, Checklist)
        .join(Checklist, col(Checklist.id) == col(SignoffRequest.checklist_id))
        .where(
            SignoffRequest.status == PENDING,
            col(SignoffRequest.escalated_at).is_(None),
            col(Checklist.archived_at).is_(None),
        )
        .order_by(col(SignoffRequest.created_at), col(SignoffRequest.id))
    )
    return [(request, checklist) for request, checklist in session.exec(stmt).all()]


def decide(session: Session, *, request_id: int, user_id: str, decision: str, reason: str | None, at: datetime) -> bool:
    """Record one approver's decision; False when they had already decided (a double click, a replay)."""
    result = session.exec(
        update(SignoffApproval)
        .where(
            col(SignoffApproval.request_id) == request_id,
            col(SignoffApproval.user_id) == user_id,
            col(SignoffApproval.decision).is_(None),
        )
        .values(decision=decision, reason=reason, decided_at=at)
    )
    return result.rowcount == 1


def close_request(session: Session, *, request_id: int, status: str, by: str | None, at: datetime) -> bool:
    """Move a pending request to `status`; False when it was no longer pending."""
    result = session.exec(
        update(SignoffRequest)
        .where(col(SignoffRequest.id) == request_id, col(SignoffRequest.status) == PENDING)
        .values(status=status, decided_by=by, decided_at=at)
    )
    return result.rowcount == 1


def claim_escalation(session: Session, *, request_id: int, at: datetime) -> bool:
    """Mark a pending request escalated; True for exactly one caller across processes."""
    result = session.exec(
        update(SignoffRequest)
        .where(
            col(SignoffRequest.id) == request_id,
            col(SignoffRequest.status) == PENDING,
            col(SignoffRequest.escalated_at).is_(None),
        )
        .values(escalated_at=at)
    )
    return result.rowcount == 1


def set_dm_ts(session: Session, *, request_id: int, user_id: str, dm_channel: str, dm_ts: str) -> None:
    session.exec(
        update(SignoffApproval)
        .where(col(SignoffApproval.request_id) == request_id, col(SignoffApproval.user_id) == user_id)
        .values(dm_channel=dm_channel, dm_ts=dm_ts)
    )


def waiting_on(session: Session, team_id: str, user_id: str) -> list[SignoffRequest]:
    """Pending requests, in a team's active checklists, on which `user_id` has yet to decide; oldest first."""
    stmt = (
        select(SignoffRequest)
        .join(SignoffApproval, col(SignoffApproval.request_id) == col(SignoffRequest.id))
        .join(Checklist, col(Checklist.id) == col(SignoffRequest.checklist_id))
        .where(
            SignoffApproval.user_id == user_id,
            col(SignoffApproval.decision).is_(None),
            SignoffRequest.status == PENDING,
            Checklist.team_id == team_id,
            col(Checklist.archived_at).is_(None),
        )
        .order_by(col(SignoffRequest.created_at), col(SignoffRequest.id))
    )
    return list(session.exec(stmt).all())
