"""Short answers no feature owns: ephemeral and in-channel text, help (from the command table), the DM answer."""

from __future__ import annotations

import re
from typing import Any

from bot.slack.blocks import context, message, section
from bot.slack.parser import help_lines
from bot.slack.text import user_text


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
