"""`/checklist remind …`: the channel's weekly digest and the owners' overdue DMs, set and shown."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.errors import NoChecklist
from bot.portfolio.listeners import portfolio_answer
from bot.portfolio.service import has_shares
from bot.reminders.grammar import DmMode, DmWorkweek, Weekly, remind_of  # (and its row, which `_remind` handles)
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
    match remind_of(cmd):
        case "show":
            return remind_status_view(rt.remind.status(who))
        case "off":
            return in_channel(digest_stopped_text(who.user_id, rt.remind.off(who)))
        case "now":
            digest = rt.reminders.digest_now(who.team_id, who.channel_id)
            if digest is None:
                if has_shares(rt.db, who.team_id, who.channel_id):  # a portfolio channel's digest is its portfolio
                    return portfolio_answer(rt, who)
                raise NoChecklist()
            return digest_view(digest, allow_quiet=False) | {"response_type": "in_channel"}
        case DmWorkweek(workweek=week):
            return ephemeral(workweek_set_text(rt.remind.set_dm_workweek(who, week)))
        case DmMode(mode=mode, days=days):
            return ephemeral(dm_set_text(rt.remind.set_dm(who, mode, days)))
        case Weekly(weekday=day, hour=hour, minute=minute, timezone=tz):
            info = rt.remind.set_weekly(who, day, hour, minute, tz)
            return in_channel(digest_set_text(who.user_id, info))
