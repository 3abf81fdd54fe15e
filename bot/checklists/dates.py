"""Reading due dates typed by people; showing due dates as plain dates and moments with Slack's date token.

A due date is a calendar day, not an instant: it is shown as the day itself ("Fri 4 Dec"), so every reader
sees the day that was set, whatever their timezone. Moments (a change, a decision) are instants, shown with
Slack's date token so each reader sees them in their own timezone.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from bot.checklists.refusals import UnreadableDate

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
FORMATS_HELP = (
    "`YYYY-MM-DD`, `today`, `tomorrow`, a weekday (`friday`), `next friday`, `in 3 days`, `in 5 working days`, "
    "`in 2 weeks` or `4 Mar` (the next 4 March)"
)
LEAP_SEARCH_YEARS = 8  # `29 Feb` without a year: the next leap year's


DateError = UnreadableDate  # the refusal of date words (`bot.checklists.messages.refusals` says it)


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


def _next(today: date, month: int, day: int) -> date:
    """The next date with this month and day, today included: a day-month without a year is never in the past."""
    for year in range(today.year, today.year + LEAP_SEARCH_YEARS + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    raise ValueError(f"there is no day {day} in {date(2000, month, 1):%B}")


def parse_date(text: str, today: date, workweek: str | None = None) -> date:
    """Read `text` as a date relative to `today` (the checklist's today; `workweek` its working week for
    `in N working days`); raise DateError naming the formats we read."""
    from bot.checklists.rules import add_working_day_count

    raw = " ".join(text.lower().split())
    try:
        if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", raw):
            y, mo, d = (int(p) for p in raw.split("-"))
            return date(y, mo, d)
        if raw == "today":
            return today
        if raw == "tomorrow":
            return today + timedelta(days=1)
        if raw == "yesterday":
            return today - timedelta(days=1)
        m = re.fullmatch(r"in (\d{1,3}) (?:working|work|business) days?", raw)
        if m:
            return add_working_day_count(today, int(m.group(1)), workweek)
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
            day_s, month_s = (a, b) if a.isdecimal() else (b, a)
            month = _month(month_s)
            if month is not None:
                if year:
                    return date(int(year), month, int(day_s))
                return _next(today, month, int(day_s))
    except (ValueError, OverflowError) as exc:
        raise UnreadableDate(text, str(exc)) from None
    raise UnreadableDate(text)


def plain_date(d: date, today: date | None = None) -> str:
    """A due date as the same day for every reader: `Fri 4 Dec`, with the year when it is not `today`'s year
    (always with the year when there is no `today`)."""
    text = f"{WEEKDAYS[d.weekday()][:3].capitalize()} {d.day} {MONTHS[d.month - 1].capitalize()}"
    return text if today is not None and d.year == today.year else f"{text} {d.year}"


def slack_day(moment: datetime) -> str:
    """The day of a moment (when something was done), as a Slack date token: each reader sees their own day."""
    fallback = moment.astimezone(UTC).strftime("%Y-%m-%d")
    return f"<!date^{int(moment.timestamp())}^{{date_short}}|{fallback}>"


def slack_datetime(dt: datetime, fmt: str = "{date_short} {time}") -> str:
    fallback = dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(dt.timestamp())}^{fmt}|{fallback}>"
