"""The checklists feature's answers that are not a change: the calendar, the notice mode, what happens next."""

from __future__ import annotations

from collections.abc import Sequence

from bot.checklists import rules
from bot.checklists.dates import plain_date
from bot.checklists.service import CalendarInfo
from bot.slack.text import mention

QUIET_NOTE = "🔕 Quiet channel: only you see this; the weekly digest lists the week's changes."
TIMEZONE_UNKNOWN = (
    "🌐 I couldn't read your timezone from Slack, so this checklist's dates are in UTC. "
    "Set the team's zone with `/checklist timezone <zone>`, e.g. `/checklist timezone Asia/Phnom_Penh`."
)


def profile_timezone_text(info: CalendarInfo, starter: str) -> str:
    """After `start`: the checklist took its starter's Slack timezone."""
    return (
        f"🌐 This checklist's dates follow *{info.timezone}* ({mention(starter)}'s Slack timezone), "
        f"working week {info.week_name}: it is {plain_date(info.today, info.today)} {info.now:%H:%M} there. "
        "`/checklist timezone <zone>` and `/checklist workweek sun-thu` change them."
    )


def calendar_text(info: CalendarInfo) -> str:
    """`/checklist timezone` without a zone."""
    return (
        f"🌐 This checklist's dates are in *{info.timezone}*: it is {plain_date(info.today, info.today)} "
        f"{info.now:%H:%M} there. Working week: *{info.week_name}*. An item is overdue once its due date has "
        "passed there. `/checklist timezone <IANA zone>` and `/checklist workweek mon-fri|sun-thu|mon-sat` "
        "change them."
    )


def notify_mode_text(mode: str) -> str:
    """`/checklist notify` without a mode."""
    now = (
        "*quiet*: item changes are answered only to the person who makes them; phase completions, sign-offs "
        "and the weekly digest still come to the channel"
        if mode == rules.NOTIFY_QUIET
        else "*channel*: every item change is told to the channel"
    )
    return f"This checklist's notices: {now}. `/checklist notify quiet|channel` switches."


def skip_asks_text(number: str, approvers: Sequence[str]) -> str:
    """`skip` of an item that needs a sign-off: its approvers are asked instead."""
    return (
        f"⏳ {number} needs a sign-off, so marking it not applicable does too: asking "
        f"{', '.join(mention(u) for u in approvers)} to agree…"
    )


def export_preparing_text(fmt: str) -> str:
    return f"Preparing the export ({fmt.upper()})… it will appear in this channel."
