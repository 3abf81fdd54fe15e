"""The checklists feature's answers that are not a change: the calendar, the notice mode, what happens next, the
templates, the contacts and the archived checklists."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.checklists import rules
from bot.checklists.dates import plain_date, slack_day
from bot.checklists.service import CalendarInfo
from bot.checklists.templates import DEFAULT_TEMPLATE, Template
from bot.slack.answers import ephemeral
from bot.slack.blocks import context, message, section
from bot.slack.text import mention, user_text
from storage.models import Checklist, Contact

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


def templates_view(templates: dict[str, Template]) -> dict[str, Any]:
    lines = []
    for name, t in sorted(templates.items()):
        default = " _(default)_" if name == DEFAULT_TEMPLATE else ""
        lines.append(
            f"• `{name}`{default} — *{user_text(t.title)}*: {len(t.phases)} phases, {len(t.items)} items. "
            f"{user_text(t.description)}"
        )
    text = "*Templates* (`/checklist start <name>`)\n" + "\n".join(lines)
    return ephemeral(text)


def contacts_view(contacts: Sequence[Contact]) -> dict[str, Any]:
    if not contacts:
        return ephemeral(
            "No contacts yet. Name them per role, e.g. `/checklist contact security @cara @dan`; "
            "sign-offs go to the role's contacts."
        )
    roles: dict[str, list[str]] = {}
    for c in contacts:
        roles.setdefault(c.role, []).append(mention(c.user_id))
    lines = [f"• *{role}*: {', '.join(people)}" for role, people in sorted(roles.items())]
    return ephemeral("*Contacts*\n" + "\n".join(lines))


def archived_view(checklists: Sequence[Checklist]) -> dict[str, Any]:
    """The channel's archived checklists, numbered oldest first (the number `… archived <n>` takes)."""
    if not checklists:
        return ephemeral("This channel has no archived checklists. `/checklist archive` closes the current one.")
    lines = [
        f"{n}. *{user_text(c.title)}* · started {slack_day(c.created_at)} by {mention(c.created_by)} · "
        f"archived {slack_day(c.archived_at)} by {mention(c.archived_by)}"
        for n, c in enumerate(checklists, 1)
        if c.archived_at is not None
    ]
    text = "*Archived checklists here* (read-only)\n" + "\n".join(lines[-40:])
    hint = (
        "`/checklist status archived <n>` · `history archived <n>` · `show <item> archived <n>` · "
        "`export md archived <n>`"
    )
    return message(text, [section(text[:2990]), context(hint)], response_type="ephemeral")
