"""Clicks on the status message's item menus. Same rules and service calls as the commands."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from bot.checklists.messages.item import show_view
from bot.checklists.messages.modals import assign_modal, due_modal, note_modal
from bot.checklists.messages.status import parse_status_block_id
from bot.checklists.refusals import UnknownMenuChoice
from bot.signoffs.listeners import request_effect
from bot.signoffs.messages import asking_text
from bot.slack.answers import ephemeral
from bot.slack.followups import open_modal
from bot.slack.ids import Action, MenuChoice
from bot.slack.outbox import Effect, Staged
from bot.slack.payloads import ItemForm, MenuPick, decode
from bot.slack.who import who_of
from bot.who import Who

if TYPE_CHECKING:
    from bot.app import Runtime


def status_phase(body: dict[str, Any]) -> int | None:
    """Which view of the status message was clicked: the whole checklist or one phase."""
    blocks = (body.get("message") or {}).get("blocks") or []
    parsed = parse_status_block_id(blocks[0].get("block_id", "")) if blocks else None
    return parsed[1] if parsed else None


def stage_refresh(fx: Staged, who: Who, respond_url: str | None, phase: int | None) -> None:
    """Redraw the status message in place after the change commits (an outbox effect,
    `bot.checklists.listeners.effects`)."""
    if not respond_url or who.checklist_id is None:
        return
    payload = {"url": respond_url, "checklist_id": who.checklist_id, "phase": phase}
    fx.add("status.refresh", payload, team_id=who.team_id)


def respond_effect(who: Who, url: str | None, body: dict[str, Any]) -> list[Effect]:
    """A later answer through `response_url`, as an outbox effect."""
    if not url:
        return []
    return [Effect("respond", {"url": url, "body": {"replace_original": False, **body}}, team_id=who.team_id)]


def register(app: App, rt: Runtime) -> None:
    modals = {MenuChoice.ASSIGN: assign_modal, MenuChoice.DUE: due_modal, MenuChoice.NOTE: note_modal}

    @app.action(Action.ITEM_MENU)
    def item_menu(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond) -> None:
        pick = decode(MenuPick, (action.get("selected_option") or {}).get("value"))
        choice, checklist_id, number = pick.choice, pick.checklist_id, pick.number
        who = who_of(body, checklist_id=checklist_id)
        phase = status_phase(body)
        response_url = body.get("response_url")

        if choice in (MenuChoice.DONE, MenuChoice.UNDO):
            with rt.outbox.unit() as fx:
                if choice is MenuChoice.DONE:
                    rt.service.mark_done(who, number)
                else:
                    rt.service.undo(who, number)
                stage_refresh(fx, who, response_url, phase)
            ack()
        elif choice in modals:
            item = rt.service.show(who, number).item
            ref = ItemForm(checklist_id, who.channel_id, number, response_url, phase)
            view = modals[choice](ref, item)
            ack()
            rt.background.submit(open_modal, client, respond, body["trigger_id"], view)
        elif choice is MenuChoice.SHOW:
            detail = rt.service.show(who, number)
            rt.outbox.send(*respond_effect(who, response_url, show_view(detail)))
            ack()
        elif choice is MenuChoice.SIGNOFF:
            plan = rt.signoffs.plan(who, number, ())
            asking = respond_effect(who, response_url, ephemeral(asking_text(number, plan.approvers)))
            rt.outbox.send(*asking, request_effect(who, plan, "", response_url))
            ack()
        else:
            raise UnknownMenuChoice(str(choice))
