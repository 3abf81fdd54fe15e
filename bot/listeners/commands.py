"""`/checklist <subcommand>`: parse, run one unit of work, answer in the acknowledgement itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from slack_bolt import Ack, App

from ..dates import parse_date
from ..errors import UserError
from ..parser import Command, parse
from ..service import Who
from ..views.answers import contacts_view, ephemeral, help_view, in_channel, templates_view
from ..views.item import history_view, show_view
from ..views.signoff import status_lines
from ..views.status import status_view
from . import signoff

if TYPE_CHECKING:
    from ..app import Runtime

Handler = Callable[["Runtime", Who, Command], dict]


def _status(rt: Runtime, who: Who, cmd: Command) -> dict:
    # Every change bumps the checklist's version, so a rendering keyed by version and day is never stale,
    # whichever replica made the change; the hot path is then one small query.
    checklist_id, version = rt.service.current(who)
    key = (checklist_id, version, rt.clock.today(), cmd.phase)
    cached = rt.status_cache.get(key)
    if cached is not None:
        return cached
    board = rt.service.board(who)
    if cmd.phase is not None and not any(p.number == cmd.phase for p in board.phases):
        last = max((p.number for p in board.phases), default=0)
        raise UserError(f"No phase {cmd.phase} here: phases run from 1 to {last}. Try `/checklist status`.")
    payload = status_view(board, cmd.phase, extra_lines=status_lines(board)) | {"response_type": "in_channel"}
    rt.status_cache.put((board.checklist.id, board.checklist.version, board.today, cmd.phase), payload)
    return payload


def _start(rt: Runtime, who: Who, cmd: Command) -> dict:
    return in_channel(rt.service.start(who, cmd.template).message)


def _done(rt: Runtime, who: Who, cmd: Command) -> dict:
    return in_channel(rt.service.mark_done(who, cmd.item, cmd.text).message)


def _undo(rt: Runtime, who: Who, cmd: Command) -> dict:
    return in_channel(rt.service.undo(who, cmd.item).message)


def _assign(rt: Runtime, who: Who, cmd: Command) -> dict:
    owner = None if cmd.clear else cmd.users[0]
    return in_channel(rt.service.assign(who, cmd.item, owner).message)


def _due(rt: Runtime, who: Who, cmd: Command) -> dict:
    due = None if cmd.clear else parse_date(cmd.text, rt.clock.today())
    return in_channel(rt.service.set_due(who, cmd.item, due).message)


def _note(rt: Runtime, who: Who, cmd: Command) -> dict:
    return in_channel(rt.service.add_note(who, cmd.item, cmd.text).message)


def _show(rt: Runtime, who: Who, cmd: Command) -> dict:
    return show_view(rt.service.show(who, cmd.item))


def _history(rt: Runtime, who: Who, cmd: Command) -> dict:
    checklist, events = rt.service.history(who, cmd.item)
    return history_view(checklist, events, cmd.item)


def _contact(rt: Runtime, who: Who, cmd: Command) -> dict:
    return in_channel(rt.service.set_contacts(who, cmd.role, () if cmd.clear else cmd.users))


def _contacts(rt: Runtime, who: Who, cmd: Command) -> dict:
    _, contacts = rt.service.contacts(who)
    return contacts_view(contacts)


def _templates(rt: Runtime, who: Who, cmd: Command) -> dict:
    return templates_view(rt.service.templates)


def _archive(rt: Runtime, who: Who, cmd: Command) -> dict:
    return in_channel(rt.service.archive(who))


def _help(rt: Runtime, who: Who, cmd: Command) -> dict:
    return help_view(cmd.args[0] if cmd.args else None)


HANDLERS: dict[str, Handler] = {
    "status": _status,
    "start": _start,
    "done": _done,
    "undo": _undo,
    "assign": _assign,
    "due": _due,
    "note": _note,
    "show": _show,
    "history": _history,
    "contact": _contact,
    "contacts": _contacts,
    "templates": _templates,
    "archive": _archive,
    "help": _help,
}


def register(app: App, rt: Runtime) -> None:
    @app.command("/checklist")
    def checklist_command(ack: Ack, command: dict) -> None:
        who = Who(team_id=command.get("team_id", ""), channel_id=command["channel_id"], user_id=command["user_id"])
        cmd = parse(command.get("text", ""))
        if cmd.name in signoff.COMMANDS:
            signoff.COMMANDS[cmd.name](rt, who, cmd, command, ack)
            return
        ack(**HANDLERS[cmd.name](rt, who, cmd))


__all__ = ["register", "HANDLERS", "ephemeral"]
