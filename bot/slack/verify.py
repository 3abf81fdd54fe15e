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
_TIMESTAMP = re.compile(r"\A[0-9]{1,12}\Z")
_SIGNATURE = re.compile(r"\Av0=[0-9a-f]{64}\Z")


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


# Subcommands that only read (the command table's read_only rows): a replay of one changes nothing, so they are
# not recorded, which keeps a database write off the acknowledgement path of the commands teams type most.
READ_ONLY_SUBCOMMANDS = frozenset({""} | {name for name, row in TABLE.items() if row.read_only})


def fingerprint(req: BoltRequest) -> str | None:
    """What makes a request the same request: its trigger_id (every command and interaction has its own), else
    its signature and body. None for what carries neither (Socket Mode events: their event_id de-duplicates)
    and for read-only subcommands, whose replay is harmless."""
    body = req.body if isinstance(req.body, dict) else {}
    text = body.get("text")
    if body.get("command") and isinstance(text, str) and (text.split(maxsplit=1) or [""])[0] in READ_ONLY_SUBCOMMANDS:
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
    """Runs right after Bolt's own `RequestVerification` (as `before_authorize`), so it is reached only by
    requests whose signature was verified, or that came over Socket Mode's authenticated WebSocket: it marks
    them (the error handler acts on nothing else), then acknowledges a replay without running it."""

    def __init__(self, first_time: Callable[[str], bool]) -> None:
        self.first_time = first_time

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Any) -> BoltResponse:  # noqa: A002
        req.context[VERIFIED] = True
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
