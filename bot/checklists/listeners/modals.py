"""Submissions of the item modals (assign, due date, note)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App

from bot.checklists.listeners.actions import stage_refresh
from bot.checklists.refusals import EmptyNote, NoteTooLong, PickDate, PickPeople
from bot.errors import UserError
from bot.slack.ids import Input, View
from bot.slack.parser import MAX_NOTE
from bot.slack.payloads import ItemForm, decode
from bot.slack.text import UNSTORABLE_MESSAGE, storable
from bot.slack.who import who_of
from bot.who import Who

if TYPE_CHECKING:
    from bot.app import Runtime


def _value(view: dict[str, Any], field: Input, key: str) -> Any:
    """What the form's input holds under `key`, as Slack sent it (JSON: a string, a list of user ids, or None);
    each caller checks the shape it needs."""
    return ((view.get("state") or {}).get("values") or {}).get(field, {}).get(field, {}).get(key)


def register(app: App, rt: Runtime) -> None:
    def submitted(body: dict[str, Any], view: dict[str, Any]) -> tuple[Who, ItemForm]:
        ref = decode(ItemForm, view.get("private_metadata"))
        who = who_of(body, channel_id=ref.channel_id, checklist_id=ref.checklist_id)
        return who, ref


    @app.view(View.ASSIGN)
    def assign(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        who, ref = submitted(body, view)
        raw = _value(view, Input.OWNER, "selected_users")
        if raw is None:  # a form from before several owners (users_select)
            one = _value(view, Input.OWNER, "selected_user")
            raw = [one] if one else []
        if not isinstance(raw, list) or not all(isinstance(u, str) for u in raw):
            raise PickPeople(field=Input.OWNER)
        with rt.outbox.unit() as fx:
            rt.service.set_owners(who, ref.number, owners=raw, field=Input.OWNER)
            stage_refresh(fx, who, ref.response_url, ref.phase)
        ack()

    @app.view(View.DUE)
    def due(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        who, ref = submitted(body, view)
        raw = _value(view, Input.DUE, "selected_date")
        try:
            when = date.fromisoformat(raw) if raw else None
        except ValueError:
            raise PickDate(field=Input.DUE) from None
        with rt.outbox.unit() as fx:
            rt.service.set_due(who, ref.number, when)
            stage_refresh(fx, who, ref.response_url, ref.phase)
        ack()

    @app.view(View.NOTE)
    def note(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        who, ref = submitted(body, view)
        text = (_value(view, Input.NOTE, "value") or "").strip()
        if not text:
            raise EmptyNote(field=Input.NOTE)
        if len(text) > MAX_NOTE:
            raise NoteTooLong(MAX_NOTE, field=Input.NOTE)
        if not storable(text):
            raise UserError(UNSTORABLE_MESSAGE, field=Input.NOTE)
        with rt.outbox.unit() as fx:
            rt.service.add_note(who, ref.number, text)
            stage_refresh(fx, who, ref.response_url, ref.phase)
        ack()
