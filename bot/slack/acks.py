"""Acknowledging a command with its answer, and answers kept together with their JSON.

Bolt's `ack(**payload)` encodes the payload to JSON on every call. A rendering served again and again from a cache
(`/checklist status` on an unchanged checklist: 20 KB of blocks) is encoded once instead: the handler returns it as
`Rendered`, and `acknowledge` answers with the JSON it keeps.
"""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any

from slack_bolt import Ack, BoltResponse


class Rendered(dict[str, Any]):
    """A message payload that is never changed once made, so its JSON can be kept with it."""

    @cached_property
    def json(self) -> str:
        return json.dumps(self)


def acknowledge(ack: Ack, payload: dict[str, Any]) -> BoltResponse | None:
    """`ack(**payload)`; for a `Rendered` payload, the response to return from the listener instead (Bolt sends a
    listener's returned response as the acknowledgement), with the JSON encoded when it was first rendered."""
    if isinstance(payload, Rendered):
        return BoltResponse(status=200, body=payload.json, headers={"content-type": "application/json;charset=utf-8"})
    ack(**payload)
    return None
