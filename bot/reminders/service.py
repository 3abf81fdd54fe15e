"""Units of work behind `/checklist remind …`. No Slack here: the listener does the Web API calls afterwards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.checklists import rules
from bot.checklists.service import Who
from bot.clock import Clock
from bot.errors import NoChecklist, UserError
from bot.reminders.schedule import Weekly, describe, local_now, next_due
from storage import queries as q
from storage import schedules as sq
from storage.db import Database, rerun_if_race_lost


@dataclass(frozen=True)
class ScheduleInfo:
    weekly: Weekly
    next_run: datetime
    paused: str | None
    updated_at: datetime
    portfolio: bool = False  # a channel with no checklist of its own but with shares: the portfolio is posted

    @property
    def text(self) -> str:
        return describe(self.weekly)


@dataclass(frozen=True)
class RemindStatus:
    schedule: ScheduleInfo | None
    dm: str


class ReminderService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def _info(self, s: sq.DigestSchedule, portfolio: bool = False) -> ScheduleInfo:
        weekly = Weekly(s.weekday, s.hour, s.minute, s.timezone)
        return ScheduleInfo(weekly, next_due(weekly, self.clock.now()), s.paused_reason, s.updated_at, portfolio)

    @rerun_if_race_lost
    def set_weekly(self, who: Who, weekday: int, hour: int, minute: int, timezone: str | None) -> ScheduleInfo:
        """Create or replace the channel's weekly digest; without `timezone`, in the checklist's timezone. In a
        channel with no checklist but with checklists shared to it, the weekly post is its portfolio (in the
        caller's known timezone, else UTC, unless one is named)."""
        from storage import portfolio as pf

        now = self.clock.now()
        with self.db.write() as session:
            checklist = q.active_checklist(session, who.team_id, who.channel_id)
            portfolio = checklist is None and pf.has_shares(session, who.team_id, who.channel_id)
            if checklist is None and not portfolio:
                raise NoChecklist()
            if checklist is not None:
                timezone = timezone or checklist.timezone
            else:
                pref = sq.user_pref(session, who.user_id)
                timezone = timezone or (pref.timezone if pref and pref.timezone else "UTC")
            s = sq.schedule_for(session, who.team_id, who.channel_id) or sq.DigestSchedule(
                team_id=who.team_id,
                channel_id=who.channel_id,
                weekday=0,
                hour=0,
                minute=0,
                timezone="UTC",
                created_by=who.user_id,
                updated_at=now,
            )
            s.weekday, s.hour, s.minute, s.timezone = weekday, hour, minute, timezone
            s.created_by, s.updated_at, s.paused_at, s.paused_reason = who.user_id, now, None, None
            session.add(s)
            session.flush()
            return self._info(s, portfolio)

    def off(self, who: Who) -> str:
        with self.db.write() as session:
            s = sq.schedule_for(session, who.team_id, who.channel_id)
            if s is None:
                raise UserError("There is no weekly digest in this channel, so there is nothing to stop.")
            what = describe(Weekly(s.weekday, s.hour, s.minute, s.timezone))
            session.delete(s)
        return what

    def status(self, who: Who) -> RemindStatus:
        with self.db.read() as session:
            s = sq.schedule_for(session, who.team_id, who.channel_id)
            pref = sq.user_pref(session, who.user_id)
            info = self._info(s) if s else None
        return RemindStatus(info, self._dm_text(pref))

    def _dm_text(self, pref: sq.UserPref | None) -> str:
        if pref is not None and not pref.dm_enabled:
            return "*off* (`/checklist remind dm on` turns them back on)"
        tz = f" {pref.timezone}" if pref is not None and pref.timezone else ""
        today = self._today(pref)
        if pref is not None and pref.snooze_until is not None and pref.snooze_until >= today:
            return f"*snoozed* until {pref.snooze_until.isoformat()} inclusive (`/checklist remind dm on` resumes)"
        week = rules.WORKWEEK_NAMES.get(pref.workweek if pref else rules.DEFAULT_WORKWEEK, "Monday–Friday")
        return f"*on*: one DM on your working days ({week}) at 09:00{tz} when you own overdue items"

    def _today(self, pref: sq.UserPref | None) -> date:
        return local_now(self.clock.now(), pref.timezone if pref and pref.timezone else "UTC").date()

    def set_dm_workweek(self, who: Who, workweek: str) -> str:
        """The caller's working week: their nudges go out on these days only."""
        with self.db.write() as session:
            pref = sq.ensure_user_pref(session, who.user_id)
            pref.workweek = workweek
            session.add(pref)
            return (
                f"📬 Your working week is now *{rules.WORKWEEK_NAMES[workweek]}*: overdue reminders by DM come on "
                f"those days, and `remind dm snooze <n>` skips n of them. Reminders: {self._dm_text(pref)}."
            )

    def set_dm(self, who: Who, mode: str, days: int | None = None) -> str:
        """`on`, `off` or `snooze` (the next `days` working days of the person, today included when it is one) the
        caller's overdue DMs."""
        with self.db.write() as session:
            pref = sq.ensure_user_pref(session, who.user_id)
            if mode == "on":
                pref.dm_enabled, pref.snooze_until = True, None
            elif mode == "off":
                pref.dm_enabled = False
            else:
                assert days is not None
                pref.dm_enabled = True
                pref.snooze_until = rules.nth_working_day(self._today(pref), days, pref.workweek)
            session.add(pref)
            return "📬 Your overdue reminders by DM are now " + self._dm_text(pref) + "."
