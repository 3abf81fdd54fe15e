"""Sign-offs: `/checklist signoff|signoffs`, the DM's Approve / Reject… buttons and the reason modal.

Each listener checks and records in the database inside the acknowledgement and leaves every Web API call
(DMs, modal, channel notices) to `rt.background`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from bot.checklists import rules
from bot.errors import UserError
from bot.home.listeners import from_home, home_effect
from bot.signoffs import grammar as _grammar  # noqa: F401  (the rows these handlers handle)
from bot.signoffs.flow import SignoffFlow
from bot.signoffs.messages import MAX_REASON, asking_text, cancelled_text, pending_view, reason_modal
from bot.signoffs.refusals import ReasonMissing, ReasonTooLong
from bot.signoffs.service import Decision, Plan
from bot.slack.answers import ephemeral, in_channel
from bot.slack.commands import SlackCall, handles
from bot.slack.effects import register_effect
from bot.slack.followups import open_modal
from bot.slack.ids import Action, Input, View
from bot.slack.outbox import Delivery, Effect, Staged
from bot.slack.parser import Command
from bot.slack.payloads import ReasonForm, SignoffPick, decode
from bot.slack.text import UNSTORABLE_MESSAGE, storable
from bot.slack.who import team_of, user_of
from bot.who import Who

if TYPE_CHECKING:
    from bot.app import Runtime

def request_id(value: str | None) -> int:
    """The request an Approve / Reject… button is for (a PayloadError for anything we did not write)."""
    return decode(SignoffPick, value).request_id


def request_effect(who: Who, plan: Plan, note: str, response_url: str | None) -> Effect:
    """The outbox effect that asks the plan's approvers (`SignoffFlow.request`), with the workspace's token."""
    payload = {"who": asdict(who), "plan": asdict(plan), "note": note, "response_url": response_url}
    return Effect("signoff.request", payload, team_id=who.team_id)


def stage_decision(fx: Staged, team_id: str, decision: Decision) -> None:
    payload = {
        "request_id": decision.signoff.id,
        "user_id": decision.user_id,
        "decision": decision.decision,
        "closed": decision.closed,
    }
    key = f"signoff.decided:{decision.signoff.id}:{decision.user_id}"
    fx.add("signoff.decided", payload, team_id=team_id, key=key)


@handles("signoff cancel")
def _cancel(rt: Runtime, who: Who, cmd: Command, slack: SlackCall) -> dict[str, Any]:
    with rt.outbox.unit() as fx:
        signoff = rt.signoffs.cancel(who, cmd.item_number)
        fx.add("signoff.cancelled", {"request_id": signoff.id}, team_id=who.team_id,
               key=f"signoff.cancelled:{signoff.id}")
    return in_channel(cancelled_text(signoff))


@handles("signoff")
def _signoff(rt: Runtime, who: Who, cmd: Command, slack: SlackCall) -> dict[str, Any]:
    plan = rt.signoffs.plan(who, cmd.item_number, cmd.users)
    rt.outbox.send(request_effect(who, plan, cmd.text, slack.response_url))
    return ephemeral(asking_text(plan.item_number, plan.approvers))


@handles("signoffs")
def _signoffs(rt: Runtime, who: Who, cmd: Command, slack: SlackCall) -> dict[str, Any]:
    checklist, records = rt.signoffs.pending(who)
    return pending_view(checklist, records, rules.today(checklist, rt.clock.now()))


def register(app: App, rt: Runtime) -> None:
    @app.action(Action.SIGNOFF_APPROVE)
    def approve(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        team_id, user_id = team_of(body), user_of(body)
        with rt.outbox.unit() as fx:
            decision = rt.signoffs.approve(team_id, user_id, request_id(action.get("value")))
            stage_decision(fx, team_id, decision)
            if from_home(body):
                fx.effects.append(home_effect(team_id, user_id))
        ack()

    @app.action(Action.SIGNOFF_REJECT)
    def reject(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond) -> None:
        signoff = rt.signoffs.check_decider(team_of(body), user_of(body), request_id(action.get("value")))
        ack()
        modal = reason_modal(signoff, from_home=from_home(body))
        rt.background.submit(
            open_modal, client, respond if body.get("response_url") else None, body["trigger_id"], modal
        )

    @app.view(View.SIGNOFF_REASON)
    def reason(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        values = (view.get("state") or {}).get("values") or {}
        text = (values.get(Input.REASON, {}).get(Input.REASON, {}).get("value") or "").strip()
        if not text:
            raise ReasonMissing(field=Input.REASON)
        if len(text) > MAX_REASON:
            raise ReasonTooLong(len(text), field=Input.REASON)
        if not storable(text):
            raise UserError(UNSTORABLE_MESSAGE, field=Input.REASON)
        form = decode(ReasonForm, view.get("private_metadata"))
        rid = form.request_id
        team_id, user_id = team_of(body), user_of(body)
        try:
            with rt.outbox.unit() as fx:
                decision = rt.signoffs.reject(team_id, user_id, rid, text)
                stage_decision(fx, team_id, decision)
                if form.from_home:
                    fx.effects.append(home_effect(team_id, user_id))
        except UserError as exc:
            # The request closed while the modal was open: say why on the field, nothing changed.
            raise UserError(exc.message[:300], field=Input.REASON) from None
        ack()


# -- outbox effects (`bot.slack.effects`): each one a step of SignoffFlow, speaking with the delivery's client --

FLOW_EFFECTS: dict[str, Callable[[SignoffFlow, Delivery], None]] = {
    "signoff.request": SignoffFlow.request,
    "signoff.decided": SignoffFlow.after_decision,
    "signoff.cancelled": SignoffFlow.after_cancel,
    "signoff.escalate": SignoffFlow.escalate,
    "signoff.dm_close": SignoffFlow.close_dm,
    "signoff.archived": SignoffFlow.after_archive,
    "signoff.withdrawn": SignoffFlow.after_withdraw,
    "contacts.removed": SignoffFlow.tell_removed_contacts,
    "notice": SignoffFlow.notice,
}


def _flow_effect(step: Callable[[SignoffFlow, Delivery], None]) -> Callable[[Runtime, Delivery], None]:
    def send(rt: Runtime, d: Delivery) -> None:
        step(rt.signoff_flow.using(d.client), d)

    send.__qualname__ = f"send[{step.__qualname__}]"
    return send


def _request_given_up(rt: Runtime, d: Delivery, why: str) -> None:
    rt.signoff_flow.using(d.client).request_given_up(d, why)


for _kind, _step in FLOW_EFFECTS.items():
    register_effect(_kind, _flow_effect(_step), _request_given_up if _kind == "signoff.request" else None)
