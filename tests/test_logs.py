"""`LOG_FORMAT=json`: every line `serve` writes (gunicorn's own included) is one JSON object; each request has a
line with team, channel, subcommand, latency and outcome; nothing anyone typed is in the log."""

from __future__ import annotations

import json
import logging
import os
import sys

from bot.logs import JsonFormatter
from tests.fake.driver import SlackDriver, http_transport
from tests.fake.signed import Signer
from tests.test_serve import SECRET, free_port, start_serve, stop

MARK = "zq-user-words-7731"  # what people type; must never reach the log


def test_json_log_lines_parse_and_carry_no_user_text(fake_slack, tmp_path):
    db_url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path}/logs.db"
    if os.environ.get("TEST_DATABASE_URL"):
        from tests.conftest import fresh_database

        fresh_database(db_url).dispose()
    port = free_port()
    proc = start_serve(fake_slack, db_url, port, {"LOG_FORMAT": "json", "LOG_LEVEL": "INFO"})
    driver = SlackDriver(http_transport(f"http://127.0.0.1:{port}/slack/events"), Signer(SECRET), fake_slack)
    try:
        driver.command("start", channel="CLOGS001")
        driver.command(f"note 1.1 {MARK} <!channel>", channel="CLOGS001")
        driver.command(f"done 1.1 {MARK}", channel="CLOGS001")
        driver.command(f"done {MARK}", channel="CLOGS001")  # a parse error that quotes the input back
        driver.command(f"{MARK}", channel="CLOGS001")  # no such subcommand
        driver.command("status", channel="CNOLIST1")  # no checklist here
        event = {"type": "message", "channel_type": "im", "channel": "DLOG0001", "user": "UBOB", "text": MARK}
        driver.event(event, event_id="EvLOGS0001")
        driver.event({**event, "channel_type": "channel", "channel": "CLOGS001"}, event_id="EvLOGS0002")
        fake_slack.wait_for("chat.postMessage", lambda c: c.args.get("channel") == "DLOG0001")
    finally:
        out = stop(proc)
    assert proc.returncode == 0, out
    lines = [line for line in out.splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    assert MARK not in out
    assert any(r["logger"].startswith("gunicorn") for r in records)  # gunicorn's own lines too
    commands = [r for r in records if r.get("kind") == "command"]
    by_subcommand = {(r["subcommand"], r["outcome"]) for r in commands}
    assert {("start", "ok"), ("note", "ok"), ("done", "ok"), ("done", "user_error"), ("unknown", "ok")} <= by_subcommand
    assert ("status", "user_error") in by_subcommand
    first = commands[0]
    assert first["team"] == "T0LOCAL" and first["channel"] == "CLOGS001" and first["status"] == 200
    assert isinstance(first["latency_ms"], float) and first["time"].endswith("Z")
    assert sum(r.get("kind") == "event" for r in records) == 2


def test_exceptions_are_logged_as_class_and_stack_without_their_message():
    try:
        raise ValueError(f"could not read {MARK}")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = JsonFormatter().format(record)
    data = json.loads(line)
    assert data["error"] == "ValueError" and "test_logs.py" in data["stack"] and MARK not in line
