"""The weekly channel digest, the overdue nudge DM and the `/checklist remind` answers. Pure: data in, blocks out.

Each list shows at most `MAX_LINES` items and stays under a section's 3,000 characters, so a digest for a
200-item checklist is a handful of blocks, far inside Slack's limits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from bot.checklists import rules
from bot.checklists.dates import plain_date, slack_datetime
from bot.reminders.digest import Digest
from bot.reminders.refusals import NoDigestToStop
from bot.reminders.schedule import Weekly, describe
from bot.reminders.service import DmSetting, RemindStatus, ScheduleInfo
from bot.slack.blocks import Block, context, message, section
from bot.slack.text import count, mention, progress_bar, truncate, user_text
from bot.slack.wording import says

MAX_LINES = 10
SECTION_BUDGET = 2800
TITLE_MAX = 80


def _title(text: str) -> str:
    return user_text(truncate(" ".join(text.split()), TITLE_MAX))


def _list(head: str, rows: Sequence[Any], line: Callable[[Any], str], more: str) -> str:
    """A heading plus up to MAX_LINES bullet lines, cut to fit a section, with a "+N more" tail."""
    text, shown = head, 0
    for row in rows[:MAX_LINES]:
        candidate = f"{text}\n• {line(row)}"
        if len(candidate) > SECTION_BUDGET - 80:
            break
        text, shown = candidate, shown + 1
    if shown < len(rows):
        text += f"\n_+{len(rows) - shown} more · {more}_"
    return text


def _owners(item: Any) -> str:
    return ", ".join(mention(u) for u in rules.owners(item)) or mention(None)


def _progress(d: Digest) -> str:
    delta = f" (+{d.done_delta} this week)" if d.done_delta else ""
    percent = rules.Progress(d.done, d.total, len(d.overdue)).percent
    return f"*{d.done}/{d.total} done*{delta}  `{progress_bar(d.done, d.total)}`  {percent}%"


def digest_view(d: Digest, *, allow_quiet: bool = True) -> dict[str, Any]:
    """The digest message for the channel; one line when `d.quiet` (and `allow_quiet`)."""
    waiting = f" · ⏳ {count(len(d.signoffs), 'sign-off')} waiting" if d.signoffs else ""
    if allow_quiet and d.quiet:
        line = f"✅ On track: *{_title(d.title)}* is at {d.done}/{d.total} done, nothing overdue{waiting}."
        return message(f"On track: {d.done}/{d.total} done, nothing overdue.", [section(line)])

    blocks: list[Block] = [
        section(f"🗓️ *Weekly checklist digest* · <#{d.channel_id}> · *{_title(d.title)}*\n{_progress(d)}")
    ]
    if d.overdue:
        blocks.append(
            section(
                _list(
                    f"⚠️ *Overdue ({len(d.overdue)})*",
                    d.overdue,
                    lambda i: (
                        f"*{i.number}* {_title(i.title)} — {_owners(i)}, "
                        f"{count(rules.days_overdue(i, d.today), 'day')} overdue"
                    ),
                    "`/checklist status`",
                )
            )
        )
    else:
        blocks.append(section("✅ Nothing overdue: the project is on track."))
    if d.due_soon:
        blocks.append(
            section(
                _list(
                    f"📅 *Due in the next 7 days ({len(d.due_soon)})*",
                    d.due_soon,
                    lambda i: f"*{i.number}* {_title(i.title)} — {_owners(i)}, {plain_date(i.due_date, d.today)}",
                    "`/checklist status`",
                )
            )
        )
    if d.signoffs:
        blocks.append(
            section(
                _list(
                    f"⏳ *Waiting for sign-off ({len(d.signoffs)})*",
                    d.signoffs,
                    lambda pair: (
                        f"*{pair[0].number}* {_title(pair[0].title)} — "
                        + ", ".join(mention(u) for u in pair[1].waiting_on[:5])
                        + f", {count(max((d.today - pair[1].requested_at.date()).days, 0), 'day')}"
                    ),
                    "`/checklist status`",
                )
            )
        )
    if d.unowned_open:
        blocks.append(section(f"👤 Open with no owner: {d.unowned_open} · `/checklist assign <item> @someone`"))
    if d.changes:
        blocks.append(section(changes_text(d.changes)))
    blocks.append(context("`/checklist status` shows everything · `/checklist remind off` stops this digest"))
    overdue = f", {len(d.overdue)} overdue" if d.overdue else ", nothing overdue"
    return message(f"Weekly checklist digest: {d.done}/{d.total} done{overdue}.", blocks)


# How the history's actions read in the digest's "changes this week" (others show as they are stored).
CHANGE_VERBS = {
    "done": "done",
    "undo": "reopened",
    "assign": "assigned",
    "due": "dated",
    "note": "noted",
    "add": "added",
    "remove": "removed",
    "signoff_request": "asked sign-off",
    "signoff_approve": "approved",
    "signoff_reject": "rejected",
    "signoff_cancel": "cancelled sign-off",
    "signoff_withdraw": "withdrew sign-off",
    "contact": "contacts",
    "start": "started",
    "timezone": "timezone",
    "workweek": "working week",
    "notify": "notices",
    "share": "shared",
    "unshare": "unshared",
    "skip": "skipped",
    "unskip": "unskipped",
    "plan": "planned",
}
CHANGE_NUMBERS = 6  # item numbers listed per action; the rest are counted
CHANGE_LINE = 300


def _change_part(action: str, numbers: Sequence[str], n: int) -> str:
    verb = user_text(CHANGE_VERBS.get(action, action.replace("_", " "))[:32])
    if not numbers:
        return f"{verb}{f' ×{n}' if n > 1 else ''}"
    listed = ", ".join(numbers[:CHANGE_NUMBERS])
    more = f" +{len(numbers) - CHANGE_NUMBERS}" if len(numbers) > CHANGE_NUMBERS else ""
    return f"{verb} {listed}{more}"


def changes_text(changes: Sequence[Any]) -> str:
    """ "📝 Changes this week (n)" with a line per person (busiest first): `@bob — done 3.3, 3.4 · dated 4.1`.
    At most MAX_LINES people, each line cut at CHANGE_LINE characters, the whole inside a section."""
    total = sum(a.total for a in changes)
    return _list(
        f"📝 *Changes this week ({total})*",
        changes,
        lambda a: truncate(
            f"{mention(a.actor_id) if rules.is_person(a.actor_id) else '_the app_'} — "
            + " · ".join(_change_part(*part) for part in a.actions),
            CHANGE_LINE,
        ),
        "`/checklist history`",
    )


def nudge_view(user_id: str, rows: Sequence[Any], now: datetime) -> dict[str, Any]:
    """One DM listing a person's overdue items across channels (`rows` carry `channel_id` and their checklist's
    timezone `ctz` too: each item is overdue by its own checklist's today)."""
    n = len(rows)
    head = f"⏰ {mention(user_id)}, you have *{count(n, 'overdue checklist item')}*"
    text = _list(
        head,
        rows,
        lambda i: (
            f"<#{i.channel_id}> *{i.number}* {_title(i.title)} — "
            f"due {plain_date(i.due_date, rules.today(i.ctz, now))}, "
            f"{count(rules.days_overdue(i, rules.today(i.ctz, now)), 'day')} overdue"
        ),
        "`/checklist status` in each channel",
    )
    blocks = [
        section(text),
        context(
            "Mark them done or move the date with `/checklist done` / `/checklist due` · "
            "`/checklist remind dm snooze 3` pauses these · `/checklist remind dm off` stops them"
        ),
    ]
    return message(f"You have {count(n, 'overdue checklist item')}.", blocks)


PAUSE_REASONS = {
    "not_in_channel": "I am not a member of this channel any more; invite me with `/invite`",
    "channel_not_found": "Slack could not find this channel for me (is it private without me in it?)",
    "is_archived": "the channel is archived",
    "channel_is_archived": "the channel is archived",
}


def dm_setting_text(s: DmSetting) -> str:
    """How a person's overdue reminders by DM stand: `*on*: one DM on your working days …`."""
    if not s.enabled:
        return "*off* (`/checklist remind dm on` turns them back on)"
    if s.snoozed_until is not None:
        return f"*snoozed* until {s.snoozed_until.isoformat()} inclusive (`/checklist remind dm on` resumes)"
    tz = f" {s.timezone}" if s.timezone else ""
    week = rules.WORKWEEK_NAMES.get(s.workweek, "Monday–Friday")
    return f"*on*: one DM on your working days ({week}) at 09:00{tz} when you own overdue items"


def dm_set_text(s: DmSetting) -> str:
    """The answer to `/checklist remind dm on|off|snooze <days>`."""
    return "📬 Your overdue reminders by DM are now " + dm_setting_text(s) + "."


def workweek_set_text(s: DmSetting) -> str:
    """The answer to `/checklist remind dm workweek <week>`."""
    return (
        f"📬 Your working week is now *{rules.WORKWEEK_NAMES[s.workweek]}*: overdue reminders by DM come on "
        f"those days, and `remind dm snooze <n>` skips n of them. Reminders: {dm_setting_text(s)}."
    )


def digest_set_text(user_id: str, info: ScheduleInfo) -> str:
    """The answer to `/checklist remind weekly …`, in the channel."""
    what = "portfolio" if info.portfolio else "checklist digest"
    return (
        f"🗓️ {mention(user_id)} set a weekly {what} for this channel: {describe(info.weekly)}, "
        f"next {slack_datetime(info.next_run)}. `/checklist remind` shows it, `/checklist remind off` stops it."
    )


def digest_stopped_text(user_id: str, weekly: Weekly) -> str:
    """The answer to `/checklist remind off`, in the channel."""
    return f"🔕 {mention(user_id)} stopped the weekly digest here ({describe(weekly)})."


def remind_status_view(status: RemindStatus) -> dict[str, Any]:
    """The answer to `/checklist remind`: this channel's digest schedule and the caller's DM setting."""
    s = status.schedule
    if s is None:
        lines = ["🗓️ No weekly digest in this channel. Set one with `/checklist remind weekly monday 09:00`."]
    elif s.paused:
        lines = [
            f"⏸️ The weekly digest here ({describe(s.weekly)}) is *paused*: {PAUSE_REASONS.get(s.paused, s.paused)}. "
            "Set it again with `/checklist remind weekly …` once that is fixed."
        ]
    else:
        lines = [
            f"🗓️ Weekly digest here: {describe(s.weekly)} · next {slack_datetime(s.next_run)}. "
            "`/checklist remind now` posts one now."
        ]
    lines.append(f"📬 Your overdue reminders by DM: {dm_setting_text(status.dm)}.")
    text = "\n".join(lines)
    blocks = [
        section(text),
        context(
            "`remind weekly <day> <HH:MM> [timezone]` · `remind off` · `remind now` · `remind dm on|off|snooze <days>`"
        ),
    ]
    return message(text, blocks, response_type="ephemeral")


@says(NoDigestToStop)
def _no_digest_to_stop(r: NoDigestToStop) -> str:
    return "There is no weekly digest in this channel, so there is nothing to stop."
