"""Serving over HTTP: Bolt's WSGI adapter behind gunicorn (threads), plus `/healthz`; in OAuth mode also the
install pages `/slack/install` and `/slack/oauth_redirect`."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

from bot import metrics
from bot.app import Runtime
from bot.logs import gunicorn_logger_class
from bot.slack.verify import checked_context, is_signed
from storage import deadline

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

    from _typeshed import OptExcInfo
    from gunicorn.arbiter import Arbiter
    from gunicorn.workers.base import Worker

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
METRICS_PATH = "/metrics"
# Slack's requests are a few KB (a view_submission with every field filled stays far below 100 KB); anything
# larger is refused with 413 before it is read, so a client cannot make a worker buffer megabytes.
MAX_BODY_BYTES = 1024 * 1024
HEALTHZ_DB_BUDGET_S = 0.8


class BodyTooLarge(Exception):
    pass


def read_body(environ: dict[str, Any], limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body, at most `limit` bytes: a larger Content-Length is refused before reading anything,
    and a body without one (chunked) is read in pieces and refused as soon as it passes the limit."""
    stream = environ.get("wsgi.input")
    raw_length = (environ.get("CONTENT_LENGTH") or "").strip()
    if raw_length:
        if not raw_length.isdecimal():
            raise ValueError("malformed Content-Length")
        length = int(raw_length)
        if length > limit:
            raise BodyTooLarge
        return stream.read(length) if length and stream is not None else b""
    if stream is None or "chunked" not in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return b""
    chunks, size = [], 0
    while chunk := stream.read(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


class SignedRequestHandler(SlackRequestHandler):
    """Bolt's WSGI adapter for requests whose signature `application` below has checked: each is marked so
    (`checked_context`), and the app's `VerifiedOnce` does not compute it again."""

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        return self.app.dispatch(
            BoltRequest(
                body=request.get_body(),
                query=request.query_string,
                headers=request.get_headers(),
                context=checked_context(),
            )
        )


def wsgi_app(rt: Runtime) -> WSGIApplication:
    """`/slack/events` goes to Bolt (commands, interactivity and events share it); `/healthz` checks the DB.

    With OAuth, GET `/slack/install` (the "Add to Slack" page) and `/slack/oauth_redirect` (Slack sends the
    installer back here) go to Bolt's OAuth flow."""
    bolt = SlackRequestHandler(rt.app)  # the install pages
    signed = SignedRequestHandler(rt.app)  # /slack/events, once the signature is checked
    flow = rt.app.oauth_flow
    oauth_paths = {flow.install_path, flow.redirect_uri_path} if flow is not None else set()

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path in oauth_paths:
            if environ.get("REQUEST_METHOD") != "GET":
                return _reply(start_response, 405, {"ok": False, "error": "GET only"})
            try:
                return bolt(environ, start_response)
            except Exception:  # noqa: BLE001  (the state or installation store failed: the database is down)
                log.warning("install flow failed on %s", path, exc_info=True)
                return _reply(start_response, 503, {"ok": False, "error": "temporarily unavailable, try again"})
        if path == EVENTS_PATH:
            if environ.get("REQUEST_METHOD") != "POST":
                return _reply(start_response, 405, {"ok": False, "error": "POST only"})
            try:
                body = read_body(environ)
            except BodyTooLarge:
                return _reply(start_response, 413, {"ok": False, "error": f"body over {MAX_BODY_BYTES} bytes"})
            except (ValueError, OSError):
                return _reply(start_response, 400, {"ok": False, "error": "malformed request"})
            # Verify first: Bolt parses a body before checking its signature and, when its check raises, hands
            # the unverified request to the error handler. Nothing unsigned reaches Bolt from here.
            timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
            signature = environ.get("HTTP_X_SLACK_SIGNATURE")
            if not is_signed(rt.settings.signing_secret or "", body, timestamp, signature):
                return _reply(start_response, 401, {"ok": False, "error": "invalid request"})
            environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
            try:
                # What the database may take for this request, in all (DB_REQUEST_TIMEOUT, 2.5 s: Slack waits 3 s
                # for the answer); a change that cannot start its COMMIT in time rolls back (storage/deadline.py).
                with deadline.within(rt.settings.db_request_timeout):
                    return signed(environ, start_response)
            except Exception:  # noqa: BLE001  (listener errors are answered by the @app.error handler)
                # What escapes Bolt is about the request's shape: Bolt parses the body before checking the
                # signature and trusts a payload's parts when matching listeners. Malformed → 400, never a 500.
                log.warning("malformed request body on %s", path, exc_info=True)
                return _reply(start_response, 400, {"ok": False, "error": "malformed request body"})
        if path == "/healthz":
            healthy = rt.db.ping(within_s=HEALTHZ_DB_BUDGET_S)
            return _reply(
                start_response, 200 if healthy else 503, {"ok": healthy, "database": "ok" if healthy else "unreachable"}
            )
        return _reply(start_response, 404, {"ok": False, "error": "not found"})

    return observed(application, rt)


def observed(route: WSGIApplication, rt: Runtime) -> WSGIApplication:
    """Time each request to `/slack/events` and write its log line; answer `/metrics` (GET)."""

    def unknown_claims() -> dict[str, int]:
        from storage.outbox import UNKNOWN, counts
        from storage.schedules import unknown_runs

        with rt.db.read() as session:
            return unknown_runs(session) | {"effect": counts(session).get(UNKNOWN, 0)}

    claims = metrics.UnknownClaims(unknown_claims)

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == METRICS_PATH:
            if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
                return _reply(start_response, 405, {"ok": False, "error": "GET only"})
            with deadline.within(HEALTHZ_DB_BUDGET_S):  # a stalled database must not hang the scrape
                body, content_type = metrics.exposition([claims])
            start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
            return [body]
        if path != EVENTS_PATH:
            return route(environ, start_response)
        record = metrics.begin()
        status: list[int] = []

        def observe_status(
            line: str, headers: list[tuple[str, str]], exc_info: OptExcInfo | None = None
        ) -> Callable[[bytes], object]:
            status.append(int(line[:3]))
            return start_response(line, headers, exc_info) if exc_info else start_response(line, headers)

        try:
            return route(environ, observe_status)
        finally:
            metrics.finish(record, status[-1] if status else None)

    return application


def _reply(start_response: StartResponse, status: int, payload: dict[str, Any]) -> list[bytes]:
    body = json.dumps(payload).encode()
    reasons = {
        200: "OK",
        400: "Bad Request",
        401: "Unauthorized",
        404: "Not Found",
        405: "Method Not Allowed",
        413: "Content Too Large",
        503: "Service Unavailable",
    }
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    start_response(f"{status} {reasons[status]}", headers)
    return [body]


def serve(
    rt_factory: Callable[[], Runtime],
    host: str,
    port: int,
    *,
    workers: int = 1,
    threads: int = 8,
    on_ready: Callable[[Runtime], None] | None = None,
    log_format: str = "text",
) -> None:
    """Run gunicorn in this process: `workers` processes (WEB_CONCURRENCY) with `threads` threads each.

    Each worker builds its own runtime after the fork (database pools and threads do not survive a fork)."""
    from gunicorn.app.base import BaseApplication

    state: dict[str, Runtime] = {}

    class Server(BaseApplication):
        def load_config(self) -> None:
            for key, value in {
                "bind": f"{host}:{port}",
                "workers": workers,
                # gthread, but a request is read whole before a thread takes it (slow clients hold no thread)
                "worker_class": "bot.slack.http_worker.BufferingThreadWorker",
                "threads": threads,
                "timeout": 30,
                "graceful_timeout": 20,
                "keepalive": 5,
                "accesslog": None,
                "post_worker_init": _post_worker_init,
                "worker_exit": _worker_exit,
                "child_exit": lambda server, worker: metrics.worker_gone(worker.pid),
                "logger_class": gunicorn_logger_class(log_format),
            }.items():
                self.cfg.set(key, value)

        def load(self) -> WSGIApplication:  # type: ignore[override]  # types-gunicorn: its own start_response type, not wsgiref.types
            rt = rt_factory()
            state["rt"] = rt
            return wsgi_app(rt)

    def _post_worker_init(worker: Worker) -> None:
        if on_ready and "rt" in state:
            on_ready(state["rt"])

    def _worker_exit(server: Arbiter, worker: Worker) -> None:
        rt = state.get("rt")
        if rt is not None:
            rt.close()

    Server().run()
