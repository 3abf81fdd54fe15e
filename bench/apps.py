"""The comparison apps for the latency benchmark, served by the same gunicorn settings as checklist-bot.

- `bare_bolt`: a default Bolt app (process_before_response=False) acknowledging the same signed command.
- `plain`: a plain WSGI app returning fixed JSON: the floor of what the server and loopback cost.
"""

from __future__ import annotations

import json
import os

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient


def _bare_bolt():
    app = App(
        client=WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]),
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
    )

    @app.command("/checklist")
    def checklist(ack) -> None:
        ack(text="ok", response_type="in_channel")

    return SlackRequestHandler(app)


_BODY = json.dumps({"response_type": "in_channel", "text": "ok"}).encode()


def plain(environ, start_response):
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(_BODY)))])
    return [_BODY]


def __getattr__(name: str):  # build the Bolt app only in the process that serves it
    if name == "bare_bolt":
        return _bare_bolt()
    raise AttributeError(name)
