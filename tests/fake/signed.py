"""Requests shaped and signed the way Slack sends them: slash commands, block_actions, view_submission, events."""

from __future__ import annotations

import itertools
import json
import os
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

_TRIGGERS = itertools.count(1)


def new_trigger_id() -> str:
    """Slack gives every command and interaction its own trigger_id (the app keeps them to spot replays)."""
    return f"{int(time.time())}.{next(_TRIGGERS)}.{os.urandom(8).hex()}"


@dataclass(frozen=True)
class SlackRequest:
    body: str
    headers: dict[str, str]


class Signer:
    def __init__(self, signing_secret: str, *, team_id: str = "T0LOCAL", api_app_id: str = "A0LOCAL") -> None:
        self.verifier = SignatureVerifier(signing_secret)
        self.team_id = team_id
        self.api_app_id = api_app_id

    def sign(
        self, body: str, *, content_type: str, timestamp: int | None = None, extra_headers: dict[str, str] | None = None
    ) -> SlackRequest:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        signature = self.verifier.generate_signature(timestamp=ts, body=body)
        assert signature is not None  # None only without a timestamp or a body
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature,
        }
        headers.update(extra_headers or {})
        return SlackRequest(body, headers)

    def command(
        self,
        text: str,
        *,
        user_id: str,
        channel_id: str,
        response_url: str,
        team_id: str | None = None,
        trigger_id: str | None = None,
        **kw,
    ) -> SlackRequest:
        form = {
            "token": "deprecated-verification-token",
            "team_id": team_id or self.team_id,
            "team_domain": "local",
            "channel_id": channel_id,
            "channel_name": "project",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": "/checklist",
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id or new_trigger_id(),
        }
        return self.sign(urlencode(form), content_type="application/x-www-form-urlencoded", **kw)

    def interaction(self, payload: dict, **kw) -> SlackRequest:
        body = urlencode({"payload": json.dumps(payload)})
        return self.sign(body, content_type="application/x-www-form-urlencoded", **kw)

    def block_action(
        self,
        *,
        user_id: str,
        channel_id: str | None,
        message: dict | None,
        action: dict,
        response_url: str | None,
        trigger_id: str | None = None,
        team_id: str | None = None,
        container: dict | None = None,
        view: dict | None = None,
        **kw,
    ) -> SlackRequest:
        payload = {
            "type": "block_actions",
            "team": {"id": team_id or self.team_id, "domain": "local"},
            "user": {"id": user_id, "username": user_id.lower(), "team_id": team_id or self.team_id},
            "api_app_id": self.api_app_id,
            "token": "deprecated-verification-token",
            "container": container or {"type": "message", "channel_id": channel_id},
            "trigger_id": trigger_id or new_trigger_id(),
            "actions": [action],
        }
        if channel_id:
            payload["channel"] = {"id": channel_id, "name": "project"}
        if message is not None:
            payload["message"] = message
        if response_url:
            payload["response_url"] = response_url
        if view is not None:  # an App Home or modal: Slack sends the view, and no response_url
            payload["view"] = view
        return self.interaction(payload, **kw)

    def view_submission(
        self, *, user_id: str, view: dict, values: dict, team_id: str | None = None, **kw
    ) -> SlackRequest:
        payload = {
            "type": "view_submission",
            "team": {"id": team_id or self.team_id, "domain": "local"},
            "user": {"id": user_id, "username": user_id.lower(), "team_id": team_id or self.team_id},
            "api_app_id": self.api_app_id,
            "trigger_id": new_trigger_id(),
            "view": {**view, "id": view.get("id", "V0LOCAL"), "state": {"values": values}},
        }
        return self.interaction(payload, **kw)

    def event(
        self, event: dict, *, event_id: str, team_id: str | None = None, retry_num: int | None = None, **kw
    ) -> SlackRequest:
        body = json.dumps(
            {
                "token": "deprecated-verification-token",
                "team_id": team_id or self.team_id,
                "api_app_id": self.api_app_id,
                "event": event,
                "type": "event_callback",
                "event_id": event_id,
                "event_time": int(time.time()),
                "authorizations": [{"team_id": team_id or self.team_id, "user_id": "UBOT0001", "is_bot": True}],
            }
        )
        extra = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"} if retry_num else {}
        return self.sign(body, content_type="application/json", extra_headers=extra, **kw)


def action_for_option(block: dict, option_value: str) -> dict:
    """The `actions[0]` Slack sends when someone picks `option_value` in `block`'s overflow menu."""
    accessory = block["accessory"]
    option = next(o for o in accessory["options"] if o["value"] == option_value)
    return {
        "type": accessory["type"],
        "action_id": accessory["action_id"],
        "block_id": block.get("block_id", ""),
        "selected_option": option,
        "action_ts": f"{time.time():.6f}",
    }
