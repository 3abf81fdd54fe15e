"""Modals opened from an item's menu: assign, due date, note. Pure functions from data to view dicts."""

from __future__ import annotations

from typing import Any

from bot.checklists import rules
from bot.slack.blocks import context, plain_text
from bot.slack.ids import Input, View
from bot.slack.parser import MAX_NOTE
from bot.slack.payloads import ItemForm, encode
from bot.slack.text import plain, truncate, user_text
from storage.models import Item


def _modal(
    callback: View,
    title: str,
    submit: str,
    ref: ItemForm,
    item: Item,
    element: dict[str, Any],
    label: str,
    *,
    optional: bool = False,
    hint: str | None = None,
) -> dict[str, Any]:
    block = {
        "type": "input",
        "block_id": Input(element["action_id"]),
        "label": plain_text(label, 2000),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain_text(hint, 2000)
    return {
        "type": "modal",
        "callback_id": callback,
        "title": plain_text(title, 24),
        "submit": plain_text(submit, 24),
        "close": plain_text("Cancel", 24),
        "private_metadata": encode(ref),
        "blocks": [
            context(f"*{item.number}*  {user_text(truncate(plain(item.title), 200))}"),
            block,
        ],
    }


def assign_modal(ref: ItemForm, item: Item) -> dict[str, Any]:
    element = {
        "type": "multi_users_select",
        "action_id": Input.OWNER,
        "placeholder": plain_text("Pick people"),
        "max_selected_items": rules.MAX_OWNERS,
    }
    owners = rules.owners(item)
    if owners:
        element["initial_users"] = owners
    return _modal(
        View.ASSIGN,
        "Assign item",
        "Assign",
        ref,
        item,
        element,
        "Owners",
        optional=True,
        hint=f"Up to {rules.MAX_OWNERS} people, each sees the item in their App Home. Leave empty to unassign.",
    )


def due_modal(ref: ItemForm, item: Item) -> dict[str, Any]:
    element = {"type": "datepicker", "action_id": Input.DUE, "placeholder": plain_text("Pick a date")}
    if item.due_date:
        element["initial_date"] = item.due_date.isoformat()
    return _modal(
        View.DUE,
        "Due date",
        "Save",
        ref,
        item,
        element,
        "Due date",
        optional=True,
        hint="Leave empty to clear the due date.",
    )


def note_modal(ref: ItemForm, item: Item) -> dict[str, Any]:
    element = {
        "type": "plain_text_input",
        "action_id": Input.NOTE,
        "multiline": True,
        "max_length": MAX_NOTE,
        "placeholder": plain_text("What should the team know?"),
    }
    return _modal(View.NOTE, "Add a note", "Add note", ref, item, element, "Note")
