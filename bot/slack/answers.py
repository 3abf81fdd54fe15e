"""Short answers: help, templates, contacts, confirmations and errors."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bot.checklists.dates import slack_day
from bot.checklists.templates import DEFAULT_TEMPLATE, Template
from bot.slack.blocks import context, message, section
from bot.slack.parser import help_lines
from bot.slack.text import mention, user_text
from storage.models import Checklist, Contact


def ephemeral(text: str) -> dict[str, Any]:
    return message(text, [section(text)], response_type="ephemeral")


def in_channel(text: str) -> dict[str, Any]:
    return message(text, [section(text)], response_type="in_channel")


def help_view(unknown: str | None = None) -> dict[str, Any]:
    lines = help_lines()  # from the command table, so help and grammar cannot disagree
    intro = "*checklist-bot* keeps your implementation workplan in this channel."
    if unknown:
        intro = f"I don't know `{user_text(unknown)}`. Here is what I can do:"
    # Eight commands a section keeps each well inside Slack's 3,000 characters however many commands there are.
    blocks = [section(intro)] + [section("\n".join(lines[i : i + 8])) for i in range(0, len(lines), 8)]
    blocks.append(context("Items are numbered like `3.1` (phase 3, first item) · mention people with @"))
    return message(intro, blocks, response_type="ephemeral")


def dm_help_view(team_id: str, app_id: str | None) -> dict[str, Any]:
    """The answer to a direct message: the bot reads no DMs, so say where things happen."""
    ids_ok = all(re.fullmatch(r"[A-Z0-9]{2,32}", x or "") for x in (team_id, app_id))
    home = f"<slack://app?team={team_id}&id={app_id}&tab=home|Home tab>" if ids_ok else "Home tab"
    text = (
        "👋 I don't read messages here. In your project's channel, type `/checklist status` to see where it "
        f"stands or `/checklist help` for everything I can do. My {home} lists the sign-offs waiting on you "
        "and your open items."
    )
    return message(text, [section(text)])


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
