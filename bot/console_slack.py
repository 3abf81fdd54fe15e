"""Slack's side for the local console, in the same process.

`LocalSlack` answers the Web API calls and `response_url` posts the app makes, on loopback, and hands each one
to the console to print. `Requests` sends the app what Slack would send (a slash command, a click, a form
submission, an event), signed, straight to the Bolt app. Nothing here checks what the app says: the tests use
the fake in tests/fake, which rejects what Slack rejects.
"""

from __future__ import annotations

import itertools
import json
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode

from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier

MESSAGE_METHODS = frozenset({"chat.postMessage", "chat.update", "chat.postEphemeral"})
VIEW_METHODS = frozenset({"views.open", "views.update", "views.push", "views.publish"})


@dataclass
class Call:
    method: str  # a Web API method, or "response_url"
    args: dict[str, Any]
    path: str
    response: dict[str, Any]

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        return self.response.get("error")


class LocalSlack:
    """Slack's Web API for the console: every call is answered as a success and passed to `on_call`."""

    def __init__(self, on_call: Callable[[Call], None]) -> None:
        self.on_call = on_call
        self.files: dict[str, dict[str, Any]] = {}  # file id -> {"filename", "content" (the bytes POSTed)}
        self._ids = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="console-slack", daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/"

    @property
    def api_url(self) -> str:
        return self.base_url + "api/"

    def new_response_url(self) -> str:
        return f"{self.base_url}response/{next(self._ids)}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        n = next(self._ids)
        if method in MESSAGE_METHODS:
            ts = args.get("ts") or f"{1700000000 + n}.000100"
            return {"ok": True, "channel": args.get("channel"), "ts": ts, "message_ts": ts}
        if method in VIEW_METHODS:
            return {"ok": True, "view": {"id": f"V{n:08d}", **args.get("view", {})}}
        if method == "conversations.open":  # a DM with anyone
            return {"ok": True, "channel": {"id": "D" + str(args.get("users", "U"))[1:]}}
        if method == "users.info":  # everyone exists, in UTC
            user = str(args.get("user", ""))
            return {"ok": True, "user": {"id": user, "name": user.lower(), "tz": "UTC", "tz_offset": 0}}
        if method == "auth.test":
            return {"ok": True, "team_id": "T0LOCAL", "user_id": "UBOT0001", "bot_id": "BBOT0001"}
        if method == "files.getUploadURLExternal":
            file_id = f"F{n:08d}"
            self.files[file_id] = {"filename": args.get("filename"), "content": b""}
            return {"ok": True, "upload_url": f"{self.base_url}upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = args.get("files")
            files = json.loads(files) if isinstance(files, str) else files or []
            done = [{"id": f["id"], "name": self.files[f["id"]]["filename"], "title": f.get("title")} for f in files]
            return {"ok": True, "files": done}
        return {"ok": False, "error": "unknown_method"}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        local = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet
                pass

            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.startswith("/upload/"):  # step 2 of files.uploadV2: the bytes
                    local.files[self.path.rsplit("/", 1)[-1]]["content"] = raw
                    self._send(b"OK", "text/plain")
                    return
                if "json" in self.headers.get("Content-Type", ""):
                    args = json.loads(raw or b"{}")
                else:
                    args = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                    for key in ("blocks", "view"):
                        if isinstance(args.get(key), str):
                            args[key] = json.loads(args[key])
                if self.path.startswith("/response/"):
                    call = Call("response_url", args, self.path, {"ok": True})
                else:
                    method = self.path.removeprefix("/api/").split("?")[0]
                    call = Call(method, args, self.path, local.answer(method, args))
                local.on_call(call)  # before answering: the console shows it before the app goes on
                if call.method == "response_url":
                    self._send(b"ok", "text/plain")
                else:
                    self._send(json.dumps(call.response).encode(), "application/json")

            def _send(self, body: bytes, content_type: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler


@dataclass
class Reply:
    status: int
    body: str
    response_url: str | None = None

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body) if self.body.lstrip().startswith("{") else {}


class Requests:
    """What Slack sends the app, signed with its signing secret and handed to the Bolt app in-process."""

    def __init__(self, app: App, signing_secret: str, slack: LocalSlack) -> None:
        self.app = app
        self.verifier = SignatureVerifier(signing_secret)
        self.slack = slack

    def _send(self, body: str, content_type: str, response_url: str | None = None) -> Reply:
        ts = str(int(time.time()))
        signature = self.verifier.generate_signature(timestamp=ts, body=body) or ""
        headers: dict[str, str | Sequence[str]] = {
            "content-type": content_type,
            "x-slack-request-timestamp": ts,
            "x-slack-signature": signature,
        }
        resp = self.app.dispatch(BoltRequest(body=body, headers=headers))
        return Reply(resp.status, resp.body, response_url)

    def _interaction(self, payload: dict[str, Any], user: str, response_url: str | None = None) -> Reply:
        payload = {
            **payload,
            "team": {"id": "T0LOCAL", "domain": "local"},
            "user": {"id": user, "username": user.lower(), "team_id": "T0LOCAL"},
            "api_app_id": "A0LOCAL",
            "trigger_id": _trigger_id(),
        }
        if response_url:
            payload["response_url"] = response_url
        body = urlencode({"payload": json.dumps(payload)})
        return self._send(body, "application/x-www-form-urlencoded", response_url)

    def command(self, text: str, *, user: str, channel: str) -> Reply:
        url = self.slack.new_response_url()
        form = {
            "team_id": "T0LOCAL",
            "team_domain": "local",
            "channel_id": channel,
            "user_id": user,
            "user_name": user.lower(),
            "command": "/checklist",
            "text": text,
            "api_app_id": "A0LOCAL",
            "is_enterprise_install": "false",
            "response_url": url,
            "trigger_id": _trigger_id(),
        }
        return self._send(urlencode(form), "application/x-www-form-urlencoded", url)

    def action(self, action: dict[str, Any], *, user: str, channel: str | None, message: dict[str, Any]) -> Reply:
        """A click or a menu pick on a message (`action` is the `actions[0]` Slack sends)."""
        payload = {
            "type": "block_actions",
            "container": {"type": "message", "channel_id": channel},
            "message": {"type": "message", **message},
            "actions": [action],
        }
        if channel:
            payload["channel"] = {"id": channel, "name": "project"}
        return self._interaction(payload, user, self.slack.new_response_url())

    def action_in_view(self, action: dict[str, Any], *, user: str, view: dict[str, Any]) -> Reply:
        """A click on a view (the App Home): Slack sends the view, with no channel and no response_url."""
        view_id = view.get("id", "VHOME0001")
        payload = {
            "type": "block_actions",
            "container": {"type": "view", "view_id": view_id},
            "view": {**view, "id": view_id},
            "actions": [action],
        }
        return self._interaction(payload, user)

    def submit(self, view: dict[str, Any], values: dict[str, Any], *, user: str) -> Reply:
        state = {"id": view.get("id", "V0LOCAL"), "state": {"values": values}}
        return self._interaction({"type": "view_submission", "view": {**view, **state}}, user)

    def event(self, event: dict[str, Any]) -> Reply:
        body = {
            "team_id": "T0LOCAL",
            "api_app_id": "A0LOCAL",
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{os.urandom(6).hex()}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": "T0LOCAL", "user_id": "UBOT0001", "is_bot": True}],
        }
        return self._send(json.dumps(body), "application/json")


def _trigger_id() -> str:
    """Slack gives every command and interaction its own trigger_id (the app keeps them to spot replays)."""
    return f"{int(time.time())}.{os.urandom(8).hex()}"


def element_action(block: dict[str, Any], element: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """The `actions[0]` Slack sends for `element` of `block` (a button, or with `selected_option` a menu pick)."""
    action = {"type": element["type"], "action_id": element["action_id"], "block_id": block.get("block_id", "")}
    if "value" in element:
        action["value"] = element["value"]
    return {**action, **extra, "action_ts": f"{time.time():.6f}"}
