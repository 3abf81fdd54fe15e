"""Web API calls whose outcome may be uncertain, and how to find out what Slack did.

A post can time out after Slack recorded it, or the connection can drop after Slack acted: retrying blindly
posts twice. So:
- the client never retries a non-idempotent method on a dropped connection or a 5xx (`SafeRetry`); it still
  retries 429s, a refused connection (nothing was sent) and idempotent methods;
- every post carries message `metadata` with the effect's idempotency key (`metadata_for`), and `find_post`
  looks for that key in the channel's recent history (`conversations.history`, `include_all_metadata`) before
  anything is posted again;
- `uncertain(exc)` tells a failure Slack certainly did not act on (an error answer, a refused connection) from one
  it may have acted on (timeout, dropped connection, 5xx).
"""

from __future__ import annotations

import logging
from http.client import HTTPException
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

log = logging.getLogger(__name__)

EVENT_TYPE = "checklist_bot_effect"  # message metadata event_type of everything the app posts
# Methods that create something each time they are called: never retried unless Slack certainly did not get them.
NOT_IDEMPOTENT = {
    "chat.postMessage",
    "chat.postEphemeral",
    "chat.scheduleMessage",
    "chat.meMessage",
    "files.completeUploadExternal",
}
LOOK_BACK = 200  # messages of history searched for a key


def _method(request: HttpRequest) -> str:
    return request.url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]


def refused(error: BaseException | None) -> bool:
    """The connection was refused: the request never reached Slack."""
    if isinstance(error, URLError):
        error = error.reason if isinstance(error.reason, BaseException) else None
    return isinstance(error, ConnectionRefusedError)


class SafeConnectionRetry(ConnectionErrorRetryHandler):
    """slack_sdk's connection retry, except for a non-idempotent call that may have reached Slack."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if _method(request) in NOT_IDEMPOTENT and not refused(error):
            return False
        return super()._can_retry(state=state, request=request, response=response, error=error)


class SafeServerErrorRetry(ServerErrorRetryHandler):
    """Slack's 5xx retried, except for a non-idempotent call (Slack may have acted before failing)."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if _method(request) in NOT_IDEMPOTENT:
            return False
        return super()._can_retry(state=state, request=request, response=response, error=error)


def uncertain(exc: BaseException) -> bool:
    """True when Slack may have acted despite the error: a timeout, a dropped connection, a 5xx."""
    if isinstance(exc, SlackApiError):
        status = getattr(exc.response, "status_code", 200) or 200
        return status >= 500
    if refused(exc):
        return False
    return isinstance(exc, TimeoutError | ConnectionError | HTTPException | URLError | OSError)


def dm_channel(client: WebClient, user_id: str) -> str:
    """conversations.open: the id of the bot's DM channel with `user_id` (the same one every time)."""
    channel: str = client.conversations_open(users=user_id)["channel"]["id"]
    return channel


def metadata_for(key: str) -> dict[str, Any]:
    """Message metadata carrying an idempotency key (Slack keeps it with the message; history returns it)."""
    return {"event_type": EVENT_TYPE, "event_payload": {"key": key}}


def find_post(client: WebClient, channel: str, key: str, *, oldest: str | None = None) -> str | None:
    """The ts of the message in `channel` posted with `key` in its metadata, or None. Raises on a failed look."""
    args: dict[str, Any] = {"channel": channel, "include_all_metadata": True, "limit": LOOK_BACK}
    if oldest:
        args["oldest"] = oldest
    resp = client.conversations_history(**args)
    for m in resp.get("messages") or []:
        meta = m.get("metadata") or {}
        if meta.get("event_type") == EVENT_TYPE and (meta.get("event_payload") or {}).get("key") == key:
            ts: str | None = m.get("ts")
            return ts
    return None


def find_file(client: WebClient, channel: str, file_id: str, *, oldest: str | None = None) -> str | None:
    """The ts of the message in `channel` sharing file `file_id`, or None. Raises on a failed look."""
    args: dict[str, Any] = {"channel": channel, "limit": LOOK_BACK}
    if oldest:
        args["oldest"] = oldest
    resp = client.conversations_history(**args)
    for m in resp.get("messages") or []:
        if any(f.get("id") == file_id for f in m.get("files") or []):
            ts: str | None = m.get("ts")
            return ts
    return None
