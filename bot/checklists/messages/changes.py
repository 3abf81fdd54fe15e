"""What the checklists feature says about a change (`bot.checklists.changes`): one sentence per kind of event,
with every piece of user text escaped (`bot.slack.text`)."""

from __future__ import annotations

from functools import singledispatch

from bot.checklists import changes as ev
from bot.checklists import rules
from bot.checklists.dates import plain_date
from bot.checklists.service import Archived, Board, Change, ContactChange, PlanResult
from bot.reminders.schedule import describe
from bot.slack.text import mention, user_text


def people(ids: tuple[str, ...] | list[str]) -> str:
    return ", ".join(mention(u) for u in ids)


def change_text(change: Change) -> str:
    """The answer to a change (`Change.event`), with what its plan did when it planned."""
    if isinstance(change.event, ev.Started):
        text = started_text(change.event, change.board)
        return text + (f"\n{plan_text(change.plan, change.board)}" if change.plan else "")
    if isinstance(change.event, ev.Planned):
        assert change.plan is not None
        return (
            f"🗓️ {mention(change.event.by)} planned *{user_text(change.event.title)}*: "
            f"{plan_text(change.plan, change.board)}"
        )
    return event_text(change.event)


@singledispatch
def event_text(event: object) -> str:
    """The sentence for one event of `bot.checklists.changes`."""
    raise TypeError(f"no sentence for {type(event).__qualname__}")


def _item(number: str, title: str) -> str:
    return f"*{number} {user_text(title)}*"


@event_text.register
def _done(e: ev.ItemDone) -> str:
    tail = f" with a note: {user_text(e.note)}" if e.note else ""
    return f"✅ {mention(e.by)} marked {_item(e.number, e.title)} done{tail}"


@event_text.register
def _reopened(e: ev.Reopened) -> str:
    text = f"↩️ {mention(e.by)} reopened {_item(e.number, e.title)}"
    if e.signed_off:
        text = (
            f"↩️ {mention(e.by)} withdrew the sign-off of {_item(e.number, e.title)} "
            f"and reopened it: “{user_text(e.reason)}”. It needs a new sign-off "
            f"(`/checklist signoff {e.number}`)."
        )
    elif e.reason:
        text += f": {user_text(e.reason)}"
    deps = e.done_dependents
    if deps:
        one = len(deps) == 1
        text += (
            f"\n⛓️ {', '.join(f'*{d}*' for d in deps)} "
            f"{'waits' if one else 'wait'} for {e.number} and "
            f"{'is' if one else 'are'} already done: check "
            f"{'it' if one else 'them'} (`/checklist undo <item>` reopens)."
        )
    return text


@event_text.register
def _skipped(e: ev.Skipped) -> str:
    return f"➖ {mention(e.by)} marked {_item(e.number, e.title)} not applicable: {user_text(e.reason)}"


@event_text.register
def _unskipped(e: ev.Unskipped) -> str:
    return f"↩️ {mention(e.by)} made {_item(e.number, e.title)} applicable again (open)"


@event_text.register
def _owners(e: ev.OwnersSet) -> str:
    what = f"assigned to {people(e.owners)}" if e.owners else "now unassigned"
    return f"👤 {_item(e.number, e.title)} is {what} (by {mention(e.by)})"


@event_text.register
def _due(e: ev.DueSet) -> str:
    if e.due is None:
        return f"📅 {_item(e.number, e.title)} has no due date now (by {mention(e.by)})"
    flag = " ⚠️ that date has passed, so it is overdue" if e.overdue else ""
    return f"📅 {_item(e.number, e.title)} is due {plain_date(e.due, e.today)}{flag} (by {mention(e.by)})"


@event_text.register
def _note(e: ev.NoteAdded) -> str:
    return f"📝 {mention(e.by)} added a note to {_item(e.number, e.title)}: {user_text(e.text)}"


@event_text.register
def _added(e: ev.ItemAdded) -> str:
    return f"➕ {mention(e.by)} added {_item(e.number, e.title)} to phase {e.phase} ({user_text(e.phase_name)})"


@event_text.register
def _removed(e: ev.ItemRemoved) -> str:
    return f"➖ {mention(e.by)} removed {_item(e.number, e.title)} from the checklist"


def phase_done_text(e: ev.PhaseDone) -> str:
    name = f" *{user_text(e.name)}*" if e.name is not None else ""
    return (
        f"🎉 Phase {e.phase}{name} is complete: all {e.items} item{'s' if e.items != 1 else ''} done "
        f"(the last by {mention(e.by)})."
    )


# -- the checklist ------------------------------------------------------------------------------------------------


def started_text(e: ev.Started, board: Board) -> str:
    kept = (
        f" The channel's contacts carry over ({', '.join(e.carried_roles)}); `/checklist contacts` lists them."
        if e.carried_roles
        else ""
    )
    calendar = (
        f" Dates follow {e.timezone}, working week {rules.WORKWEEK_NAMES[e.workweek]} "
        "(`/checklist timezone` · `/checklist workweek` change them)."
        if e.known_timezone
        else ""
    )
    return (
        f"{mention(e.by)} started *{user_text(e.title)}* here: "
        f"{len(board.items)} items in {len(board.phases)} phases. `/checklist status` shows it.{calendar}{kept}"
    )


def plan_text(plan: PlanResult, board: Board) -> str:
    """What a plan did: each phase's date range, who owns what, the dates kept."""
    today = board.today
    lines = [
        f"Kickoff {plain_date(plan.kickoff, today)}, working week "
        f"{rules.WORKWEEK_NAMES.get(board.checklist.workweek, board.checklist.workweek)}: "
        f"{len(plan.moved)} due date{'s' if len(plan.moved) != 1 else ''} set."
    ]
    for phase in board.phases:
        days = sorted(i.due_date for i in board.phase_items(phase.number) if i.due_date and rules.is_open(i))
        if days:
            span = plain_date(days[0], today) + (f" – {plain_date(days[-1], today)}" if days[-1] != days[0] else "")
            lines.append(f"• *{phase.number}* {user_text(phase.name)}: {span}")
    for role, numbers in sorted(plan.owned.items()):
        owners = people(plan.contacts.get(role, [])[: rules.MAX_OWNERS])
        lines.append(f"👤 *{user_text(role)}* ({owners}) own {', '.join(numbers)}")
    for role, numbers in sorted(plan.no_contacts.items()):
        stay = "stays" if len(numbers) == 1 else "stay"
        lines.append(
            f"👤 *{user_text(role)}* has no contacts, so {', '.join(numbers)} {stay} "
            f"unassigned "
            f"(`/checklist contact {role} @…`, then `/checklist plan {plan.kickoff.isoformat()}`)"
        )
    if plan.kept:
        kept = ", ".join(
            f"{n} ({plain_date(d, today) if d else 'no date'}; plan {plain_date(p, today)})" for n, d, p in plan.kept
        )
        lines.append(
            f"📌 Kept dates set by hand (or locked by a pending sign-off): {kept}. "
            f"`/checklist plan {plan.kickoff.isoformat()} all` moves those set by hand too."
        )
    return "\n".join(lines)


def archived_text(archived: Archived) -> str:
    e = archived.event
    tail = (
        f" {e.cancelled} pending sign-off request{'s were' if e.cancelled != 1 else ' was'} withdrawn."
        if e.cancelled
        else ""
    )
    return (
        f"🗄️ {mention(e.by)} archived *{user_text(e.title)}* at {e.done}/{e.total} done.{tail} "
        "Its history is kept (`/checklist archived`); the channel's contacts carry over; "
        "`/checklist start` begins a new one."
    )


def contact_text(c: ContactChange) -> str:
    """The channel's answer to `/checklist contact` (those taken out of a signing role are named, and told by DM)."""
    if not c.contacts:
        text = f"📇 The *{c.role}* role has no contacts now (by {mention(c.by)})"
    else:
        text = f"📇 *{c.role}* contacts: {people(c.contacts)} (set by {mention(c.by)})"
    if c.removed:
        text += f"; no longer {c.role}: {people(c.removed)}"
    return text


# -- the checklist's settings and where it is shown ------------------------------------------------------------


@event_text.register
def _timezone(e: ev.TimezoneSet) -> str:
    today = e.now.date()
    return (
        f"🌐 {mention(e.by)} set this checklist's timezone to *{e.timezone}* (was {e.old}): due dates, "
        f"overdue and words like `tomorrow` now follow its calendar. It is {plain_date(today, today)} "
        f"{e.now:%H:%M} there." + (f" The weekly digest moves with it: {describe(e.digest)}." if e.digest else "")
    )


@event_text.register
def _workweek(e: ev.WorkweekSet) -> str:
    return (
        f"🗓️ {mention(e.by)} set this checklist's working week to *{rules.WORKWEEK_NAMES[e.workweek]}* "
        f"(was {rules.WORKWEEK_NAMES.get(e.old, e.old)}): `in 5 working days` and sign-off escalation count these "
        "days."
    )


@event_text.register
def _notify(e: ev.NotifySet) -> str:
    if e.mode == rules.NOTIFY_QUIET:
        return (
            f"🔕 {mention(e.by)} made this checklist *quiet*: item changes (done, assign, due dates, "
            "notes…) are now answered only to the person who makes them. Phase completions, sign-off requests "
            "and outcomes still come here, and the weekly digest lists the week's changes. "
            "`/checklist notify channel` turns the notices back on."
        )
    return (
        f"🔔 {mention(e.by)} turned channel notices back on: every item change is told here again. "
        "`/checklist notify quiet` keeps them to the person who makes them."
    )


@event_text.register
def _shared(e: ev.Shared) -> str:
    return (
        f"📊 {mention(e.by)} listed *{user_text(e.title)}* in the portfolio of <#{e.channel_id}>: "
        f"`/checklist portfolio` there shows its progress, overdue items and pending sign-offs (never the "
        f"items themselves). `/checklist unshare` and that channel take it out."
    )


@event_text.register
def _unshared(e: ev.Unshared) -> str:
    return f"📊 {mention(e.by)} took *{user_text(e.title)}* out of the portfolio of <#{e.channel_id}>."
