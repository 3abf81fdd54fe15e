"""Events API listeners."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient

from .home import publish_home

if TYPE_CHECKING:
    from ..app import Runtime


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
        rt.background.submit(publish_home, rt, client, body.get("team_id", ""), event["user"])
