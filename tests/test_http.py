"""The HTTP surface: signatures, timestamps, health, odd requests. Never a 500, never a traceback."""

from __future__ import annotations

import http.client
import json
import time
from urllib.parse import urlparse

from tests.fake.signed import Signer


def raw_post(url: str, body: str, headers: dict[str, str], method: str = "POST") -> tuple[int, str]:
    u = urlparse(url)
    assert u.hostname is not None, url
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    conn.request(method, u.path, body=body.encode(), headers=headers)
    resp = conn.getresponse()
    return resp.status, resp.read().decode()


def test_forged_signature_is_401_and_changes_nothing(bot):
    forged = Signer("not-the-secret").command("start", user_id="U1", channel_id="C1", response_url="http://x/")
    status, _ = raw_post(bot.url, forged.body, forged.headers)
    assert status == 401
    assert "/checklist start" in bot.slack.command("status", channel="C1").text  # still no checklist


def test_tampered_body_is_401(bot):
    req = bot.slack.signer.command("status", user_id="U1", channel_id="C1", response_url="http://x/")
    status, _ = raw_post(bot.url, req.body.replace("status", "archive"), req.headers)
    assert status == 401


def test_stale_timestamp_is_401(bot):
    old = int(time.time()) - 6 * 60
    req = bot.slack.signer.command("start", user_id="U1", channel_id="C1", response_url="http://x/", timestamp=old)
    status, _ = raw_post(bot.url, req.body, req.headers)
    assert status == 401


def test_fresh_signature_works(bot):
    req = bot.slack.signer.command("help", user_id="U1", channel_id="C1", response_url="http://x/")
    status, body = raw_post(bot.url, req.body, req.headers)
    assert status == 200 and "/checklist status" in json.loads(body)["text"] + json.dumps(json.loads(body)["blocks"])


def test_healthz_and_unknown_paths(bot):
    base = bot.url.rsplit("/slack/events", 1)[0]
    status, body = raw_post(base + "/healthz", "", {}, method="GET")
    assert status == 200 and json.loads(body) == {"ok": True, "database": "ok"}
    assert raw_post(base + "/nope", "", {}, method="GET")[0] == 404
    assert raw_post(bot.url, "", {}, method="GET")[0] == 405


def test_healthz_reports_a_broken_database(bot, monkeypatch):
    base = bot.url.rsplit("/slack/events", 1)[0]
    monkeypatch.setattr(bot.rt.db, "ping", lambda **kw: False)
    status, body = raw_post(base + "/healthz", "", {}, method="GET")
    assert status == 503 and json.loads(body)["database"] == "unreachable"


def test_garbage_signed_bodies_are_not_500(bot):
    for body, ctype in [
        ("", "application/x-www-form-urlencoded"),
        ("payload=%7Bnot-json", "application/x-www-form-urlencoded"),
        ("{not json", "application/json"),
        ("command=%2Fchecklist&text=status", "application/x-www-form-urlencoded"),  # no user/channel
        ("payload=" + json.dumps({"type": "block_actions", "actions": []}), "application/x-www-form-urlencoded"),
    ]:
        req = bot.slack.signer.sign(body, content_type=ctype)
        status, _ = raw_post(bot.url, req.body, req.headers)
        assert status < 500, (body, status)


def test_an_unexpected_error_becomes_a_polite_answer(started, monkeypatch, caplog):
    def boom(*a, **k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(started.rt.service, "mark_done", boom)
    reply = started.slack.command("done 1.1")
    assert reply.status == 200 and reply.response_type == "ephemeral"
    assert "Something went wrong on our side" in reply.text and "nothing was changed" in reply.text
    assert "disk on fire" not in reply.body and "Traceback" not in reply.body
    assert "disk on fire" in caplog.text  # the operator sees it in the log


def test_database_down_says_temporarily_unavailable(started, tmp_path):
    from sqlalchemy.exc import OperationalError

    def down(*a, **k):
        raise OperationalError("SELECT 1", {}, Exception("could not connect to server"))

    started.rt.service.board = down
    reply = started.slack.command("status")
    assert reply.status == 200 and "temporarily unavailable" in reply.text


def test_url_verification_challenge(bot):
    body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"})
    req = bot.slack.signer.sign(body, content_type="application/json")
    status, answer = raw_post(bot.url, req.body, req.headers)
    assert status == 200 and "abc123" in answer


def test_app_home_opened_publishes_a_home_view(bot):
    reply = bot.slack.event({"type": "app_home_opened", "user": "UBOB", "channel": "D1", "tab": "home"}, event_id="Ev1")
    assert reply.status == 200
    [call] = bot.fake.wait_for("views.publish")
    assert call.args["user_id"] == "UBOB" and call.args["view"]["type"] == "home"


def test_event_retries_are_handled_once(bot):
    event = {"type": "app_home_opened", "user": "UBOB", "channel": "D1", "tab": "home"}
    assert bot.slack.event(event, event_id="EvRetry").status == 200
    assert bot.slack.event(event, event_id="EvRetry", retry_num=1).status == 200
    assert bot.slack.event(event, event_id="EvRetry", retry_num=2).status == 200
    bot.settle()
    assert len(bot.fake.calls_to("views.publish")) == 1
    assert bot.slack.event(event, event_id="EvOther").status == 200
    bot.settle()
    assert len(bot.fake.calls_to("views.publish")) == 2
