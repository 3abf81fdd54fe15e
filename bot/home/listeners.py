"""The App Home: published per person on `app_home_opened` and after every click on it.

Mark done runs the same service call as `/checklist done` (same rules, gates included); Approve and Reject… are
the sign-off DM's own action ids, handled in `bot/signoffs/listeners.py`, which re-publish the Home when the click
came from it. A refusal from Home (there is no response_url to answer to) is shown on top of the re-published view.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.checklists.messages.changes import change_text
from bot.home.messages import home_view
from bot.slack.effects import effect
from bot.slack.errors import shown_elsewhere
from bot.slack.ids import Action
from bot.slack.outbox import Delivery, Effect
from bot.slack.payloads import HomeDone, decode
from bot.slack.reasons import reason_of
from bot.slack.who import who_of

if TYPE_CHECKING:
    from bot.app import Runtime

log = logging.getLogger(__name__)


def from_home(body: dict[str, Any]) -> bool:
    """True for an interaction on the App Home tab."""
    return (body.get("view") or {}).get("type") == "home"


def home_effect(team_id: str, user_id: str, notice: str | None = None) -> Effect:
    """The outbox effect that publishes a person's Home (rendered when it is sent, so it is never stale)."""
    return Effect("home", {"user_id": user_id, "notice": notice}, team_id=team_id)


@effect("home")
def publish_home_effect(rt: Runtime, d: Delivery) -> None:
    """The `home` effect: render the person's Home now (one read) and publish it; views.publish is idempotent
    (latest view wins)."""
    user_id = d.payload["user_id"]
    view = home_view(rt.service.home(d.team_id, user_id), d.payload.get("notice"))
    try:
        d.once("publish", lambda: d.client.views_publish(user_id=user_id, view=view) and None)
    except SlackApiError as exc:
        log.warning("views.publish for %s failed: %s", user_id, reason_of(exc))


def publish_home(rt: Runtime, client: WebClient, team_id: str, user_id: str, notice: str | None = None) -> None:
    """Publish the person's Home now, best effort, outside the outbox: for error notices only, which must work
    while the database that holds the outbox is down."""
    view = home_view(rt.service.home(team_id, user_id), notice)
    try:
        client.views_publish(user_id=user_id, view=view)
    except (SlackApiError, SlackClientError) as exc:
        log.warning("views.publish for %s failed: %s", user_id, reason_of(exc))


def register(app: App, rt: Runtime) -> None:
    shown_elsewhere(from_home, publish_home)  # a refusal on the Home tab, which has no response_url

    @app.event("app_home_opened")
    def app_home_opened(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        rt.outbox.send(home_effect(body.get("team_id", ""), event["user"]))

    @app.action(Action.HOME_DONE)
    def home_done(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        done = decode(HomeDone, action.get("value"))
        checklist_id, channel_id, number = done.checklist_id, done.channel_id, done.number
        who = who_of(body, channel_id=channel_id, checklist_id=checklist_id)
        team_id, user_id = who.team_id, who.user_id
        with rt.outbox.unit() as fx:
            change = rt.service.mark_done(who, number)
            fx.effects.append(home_effect(team_id, user_id))
            fx.add("notice", {"channel": channel_id, "text": change_text(change)}, team_id=team_id)
        ack()
