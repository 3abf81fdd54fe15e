"""A fake of Slack's Web API and `response_url`s, on loopback, for the tests.

The tests point `SLACK_API_URL` here. It records every call (with the token it carried),
answers the methods the app uses, rejects what real Slack rejects (Block Kit limits as `invalid_blocks`, unknown
methods, missing or revoked token) and can be told to fail: a 429 with Retry-After, a 5xx, or a Slack error for
the next N calls of a method. It also plays a slow or broken network *after* Slack acted: a call can be carried
out and answered only after the client's timeout (`late`), or carried out and its connection dropped with no
answer (`drop`). Posted messages are kept per channel, with their `metadata`, and `conversations.history` returns
them (newest first; metadata only with `include_all_metadata`).

It also plays Slack's side of an OAuth install: `GET /oauth/v2/authorize` sends the browser back to the app's
redirect URL with a one-time `code` (and the `state` it was given), and `oauth.v2.access` trades that code, with
the app's client id and secret, for the workspace's bot token, as Slack does.
"""

from __future__ import annotations

import base64
import itertools
import json
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlparse

from tests.fake.blockkit import validate_message, validate_view

if TYPE_CHECKING:
    from tests.fake.socket_mode import SocketModeEndpoint

BOT_USER_ID = "UBOT0001"
BOT_ID = "BBOT0001"


@dataclass
class Call:
    method: str  # Web API method, or "response_url"
    args: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    path: str = ""
    ok: bool = True
    error: str | None = None
    response: dict[str, Any] | None = None  # what the fake answered (e.g. the `ts` of a posted message)
    token: str | None = None  # the token the call carried (Authorization: Bearer, or a `token` argument)


@dataclass
class Workspace:
    """A workspace the app can be installed in, and its bot token once installed."""

    team_id: str
    name: str
    installer: str
    bot_user_id: str
    bot_id: str
    token: str | None = None
    scopes: str = ""
    rotating: bool = False  # token rotation on: tokens expire after 12 hours and come with a refresh token
    refresh_token: str | None = None


@dataclass
class Fault:
    method: str
    times: int
    status: int = 429
    retry_after: int | None = 1
    error: str | None = None
    mode: str | None = None  # None: answer `status`/`error`; "late": act, answer after `delay`; "drop": act, hang up
    delay: float = 0.0


MESSAGE_METHODS = {"chat.postMessage", "chat.update", "chat.postEphemeral", "response_url"}
VIEW_METHODS = {"views.open", "views.update", "views.publish", "views.push"}


class FakeSlack:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.socket_mode: SocketModeEndpoint | None = None  # made on the first apps.connections.open
        # OAuth: the app's credentials and redirect URL (its manifest's oauth_config.redirect_urls), the workspaces
        # it can be installed in, the workspace the next visitor of the authorize page installs into, codes issued.
        self.oauth_app: tuple[str, str, str] | None = None  # (client id, client secret, redirect URL)
        self.workspaces: dict[str, Workspace] = {}
        self.installing: str | None = None
        self._codes: dict[str, tuple[str, str]] = {}  # code -> (team id, scopes)
        self._tokens: dict[str, Workspace] = {}
        self._revoked: set[str] = set()
        self._cond = threading.Condition()
        self._ts = itertools.count(1)
        self._responses = itertools.count(1)
        self._files = itertools.count(1)
        # files.uploadV2: file id -> {"filename", "length", "title", "content" (bytes, once POSTed), "channel", ...}
        self.uploads: dict[str, dict[str, Any]] = {}
        # Messages kept per channel as Slack would show them in conversations.history (oldest first here).
        self.history: dict[str, list[dict[str, Any]]] = {}
        self._server = ThreadingHTTPServer((host, port), self._handler())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host.decode() if isinstance(host, bytes) else host}:{port}/"

    @property
    def api_url(self) -> str:
        return self.base_url + "api/"

    def new_response_url(self) -> str:
        return f"{self.base_url}response/{next(self._responses)}"

    def start(self) -> FakeSlack:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-slack", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self.socket_mode is not None:
            self.socket_mode.close()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- test helpers ------------------------------------------------------------------------------------

    def add_user(
        self, user_id: str, *, tz: str = "UTC", name: str | None = None, is_bot: bool = False, deleted: bool = False
    ) -> None:
        self.users[user_id] = {
            "id": user_id,
            "name": name or user_id.lower(),
            "tz": tz,
            "is_bot": is_bot,
            "deleted": deleted,
        }

    def register_app(self, client_id: str, client_secret: str, redirect_url: str) -> None:
        """The app's OAuth credentials and its one redirect URL, as set in its manifest."""
        self.oauth_app = (client_id, client_secret, redirect_url)

    def add_workspace(
        self, team_id: str, name: str, *, installer: str = "U0LOCAL", rotating: bool = False
    ) -> Workspace:
        """A workspace someone may install the app into; set `installing` to its id to install there next."""
        n = len(self.workspaces) + 1
        ws = Workspace(team_id, name, installer, bot_user_id=f"UBOT{n:04d}", bot_id=f"BBOT{n:04d}", rotating=rotating)
        self.workspaces[team_id] = ws
        return ws

    def revoke(self, team_id: str) -> None:
        """Slack's side of an uninstall: the workspace's bot token stops working (`token_revoked`)."""
        ws = self.workspaces[team_id]
        if ws.token:
            self._revoked.add(ws.token)

    def calls_with_token(self, token: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.token == token]

    def fail(
        self, method: str, *, times: int = 1, status: int = 429, retry_after: int | None = 1, error: str | None = None
    ) -> None:
        """Make the next `times` calls of `method` fail: HTTP `status` (429 carries Retry-After), or, with
        `error`, HTTP 200 and `{"ok": false, "error": error}`."""
        with self._cond:
            self.faults.append(Fault(method, times, status, retry_after, error))

    def act_then_fail(self, method: str, mode: str, *, times: int = 1, delay: float = 0.0) -> None:
        """Carry out the next `times` calls of `method`, then either answer only after `delay` seconds ("late":
        longer than the client's timeout, so the client gives up though Slack acted) or close the connection with
        no answer at all ("drop")."""
        assert mode in ("late", "drop")
        with self._cond:
            self.faults.append(Fault(method, times, mode=mode, delay=delay))

    def posted(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Messages now in `channel` (or in every channel), oldest first."""
        with self._cond:
            if channel is not None:
                return list(self.history.get(channel, []))
            return [m for msgs in self.history.values() for m in msgs]

    def calls_to(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def reset(self) -> None:
        with self._cond:
            self.calls.clear()
            self.faults.clear()
            self.history.clear()

    def wait_for(
        self, method: str, predicate: Callable[[Call], bool] | None = None, *, count: int = 1, timeout: float = 5.0
    ) -> list[Call]:
        """Wait until `count` calls of `method` (matching `predicate`) arrived; return them."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [c for c in self.calls if c.method == method and (predicate is None or predicate(c))]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [c.method for c in self.calls]
                    raise AssertionError(f"no {count}x {method} within {timeout}s; calls seen: {seen}")
                self._cond.wait(left)

    def files(self) -> list[dict[str, Any]]:
        """Files completed with files.completeUploadExternal, in order, with their bytes and channel."""
        with self._cond:
            return [f for f in self.uploads.values() if f.get("completed")]

    def violations(self) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.error == "invalid_blocks"]

    # -- answering ---------------------------------------------------------------------------------------

    def _take_fault(self, method: str) -> Fault | None:
        for fault in self.faults:
            if fault.method == method and fault.times > 0:
                fault.times -= 1
                return fault
        return None

    def authorize_redirect(self, query: dict[str, str]) -> tuple[int, str]:
        """`GET /oauth/v2/authorize`: the person approves for the workspace named by `installing`; Slack sends
        the browser back to the app's redirect URL with a one-time code and the state. Returns (status, Location
        or error)."""
        if self.oauth_app is None or query.get("client_id") != self.oauth_app[0]:
            return 400, "invalid_client_id"
        if "redirect_uri" in query and query["redirect_uri"] != self.oauth_app[2]:
            return 400, "bad_redirect_uri"
        if not self.installing or self.installing not in self.workspaces:
            return 400, "no workspace picked: set installing to a team id first"
        code = secrets.token_hex(8)
        with self._cond:
            self._codes[code] = (self.installing, query.get("scope", ""))
        back = {"code": code, "state": query.get("state", "")}
        return 302, f"{self.oauth_app[2]}?{urlencode(back)}"

    def _oauth_access(self, args: dict[str, Any], basic: tuple[str, str] | None) -> dict[str, Any]:
        client_id, secret = basic or (args.get("client_id"), args.get("client_secret"))
        if self.oauth_app is None or client_id != self.oauth_app[0]:
            return {"ok": False, "error": "invalid_client_id"}
        if secret != self.oauth_app[1]:
            return {"ok": False, "error": "bad_client_secret"}
        if args.get("grant_type") == "refresh_token":
            return self._refresh(str(args.get("refresh_token", "")))
        with self._cond:
            found = self._codes.pop(str(args.get("code", "")), None)  # a code works once
        if found is None:
            return {"ok": False, "error": "invalid_code"}
        team_id, scopes = found
        ws = self.workspaces[team_id]
        ws.scopes = scopes
        return {
            "ok": True,
            "app_id": "A0LOCAL",
            "authed_user": {"id": ws.installer},
            "scope": scopes,
            "token_type": "bot",
            **self._issue(ws),
            "bot_user_id": ws.bot_user_id,
            "team": {"id": ws.team_id, "name": ws.name},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _issue(self, ws: Workspace) -> dict[str, Any]:
        """A new bot token for the workspace (the old one stops working), with a refresh token when rotating."""
        if ws.token:
            self._revoked.add(ws.token)
        prefix = "xoxe.xoxb" if ws.rotating else "xoxb"
        ws.token = f"{prefix}-{ws.team_id}-{secrets.token_hex(6)}"
        self._tokens[ws.token] = ws
        if not ws.rotating:
            return {"access_token": ws.token}
        ws.refresh_token = f"xoxe-{secrets.token_hex(8)}"
        return {"access_token": ws.token, "refresh_token": ws.refresh_token, "expires_in": 43200}

    def _refresh(self, refresh_token: str) -> dict[str, Any]:
        ws = next((w for w in self.workspaces.values() if w.refresh_token and w.refresh_token == refresh_token), None)
        if ws is None:
            return {"ok": False, "error": "invalid_refresh_token"}
        return {"ok": True, "token_type": "bot", "scope": ws.scopes, **self._issue(ws), "team": {"id": ws.team_id}}

    def _answer(
        self, method: str, args: dict[str, Any], token: str | None, basic: tuple[str, str] | None = None
    ) -> dict[str, Any]:
        if method == "response_url":
            problems = validate_message(args)
            return {"ok": False, "error": "invalid_blocks", "errors": problems} if problems else {"ok": True}
        if method == "oauth.v2.access":
            return self._oauth_access(args, basic)
        if not token and method != "api.test":
            return {"ok": False, "error": "not_authed"}
        if token in self._revoked:
            return {"ok": False, "error": "token_revoked"}
        if method in MESSAGE_METHODS:
            problems = validate_message(args)
            if problems:
                return {"ok": False, "error": "invalid_blocks", "errors": problems}
            channel = args.get("channel")
            if not channel:
                return {"ok": False, "error": "channel_not_found"}
            if method == "chat.postEphemeral":
                return {"ok": True, "message_ts": f"{time.time():.6f}"}
            metadata = args.get("metadata")
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    return {"ok": False, "error": "invalid_metadata_format"}
            if metadata is not None and (
                not isinstance(metadata, dict)
                or not isinstance(metadata.get("event_type"), str)
                or not isinstance(metadata.get("event_payload"), dict)
            ):
                return {"ok": False, "error": "invalid_metadata_format"}
            ts = args.get("ts") if method == "chat.update" else f"{1700000000 + next(self._ts)}.000100"
            if method == "chat.update" and not ts:
                return {"ok": False, "error": "message_not_found"}
            with self._cond:
                msgs = self.history.setdefault(str(channel), [])
                if method == "chat.update":
                    for m in msgs:
                        if m["ts"] == ts:
                            m.update(text=args.get("text"), blocks=args.get("blocks"))
                else:
                    msg = {"type": "message", "ts": ts, "text": args.get("text"), "blocks": args.get("blocks")}
                    msg |= {"bot_id": BOT_ID, "user": BOT_USER_ID}
                    if metadata is not None:
                        msg["metadata"] = metadata
                    msgs.append(msg)
            return {"ok": True, "channel": channel, "ts": ts, "message": {"text": args.get("text"), "ts": ts}}
        if method in VIEW_METHODS:
            view: Any = args.get("view")  # JSON, as the app sent it
            if isinstance(view, str):
                view = json.loads(view)
            problems = validate_view(view or {})
            if problems:
                return {"ok": False, "error": "invalid_blocks", "errors": problems}
            if method in ("views.open", "views.push") and not args.get("trigger_id"):
                return {"ok": False, "error": "invalid_trigger_id"}
            return {"ok": True, "view": {"id": f"V{next(self._ts):08d}", **view}}
        if method == "auth.test":
            ws = self._tokens.get(token or "")
            return {
                "ok": True,
                "url": "https://fake.slack.test/",
                "team": ws.name if ws else "Fake",
                "user": "checklist-bot",
                "team_id": ws.team_id if ws else "T0LOCAL",
                "user_id": ws.bot_user_id if ws else BOT_USER_ID,
                "bot_id": ws.bot_id if ws else BOT_ID,
                "is_enterprise_install": False,
            }
        if method == "api.test":
            return {"ok": True}
        if method == "conversations.open":
            users = str(args.get("users", "")).split(",")
            if len(users) != 1 or not users[0]:
                return {"ok": False, "error": "users_list_not_supplied"}
            user = self.users.get(users[0])
            if user is None:
                return {"ok": False, "error": "user_not_found"}
            if user and user["is_bot"]:
                return {"ok": False, "error": "cannot_dm_bot"}
            if user and user["deleted"]:
                return {"ok": False, "error": "user_disabled"}
            return {"ok": True, "channel": {"id": "D" + users[0][1:]}}
        if method == "users.info":
            user_id = str(args.get("user", ""))
            user = self.users.get(user_id)
            if user is None:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": {**user, "tz_label": user["tz"], "tz_offset": 0}}
        if method == "apps.connections.open":
            if self.socket_mode is None:
                from tests.fake.socket_mode import SocketModeEndpoint

                self.socket_mode = SocketModeEndpoint()
            return {"ok": True, "url": self.socket_mode.url}
        if method == "files.getUploadURLExternal":
            length = str(args.get("length", ""))
            if not args.get("filename") or not length.isdigit():
                return {"ok": False, "error": "invalid_arguments"}
            file_id = f"F{next(self._files):08d}"
            with self._cond:
                self.uploads[file_id] = {"id": file_id, "filename": args["filename"], "length": int(length)}
            return {"ok": True, "upload_url": f"{self.base_url}upload/v1/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files: Any = args.get("files")  # JSON, as the app sent it
            try:
                files = json.loads(files) if isinstance(files, str) else files
                ids = [f["id"] for f in files]
            except (TypeError, ValueError, KeyError):
                return {"ok": False, "error": "invalid_arguments"}
            with self._cond:
                found = [self.uploads.get(i) for i in ids]
                known = [f for f in found if f is not None and "content" in f]
                if not ids or len(known) < len(found):
                    return {"ok": False, "error": "file_not_found"}
                for f, meta in zip(known, files, strict=True):
                    f.update(
                        completed=True,
                        title=meta.get("title") or f["filename"],
                        channel=args.get("channel_id"),
                        initial_comment=args.get("initial_comment"),
                    )
                done = [{"id": f["id"], "name": f["filename"], "title": f["title"]} for f in known]
                if args.get("channel_id"):
                    ts = f"{1700000000 + next(self._ts)}.000100"
                    self.history.setdefault(str(args["channel_id"]), []).append(
                        {"type": "message", "ts": ts, "text": args.get("initial_comment") or "", "files": done}
                    )
            return {"ok": True, "files": done}
        if method == "conversations.history":
            channel = str(args.get("channel", ""))
            if not channel:
                return {"ok": False, "error": "channel_not_found"}
            with_meta = str(args.get("include_all_metadata", "")).lower() in ("true", "1")
            oldest = float(args.get("oldest") or 0)
            limit = int(args.get("limit") or 100)
            with self._cond:
                msgs = [dict(m) for m in reversed(self.history.get(channel, [])) if float(m["ts"]) > oldest]
            for m in msgs:
                if not with_meta:
                    m.pop("metadata", None)
            return {"ok": True, "messages": msgs[:limit], "has_more": len(msgs) > limit}
        if method == "chat.getPermalink":
            return {"ok": True, "permalink": f"https://fake.slack.test/archives/{args.get('channel')}/p1"}
        return {"ok": False, "error": "unknown_method"}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802
                url = urlparse(self.path)
                if url.path != "/oauth/v2/authorize":
                    self._send(404, {"ok": False, "error": "not_found"})
                    return
                query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
                status, where = fake.authorize_redirect(query)
                fake._record(Call("oauth.authorize", query, path=self.path, ok=status == 302, error=None))
                if status != 302:
                    self._send(status, {"ok": False, "error": where})
                    return
                self.send_response(302)
                self.send_header("Location", where)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                if self.path.startswith("/upload/"):
                    self._upload(self.rfile.read(length) if length else b"")
                    return
                raw = self.rfile.read(length).decode("utf-8") if length else ""
                ctype = self.headers.get("Content-Type", "")
                if "json" in ctype:
                    args = json.loads(raw or "{}")
                else:
                    args = {k: v[0] for k, v in parse_qs(raw).items()}
                    for key in ("blocks", "view", "attachments"):
                        if isinstance(args.get(key), str):
                            try:
                                args[key] = json.loads(args[key])
                            except ValueError:
                                pass
                if self.path.startswith("/api/"):
                    method = self.path[len("/api/") :].split("?")[0]
                elif self.path.startswith("/response/"):
                    method = "response_url"
                else:
                    self._send(404, {"ok": False, "error": "not_found"})
                    return
                auth = self.headers.get("Authorization", "")
                token = auth[len("Bearer ") :] if auth.startswith("Bearer ") else args.get("token")
                basic = None

                def record_answer(answer: dict) -> None:
                    fake._record(
                        Call(
                            method,
                            args,
                            path=self.path,
                            ok=answer.get("ok", False),
                            error=answer.get("error"),
                            response=answer,
                            token=token,
                        )
                    )

                if auth.startswith("Basic "):
                    user, _, password = base64.b64decode(auth[len("Basic ") :]).decode().partition(":")
                    basic = (user, password)
                with fake._cond:
                    fault = fake._take_fault(method)
                if fault and fault.mode is not None:
                    answer = fake._answer(method, args, token, basic)
                    record_answer(answer)
                    if fault.mode == "drop":
                        self.close_connection = True
                        self.connection.shutdown(socket.SHUT_RDWR)
                        return
                    time.sleep(fault.delay)
                    try:
                        self._send(200, answer)
                    except OSError:
                        pass  # the client gave up long ago
                    return
                if fault and fault.error is None:
                    call = Call(method, args, path=self.path, ok=False, error=f"http_{fault.status}", token=token)
                    fake._record(call)
                    headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
                    self._send(
                        fault.status,
                        {"ok": False, "error": "ratelimited" if fault.status == 429 else "fatal_error"},
                        headers,
                    )
                    return
                answer = {"ok": False, "error": fault.error} if fault else fake._answer(method, args, token, basic)
                record_answer(answer)
                if method == "response_url":
                    self._send(200 if answer["ok"] else 400, None if answer["ok"] else answer)
                else:
                    self._send(200, answer)

            def _upload(self, data: bytes) -> None:
                """Step 2 of files.uploadV2: the bytes POSTed to the upload_url (Slack answers `OK - <length>`)."""
                file_id = self.path.rstrip("/").rsplit("/", 1)[-1]
                with fake._cond:
                    fault = fake._take_fault("upload_url")
                    entry = fake.uploads.get(file_id)
                status = fault.status if fault else (200 if entry is not None else 404)
                if status == 200 and entry is not None:
                    with fake._cond:
                        entry["content"] = data
                fake._record(
                    Call("upload_url", {"file_id": file_id, "bytes": len(data)}, path=self.path, ok=status == 200)
                )
                body = f"OK - {len(data)}".encode() if status == 200 else b"upload failed"
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _send(self, status: int, payload: dict | None, headers: dict[str, str] | None = None) -> None:
                body = b"ok" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain" if payload is None else "application/json")
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

        return Handler

    def _record(self, call: Call) -> None:
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()
