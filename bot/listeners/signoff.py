"""Sign-offs: `/checklist signoff|signoffs`, the DM's Approve / Reject… buttons and the reason modal.

Each listener checks and records in the database inside the acknowledgement and leaves every Web API call
(DMs, modal, channel notices) to `rt.background`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from slack_bolt import Ack, App
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from .. import rules
from ..errors import UserError
from ..ids import FROM_HOME, Action, Input, View
from ..parser import Command
from ..service import Who
from ..text import UNSTORABLE_MESSAGE, storable
from ..views.answers import ephemeral, in_channel
from ..views.signoff import MAX_REASON, asking_text, cancelled_text, pending_view, reason_modal
from .followups import open_modal
from .home import from_home, publish_home, team_of

if TYPE_CHECKING:
    from ..app import Runtime

CommandHandler = Callable[["Runtime", Who, Command, dict, Ack, WebClient], None]


def request_id(value: str | None) -> int:
    if not value or not value.isdigit():
        raise UserError("That button is from an older version of this message; nothing changed.")
    return int(value)


def _signoff(rt: Runtime, who: Who, cmd: Command, command: dict, ack: Ack, client: WebClient) -> None:
    flow = rt.signoff_flow.using(client)  # DMs go out with the requesting workspace's token
    if cmd.clear:
        signoff = rt.signoffs.cancel(who, cmd.item)
        ack(**in_channel(cancelled_text(signoff)))
        rt.background.submit(flow.after_cancel, signoff)
        return
    plan = rt.signoffs.plan(who, cmd.item, cmd.users)
    ack(**ephemeral(asking_text(plan.item_number, plan.approvers)))
    rt.background.submit(flow.request, who, plan, cmd.text, command.get("response_url"))


def _signoffs(rt: Runtime, who: Who, cmd: Command, command: dict, ack: Ack, client: WebClient) -> None:
    checklist, records = rt.signoffs.pending(who)
    ack(**pending_view(checklist, records, rules.today(checklist, rt.clock.now())))


COMMANDS: dict[str, CommandHandler] = {"signoff": _signoff, "signoffs": _signoffs}


def register(app: App, rt: Runtime) -> None:
    @app.action(Action.SIGNOFF_APPROVE)
    def approve(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        decision = rt.signoffs.approve(team_of(body), body["user"]["id"], request_id(action.get("value")))
        ack()
        rt.background.submit(rt.signoff_flow.using(client).after_decision, decision)
        if from_home(body):
            rt.background.submit(publish_home, rt, client, team_of(body), body["user"]["id"])

    @app.action(Action.SIGNOFF_REJECT)
    def reject(ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond) -> None:
        signoff = rt.signoffs.check_decider(team_of(body), body["user"]["id"], request_id(action.get("value")))
        ack()
        modal = reason_modal(signoff, from_home=from_home(body))
        rt.background.submit(
            open_modal, client, respond if body.get("response_url") else None, body["trigger_id"], modal
        )

    @app.view(View.SIGNOFF_REASON)
    def reason(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        values = (view.get("state") or {}).get("values") or {}
        text = (values.get(Input.REASON, {}).get(Input.REASON, {}).get("value") or "").strip()
        if not text:
            raise UserError("Say why you reject it; the requester needs to know what to fix.", field=Input.REASON)
        if len(text) > MAX_REASON:
            raise UserError(f"Keep the reason to {MAX_REASON} characters (it has {len(text):,}).", field=Input.REASON)
        if not storable(text):
            raise UserError(UNSTORABLE_MESSAGE, field=Input.REASON)
        meta, _, origin = (view.get("private_metadata") or "").partition("|")
        rid = request_id(meta)
        try:
            decision = rt.signoffs.reject(team_of(body), body["user"]["id"], rid, text)
        except UserError as exc:
            # The request closed while the modal was open: say why on the field, nothing changed.
            raise UserError(exc.message[:300], field=Input.REASON) from None
        ack()
        rt.background.submit(rt.signoff_flow.using(client).after_decision, decision)
        if origin == FROM_HOME:
            rt.background.submit(publish_home, rt, client, team_of(body), body["user"]["id"])
