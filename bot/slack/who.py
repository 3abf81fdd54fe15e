"""`Who` is built one way, from whatever Slack sent: a slash command, a block action or a view submission."""

from __future__ import annotations

from typing import Any

from bot.who import Who


def team_of(body: dict[str, Any]) -> str:
    """The workspace: `team.id` on interactions, `team_id` on commands, `user.team_id` on an Enterprise Grid Home."""
    return str((body.get("team") or {}).get("id") or body.get("team_id") or (body.get("user") or {}).get("team_id", ""))


def user_of(body: dict[str, Any]) -> str:
    """The person: `user.id` on interactions, `user_id` on commands."""
    user = body.get("user")
    return str(user["id"] if isinstance(user, dict) else body["user_id"])


def channel_of(body: dict[str, Any]) -> str:
    """The channel: `channel.id` on interactions (none on the App Home or a modal), `channel_id` on commands."""
    return str((body.get("channel") or {}).get("id") or body.get("channel_id") or "")


def who_of(
    body: dict[str, Any],
    *,
    channel_id: str | None = None,
    checklist_id: int | None = None,
    archived: int | None = None,
) -> Who:
    """Who sent `body`. `channel_id` and `checklist_id` come from our own payload when the click names them (a
    Home button, a modal's private_metadata); `archived` from `… archived <n>`."""
    return Who(
        team_id=team_of(body),
        channel_id=channel_of(body) if channel_id is None else channel_id,
        user_id=user_of(body),
        checklist_id=checklist_id,
        archived=archived,
    )
