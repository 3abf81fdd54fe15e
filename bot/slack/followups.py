"""Web API work done after the acknowledgement, with the user told when Slack lets it down."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.slack.answers import ephemeral
from bot.slack.reasons import reason_of

log = logging.getLogger(__name__)


def open_modal(client: WebClient, respond: Respond | None, trigger_id: str, view: dict[str, Any]) -> None:
    """Open a form; if Slack refuses or is down (after the client's retries), say so to the person who asked."""
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except (SlackApiError, SlackClientError) as exc:
        reason = reason_of(exc)
        log.warning("views.open failed: %s", reason)
        if respond is not None:
            respond(
                replace_original=False,
                **ephemeral(f"Slack did not open the form ({reason}), so nothing was changed. Please try again."),
            )
