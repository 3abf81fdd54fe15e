"""Slack request signatures, checked before anything reads the request (see README "Security").

slack_sdk's `SignatureVerifier.is_valid` raises on a timestamp that is not an integer (`int("not-a-number")`)
and on a non-ASCII signature (`hmac.compare_digest` of str), and Bolt then hands the *unverified* request to the
app's error handler. `is_signed` never raises: anything it cannot read is simply not signed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.middleware import Middleware
from slack_bolt.request import BoltRequest

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


class MarkVerified(Middleware):
    """Runs right after Bolt's own `RequestVerification` (as `before_authorize`), so it is reached only by
    requests whose signature was verified, or that came over Socket Mode's authenticated WebSocket. The error
    handler acts only on requests marked here."""

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Any) -> BoltResponse:  # noqa: A002
        req.context[VERIFIED] = True
        return next()
