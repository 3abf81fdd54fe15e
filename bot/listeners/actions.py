"""Clicks on the status message's item menus. Same rules and service calls as the commands."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import Ack, App
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from ..errors import UserError
from ..ids import Action, MenuChoice
from ..service import Who
from ..views.answers import ephemeral
from ..views.item import show_view
from ..views.modals import ItemRef, assign_modal, due_modal, note_modal
from ..views.signoff import asking_text, status_lines
from ..views.status import parse_status_block_id, status_view
from .followups import open_modal

if TYPE_CHECKING:
    from ..app import Runtime


def status_phase(body: dict) -> int | None:
    """Which view of the status message was clicked: the whole checklist or one phase."""
    blocks = (body.get("message") or {}).get("blocks") or []
    parsed = parse_status_block_id(blocks[0].get("block_id", "")) if blocks else None
    return parsed[1] if parsed else None


def refresh_status(rt: Runtime, who: Who, respond_url: str | None, phase: int | None) -> None:
    """Redraw the status message in place (after the acknowledgement, from the background)."""
    if not respond_url or who.checklist_id is None:
        return
    board = rt.service.board_by_id(who.checklist_id, who.team_id)
    if board is None:
        return
    view = status_view(board, phase, extra_lines=status_lines(board))
    Respond(response_url=respond_url)(replace_original=True, **view)


def parse_menu_value(value: str) -> tuple[MenuChoice, int, str]:
    try:
        choice, checklist_id, number = value.split("|")
        return MenuChoice(choice), int(checklist_id), number
    except ValueError:
        raise UserError("That menu is from an older version of this message; run `/checklist status` again.") from None


def register(app: App, rt: Runtime) -> None:
    modals = {MenuChoice.ASSIGN: assign_modal, MenuChoice.DUE: due_modal, MenuChoice.NOTE: note_modal}

    @app.action(Action.ITEM_MENU)
    def item_menu(ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond) -> None:
        choice, checklist_id, number = parse_menu_value(action["selected_option"]["value"])
        who = Who(
            team_id=(body.get("team") or {}).get("id", ""),
            channel_id=(body.get("channel") or {}).get("id", ""),
            user_id=body["user"]["id"],
            checklist_id=checklist_id,
        )
        phase = status_phase(body)
        response_url = body.get("response_url")

        if choice in (MenuChoice.DONE, MenuChoice.UNDO):
            if choice is MenuChoice.DONE:
                rt.service.mark_done(who, number)
            else:
                rt.service.undo(who, number)
            ack()
            rt.background.submit(refresh_status, rt, who, response_url, phase)
        elif choice in modals:
            item = rt.service.show(who, number).item
            ref = ItemRef(checklist_id, who.channel_id, number, response_url, phase)
            view = modals[choice](ref, item)
            ack()
            rt.background.submit(open_modal, client, respond, body["trigger_id"], view)
        elif choice is MenuChoice.SHOW:
            detail = rt.service.show(who, number)
            ack()
            rt.background.submit(respond, replace_original=False, **show_view(detail))
        elif choice is MenuChoice.SIGNOFF:
            plan = rt.signoffs.plan(who, number, ())
            ack()
            rt.background.submit(respond, replace_original=False, **ephemeral(asking_text(number, plan.approvers)))
            rt.background.submit(rt.signoff_flow.using(client).request, who, plan, "", response_url)
        else:
            raise UserError(f"Unknown menu choice {choice}.")
