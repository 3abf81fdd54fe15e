"""Wall-clock schedule maths. A weekly run is "weekday HH:MM in timezone"; its period key is the local ISO date,
so DST changes never change which period a run belongs to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.checklists import rules
from bot.checklists.dates import WEEKDAYS
from bot.checklists.zones import canonical_timezone

__all__ = ["canonical_timezone"]  # the remind grammar's import (bot/reminders/grammar.py), kept here

CATCH_UP = timedelta(days=1)  # a run missed while the app was down is caught up when less late than this
NUDGE_HOUR = 9  # nudges go out from 09:00 local …
NUDGE_UNTIL_HOUR = 18  # … and never from 18:00 (a process down all day does not DM at night)


@dataclass(frozen=True)
class Weekly:
    weekday: int  # 0 = Monday
    hour: int
    minute: int
    timezone: str


def zone(name: str) -> ZoneInfo:
    return rules.zone(name)


def at_local(day: date, hour: int, minute: int, tz: str) -> datetime:
    """`day HH:MM` in `tz` as an aware UTC datetime. A time skipped by a spring-forward change resolves to the
    same instant an hour later on the local clock (zoneinfo's fold=0 rule)."""
    local = datetime.combine(day, time(hour, minute), tzinfo=zone(tz))
    return local.astimezone(UTC)


def local_now(now: datetime, tz: str) -> datetime:
    return now.astimezone(zone(tz))


def latest_due(s: Weekly, now: datetime) -> tuple[date, datetime]:
    """The most recent occurrence at or before `now`: (period = local date, instant in UTC)."""
    today = local_now(now, s.timezone).date()
    day = today - timedelta(days=(today.weekday() - s.weekday) % 7)
    due = at_local(day, s.hour, s.minute, s.timezone)
    if due > now:
        day -= timedelta(days=7)
        due = at_local(day, s.hour, s.minute, s.timezone)
    return day, due


def next_due(s: Weekly, now: datetime) -> datetime:
    """The next occurrence strictly after `now`, in UTC."""
    day, _ = latest_due(s, now)
    return at_local(day + timedelta(days=7), s.hour, s.minute, s.timezone)


def due_period(s: Weekly, now: datetime, since: datetime) -> date | None:
    """The period to run now, if any: the latest occurrence, when it is at most `CATCH_UP` late and not before
    `since` (when the schedule was set)."""
    day, due = latest_due(s, now)
    if due < since or now - due >= CATCH_UP:
        return None
    return day


def nudge_period(now: datetime, tz: str, workweek: str | None = None) -> date | None:
    """Today's local date when a nudge may go out now in `tz`: a working day of the person's `workweek`
    (Monday–Friday by default), 09:00 to 18:00 local."""
    local = local_now(now, tz)
    if not rules.is_working_day(local.date(), workweek) or not NUDGE_HOUR <= local.hour < NUDGE_UNTIL_HOUR:
        return None
    return local.date()


def describe(s: Weekly) -> str:
    """`Mondays at 09:00 (Europe/Paris)`: how a schedule reads in the answers (the checklists feature's timezone
    answer says it too, so it lives here rather than in reminders/messages)."""
    return f"{WEEKDAYS[s.weekday].capitalize()}s at {s.hour:02d}:{s.minute:02d} ({s.timezone})"
