"""`checklist-bot socket`: the same app over Socket Mode, against the fake's WebSocket endpoint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from urllib.parse import parse_qsl

from tests.fake.signed import Signer


def test_socket_mode_answers_commands(fake_slack, tmp_path):
    db = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path}/socket.db"
    if os.environ.get("TEST_DATABASE_URL"):
        from tests.conftest import fresh_database

        fresh_database(db).dispose()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SLACK_")},
        "SLACK_BOT_TOKEN": "xoxb-socket",
        "SLACK_APP_TOKEN": "xapp-1-socket",
        "SLACK_API_URL": fake_slack.api_url,
        "DATABASE_URL": db,
        "LOG_FORMAT": "json",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 30
        while fake_slack.socket_mode is None and time.monotonic() < deadline:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            time.sleep(0.05)
        endpoint = fake_slack.socket_mode
        assert endpoint is not None, "the app never asked for a Socket Mode URL"
        endpoint.wait_connected()

        def command(text: str) -> dict:
            req = Signer("unused").command(
                text, user_id="U0LOCAL", channel_id="C0SOCK", response_url=fake_slack.new_response_url()
            )
            return endpoint.send("slash_commands", dict(parse_qsl(req.body)))["payload"]

        assert "started" in command("start")["text"]
        command("done 1.1 via socket")
        status = command("status")
        assert status["response_type"] == "in_channel" and "1/25 done" in str(status["blocks"])
        assert "No item 9.9" in command("done 9.9")["text"]
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    assert "starting socket mode" in out and "Traceback" not in out
    # Each request has its log line here too (no HTTP layer: timed inside Bolt), every line one JSON object.
    records = [json.loads(line) for line in out.splitlines() if line.strip()]
    commands = [(r.get("subcommand"), r["outcome"]) for r in records if r.get("kind") == "command"]
    assert commands == [("start", "ok"), ("done", "ok"), ("status", "ok"), ("done", "user_error")]
