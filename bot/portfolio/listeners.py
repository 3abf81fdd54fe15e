"""`/checklist portfolio`: the checklists shared to this channel, answered in the acknowledgement."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.errors import UserError
from bot.portfolio import grammar as _grammar  # noqa: F401  (the rows these handlers handle)
from bot.portfolio.messages import no_portfolio_text, portfolio_view
from bot.portfolio.service import build_portfolio
from bot.slack.commands import SlackCall, handles
from bot.slack.parser import Command
from bot.who import Who

if TYPE_CHECKING:
    from bot.app import Runtime


def portfolio_answer(rt: Runtime, who: Who) -> dict[str, Any]:
    """The channel's portfolio, to the channel; a clear refusal when nothing is shared to it."""
    portfolio = build_portfolio(rt.db, who.team_id, who.channel_id, rt.clock.now())
    if not portfolio.lines:
        raise UserError(no_portfolio_text())
    return portfolio_view(portfolio) | {"response_type": "in_channel"}


@handles("portfolio")
def _portfolio(rt: Runtime, who: Who, cmd: Command, slack: SlackCall) -> dict[str, Any]:
    return portfolio_answer(rt, who)
