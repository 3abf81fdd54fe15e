"""The kinds of outbox effects (`bot.slack.outbox`): which handler sends each one.

Each feature registers the handlers of its own kinds from its listeners layer, with `effect` (as commands register
with `bot.slack.commands.handles`); bot/app.py imports those modules and `register_effects` binds every kind to
the runtime's outbox. The outbox refuses to store an effect whose kind has no handler (`Outbox.rows`), and
tests/test_effect_kinds.py checks that every kind the code stages is registered.

| kind | payload | what it does |
|---|---|---|
| `signoff.request` | who, plan, note, response_url | open the DMs, record the request, post the DMs, answer |
| `signoff.decided` | request_id, user_id, decision, closed | update the DMs, tell the channel when closed |
| `signoff.cancelled` | request_id | update the DMs |
| `signoff.escalate` | request_id | ask the backups, re-send the DMs, tell the channel |
| `signoff.dm_close` | request_id, user_id | one approver's DM shows the outcome (once per outcome, run inline) |
| `signoff.archived` | request_ids | the DMs of requests an archive cancelled lose their buttons |
| `signoff.withdrawn` | request_id, by, reason | a reopened item: DMs updated, each approver told by DM |
| `contacts.removed` | the ContactChange | each contact taken out of a signing role is told by DM |
| `notice` | channel, text | a line in a channel |
| `home` | user_id, notice | publish the person's App Home (rendered when sent) |
| `status.refresh` | url, checklist_id, channel_id, user_id, phase | redraw the status message in place |
| `export` | channel_id, user_id, fmt, response_url | the checklist as a file in the channel |
| `post` | channel, message | a message as it is (e.g. the answer to a DM to the bot) |
| `respond` | url, body | a `response_url` post (replace_original ones are idempotent) |

Registered by: bot/signoffs/listeners.py (the `signoff.*` kinds, `contacts.removed` and `notice`, all steps of
SignoffFlow), bot/home/listeners.py (`home`), bot/checklists/listeners/effects.py (`status.refresh`, `export`);
`post` and `respond` are generic and live here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from bot.slack.outbox import Delivery, Outbox
from bot.slack.reasons import reason_of

if TYPE_CHECKING:
    from bot.app import Runtime

log = logging.getLogger(__name__)

Send = Callable[["Runtime", Delivery], None]
GiveUp = Callable[["Runtime", Delivery, str], None]  # when the effect is abandoned (failed or unknown)


@dataclass(frozen=True)
class Kind:
    send: Send
    give_up: GiveUp | None = None


KINDS: dict[str, Kind] = {}


def register_effect(kind: str, send: Send, give_up: GiveUp | None = None) -> None:
    """Make `send` the handler of the outbox effects of `kind` (one handler a kind)."""
    known = KINDS.get(kind)
    if known is not None and _name(known.send) != _name(send):
        raise RuntimeError(f"outbox effect {kind!r} already has a handler ({_name(known.send)})")
    KINDS[kind] = Kind(send, give_up)


def effect(kind: str, *, give_up: GiveUp | None = None) -> Callable[[Send], Send]:
    """Register the decorated function as the handler of the outbox effects of `kind`."""

    def register_handler(send: Send) -> Send:
        register_effect(kind, send, give_up)
        return send

    return register_handler


def _name(fn: Callable[..., object]) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def register_effects(outbox: Outbox, rt: Runtime) -> None:
    """Bind every registered kind to `outbox`, handing each handler the runtime."""
    for kind, handler in KINDS.items():
        outbox.register(kind, _bound_send(handler.send, rt), _bound_give_up(handler.give_up, rt))


def _bound_send(send: Send, rt: Runtime) -> Callable[[Delivery], None]:
    return lambda d: send(rt, d)


def _bound_give_up(give_up: GiveUp | None, rt: Runtime) -> Callable[[Delivery, str], None] | None:
    if give_up is None:
        return None
    return lambda d, why: give_up(rt, d, why)


# -- the generic kinds -------------------------------------------------------------------------------------


@effect("post")
def post(rt: Runtime, d: Delivery) -> None:
    try:
        d.post("post", d.payload["channel"], d.payload["message"])
    except SlackApiError as exc:
        log.warning("could not post to %s: %s", d.payload["channel"], reason_of(exc))


@effect("respond")
def respond(rt: Runtime, d: Delivery) -> None:
    body = d.payload["body"]
    d.respond("respond", d.payload["url"], body, idempotent=bool(body.get("replace_original")))
