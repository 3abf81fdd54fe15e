"""The grammar of `/checklist signoff|signoff cancel|signoffs`: their rows of the command table, added to
`bot.slack.parser.TABLE` on import (their handlers are in `listeners.py`, which imports this module first)."""

from __future__ import annotations

import re

from bot.checklists.grammar import users
from bot.slack import parser as p
from bot.slack.parser import TABLE, Command, ParseError, row, usage

_LEADING_PERSON = re.compile(r"\s*(<[@#!][^<>\s]*>|@\S+)")


def _signoff(rest: str, tokens: list[str]) -> Command:
    item = p.item(tokens[0] if tokens else None, "signoff")
    # Leading mentions name the approvers; a leading channel, group or `@text` is refused, not taken as a note.
    mentions, remainder = [], rest[len(tokens[0]) :]
    while m := _LEADING_PERSON.match(remainder):
        mentions.append(m.group(1))
        remainder = remainder[m.end() :]
    note = p.note(remainder)
    return Command("signoff", item=item, users=users(mentions, "signoff"), text=note)


def _signoff_cancel(rest: str, tokens: list[str]) -> Command:
    item = p.item(tokens[0] if tokens else None, "signoff cancel")
    if len(tokens) > 1:
        raise ParseError(f"Use {usage('signoff cancel')}.")
    return Command("signoff cancel", item=item, clear=True)


TABLE.add(
    row(
        "signoff",
        "signoff <item> [@user…] [note]",
        "signoff 5.1 @cara specs v3 attached",
        "ask for a sign-off by DM (the role's contacts when nobody is named)",
        _signoff,
    ),
    row(
        "signoff cancel",
        "signoff cancel <item>",
        "signoff cancel 5.1",
        "withdraw a pending sign-off request",
        _signoff_cancel,
    ),
    row("signoffs", "signoffs", "signoffs", "the sign-offs pending here", bare=True, read_only=True),
)
