"""`/checklist remind …`: the channel's weekly digest and the owners' overdue DMs, set and shown."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.errors import NoChecklist
from bot.portfolio.listeners import portfolio_answer
from bot.portfolio.service import has_shares
from bot.reminders import grammar as _grammar  # noqa: F401  (the rows these handlers handle)
from bot.reminders.messages import (
    digest_set_text,
    digest_stopped_text,
    digest_view,
    dm_set_text,
    remind_status_view,
    workweek_set_text,
)
from bot.slack.answers import ephemeral, in_channel
from bot.slack.commands import SlackCall, handles
from bot.slack.parser import Command
from bot.who import Who

if TYPE_CHECKING:
    from bot.app import Runtime


@handles("remind")
def _remind(rt: Runtime, who: Who, cmd: Command, slack: SlackCall) -> dict[str, Any]:
    action = cmd.args[0]
    if action == "show":
        return remind_status_view(rt.remind.status(who))
    if action == "off":
        return in_channel(digest_stopped_text(who.user_id, rt.remind.off(who)))
    if action == "now":
        digest = rt.reminders.digest_now(who.team_id, who.channel_id)
        if digest is None:
            if has_shares(rt.db, who.team_id, who.channel_id):  # a portfolio channel's digest is its portfolio
                return portfolio_answer(rt, who)
            raise NoChecklist()
        return digest_view(digest, allow_quiet=False) | {"response_type": "in_channel"}
    if action == "dm":
        if cmd.args[1] == "workweek":
            return ephemeral(workweek_set_text(rt.remind.set_dm_workweek(who, cmd.args[2])))
        days = int(cmd.args[2]) if len(cmd.args) > 2 else None
        return ephemeral(dm_set_text(rt.remind.set_dm(who, cmd.args[1], days)))
    _, day, hour, minute, tz = cmd.args
    info = rt.remind.set_weekly(who, int(day), int(hour), int(minute), tz or None)
    return in_channel(digest_set_text(who.user_id, info))
