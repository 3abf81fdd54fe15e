"""`/checklist <subcommand>`: parse, run one unit of work, answer in the acknowledgement itself."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING
from uuid import uuid4

from slack_bolt import Ack, App, BoltResponse
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from bot import metrics
from bot.checklists import rules
from bot.checklists.dates import plain_date, slack_datetime
from bot.checklists.messages import refusals as _refusals  # noqa: F401  (the sentences of its refusals)
from bot.checklists.messages.item import history_view, show_view
from bot.checklists.messages.status import status_view
from bot.checklists.service import Change, Who
from bot.checklists.zones import canonical_timezone
from bot.errors import NoChecklist, UserError
from bot.portfolio.messages import portfolio_view
from bot.portfolio.service import build_portfolio, has_shares
from bot.reminders.messages import remind_status_view
from bot.signoffs import listeners as signoff
from bot.signoffs.messages import status_lines
from bot.slack.acks import Rendered, acknowledge
from bot.slack.answers import archived_view, contacts_view, ephemeral, help_view, in_channel, templates_view
from bot.slack.blocks import context
from bot.slack.errors import outcome_of
from bot.slack.outbox import Effect
from bot.slack.parser import Command, parse
from bot.slack.text import mention

if TYPE_CHECKING:
    from bot.app import Runtime

log = logging.getLogger(__name__)

Handler = Callable[["Runtime", Who, Command], dict]


def _status(rt: Runtime, who: Who, cmd: Command) -> dict:
    # Every change bumps the checklist's version, so a rendering keyed by version and day is never stale,
    # whichever replica made the change; the hot path is then one small query.
    checklist_id, version, today = rt.service.current(who)
    key = (checklist_id, version, today, cmd.phase)
    cached = rt.status_cache.get(key)
    if cached is not None:
        return cached
    board = rt.service.board(who)
    if cmd.phase is not None and not any(p.number == cmd.phase for p in board.phases):
        last = max((p.number for p in board.phases), default=0)
        raise UserError(f"No phase {cmd.phase} here: phases run from 1 to {last}. Try `/checklist status`.")
    payload = Rendered(
        status_view(board, cmd.phase, extra_lines=status_lines(board), archived=cmd.archived)
        | {"response_type": "in_channel"}
    )
    rt.status_cache.put((board.checklist.id, board.checklist.version, board.today, cmd.phase), payload)
    return payload


def _start(
    rt: Runtime, who: Who, cmd: Command, response_url: str | None = None, client: WebClient | None = None
) -> dict:
    """Start the checklist and answer at once. When the starter's timezone is not cached, it starts in UTC and
    their Slack profile is read after the acknowledgement (`users.info` never runs on the ack path)."""
    change = rt.service.start(who, cmd.template, cmd.text or None)
    if change.lookup_timezone and client is not None:
        rt.background.submit(_start_timezone, rt, client, who, change.board.checklist.id, response_url)
    return in_channel(change.message)


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
            replace_original=False,
            **in_channel(
                f"🌐 This checklist's dates follow *{info.timezone}* ({mention(who.user_id)}'s Slack timezone), "
                f"working week {info.week_name}: it is {plain_date(info.today, info.today)} {info.now:%H:%M} there. "
                "`/checklist timezone <zone>` and `/checklist workweek sun-thu` change them."
            ),
        )
    elif not tz:
        Respond(response_url=response_url)(
            replace_original=False,
            **ephemeral(
                "🌐 I couldn't read your timezone from Slack, so this checklist's dates are in UTC. "
                "Set the team's zone with `/checklist timezone <zone>`, e.g. `/checklist timezone Asia/Phnom_Penh`."
            ),
        )


def _timezone(rt: Runtime, who: Who, cmd: Command) -> dict:
    if not cmd.text:
        info = rt.service.calendar(who)
        return ephemeral(
            f"🌐 This checklist's dates are in *{info.timezone}*: it is {plain_date(info.today, info.today)} "
            f"{info.now:%H:%M} there. Working week: *{info.week_name}*. An item is overdue once its due date has "
            "passed there. `/checklist timezone <IANA zone>` and `/checklist workweek mon-fri|sun-thu|mon-sat` "
            "change them."
        )
    return in_channel(rt.service.set_timezone(who, cmd.text))


def _workweek(rt: Runtime, who: Who, cmd: Command) -> dict:
    return in_channel(rt.service.set_workweek(who, cmd.text))


QUIET_NOTE = "🔕 Quiet channel: only you see this; the weekly digest lists the week's changes."


def tell(rt: Runtime, change: Change) -> dict:
    """The answer to an item change: to the channel, or in quiet mode (`rules.is_quiet`) to its author only.
    A phase the change completed is told to the channel in both modes (in quiet mode by `phase_done_effects`)."""
    if not change.quiet:
        return in_channel(change.message + (f"\n{change.phase_done}" if change.phase_done else ""))
    answer = ephemeral(change.message)
    answer["blocks"].append(context(QUIET_NOTE))
    return answer


def phase_done_effects(change: Change, who: Who, response_url: str | None) -> list[Effect]:
    """In quiet mode the author's answer is private, so a completed phase goes to the channel through the
    command's `response_url`: an outbox effect, written with the change and sent after the acknowledgement."""
    if not (change.quiet and change.phase_done and response_url):
        return []
    body = {"replace_original": False, **in_channel(change.phase_done)}
    return [Effect("respond", {"url": response_url, "body": body}, team_id=who.team_id)]


def _done(rt: Runtime, who: Who, cmd: Command, response_url: str | None = None) -> dict:
    with rt.outbox.unit() as fx:
        change = rt.service.mark_done(who, cmd.item, cmd.text)
        for effect in phase_done_effects(change, who, response_url):
            fx.add(effect.kind, effect.payload, team_id=effect.team_id)
    return tell(rt, change)


def _undo(rt: Runtime, who: Who, cmd: Command, client: WebClient | None = None) -> dict:
    with rt.outbox.unit() as fx:
        undone = rt.service.undo(who, cmd.item, cmd.text)
        if undone.withdrawn_request_id is not None:
            rid = undone.withdrawn_request_id
            payload = {"request_id": rid, "by": who.user_id, "reason": cmd.text}
            fx.add("signoff.withdrawn", payload, team_id=who.team_id, key=f"signoff.withdrawn:{rid}:{uuid4().hex}")
    return tell(rt, undone.change)


def _assign(rt: Runtime, who: Who, cmd: Command) -> dict:
    if cmd.args:  # +@c adds, -@a removes
        add = [a[1:] for a in cmd.args if a[0] == "+"]
        remove = [a[1:] for a in cmd.args if a[0] == "-"]
        return tell(rt, rt.service.set_owners(who, cmd.item, add=add, remove=remove))
    owners = [] if cmd.clear else list(cmd.users)
    return tell(rt, rt.service.set_owners(who, cmd.item, owners=owners))


def _plan(rt: Runtime, who: Who, cmd: Command) -> dict:
    return in_channel(rt.service.plan(who, cmd.text, move_all="all" in cmd.args).message)


def _skip(
    rt: Runtime, who: Who, cmd: Command, response_url: str | None = None, client: WebClient | None = None
) -> dict:
    """Not applicable. An item that needs a sign-off is not skipped here: its role's approvers are asked by DM
    (a sign-off request for "not applicable"), after the acknowledgement, like `/checklist signoff`."""
    change = rt.service.skip(who, cmd.item, cmd.text)
    if change is not None:
        return tell(rt, change)
    plan = rt.signoffs.plan(who, cmd.item, (), purpose="skip")
    rt.outbox.send(signoff.request_effect(who, plan, cmd.text, response_url))
    return ephemeral(
        f"⏳ {plan.item_number} needs a sign-off, so marking it not applicable does too: asking "
        f"{', '.join(mention(u) for u in plan.approvers)} to agree…"
    )


def _unskip(rt: Runtime, who: Who, cmd: Command) -> dict:
    return tell(rt, rt.service.unskip(who, cmd.item))


def _due(rt: Runtime, who: Who, cmd: Command) -> dict:
    # The date words are read inside the unit of work, in the checklist's calendar (its today, its working week).
    return tell(rt, rt.service.set_due(who, cmd.item, None, text=None if cmd.clear else cmd.text))


def _note(rt: Runtime, who: Who, cmd: Command) -> dict:
    return tell(rt, rt.service.add_note(who, cmd.item, cmd.text))


def _add(rt: Runtime, who: Who, cmd: Command) -> dict:
    return tell(rt, rt.service.add_item(who, cmd.phase, cmd.text))


def _remove(rt: Runtime, who: Who, cmd: Command) -> dict:
    return tell(rt, rt.service.remove_item(who, cmd.item))


def _notify(rt: Runtime, who: Who, cmd: Command) -> dict:
    if not cmd.text:
        mode = rt.service.notify_mode(who)
        now = (
            "*quiet*: item changes are answered only to the person who makes them; phase completions, sign-offs "
            "and the weekly digest still come to the channel"
            if mode == rules.NOTIFY_QUIET
            else "*channel*: every item change is told to the channel"
        )
        return ephemeral(f"This checklist's notices: {now}. `/checklist notify quiet|channel` switches.")
    return in_channel(rt.service.set_notify(who, cmd.text))


def _share(rt: Runtime, who: Who, cmd: Command) -> dict:
    return in_channel(rt.service.share(who, cmd.args[0]))


def _unshare(rt: Runtime, who: Who, cmd: Command) -> dict:
    return in_channel(rt.service.unshare(who, cmd.args[0]))


def _portfolio(rt: Runtime, who: Who, cmd: Command) -> dict:
    portfolio = build_portfolio(rt.db, who.team_id, who.channel_id, rt.clock.now())
    if not portfolio.lines:
        raise UserError(
            "No checklist is shared to this channel, so there is no portfolio here yet. In a project's channel, "
            "a lead of its checklist types `/checklist share #this-channel`."
        )
    return portfolio_view(portfolio) | {"response_type": "in_channel"}


def _show(rt: Runtime, who: Who, cmd: Command) -> dict:
    return show_view(rt.service.show(who, cmd.item))


def _history(rt: Runtime, who: Who, cmd: Command) -> dict:
    checklist, events = rt.service.history(who, cmd.item)
    return history_view(checklist, events, cmd.item, rules.today(checklist, rt.clock.now()))


def _contact(rt: Runtime, who: Who, cmd: Command, client: WebClient | None = None) -> dict:
    with rt.outbox.unit() as fx:
        change = rt.service.set_contacts(who, cmd.role, () if cmd.clear else cmd.users)
        if change.removed:
            fx.add("contacts.removed", asdict(change), team_id=who.team_id)
    return in_channel(change.message)


def _contacts(rt: Runtime, who: Who, cmd: Command) -> dict:
    _, contacts = rt.service.contacts(who)
    return contacts_view(contacts)


def _templates(rt: Runtime, who: Who, cmd: Command) -> dict:
    return templates_view(rt.service.templates)


def _archive(rt: Runtime, who: Who, cmd: Command, client: WebClient | None = None) -> dict:
    with rt.outbox.unit() as fx:
        archived = rt.service.archive(who)
        if archived.cancelled_request_ids:
            fx.add("signoff.archived", {"request_ids": list(archived.cancelled_request_ids)}, team_id=who.team_id)
    return in_channel(archived.message)


def _archived(rt: Runtime, who: Who, cmd: Command) -> dict:
    return archived_view(rt.service.archived_list(who))


def _help(rt: Runtime, who: Who, cmd: Command) -> dict:
    return help_view(cmd.args[0] if cmd.args else None)


def _remind(
    rt: Runtime, who: Who, cmd: Command, response_url: str | None = None, client: WebClient | None = None
) -> dict:
    action = cmd.args[0]
    if action == "show":
        st = rt.remind.status(who)
        s = st.schedule
        return remind_status_view(
            schedule=s.text if s else None, next_run=s.next_run if s else None, paused=s.paused if s else None, dm=st.dm
        )
    if action == "off":
        return in_channel(f"🔕 {mention(who.user_id)} stopped the weekly digest here ({rt.remind.off(who)}).")
    if action == "now":
        view = rt.reminders.digest_now(who.team_id, who.channel_id)
        if view is None:
            if has_shares(rt.db, who.team_id, who.channel_id):
                return _portfolio(rt, who, cmd)
            raise NoChecklist()
        return view | {"response_type": "in_channel"}
    if action == "dm":
        if cmd.args[1] == "workweek":
            return ephemeral(rt.remind.set_dm_workweek(who, cmd.args[2]))
        days = int(cmd.args[2]) if len(cmd.args) > 2 else None
        return ephemeral(rt.remind.set_dm(who, cmd.args[1], days))
    _, day, hour, minute, tz = cmd.args
    info = rt.remind.set_weekly(who, int(day), int(hour), int(minute), tz or None)
    what = "portfolio" if info.portfolio else "checklist digest"
    return in_channel(
        f"🗓️ {mention(who.user_id)} set a weekly {what} for this channel: {info.text}, "
        f"next {slack_datetime(info.next_run)}. `/checklist remind` shows it, `/checklist remind off` stops it."
    )


def _export(rt: Runtime, who: Who, cmd: Command, response_url: str | None, client: WebClient) -> dict:
    """Check the checklist now (a missing one is answered at once); the upload is an outbox effect, sent after the
    answer (and by the next process if this one stops first)."""
    rt.service.export(who)
    payload = {
        "channel_id": who.channel_id,
        "user_id": who.user_id,
        "archived": who.archived,
        "fmt": cmd.args[0],
        "response_url": response_url,
    }
    rt.outbox.send(Effect("export", payload, team_id=who.team_id))
    return ephemeral(f"Preparing the export ({cmd.args[0].upper()})… it will appear in this channel.")


HANDLERS: dict[str, Handler] = {
    "status": _status,
    "start": _start,
    "done": _done,
    "undo": _undo,
    "assign": _assign,
    "due": _due,
    "note": _note,
    "add": _add,
    "remove": _remove,
    "show": _show,
    "history": _history,
    "contact": _contact,
    "contacts": _contacts,
    "templates": _templates,
    "archive": _archive,
    "archived": _archived,
    "help": _help,
    "remind": _remind,
    "timezone": _timezone,
    "workweek": _workweek,
    "notify": _notify,
    "share": _share,
    "unshare": _unshare,
    "portfolio": _portfolio,
    "plan": _plan,
    "skip": _skip,
    "unskip": _unskip,
}


# Commands whose follow-ups (DMs) go out with the requesting workspace's client.
WITH_CLIENT = {"undo": _undo, "contact": _contact, "archive": _archive}
# Subcommands as metric labels: a bounded set, whatever people type ("unknown" for the rest).
KNOWN = frozenset(HANDLERS) | frozenset(signoff.COMMANDS) | {"export", "remind"}


def register(app: App, rt: Runtime) -> None:
    @app.command("/checklist")
    def checklist_command(ack: Ack, command: dict, client: WebClient) -> BoltResponse | None:
        head = (command.get("text") or "").strip().partition(" ")[0].lower()
        name = head if head in KNOWN else ("help" if not head else "unknown")
        try:
            response = _run(ack, command, client)
        except Exception as exc:
            metrics.command_done(name, outcome_of(exc))
            raise
        metrics.command_done(name, "ok")
        return response

    def _run(ack: Ack, command: dict, client: WebClient) -> BoltResponse | None:
        cmd = parse(command.get("text", ""))
        who = Who(
            team_id=command.get("team_id", ""),
            channel_id=command["channel_id"],
            user_id=command["user_id"],
            archived=cmd.archived,
        )
        if cmd.name in signoff.COMMANDS:
            signoff.COMMANDS[cmd.name](rt, who, cmd, command, ack, client)
            return None
        if cmd.name == "remind":
            ack(**_remind(rt, who, cmd, command.get("response_url"), client))
            return None
        if cmd.name == "export":
            ack(**_export(rt, who, cmd, command.get("response_url"), client))
            return None
        if cmd.name in WITH_CLIENT:
            ack(**WITH_CLIENT[cmd.name](rt, who, cmd, client))
            return None
        if cmd.name in ("start", "skip"):
            handler = _start if cmd.name == "start" else _skip
            ack(**handler(rt, who, cmd, command.get("response_url"), client))
            return None
        if cmd.name == "done":
            ack(**_done(rt, who, cmd, command.get("response_url")))
            return None
        return acknowledge(ack, HANDLERS[cmd.name](rt, who, cmd))


__all__ = ["register", "HANDLERS", "ephemeral"]
