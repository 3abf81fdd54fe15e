"""Escaping of user text for Slack's mrkdwn, and small text helpers.

Slack parses `<...>` in mrkdwn: `<!channel>`, `<!here>`, `<!everyone>` and `<!subteam^ID>` ping people.
Every piece of user text we echo goes through `user_text`, which escapes `&`, `<` and `>` and lets only
user and channel mentions through (`<@U123|name>` becomes `<@U123>`), so nothing a user types can ping a crowd.
"""

from __future__ import annotations

import re

_MENTION = re.compile(r"<([@#])([UWC][A-Z0-9]{1,20})(?:\|[^<>]*)?>")


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_MESSAGE = (
    "That text has a character I cannot keep (a NUL byte, or half of an emoji that lost its other half). "
    "Please type it again without it; nothing was changed."
)


def storable(text: str) -> bool:
    """False for text with a NUL (PostgreSQL text cannot hold it) or a lone surrogate (not encodable as UTF-8,
    so neither database nor Slack takes it); such text gets UNSTORABLE_MESSAGE."""
    return _UNSTORABLE.search(text) is None


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def user_text(text: str) -> str:
    """Escape user text for mrkdwn, keeping user mentions (`<@U…>`) and channel links (`<#C…>`)."""
    out, last = [], 0
    for m in _MENTION.finditer(text):
        sigil, ident = m.group(1), m.group(2)
        if (sigil == "@") != (ident[0] in "UW"):
            continue
        out.append(escape(text[last : m.start()]))
        out.append(f"<{sigil}{ident}>")
        last = m.end()
    out.append(escape(text[last:]))
    return "".join(out)


def plain(text: str) -> str:
    """User text for a plain_text object: Slack does not parse it, but collapse newlines for one-liners."""
    return " ".join(text.split())


def truncate(text: str, limit: int, ellipsis: str = "…") -> str:
    return text if len(text) <= limit else text[: limit - len(ellipsis)] + ellipsis


def mention(user_id: str | None) -> str:
    return f"<@{user_id}>" if user_id else "unassigned"


def progress_bar(done: int, total: int, width: int = 15) -> str:
    filled = round(width * done / total) if total else 0
    return "▓" * filled + "░" * (width - filled)


def count(n: int, noun: str) -> str:
    """`1 day`, `3 days`: a number and its noun, plural unless one."""
    return f"{n} {noun}{'s' if n != 1 else ''}"
