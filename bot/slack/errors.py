"""The one place where exceptions become answers: never a 500, never a traceback in Slack."""

from __future__ import annotations

import json
import logging
import sys
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltResponse
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot import metrics
from bot.errors import MissingSentence, Unavailable, UserError
from bot.slack.answers import ephemeral
from bot.slack.verify import VERIFIED
from bot.slack.who import team_of, user_of
from storage.deadline import OutOfTime

if TYPE_CHECKING:
    from bot.app import Runtime

log = logging.getLogger(__name__)

UNAVAILABLE = "The checklist database is temporarily unavailable, so nothing was changed. Please try again in a minute."
UNCERTAIN = (
    "The checklist database stopped answering while saving this, so I cannot tell whether it was saved. "
    "Check with `/checklist status` (or `show`) before trying again."
)


def _unavailable(error: Exception) -> bool:
    return isinstance(error, Unavailable | OperationalError | PoolTimeout | OutOfTime) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    )


def outcome_of(error: Exception) -> str:
    """The outcome label of a request that raised `error` (metrics, the request log line)."""
    if isinstance(error, UserError):
        return "user_error"
    return "unavailable" if _unavailable(error) else "error"


def message_for(error: Exception) -> str:
    if isinstance(error, UserError):
        try:
            return error.message
        except MissingSentence as missing:  # a defect: say so like any other, never a 500
            error = missing
    if _commit_outcome_unknown(getattr(error, "orig", None)):
        log.warning("database: outcome of a commit unknown: %s", error)
        return UNCERTAIN
    if _unavailable(error):
        log.warning("database unavailable: %s", error)
        return UNAVAILABLE
    ref = uuid.uuid4().hex[:8]
    log.error("unexpected error (ref %s)", ref, exc_info=error)
    return f"Something went wrong on our side (ref `{ref}`), so nothing was changed. Please try again."


# Surfaces without a response_url (the App Home tab), each with how to show a refusal there: (does this click come
# from it, show(rt, client, team_id, user_id, text)), registered by the feature that owns the surface.
Show = Callable[["Runtime", WebClient, str, str, str], None]
_ELSEWHERE: list[tuple[Callable[[dict[str, Any]], bool], Show]] = []


def shown_elsewhere(matches: Callable[[dict[str, Any]], bool], show: Show) -> None:
    """Register a surface that answers a refused click itself (after the ack), rather than through response_url."""
    if all(m is not matches for m, _ in _ELSEWHERE):
        _ELSEWHERE.append((matches, show))


def _json(payload: dict[str, Any]) -> BoltResponse:
    return BoltResponse(status=200, body=json.dumps(payload), headers={"content-type": "application/json"})


def register(app: App, rt: Runtime) -> None:
    @app.error
    def on_error(error: Exception, body: dict[str, Any], client: WebClient, context: dict[str, Any]) -> BoltResponse:
        if not context.get(VERIFIED):
            # Bolt calls this handler for errors raised inside its own signature check (slack_sdk's
            # `int(timestamp)` on "not-a-number", say) with the unverified body: nothing in it may be acted on.
            log.warning("refused a request whose signature could not be verified (%s)", type(error).__name__)
            return BoltResponse(status=401, body=json.dumps({"ok": False, "error": "invalid request"}))
        text = message_for(error)
        metrics.note_outcome(outcome_of(error))
        kind = body.get("type") if isinstance(body, dict) else None
        if isinstance(body, dict) and body.get("command"):
            return _json(ephemeral(text))
        if kind == "view_submission":
            field = getattr(error, "field", None)
            if not field:
                inputs = [b["block_id"] for b in body["view"].get("blocks", []) if b.get("type") == "input"]
                field = inputs[0] if inputs else None
            if field:
                return _json({"response_action": "errors", "errors": {field: text[:300]}})
            return BoltResponse(status=200, body="")
        clicked = kind == "block_actions"
        surface = next((show for matches, show in _ELSEWHERE if matches(body)), None) if clicked else None
        if surface is not None:
            rt.background.submit(surface, rt, client, team_of(body), user_of(body), text)
        elif clicked and body.get("response_url"):
            rt.background.submit(Respond(response_url=body["response_url"]), replace_original=False, **ephemeral(text))
        return BoltResponse(status=200, body="")


def _commit_outcome_unknown(error: BaseException | None) -> bool:
    """Whether a PostgreSQL COMMIT went unanswered (storage/bounded.py). That module (and psycopg with it) is only
    imported when a PostgreSQL database is used: if it is not loaded, no error can be one of its."""
    bounded = sys.modules.get("storage.bounded")
    return bounded is not None and isinstance(error, bounded.CommitOutcomeUnknown)
