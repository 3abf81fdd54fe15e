"""Events API listeners: App Home, and in OAuth mode uninstalls and revoked tokens."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from slack_bolt import App, BoltContext, BoltResponse
from slack_sdk import WebClient

from .home import home_effect

if TYPE_CHECKING:
    from ..app import Runtime

log = logging.getLogger(__name__)


def register(app: App, rt: Runtime) -> None:
    @app.middleware
    def once_per_event(body: dict, next: Callable[[], BoltResponse]) -> BoltResponse | None:
        """Slack retries an event it thinks we missed (X-Slack-Retry-Num); handle each event_id once."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not rt.service.first_delivery(event_id):
            return BoltResponse(status=200, body="")
        return next()

    @app.event("app_home_opened")
    def app_home_opened(body: dict, event: dict, client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        rt.outbox.send(home_effect(body.get("team_id", ""), event["user"]))

    if rt.workspaces.oauth:
        # Bolt's own handlers delete from the installation store; these say in the log what happened.
        revoked = app.default_tokens_revoked_event_listener()
        uninstalled = app.default_app_uninstalled_event_listener()

        @app.event("tokens_revoked")
        def tokens_revoked(event: dict, context: BoltContext) -> None:
            log.info("tokens revoked in team %s: %s", context.team_id, event.get("tokens"))
            revoked(event=event, context=context)

        @app.event("app_uninstalled")
        def app_uninstalled(context: BoltContext) -> None:
            log.info("app uninstalled from team %s: its installation is deleted (checklists are kept)", context.team_id)
            uninstalled(context=context)
