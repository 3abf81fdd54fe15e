"""Events API listeners."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App
from slack_sdk import WebClient

from ..views.home import home_view

if TYPE_CHECKING:
    from ..app import Runtime


def register(app: App, rt: Runtime) -> None:
    @app.event("app_home_opened")
    def app_home_opened(event: dict, client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        rt.background.submit(client.views_publish, user_id=event["user"], view=home_view())
