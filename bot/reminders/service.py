"""Units of work behind `/checklist remind …`. No Slack here: they return data (`ScheduleInfo`, `DmSetting`), and
`bot.reminders.messages` says it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.checklists import rules
from bot.clock import Clock
from bot.errors import NoChecklist
from bot.reminders.refusals import NoDigestToStop
from bot.reminders.schedule import Weekly, local_now, next_due
from bot.who import Who
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


@dataclass(frozen=True)
class DmSetting:
    """A person's overdue reminders by DM: on their working days, at 09:00 in their timezone."""

    enabled: bool
    snoozed_until: date | None  # while a snooze lasts (until this day, inclusive); None otherwise
    workweek: str
    timezone: str | None


@dataclass(frozen=True)
class RemindStatus:
    schedule: ScheduleInfo | None
    dm: DmSetting


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

    def off(self, who: Who) -> Weekly:
        """Stop the channel's weekly digest; the schedule it had."""
        with self.db.write() as session:
            s = sq.schedule_for(session, who.team_id, who.channel_id)
            if s is None:
                raise NoDigestToStop()
            weekly = Weekly(s.weekday, s.hour, s.minute, s.timezone)
            session.delete(s)
        return weekly

    def status(self, who: Who) -> RemindStatus:
        with self.db.read() as session:
            s = sq.schedule_for(session, who.team_id, who.channel_id)
            pref = sq.user_pref(session, who.user_id)
            info = self._info(s) if s else None
        return RemindStatus(info, self._dm_setting(pref))

    def _dm_setting(self, pref: sq.UserPref | None) -> DmSetting:
        if pref is None:
            return DmSetting(True, None, rules.DEFAULT_WORKWEEK, None)
        snoozed = pref.snooze_until
        if snoozed is not None and snoozed < self._today(pref):
            snoozed = None  # the snooze is over
        return DmSetting(pref.dm_enabled, snoozed, pref.workweek, pref.timezone)

    def _today(self, pref: sq.UserPref | None) -> date:
        return local_now(self.clock.now(), pref.timezone if pref and pref.timezone else "UTC").date()

    def set_dm_workweek(self, who: Who, workweek: str) -> DmSetting:
        """The caller's working week: their nudges go out on these days only."""
        with self.db.write() as session:
            pref = sq.ensure_user_pref(session, who.user_id)
            pref.workweek = workweek
            session.add(pref)
            return self._dm_setting(pref)

    def set_dm(self, who: Who, mode: str, days: int | None = None) -> DmSetting:
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
            return self._dm_setting(pref)
