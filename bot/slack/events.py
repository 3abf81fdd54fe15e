"""Events API listeners shared by all features: direct messages to the bot, and in OAuth mode uninstalls and
revoked tokens (the App Home event is bot/home/listeners.py's)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from slack_bolt import App, BoltContext, BoltResponse
from slack_bolt.middleware import Middleware
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient

from bot.slack.answers import dm_help_view
from bot.slack.outbox import Effect

if TYPE_CHECKING:
    from bot.app import Runtime

log = logging.getLogger(__name__)
UNINSTALL_EVENTS = ("app_uninstalled", "tokens_revoked")

DM_ANSWER_EVERY = 600.0  # seconds: one answer per person per ten minutes, however many messages they send


class DmThrottle:
    """Who was answered when (per process), so a burst of messages gets one answer, not one each."""

    def __init__(self, every: float = DM_ANSWER_EVERY, size: int = 10_000) -> None:
        self.every, self.size = every, size
        self._last: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def allow(self, key: tuple[str, str]) -> bool:
        now = time.monotonic()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < self.every:
                return False
            if len(self._last) >= self.size:
                self._last = {k: t for k, t in self._last.items() if now - t < self.every}
            self._last[key] = now
            return True


class EventGate(Middleware):
    """Two checks on every verified request, as a plain `Middleware` (Bolt calls its `process` directly, without
    working out which arguments a function middleware wants, on every request):

    - Slack retries an event it thinks we missed (X-Slack-Retry-Num): each event_id is handled once.
    - A workspace waiting for its data to be deleted that talks to the app again is back: its data is kept."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse | None:  # noqa: A002
        body = req.body
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not self.rt.service.first_delivery(event_id):
            return BoltResponse(status=200, body="")
        team_id = req.context.team_id
        if team_id and team_id in self.rt.lifecycle.pending:
            event = body.get("event")
            if not (isinstance(event, dict) and event.get("type") in UNINSTALL_EVENTS):
                self.rt.lifecycle.returned(team_id)
        return next()


def register(app: App, rt: Runtime) -> None:
    app.middleware(EventGate(rt))

    throttle = DmThrottle()

    @app.event("message")
    def direct_message(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        """A person wrote to the bot (Messages tab): it reads no DMs, so it says where things happen. Edits,
        deletions, the bot's own and other bots' messages are not answered (no loops)."""
        user = event.get("user")
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id") or not user:
            return
        team_id = body.get("team_id", "")
        if throttle.allow((team_id, user)):
            # Through the outbox, keyed by the event: sent once, even if Slack redelivers the event to a replica.
            payload = {"channel": event.get("channel", ""), "message": dm_help_view(team_id, body.get("api_app_id"))}
            key = f"dm-help:{body.get('event_id') or uuid4().hex}"
            rt.outbox.send(Effect("post", payload, team_id=team_id, key=key))

    if rt.workspaces.oauth:
        # Bolt's own handlers delete from the installation store; these say in the log what happened.
        revoked = app.default_tokens_revoked_event_listener()
        uninstalled = app.default_app_uninstalled_event_listener()

        @app.event("tokens_revoked")
        def tokens_revoked(event: dict[str, Any], context: BoltContext) -> None:
            log.info("tokens revoked in team %s: %s", context.team_id, event.get("tokens"))
            revoked(event=event, context=context)

        @app.event("app_uninstalled")
        def app_uninstalled(context: BoltContext) -> None:
            log.info("app uninstalled from team %s: its installation is deleted", context.team_id)
            uninstalled(context=context)
            if context.team_id:
                rt.lifecycle.uninstalled(context.team_id)

    else:

        @app.event("app_uninstalled")
        def app_uninstalled_single(context: BoltContext) -> None:
            if context.team_id:
                rt.lifecycle.uninstalled(context.team_id)
