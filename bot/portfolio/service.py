"""A leads' portfolio: one line per checklist shared to a channel (`/checklist share #leads`).

Only checklists of the asking workspace that were shared to exactly this channel, and are not archived, are read
(`storage.portfolio.shared_to`): a checklist is never shown anywhere it was not shared to. No Slack here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby

from bot.checklists import rules
from bot.reminders.digest import pending_signoffs
from storage import portfolio as pf
from storage import schedules as sq
from storage.db import Database

MAX_CHECKLISTS = 200  # a portfolio channel of a very large programme: the rest is counted, not listed


@dataclass(frozen=True)
class PortfolioLine:
    """What a lead sees of one shared checklist."""

    checklist_id: int
    channel_id: str
    title: str
    today: date  # the checklist's today (`rules.today`)
    done: int
    total: int
    overdue: int
    signoffs: tuple[tuple[str, datetime], ...]  # (item number, requested at), oldest first
    next_due: tuple[str, date] | None  # the open item due soonest that is not overdue

    @property
    def percent(self) -> int:
        return rules.Progress(self.done, self.total, self.overdue).percent

    def oldest_signoff_days(self, now: datetime) -> int | None:
        return rules.days_waiting(self.signoffs[0][1], now) if self.signoffs else None


@dataclass(frozen=True)
class Portfolio:
    team_id: str
    channel_id: str
    now: datetime
    lines: tuple[PortfolioLine, ...]
    more: int = 0  # shared checklists beyond MAX_CHECKLISTS


def build_portfolio(db: Database, team_id: str, channel_id: str, now: datetime) -> Portfolio:
    """The portfolio of `channel_id` in `team_id`: a few queries, whatever the number of checklists."""
    with db.read() as session:
        checklists = pf.shared_to(session, team_id, channel_id)
        shown, more = checklists[:MAX_CHECKLISTS], max(len(checklists) - MAX_CHECKLISTS, 0)
        ids = [c.pk for c in shown]
        rows = sq.item_rows(session, ids)
        pending = pending_signoffs(session, ids) if ids else {}
    items_of = {cid: list(group) for cid, group in groupby(rows, key=lambda r: r.checklist_id)}
    lines = []
    for c in shown:
        items = items_of.get(c.pk, [])
        today = rules.today(c, now)
        progress = rules.progress(items, today)
        upcoming = sorted(
            (i for i in items if not rules.is_done(i) and i.due_date is not None and i.due_date >= today),
            key=lambda i: (i.due_date, rules.item_sort_key(i.number)),
        )
        waiting = sorted(
            ((n, p.requested_at) for n, p in (pending.get(c.pk) or {}).items()),
            key=lambda pair: pair[1],
        )
        lines.append(
            PortfolioLine(
                checklist_id=c.pk,
                channel_id=c.channel_id,
                title=c.title,
                today=today,
                done=progress.done,
                total=progress.total,
                overdue=progress.overdue,
                signoffs=tuple(waiting),
                next_due=(upcoming[0].number, upcoming[0].due_date) if upcoming else None,
            )
        )
    # Most in need of a lead first: overdue, then the oldest pending sign-off, then by progress.
    lines.sort(key=lambda pl: (-pl.overdue, -(pl.oldest_signoff_days(now) or -1), pl.percent, pl.title))
    return Portfolio(team_id, channel_id, now, tuple(lines), more)


def has_shares(db: Database, team_id: str, channel_id: str) -> bool:
    with db.read() as session:
        return pf.has_shares(session, team_id, channel_id)
