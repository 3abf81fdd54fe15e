"""A Slack failure becomes the same reason wherever it happens (bot.slack.reasons.reason_of)."""

from __future__ import annotations

import socket

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import SlackResponse

from bot.slack.reasons import reason_of


def api_error(status: int, data: dict) -> SlackApiError:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.test/api/chat.postMessage",
        req_args={},
        data=data,
        headers={},
        status_code=status,
    )
    return SlackApiError("refused", response)


def test_slacks_error_code_is_the_reason():
    assert reason_of(api_error(200, {"ok": False, "error": "not_in_channel"})) == "not_in_channel"


def test_an_answer_without_a_code_gives_its_http_status():
    assert reason_of(api_error(503, {"ok": False})) == "503"


def test_no_answer_at_all_gives_the_kind_of_failure():
    assert reason_of(TimeoutError("timed out")) == "TimeoutError"
    assert reason_of(socket.gaierror("no such host")) == "gaierror"
    assert reason_of(SlackClientError("bad")) == "SlackClientError"
