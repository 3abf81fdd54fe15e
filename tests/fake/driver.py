"""Plays Slack's side of the conversation: sends signed requests to the app as Slack would.

Over HTTP, or in-process through Bolt's dispatch; either way the requests go through the same signature check,
parsing and listeners as in production.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Callable
from urllib.parse import urlparse

from bot.console_slack import Reply as ConsoleReply
from tests.fake.blockkit import validate_message
from tests.fake.server import FakeSlack
from tests.fake.signed import Signer, SlackRequest, action_for_option

Transport = Callable[[SlackRequest], tuple[int, str]]


class Reply(ConsoleReply):
    """The app's answer to a request (status, body, the response_url it was given), with what tests read of it."""

    @property
    def content(self) -> str:
        """The reply as readable JSON (no \\u escapes), for searching in tests."""
        return json.dumps(self.json, ensure_ascii=False) if self.json else self.body

    @property
    def text(self) -> str:
        return self.json.get("text", "")

    @property
    def blocks(self) -> list[dict]:
        return self.json.get("blocks", [])

    @property
    def response_type(self) -> str | None:
        return self.json.get("response_type")


def http_transport(url: str) -> Transport:
    """POST to the app's `/slack/events` over HTTP, one keep-alive connection per thread."""
    parsed = urlparse(url)
    host = parsed.hostname
    assert host is not None, url
    local = threading.local()

    def send(req: SlackRequest) -> tuple[int, str]:
        for attempt in (1, 2):
            conn = getattr(local, "conn", None)
            if conn is None:
                conn = local.conn = http.client.HTTPConnection(host, parsed.port, timeout=30)
            try:
                conn.request("POST", parsed.path, body=req.body.encode(), headers=req.headers)
                resp = conn.getresponse()
                return resp.status, resp.read().decode()
            except (http.client.HTTPException, ConnectionError):
                conn.close()
                local.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    return send


def dispatch_transport(app) -> Transport:
    """Hand the signed request straight to the Bolt app (no HTTP server), as the console does."""
    from slack_bolt.request import BoltRequest

    def send(req: SlackRequest) -> tuple[int, str]:
        resp = app.dispatch(BoltRequest(body=req.body, headers={k.lower(): v for k, v in req.headers.items()}))
        return resp.status, resp.body

    return send


class SlackDriver:
    def __init__(self, transport: Transport, signer: Signer, fake: FakeSlack) -> None:
        self.transport = transport
        self.signer = signer
        self.fake = fake
        self.violations: list[tuple[str, list[str]]] = []  # replies Slack would have refused

    def send(self, req: SlackRequest, response_url: str | None = None) -> Reply:
        status, body = self.transport(req)
        reply = Reply(status, body, response_url)
        payload = reply.json
        if payload.get("blocks") is not None or payload.get("text") is not None:
            problems = validate_message(payload)
            if problems:
                self.violations.append((body[:200], problems))
        return reply

    def command(self, text: str, *, user: str = "U0LOCAL", channel: str = "C0LOCAL", **kw) -> Reply:
        url = self.fake.new_response_url()
        return self.send(self.signer.command(text, user_id=user, channel_id=channel, response_url=url, **kw), url)

    def choose(
        self, message: dict, option_value: str, *, user: str = "U0LOCAL", channel: str = "C0LOCAL", **kw
    ) -> Reply:
        """Pick an option in the overflow menu whose options include `option_value`."""
        block = next(
            b
            for b in message["blocks"]
            if b.get("accessory", {}).get("type") == "overflow"
            and any(o["value"] == option_value for o in b["accessory"]["options"])
        )
        url = self.fake.new_response_url()
        req = self.signer.block_action(
            user_id=user,
            channel_id=channel,
            message={"type": "message", **message},
            action=action_for_option(block, option_value),
            response_url=url,
            **kw,
        )
        return self.send(req, url)

    @staticmethod
    def _action(blocks: list[dict], action_id: str, value: str | None) -> dict | None:
        """The block_actions `action` for the first element with this action_id (and value), as Slack sends it."""
        for block in blocks:
            elements = block.get("elements", []) if block.get("type") == "actions" else [block.get("accessory")]
            for el in elements:
                if el and el.get("action_id") == action_id and (value is None or el.get("value") == value):
                    return {
                        "type": el["type"],
                        "action_id": action_id,
                        "block_id": block.get("block_id", ""),
                        "value": el.get("value"),
                        "action_ts": "1.2",
                    }
        return None

    def click(
        self,
        message: dict,
        action_id: str,
        *,
        value: str | None = None,
        user: str = "U0LOCAL",
        channel: str | None = "C0LOCAL",
        **kw,
    ) -> Reply:
        """Press a button with this action_id (and value, when several share it)."""
        action = self._action(message["blocks"], action_id, value)
        if action is None:
            raise AssertionError(f"no element {action_id!r} in the message")
        url = self.fake.new_response_url()
        req = self.signer.block_action(
            user_id=user,
            channel_id=channel,
            message={"type": "message", **message},
            action=action,
            response_url=url,
            **kw,
        )
        return self.send(req, url)

    def click_in_view(
        self, view: dict, action_id: str, *, value: str | None = None, user: str = "U0LOCAL", **kw
    ) -> Reply:
        """Press a button on a view as published (the App Home): Slack sends the view, no channel or response_url."""
        action = self._action(view["blocks"], action_id, value)
        if action is None:
            raise AssertionError(f"no element {action_id!r} with value {value!r} in the view")
        view_id = view.get("id", "VHOME0001")
        req = self.signer.block_action(
            user_id=user,
            channel_id=None,
            message=None,
            action=action,
            response_url=None,
            container={"type": "view", "view_id": view_id},
            view={**view, "id": view_id},
            **kw,
        )
        return self.send(req)

    def submit(self, view: dict, values: dict, *, user: str = "U0LOCAL", **kw) -> Reply:
        return self.send(self.signer.view_submission(user_id=user, view=view, values=values, **kw))

    def event(self, event: dict, *, event_id: str, **kw) -> Reply:
        return self.send(self.signer.event(event, event_id=event_id, **kw))
