"""A failed Web API call becomes a reason in one place: the word logs, retries and answers show for it."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError


def reason_of(exc: BaseException) -> str:
    """Why a call to Slack failed, in one word: Slack's error code (`not_in_channel`), the HTTP status when Slack
    gave none (`503`), or the kind of failure for anything that never got an answer (`TimeoutError`)."""
    if isinstance(exc, SlackApiError):
        response = exc.response
        error = response.get("error") if response is not None else None
        return str(error or getattr(response, "status_code", None) or "unknown_error")
    return type(exc).__name__
