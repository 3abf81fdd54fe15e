"""Nothing acts on a request whose signature was not verified: every such request is answered 401 and no
outbound call leaves the app, whatever the headers hold (issue 10, "unverified requests act").

A capture server stands in for the `response_url` an attacker would put in the body; the fake Slack records
any Web API call (a Home publish with the bot token, say)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.slack.verify import is_signed
from tests.conftest import SIGNING_SECRET, fresh_database, start_bot
from tests.fake.driver import dispatch_transport
from tests.fake.signed import Signer, SlackRequest
from tests.test_http import raw_post


class Capture:
    """An HTTP server that records every request it gets: the address an attacker would choose."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                outer.requests.append((self.path, self.rfile.read(length)))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def capture():
    c = Capture()
    yield c
    c.close()


BAD_HEADERS: dict[str, dict[str, str | None]] = {
    "timestamp not a number": {"X-Slack-Request-Timestamp": "not-a-number", "X-Slack-Signature": "v0=" + "0" * 64},
    "timestamp not a number, no signature": {"X-Slack-Request-Timestamp": "not-a-number"},
    "timestamp a float": {"X-Slack-Request-Timestamp": "1e9", "X-Slack-Signature": "v0=abc"},
    "non-ASCII signature": {"X-Slack-Signature": "v0=\u00e9\u00e9"},  # hmac.compare_digest raises on str
    "no headers at all": {"X-Slack-Request-Timestamp": None, "X-Slack-Signature": None},
    "wrong signature": {"X-Slack-Signature": "v0=" + "1" * 64},
    "empty timestamp": {"X-Slack-Request-Timestamp": ""},
}


def unverified(req: SlackRequest, bad: dict[str, str | None]) -> SlackRequest:
    headers = {**req.headers, **{k: v for k, v in bad.items() if v is not None}}
    for k, v in bad.items():
        if v is None:
            headers.pop(k, None)
    return SlackRequest(req.body, headers)


def attacks(signer: Signer, hook: str) -> dict[str, SlackRequest]:
    """A command, a message button, a modal submission and an App Home button, each naming `hook`."""
    return {
        "command": signer.command("start", user_id="UBOB", channel_id="C1", response_url=hook),
        "block_actions": signer.block_action(
            user_id="UBOB",
            channel_id="C1",
            message={"type": "message", "blocks": []},
            action={"type": "button", "action_id": "item_done", "block_id": "b", "value": "9999|1.1"},
            response_url=hook,
        ),
        "home button": signer.block_action(
            user_id="UBOB",
            channel_id=None,
            message=None,
            action={"type": "button", "action_id": "home_done", "block_id": "b", "value": "nonsense"},
            response_url=None,
            container={"type": "view", "view_id": "VHOME"},
            view={"id": "VHOME", "type": "home", "blocks": []},
        ),
        "view_submission": signer.view_submission(
            user_id="UBOB",
            view={"type": "modal", "callback_id": "nope", "blocks": [], "private_metadata": hook},
            values={},
        ),
        "event": signer.event({"type": "app_home_opened", "user": "UBOB", "tab": "home"}, event_id="EvForged"),
    }


def web_calls(fake) -> list[str]:
    return [c.method for c in fake.calls if c.method != "auth.test"]  # auth.test: the app's own start-up


def assert_nothing_left(bot, capture: Capture) -> None:
    bot.rt.background.drain(5)
    time.sleep(0.2)
    assert capture.requests == []
    assert web_calls(bot.fake) == []


def _each_attack(bot, capture: Capture, send) -> None:
    signer = Signer(SIGNING_SECRET)
    for label, bad in BAD_HEADERS.items():
        for kind, req in attacks(signer, capture.url).items():
            status, _ = send(unverified(req, bad))
            assert status == 401, (label, kind, status)
    assert_nothing_left(bot, capture)


def test_unverified_requests_over_http_get_401_and_nothing_goes_out(bot, capture):
    _each_attack(bot, capture, lambda req: raw_post(bot.url, req.body, req.headers))
    # The same requests properly signed do reach the app (so the test above can fail).
    status, _ = raw_post(bot.url, *_signed_start(capture.url))
    assert status == 200


def _signed_start(hook: str) -> tuple[str, dict]:
    req = Signer(SIGNING_SECRET).command("start", user_id="UBOB", channel_id="C1", response_url=hook)
    return req.body, req.headers


def test_the_error_handler_never_acts_on_an_unverified_request(bot, capture):
    """Bolt's own path (what the console and any adapter use): its signature check raises, the error handler
    is called with the unverified body, and must answer 401 without acting on it."""
    send = dispatch_transport(bot.rt.app)
    _each_attack(bot, capture, send)


def test_unverified_requests_in_oauth_mode(fake_slack, database_url, capture):
    from tests.test_oauth import OAUTH_ENV

    bot, stop = start_bot(fake_slack, database_url, env=OAUTH_ENV, db=fresh_database(database_url))
    try:
        _each_attack(bot, capture, lambda req: raw_post(bot.url, req.body, req.headers))
        _each_attack(bot, capture, dispatch_transport(bot.rt.app))
    finally:
        stop()


def test_unverified_requests_to_checklist_bot_serve(fake_slack, tmp_path, capture):
    from tests.test_serve import SECRET, free_port, start_serve, stop

    port = free_port()
    proc = start_serve(fake_slack, f"sqlite:///{tmp_path}/serve.db", port)
    try:
        url = f"http://127.0.0.1:{port}/slack/events"
        signer = Signer(SECRET)
        for bad in BAD_HEADERS.values():
            for req in attacks(signer, capture.url).values():
                assert raw_post(url, *unverified(req, bad).__dict__.values())[0] == 401
        time.sleep(0.5)
        assert capture.requests == [] and web_calls(fake_slack) == []
    finally:
        out = stop(proc)
    assert "Traceback" not in out


def test_is_signed_never_raises_and_accepts_only_a_fresh_v0_signature():
    body = b"command=%2Fchecklist"
    good = Signer("s").sign(body.decode(), content_type="x").headers
    ts, sig = good["X-Slack-Request-Timestamp"], good["X-Slack-Signature"]
    assert is_signed("s", body, ts, sig)
    assert not is_signed("other", body, ts, sig)
    assert not is_signed("", body, ts, sig)
    assert not is_signed("s", body + b"x", ts, sig)
    assert not is_signed("s", body, str(int(ts) - 301), sig)
    for t, s in [("not-a-number", sig), (ts, "v0=\u00e9"), (None, sig), (ts, None), (" " + ts, sig), ("", "")]:
        assert not is_signed("s", body, t, s)
    assert json.dumps(good)  # headers are plain strings
