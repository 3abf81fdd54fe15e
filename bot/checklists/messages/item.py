"""One item in full (`show`) and the change log (`history`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.checklists import rules
from bot.checklists.dates import plain_date, slack_datetime, slack_day
from bot.checklists.messages.status import due_text
from bot.checklists.service import ItemDetail
from bot.signoffs.messages import record_lines
from bot.slack.blocks import MESSAGE_BLOCKS, context, divider, message, section
from bot.slack.text import mention, truncate, user_text
from storage.models import Checklist, Event

MAX_NOTES_SHOWN = 10


def _value(action: str, value: str | None, today: date | None = None) -> str:
    if value is None or value == "":
        return {"assign": "unassigned", "due": "no date"}.get(action, "—")
    if action == "assign":
        return _people(value)
    if action == "due":
        try:
            return plain_date(date.fromisoformat(value), today)
        except ValueError:
            return user_text(value)
    if action == "workweek":
        return rules.WORKWEEK_NAMES.get(value, user_text(value))
    return user_text(truncate(value, 120))


def _actor(actor_id: str) -> str:
    return mention(actor_id) if actor_id[:1] in ("U", "W") else user_text(actor_id)


def _people(ids: str | None) -> str:
    return ", ".join(mention(u) for u in (ids or "").split()) or "nobody"


def _signoff_event(action: str, item: str, old: str | None, new: str | None) -> str:
    note = f" (note: “{_value(action, new)}”)" if new else ""
    return {
        "signoff_request": f"asked {_people(old)} to sign off {item}{note}",
        "signoff_approve": f"approved the sign-off of {item}",
        "signoff_reject": f"rejected the sign-off of {item}: “{_value(action, new)}”",
        "signoff_cancel": f"withdrew the sign-off request for {item}" + (f" ({_value(action, new)})" if new else ""),
        "signoff_supersede": f"replaced the pending sign-off request for {item}",
        "signoff_done": f"completed {item} by sign-off (signed off by {_people(new)})",
        "signoff_escalate": f"escalated the sign-off of {item} (waiting too long)",
        "signoff_backup": f"asked the backup {_people(new)} to sign off {item}",
        "signoff_withdraw": f"withdrew the sign-off of {item}: “{_value(action, new)}”",
    }.get(action, f"{user_text(action)} {item}")


def _contacts_change(old: str | None, new: str | None) -> str:
    """`contact` events store `role: U1 U2`; shown as mentions: set the *security* contacts to @cara (were @bob)."""
    role, _, after = (new or "").partition(":")
    _, _, before = (old or "").partition(":")
    role = user_text(role.strip())
    was = f" (were {_people(before)})" if before.split() else ""
    if not after.split():
        return f"cleared the *{role}* contacts{was}"
    return f"set the *{role}* contacts to {_people(after)}{was}"


def _newest_lines(lines: list[str], limit: int) -> str:
    """The newest whole lines that fit in `limit` characters: never a date token or mention cut in half."""
    kept: list[str] = []
    size = 0
    for line in reversed(lines):
        if size + len(line) + 1 > limit:
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join(reversed(kept))


def event_line(event: Event, today: date | None = None) -> str:
    """One change: when (a moment: Slack's date token), who, what, old → new (due dates as plain dates, with the
    year unless it is `today`'s)."""
    when = slack_datetime(event.at, "{date_short} {time}")
    who = _actor(event.actor_id)
    item = f"*{event.item_number}* " if event.item_number else ""
    a = event.action
    if a == "done":
        what = f"marked {item}done"
    elif a == "undo":
        what = f"reopened {item}".rstrip()
        _, _, deps = (event.new or "").partition(": ")
        if deps.split():
            many = len(deps.split()) > 1
            verb, was = ("wait", "were") if many else ("waits", "was")
            what += f" ({', '.join(deps.split())} {verb} for it and {was} already done)"
    elif a == "note":
        what = f"noted on {item}“{_value(a, event.new)}”"
    elif a == "start":
        what = f"started the checklist from `{user_text(event.new or '')}`"
    elif a == "add":
        what = f"added {item}“{_value(a, event.new)}”"
    elif a == "remove":
        what = f"removed {item}“{_value(a, event.old)}”"
    elif a == "archive":
        what = "archived the checklist"
    elif a == "erase":
        what = "erased a person's data on request: their id was replaced by a pseudonym"
    elif a == "contact":
        what = _contacts_change(event.old, event.new)
    elif a.startswith("signoff_"):
        what = _signoff_event(a, f"*{event.item_number}*" if event.item_number else "", event.old, event.new)
    elif a == "assign":
        was = f" (was {_value(a, event.old, today)})"
        what = f"assigned {item}to {_people(event.new)}{was}" if event.new else f"unassigned {item}{was}"
    elif a == "skip":
        what = f"marked {item}not applicable: “{_value(a, event.new)}”"
    elif a == "unskip":
        what = f"made {item}applicable again" + (
            f" (was not applicable: “{_value(a, event.old)}”)" if event.old else ""
        )
    elif a == "skip_request":
        what = f"asked {_people(event.old)} to agree that {item}is not applicable: “{_value(a, event.new)}”"
    elif a == "plan":
        what = f"planned the checklist: {_value(a, (event.new or '').split(chr(10))[0])}"
    elif a == "due":
        was = f" (was {_value(a, event.old, today)})"
        what = (
            f"set the due date of {item}to {_value(a, event.new, today)}{was}"
            if event.new
            else f"cleared the due date of {item}{was}"
        )
    elif a == "timezone":
        what = f"set the timezone to {_value(a, event.new)} (was {_value(a, event.old)})"
    elif a == "workweek":
        what = f"set the working week to {_value(a, event.new)} (was {_value(a, event.old)})"
    else:
        what = f"{user_text(a)} {item}{_value(a, event.old)} → {_value(a, event.new)}"
    return f"{when} · {who} {what}"


def history_view(
    checklist: Checklist, events: Sequence[Event], item: str | None, today: date | None = None
) -> dict[str, Any]:
    scope = f"item {item}" if item else user_text(checklist.title)
    if not events:
        return message(
            f"No changes yet for {scope}.", [section(f"No changes yet for {scope}.")], response_type="ephemeral"
        )
    head = f"*History of {scope}* (last {len(events)} changes, oldest first)"
    blocks = [section(head)]
    chunk: list[str] = []
    for line in (event_line(e, today) for e in events):
        if sum(len(c) + 1 for c in chunk) + len(line) > 2900:
            blocks.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(section("\n".join(chunk)))
    return message(head, blocks[:MESSAGE_BLOCKS], response_type="ephemeral")


def show_view(detail: ItemDetail) -> dict[str, Any]:
    item = detail.item
    state = "✅ done" if rules.is_done(item) else "☐ open"
    if rules.is_done(item):
        state += f" by {mention(item.done_by)}" + (f" {slack_day(item.done_at)}" if item.done_at else "")
    if rules.is_skipped(item):
        state = f"➖ not applicable: {user_text(item.skip_reason or '')} ({mention(item.skipped_by)}" + (
            f" {slack_day(item.skipped_at)})" if item.skipped_at else ")"
        )
    people = rules.owners(item)
    facts = [state, ("owners " if len(people) > 1 else "owner ") + (", ".join(map(mention, people)) or mention(None))]
    if item.due_date:
        facts.append(due_text(item, detail.today))
    if item.signoff_role:
        facts.append(f"needs sign-off from *{user_text(item.signoff_role)}*")
    if item.owner_role:
        facts.append(f"role *{user_text(item.owner_role)}*")
    head = f"*{item.number}  {user_text(item.title)}*"
    blocks = [section(head + "\n" + " · ".join(facts))]
    if item.detail and item.detail != item.title:
        blocks.append(context(user_text(item.detail)))
    if item.help_url:
        blocks.append(context(f"<{item.help_url.replace('>', '%3E')}|Guidance for this step>"))
    blocks.append(divider())
    notes = list(detail.notes)
    if notes:
        hidden = len(notes) - MAX_NOTES_SHOWN
        if hidden > 0:
            blocks.append(context(f"{hidden} earlier notes not shown"))
        for note in notes[-MAX_NOTES_SHOWN:]:
            blocks.append(
                section(f"📝 {mention(note.author_id)} · {slack_datetime(note.created_at)}\n{user_text(note.text)}")
            )
    else:
        blocks.append(context(f"No notes yet · `/checklist note {item.number} <text>`"))
    if detail.signoffs:
        lines = record_lines(detail.signoffs)
        blocks.append(divider())
        blocks.append(section("*Sign-offs*\n" + truncate("\n".join(lines), 2980)))
    if detail.events:
        blocks.append(divider())
        blocks.append(
            section("*History*\n" + _newest_lines([event_line(e, detail.today) for e in detail.events], 2900))
        )
    return message(f"{item.number} {user_text(item.title)}", blocks[:MESSAGE_BLOCKS], response_type="ephemeral")
