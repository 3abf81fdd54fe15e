"""`/checklist <subcommand>`: parse, run one unit of work, answer in the acknowledgement itself."""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from bot.checklists import grammar as _grammar  # noqa: F401  (the rows these handlers handle)
from bot.checklists import rules
from bot.checklists.messages import refusals as _refusals  # noqa: F401  (the sentences of its refusals)
from bot.checklists.messages.answers import (
    QUIET_NOTE,
    TIMEZONE_UNKNOWN,
    archived_view,
    calendar_text,
    contacts_view,
    export_preparing_text,
    notify_mode_text,
    profile_timezone_text,
    skip_asks_text,
    templates_view,
)
from bot.checklists.messages.changes import archived_text, change_text, contact_text, event_text, phase_done_text
from bot.checklists.messages.item import history_view, show_view
from bot.checklists.messages.status import status_view
from bot.checklists.refusals import NoSuchPhase
from bot.checklists.service import Change
from bot.checklists.zones import canonical_timezone
from bot.signoffs import listeners as signoff
from bot.signoffs.messages import status_lines
from bot.slack.acks import Rendered
from bot.slack.answers import ephemeral, in_channel
from bot.slack.blocks import context
from bot.slack.commands import SlackCall, handles
from bot.slack.outbox import Effect
from bot.slack.parser import Command
from bot.who import Who

if TYPE_CHECKING:
    from bot.app import Runtime

log = logging.getLogger(__name__)

@handles("status")
def _status(rt: Runtime, who: Who, cmd: Command, slack: SlackCall) -> dict[str, Any]:
    # Every change bumps the checklist's version, so a rendering keyed by version and day is never stale,
    # whichever replica made the change; the hot path is then one small query.
    checklist_id, version, today = rt.service.current(who)
    key = (checklist_id, version, today, cmd.phase)
    cached: Rendered | None = rt.status_cache.get(key)
    if cached is not None:
        return cached
    board = rt.service.board(who)
    if cmd.phase is not None and not any(p.number == cmd.phase for p in board.phases):
        raise NoSuchPhase(cmd.phase, max((p.number for p in board.phases), default=0))
    payload = Rendered(
        status_view(board, cmd.phase, extra_lines=status_lines(board), archived=cmd.archived)
        | {"response_type": "in_channel"}
    )
    rt.status_cache.put((board.checklist.pk, board.checklist.version, board.today, cmd.phase), payload)
    return payload


@handles("start")
def _start(rt: Runtime, who: Who, cmd: Command, slack: SlackCall) -> dict[str, Any]:
    """Start the checklist and answer at once. When the starter's timezone is not cached, it starts in UTC and
    their Slack profile is read after the acknowledgement (`users.info` never runs on the ack path)."""
    change = rt.service.start(who, cmd.template, cmd.text or None)
    if change.lookup_timezone:
        rt.background.submit(_start_timezone, rt, slack.client, who, change.checklist_id, slack.response_url)
    return in_channel(change_text(change))


def _start_timezone(rt: Runtime, client: WebClient, who: Who, checklist_id: int, response_url: str | None) -> None:
    """After the answer to `start`: give the new checklist the starter's profile timezone and tell the channel."""
    try:
        tz = canonical_timezone(rt.reminders.user_timezone(client, who.user_id) or "")
    except Exception:  # noqa: BLE001  (Slack unreachable: the checklist stays in UTC and the starter is told)
        log.warning("start: could not read %s's timezone from Slack", who.user_id, exc_info=True)
        tz = None
    info = rt.service.apply_profile_timezone(who, checklist_id, tz)
    if not response_url:
        return
    if info is not None:
        Respond(response_url=response_url)(
            replace_original=False, **in_channel(profile_timezone_text(info, who.user_id))
        )
    elif not tz:
        Respond(response_url=response_url)(replace_original=False, **ephemeral(TIMEZONE_UNKNOWN))


@handles("timezone")
def _timezone(rt: Runtime, who: Who, cmd: Command, slack: SlackCall) -> dict[str, Any]:
    if not cmd.text:
        return ephemeral(calendar_text(rt.service.calendar(who)))
    return in_channel(event_text(rt.service.set_timezone(who, cmd.text)))


@handles("workweek")
def _workweek(rt: Runtime, who: Who, cmd: Command, slack: SlackCall) -> dict[str, Any]:
    return in_channel(event_text(rt.service.set_workweek(who, cmd.text)))


def tell(rt: Runtime, change: Change) -> dict[str, Any]:
    """The answer to an item change: to the channel, or in quiet mode (`rules.is_quiet`) to its author only.
    A phase the change completed is told to the channel in both modes (in quiet mode by `phase_done_effects`)."""
    text = change_text(change)
    if not change.quiet:
        return in_channel(text + (f"\n{phase_done_text(change.phase_done)}" if change.phase_done else ""))
    answer = ephemeral(text)
    answer["blocks"].append(context(QUIET_NOTE))
    return answer


def phase_done_effects(change: Change, who: Who, response_url: str | None) -> list[Effect]:
    """In quiet mode the author's answer is private, so a completed phase goes to the channel through the
    command's `response_url`: an outbox effect, written with the change and sent after the acknowledgement."""
    if not (change.quiet and change.phase_done and response_url):
        return []
    body = {"replace_original": False, **in_channel(phase_done_text(change.phase_done))}
    return [Effect("respond", {"url": response_url, "body": body}, team_id=who.team_id)]


@handles("done")
def _done(rt: Runtime, who: Who, cmd: Command, slack: SlackCall) -> dict[str, Any]:
    with rt.outbox.unit() as fx:
        change = rt.service.mark_done(who, cmd.item_number, cmd.text)
        for effect in phase_done_effects(change, who, slack.response_url):
            fx.add(effect.kind, effect.payload, team_id=effect.team_id)
    return tell(rt, change)


@handles("undo")
def _undo(rt: Runtime, who: Who, cmd: Command, slack: SlackCall) -> dict[str, Any]:
    with rt.outbox.unit() as fx:
        undone = rt.service.undo(who, cmd.item_number, cmd.text)
        if undone.withdrawn_request_id is not None:
            rid = undone.withdrawn_request_id
            payload = {"request_id": rid, "by": who.user_id, "reason": cmd.text}
            fx.add("signoff.withdrawn", payload, team_id=who.team_id, key=f"signoff.withdrawn:{rid}:{uuid4().hex}")
    return tell(rt, undone.change)


@handles("assign")
def _assign(rt: Runtime, who: Who, cmd: Command, slack: SlackCall) -> dict[str, Any]:
    if cmd.args:  # +@c adds, -@a removes
        add = [a[1:] for a in cmd.args if a[0] == "+"]
        remove = [a[1:] for a in cmd.args if a[0] == "-"]
        return tell(rt, rt.service.set_owners(who, cmd.item_number, add=add, remove=remove))
    owners = [] if cmd.clear else list(cmd.users)
    return tell(rt, rt.service.set_owners(who, cmd.item_number, owners=owners))


@handles("plan")
def _plan(rt: Runtime, who: Who, cmd: Command, slack: SlackCall) -> dict[str, Any]:
    return in_channel(change_text(rt.service.plan(who, cmd.text, move_all="all" in cmd.args)))


@handles("skip")
def _skip(rt: Runtime, who: Who, cmd: Command, slack: SlackCall) -> dict[str, Any]:
    """Not applicable. An item that needs a sign-off is not skipped here: its role's approvers are asked by DM
    (a sign-off request for "not applicable"), after the acknowledgement, like `/checklist signoff`."""
    change = rt.service.skip(who, cmd.item_number, cmd.text)
    if change is not None:
        return tell(rt, change)
    plan = rt.signoffs.plan(who, cmd.item_number, (), purpose="skip")
    rt.outbox.send(signoff.request_effect(who, plan, cmd.text, slack.response_url))
    return ephemeral(skip_asks_text(plan.item_number, plan.approvers))


@handles("unskip")
def _unskip(rt: Runtime, who: Who, cmd: Command, slack: SlackCall) -> dict[str, Any]:
    return tell(rt, rt.service.unskip(who, cmd.item_number))


@handles("due")
def _due(rt: Runtime, who: Who, cmd: Command, slack: SlackCall) -> dict[str, Any]:
    # The date words are read inside the unit of work, in the checklist's calendar (its today, its working week).
    return tell(rt, rt.service.set_due(who, cmd.item_number, None, text=None if cmd.clear else cmd.text))


@handles("note")
def _note(rt: Runtime, who: Who, cmd: Command, slack: SlackCall) -> dict[str, Any]:
    return tell(rt, rt.service.add_note(who, cmd.item_number, cmd.text))


@handles("add")
def _add(rt: Runtime, who: Who, cmd: Command, slack: SlackCall) -> dict[str, Any]:
    return tell(rt, rt.service.add_item(who, cmd.phase_number, cmd.text))


@handles("remove")
def _remove(rt: Runtime, who: Who, cmd: Command, slack: SlackCall) -> dict[str, Any]:
    return tell(rt, rt.service.remove_item(who, cmd.item_number))


@handles("notify")
def _notify(rt: Runtime, who: Who, cmd: Command, slack: SlackCall) -> dict[str, Any]:
    if not cmd.text:
        return ephemeral(notify_mode_text(rt.service.notify_mode(who)))
    return in_channel(event_text(rt.service.set_notify(who, cmd.text)))


@handles("share")
def _share(rt: Runtime, who: Who, cmd: Command, slack: SlackCall) -> dict[str, Any]:
    return in_channel(event_text(rt.service.share(who, cmd.args[0])))


@handles("unshare")
def _unshare(rt: Runtime, who: Who, cmd: Command, slack: SlackCall) -> dict[str, Any]:
    return in_channel(event_text(rt.service.unshare(who, cmd.args[0])))


@handles("show")
def _show(rt: Runtime, who: Who, cmd: Command, slack: SlackCall) -> dict[str, Any]:
    return show_view(rt.service.show(who, cmd.item_number))


@handles("history")
def _history(rt: Runtime, who: Who, cmd: Command, slack: SlackCall) -> dict[str, Any]:
    checklist, events = rt.service.history(who, cmd.item)
    return history_view(checklist, events, cmd.item, rules.today(checklist, rt.clock.now()))


@handles("contact")
def _contact(rt: Runtime, who: Who, cmd: Command, slack: SlackCall) -> dict[str, Any]:
    with rt.outbox.unit() as fx:
        change = rt.service.set_contacts(who, cmd.role_name, () if cmd.clear else cmd.users)
        if change.removed:
            fx.add("contacts.removed", asdict(change), team_id=who.team_id)
    return in_channel(contact_text(change))


@handles("contacts")
def _contacts(rt: Runtime, who: Who, cmd: Command, slack: SlackCall) -> dict[str, Any]:
    _, contacts = rt.service.contacts(who)
    return contacts_view(contacts)


@handles("templates")
def _templates(rt: Runtime, who: Who, cmd: Command, slack: SlackCall) -> dict[str, Any]:
    return templates_view(rt.service.templates)


@handles("archive")
def _archive(rt: Runtime, who: Who, cmd: Command, slack: SlackCall) -> dict[str, Any]:
    with rt.outbox.unit() as fx:
        archived = rt.service.archive(who)
        if archived.cancelled_request_ids:
            fx.add("signoff.archived", {"request_ids": list(archived.cancelled_request_ids)}, team_id=who.team_id)
    return in_channel(archived_text(archived))


@handles("archived")
def _archived(rt: Runtime, who: Who, cmd: Command, slack: SlackCall) -> dict[str, Any]:
    return archived_view(rt.service.archived_list(who))


@handles("export")
def _export(rt: Runtime, who: Who, cmd: Command, slack: SlackCall) -> dict[str, Any]:
    """Check the checklist now (a missing one is answered at once); the upload is an outbox effect, sent after the
    answer (and by the next process if this one stops first)."""
    rt.service.export(who)
    payload = {
        "channel_id": who.channel_id,
        "user_id": who.user_id,
        "archived": who.archived,
        "fmt": cmd.args[0],
        "response_url": slack.response_url,
    }
    rt.outbox.send(Effect("export", payload, team_id=who.team_id))
    return ephemeral(export_preparing_text(cmd.args[0]))


__all__ = ["tell", "phase_done_effects", "ephemeral"]
