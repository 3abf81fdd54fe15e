"""Units of work behind `/checklist remind …`. No Slack here: the listener does the Web API calls afterwards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from storage import queries as q
from storage import schedules as sq
from storage.db import Database, rerun_if_race_lost

from ..clock import Clock
from ..errors import NoChecklist, UserError
from ..service import Who
from .runner import TZ_REFRESH
from .schedule import Weekly, describe, local_now, next_due


@dataclass(frozen=True)
class ScheduleInfo:
    weekly: Weekly
    next_run: datetime
    paused: str | None
    updated_at: datetime
    tz_known: bool = True  # False: set in UTC for now, the profile's timezone is being looked up

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

    def _info(self, s: sq.DigestSchedule, tz_known: bool = True) -> ScheduleInfo:
        weekly = Weekly(s.weekday, s.hour, s.minute, s.timezone)
        return ScheduleInfo(weekly, next_due(weekly, self.clock.now()), s.paused_reason, s.updated_at, tz_known)

    @rerun_if_race_lost
    def set_weekly(self, who: Who, weekday: int, hour: int, minute: int, timezone: str | None) -> ScheduleInfo:
        """Create or replace the channel's weekly digest. Without `timezone`, the requester's cached profile
        timezone is used when fresh; otherwise UTC until `apply_profile_timezone` fills it in."""
        now = self.clock.now()
        with self.db.write() as session:
            if q.active_checklist(session, who.team_id, who.channel_id) is None:
                raise NoChecklist()
            tz_known = timezone is not None
            if timezone is None:
                pref = sq.user_pref(session, who.user_id)
                # A fresh profile timezone is used as is; a stale one (or UTC) only until the lookup answers.
                timezone = (pref.timezone if pref else None) or "UTC"
                tz_known = bool(pref and pref.timezone and pref.tz_checked_at and pref.tz_checked_at > now - TZ_REFRESH)
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
            return self._info(s, tz_known)

    def apply_profile_timezone(self, who: Who, updated_at: datetime, timezone: str | None) -> ScheduleInfo | None:
        """Remember the requester's timezone and move the schedule set at `updated_at` to it (unless it has been
        changed since). None when the schedule is gone or was changed."""
        with self.db.write() as session:
            pref = sq.ensure_user_pref(session, who.user_id)
            if timezone:
                pref.timezone, pref.tz_checked_at = timezone, self.clock.now()
                session.add(pref)
            s = sq.schedule_for(session, who.team_id, who.channel_id)
            if s is None or s.updated_at != updated_at:
                return None
            if timezone:
                s.timezone = timezone
                session.add(s)
            return self._info(s, tz_known=bool(timezone))

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
        return f"*on*: one DM on working days at 09:00{tz} when you own overdue items"

    def _today(self, pref: sq.UserPref | None) -> date:
        return local_now(self.clock.now(), pref.timezone if pref and pref.timezone else "UTC").date()

    def set_dm(self, who: Who, mode: str, days: int | None = None) -> str:
        """`on`, `off` or `snooze` (for `days` days, today included) the caller's overdue DMs."""
        with self.db.write() as session:
            pref = sq.ensure_user_pref(session, who.user_id)
            if mode == "on":
                pref.dm_enabled, pref.snooze_until = True, None
            elif mode == "off":
                pref.dm_enabled = False
            else:
                assert days is not None
                pref.dm_enabled = True
                pref.snooze_until = self._today(pref) + timedelta(days=days - 1)
            session.add(pref)
            return "📬 Your overdue reminders by DM are now " + self._dm_text(pref) + "."
