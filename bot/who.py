"""Who is asking: a workspace, a channel, a person, and which checklist the request was drawn for. Plain data,
known to every feature; `bot/slack/who.py` builds it from what Slack sends."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Who:
    """Where a request comes from."""

    team_id: str
    channel_id: str
    user_id: str
    # Set when acting from a message or modal: the checklist it was drawn for must still be the active one.
    checklist_id: int | None = None
    # `… archived <n>`: read the channel's n-th archived checklist (oldest is 1); nothing can change it.
    archived: int | None = None
