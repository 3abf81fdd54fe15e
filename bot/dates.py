"""Reading due dates typed by people, and showing dates with Slack's date token."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from .errors import UserError
from .text import escape, truncate

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
FORMATS_HELP = (
    "`YYYY-MM-DD`, `today`, `tomorrow`, a weekday (`friday`), `next friday`, `in 3 days`, `in 2 weeks` or `4 Mar`"
)


class DateError(UserError):
    pass


def _weekday(word: str) -> int | None:
    word = word.lower()
    for i, name in enumerate(WEEKDAYS):
        if len(word) >= 3 and name.startswith(word):
            return i
    return None


def _month(word: str) -> int | None:
    word = word.lower()
    for i, name in enumerate(MONTHS, start=1):
        if len(word) >= 3 and word.startswith(name):
            full = date(2000, i, 1).strftime("%B").lower()
            if full.startswith(word):
                return i
    return None


def _nearest(today: date, month: int, day: int) -> date:
    """The date with this month and day closest to today (this year, or the year before or after)."""
    candidates = []
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    if not candidates:
        raise ValueError(f"there is no day {day} in that month")
    return min(candidates, key=lambda d: (abs((d - today).days), d < today))


def parse_date(text: str, today: date) -> date:
    """Read `text` as a date relative to `today`; raise DateError naming the formats we read."""
    raw = " ".join(text.lower().split())
    shown = escape(truncate(text, 60))
    try:
        if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", raw):
            y, m, d = (int(p) for p in raw.split("-"))
            return date(y, m, d)
        if raw == "today":
            return today
        if raw == "tomorrow":
            return today + timedelta(days=1)
        if raw == "yesterday":
            return today - timedelta(days=1)
        m = re.fullmatch(r"in (\d{1,3}) (day|days|week|weeks)", raw)
        if m:
            n = int(m.group(1))
            return today + timedelta(days=n * (7 if m.group(2).startswith("week") else 1))
        m = re.fullmatch(r"(next |this )?([a-z]+)", raw)
        if m and (wd := _weekday(m.group(2))) is not None:
            if m.group(1) == "next ":
                # The named day in next week (weeks start on Monday).
                monday_next = today + timedelta(days=7 - today.weekday())
                return monday_next + timedelta(days=wd)
            return today + timedelta(days=(wd - today.weekday()) % 7)
        m = re.fullmatch(r"(\d{1,2}) ([a-z]+)\.?(?: (\d{4}))?", raw) or re.fullmatch(
            r"([a-z]+)\.? (\d{1,2})(?:,? (\d{4}))?", raw
        )
        if m:
            a, b, year = m.groups()
            day_s, month_s = (a, b) if a.isdigit() else (b, a)
            month = _month(month_s)
            if month is not None:
                if year:
                    return date(int(year), month, int(day_s))
                return _nearest(today, month, int(day_s))
    except ValueError as exc:
        raise DateError(f"`{shown}` is not a real date ({exc})") from None
    raise DateError(f"I can't read `{shown}` as a date. I read {FORMATS_HELP}.")


def slack_date(d: date, fmt: str = "{date_short}") -> str:
    """A Slack date token that each reader sees in their own locale.

    A due date has no time of day; we anchor it at 12:00 UTC, which falls on the same calendar day for every
    timezone from UTC-11 to UTC+11, so readers almost everywhere see the date that was set.
    """
    ts = int(datetime.combine(d, time(12, 0), tzinfo=UTC).timestamp())
    return f"<!date^{ts}^{fmt}|{d.isoformat()}>"


def slack_datetime(dt: datetime, fmt: str = "{date_short} {time}") -> str:
    fallback = dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(dt.timestamp())}^{fmt}|{fallback}>"
