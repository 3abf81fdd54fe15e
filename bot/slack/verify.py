"""Slack request signatures, checked before anything reads the request (see README "Security").

slack_sdk's `SignatureVerifier.is_valid` raises on a timestamp that is not an integer (`int("not-a-number")`)
and on a non-ASCII signature (`hmac.compare_digest` of str), and Bolt then hands the *unverified* request to the
app's error handler. `is_signed` never raises: anything it cannot read is simply not signed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.middleware import Middleware
from slack_bolt.request import BoltRequest

from bot.clock import Clock
from bot.slack.parser import TABLE
from storage import queries as q
from storage.db import Database

log = logging.getLogger(__name__)

MAX_CLOCK_SKEW_S = 5 * 60  # Slack's window: older (or later) timestamps are refused
VERIFIED = "checklist_verified"  # set in Bolt's context once the signature (or Socket Mode) vouched for a request
# Put in a request's context by the HTTP server once `is_signed` passed on the raw request (before anything parsed
# it), so the signature is computed once; only this object counts, and nothing in a body can produce it.
SIGNATURE_CHECKED = "checklist_signature_checked"
_CHECKED = object()
_REFUSED = json.dumps({"ok": False, "error": "invalid request"})
_TIMESTAMP = re.compile(r"\A[0-9]{1,12}\Z")
_SIGNATURE = re.compile(r"\Av0=[0-9a-f]{64}\Z")


def checked_context() -> dict[str, object]:
    """The context for a request whose signature the HTTP server checked (see `VerifiedOnce`)."""
    return {SIGNATURE_CHECKED: _CHECKED}


def is_signed(secret: str, body: bytes, timestamp: str | None, signature: str | None, now: float | None = None) -> bool:
    """True only for a well-formed, fresh `v0` signature of `body` made with `secret`."""
    if not (secret and timestamp and signature and _TIMESTAMP.match(timestamp) and _SIGNATURE.match(signature)):
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > MAX_CLOCK_SKEW_S:
        return False
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.encode())


REPLAY_WINDOW = timedelta(minutes=10)  # Slack refuses signatures older than 5 minutes; keep a margin for clocks
REPLAYED = "That request was already handled, so nothing was done again."


def _read_only(head: str) -> bool:
    """Subcommands that only read (the command table's read_only rows, and help for an empty text): a replay of one
    changes nothing, so they are not recorded, which keeps a database write off the acknowledgement path of the
    commands teams type most."""
    return head == "" or head in TABLE.read_only()


def fingerprint(req: BoltRequest) -> str | None:
    """What makes a request the same request: its trigger_id (every command and interaction has its own), else
    its signature and body. None for what carries neither (Socket Mode events: their event_id de-duplicates)
    and for read-only subcommands, whose replay is harmless."""
    body = req.body if isinstance(req.body, dict) else {}
    text = body.get("text")
    if body.get("command") and isinstance(text, str) and _read_only((text.split(maxsplit=1) or [""])[0]):
        return None
    trigger = body.get("trigger_id")
    if isinstance(trigger, str) and trigger:
        basis = "t:" + trigger
    else:
        signature = (req.headers.get("x-slack-signature") or [""])[0]
        if not signature:
            return None
        basis = f"s:{signature}:{req.raw_body}"
    return hashlib.sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()


class Replays:
    """Fingerprints of handled requests, in the database so every replica sees them; pruned about once a
    minute per process, past REPLAY_WINDOW."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._next_prune: datetime | None = None

    def first_time(self, key: str) -> bool:
        now = self.clock.now()
        with self.db.write() as session:
            if self._next_prune is None or now >= self._next_prune:
                self._next_prune = now + timedelta(minutes=1)
                q.forget_sightings(session, now - REPLAY_WINDOW)
            return q.first_sighting(session, key, now)


class VerifiedOnce(Middleware):
    """The one signature check in front of every listener (Bolt's own `RequestVerification` is off: it parses the
    body before checking and hands what it cannot check to the error handler), then the replay check.

    A request the HTTP server checked before reading anything (`bot.slack.server`) arrives marked with
    `SIGNATURE_CHECKED`; one over Socket Mode's authenticated WebSocket needs no signature; anything else (the
    console, another adapter) is checked here with the same `is_signed`, and refused 401 unless it passes. A
    passing request is marked `VERIFIED` (the error handler acts on nothing else) and noted for the metrics; a
    replay is acknowledged without running it."""

    def __init__(
        self, signing_secret: str | None, first_time: Callable[[str], bool], note: Callable[[Any], None] | None = None
    ) -> None:
        self.signing_secret = signing_secret or ""
        self.first_time = first_time
        self.note = note

    def _signed(self, req: BoltRequest) -> bool:
        if req.context.get(SIGNATURE_CHECKED) is _CHECKED or req.mode == "socket_mode":
            return True
        timestamp = next(iter(req.headers.get("x-slack-request-timestamp") or []), None)
        signature = next(iter(req.headers.get("x-slack-signature") or []), None)
        return is_signed(self.signing_secret, req.raw_body.encode("utf-8"), timestamp, signature)

    def process(  # noqa: A002
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        if not self._signed(req):
            log.warning("refused a request whose signature could not be verified")
            return BoltResponse(status=401, body=_REFUSED, headers={"content-type": "application/json"})
        req.context[VERIFIED] = True
        if self.note is not None:
            self.note(req.body)
        key = fingerprint(req)
        try:
            first = key is None or self.first_time(key)
        except Exception as exc:  # noqa: BLE001  (the database is down: the request fails on it anyway, answered
            # and counted by its listener; a replay cannot change anything while the database refuses writes)
            log.warning("replay check unavailable (%s); handling the request", type(exc).__name__)
            first = True
        if first:
            return next()
        log.info("a replayed request was acknowledged without running it")
        if isinstance(req.body, dict) and req.body.get("command"):
            payload = {"response_type": "ephemeral", "text": REPLAYED}
            return BoltResponse(status=200, body=json.dumps(payload), headers={"content-type": "application/json"})
        return BoltResponse(status=200, body="")
