"""The status message: progress, phases, open items with a menu each. Pure: Board in, blocks out.

A message holds at most 50 blocks, so a big checklist degrades in steps: finished phases collapse to one
line first, then open items past the budget are summarised per phase ("+12 more open items · /checklist
status 4"), so any template, even one with hundreds of items, renders inside Slack's limits.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.checklists import rules
from bot.checklists.dates import plain_date, slack_day
from bot.checklists.service import Board
from bot.slack.blocks import MESSAGE_BLOCKS, Block, context, divider, message, option, overflow, section
from bot.slack.ids import Action, MenuChoice
from bot.slack.payloads import ItemBlock, MenuPick, PayloadError, StatusBlock, decode, encode
from bot.slack.text import mention, progress_bar, user_text
from storage.models import Item
from storage.signoffs import PENDING


def footer_text(checklist: rules.CalendarLike) -> str:
    """`/checklist help` · dates in Pacific/Fiji (and the working week when it is not Monday–Friday)."""
    week = "" if checklist.workweek == rules.DEFAULT_WORKWEEK else f" · week {rules.WORKWEEK_NAMES[checklist.workweek]}"
    return f"`/checklist help` · dates in {checklist.timezone}{week}"


def status_block_id(checklist_id: int, phase: int | None) -> str:
    return encode(StatusBlock(checklist_id, phase))


def parse_status_block_id(block_id: str) -> tuple[int, int | None] | None:
    try:
        block = decode(StatusBlock, block_id)
    except PayloadError:
        return None
    return block.checklist_id, block.phase


def due_text(item: rules.ItemLike, today: date) -> str:
    """`due Wed 4 Mar`, with `⚠️ overdue 3 days` when it is (the rule is `rules.days_overdue`), for an item that
    has a due date. The due date is a plain date, the same day for every reader; `today` is the checklist's
    (`rules.today`)."""
    if item.due_date is None:
        raise ValueError(f"item {item.number} has no due date to show")
    due = f"due {plain_date(item.due_date, today)}"
    late = rules.days_overdue(item, today)
    if late:
        due += f" · ⚠️ *overdue* {days(late)}"
    return due


def days(n: int) -> str:
    """`1 day`, `3 days`: how long an item is overdue, said one way everywhere."""
    return f"{n} day{'s' if n != 1 else ''}"


def owners_text(item: Item) -> str:
    """`@ana, @bob` (every owner), or `unassigned`."""
    people = rules.owners(item)
    return ", ".join(mention(u) for u in people) if people else mention(None)


def item_line(item: Item, board: Board, *, extra: str = "") -> str:
    """One item as mrkdwn: box, number, title, owners, due date and the overdue flag; a not-applicable item is
    struck through with its reason."""
    if rules.is_skipped(item):
        reason = f": {user_text(item.skip_reason)}" if item.skip_reason else ""
        return f"➖ ~*{item.number}*  {user_text(item.title)}~\nnot applicable{reason} ({mention(item.skipped_by)})"
    box = "✅" if rules.is_done(item) else ("🔏" if rules.needs_signoff(item) else "☐")
    bits = [owners_text(item)]
    if rules.is_done(item):
        bits = [f"done by {mention(item.done_by)}" + (f" {slack_day(item.done_at)}" if item.done_at else "")]
    elif item.due_date is not None:
        bits.append(due_text(item, board.today))
    blocked = [] if rules.is_closed(item) else rules.blocked_by(item, board.items)
    if blocked:
        bits.append(f"⛓️ waits for {', '.join(blocked)}")
    notes = board.note_counts.get(item.pk, 0)
    if notes:
        bits.append(f"📝 {notes}")
    if extra:
        bits.append(extra)
    return f"{box} *{item.number}*  {user_text(item.title)}\n{' · '.join(bits)}"


def item_menu(item: Item, checklist_id: int) -> dict[str, Any]:
    def opt(label: str, choice: MenuChoice) -> dict[str, Any]:
        return option(label, encode(MenuPick(choice, checklist_id, item.number)))

    if rules.is_closed(item):
        first = [opt("↩️ Reopen", MenuChoice.UNDO)]
    elif rules.needs_signoff(item):
        first = [opt("🔏 Request sign-off", MenuChoice.SIGNOFF)]
    else:
        first = [opt("✅ Mark done", MenuChoice.DONE)]
    rest = [
        opt("👤 Assign…", MenuChoice.ASSIGN),
        opt("📅 Due date…", MenuChoice.DUE),
        opt("📝 Add note…", MenuChoice.NOTE),
        opt("🔍 Details", MenuChoice.SHOW),
    ]
    return overflow(Action.ITEM_MENU, first + rest)


def _summary(board: Board) -> str:
    p = rules.progress(board.items, board.today)
    bits = [f"*{p.done}/{p.total} done*  `{progress_bar(p.done, p.total)}`  {p.percent}%"]
    if p.skipped:
        bits.append(f"➖ {p.skipped} not applicable")
    if p.overdue:
        bits.append(f"⚠️ {p.overdue} overdue")
    pending = [r.request for r in board.signoffs.values() if r.request.status == PENDING]
    if pending:
        oldest = max((board.today - r.created_at.date()).days for r in pending)
        many = "s" if len(pending) != 1 else ""
        bits.append(f"⏳ {len(pending)} sign-off{many} waiting" + (f" {oldest} days" if oldest else ""))
    if rules.is_complete(board.items):
        bits.append("🎉 complete")
    return "   ·   ".join(bits)


def _merge(lines: list[str], limit: int = 2900) -> str:
    """Phase summary lines in one section, cut at whole lines to stay inside the 3,000-character limit."""
    out: list[str] = []
    size = 0
    for i, line in enumerate(lines):
        if size + len(line) + 1 > limit - 80:
            out.append(f"_… and {len(lines) - i} more phases · `/checklist status <phase>`_")
            break
        out.append(line)
        size += len(line) + 1
    return "\n".join(out)


def status_view(
    board: Board, phase: int | None = None, *, extra_lines: dict[str, str] | None = None, archived: int | None = None
) -> dict[str, Any]:
    """The whole status message (`phase=None`) or one phase in full, done items included.

    `extra_lines` maps an item number to a short note shown on its line (pending sign-offs, for instance).
    `archived` (its number in `/checklist archived`) renders an archived checklist: read-only, no menus.
    """
    extra_lines = extra_lines or {}
    checklist = board.checklist
    where = f"<#{checklist.channel_id}>"
    if archived is not None and checklist.archived_at is not None:
        where += f" · 🗄️ archived {slack_day(checklist.archived_at)} (archived {archived}, read-only)"
    head = section(
        f"📋 *{user_text(checklist.title)}* · {where}\n{_summary(board)}",
        block_id=status_block_id(checklist.pk, phase),
    )
    blocks: list[Block] = [head, divider()]
    footer = [divider(), context(footer_text(checklist))]
    budget = MESSAGE_BLOCKS - len(blocks) - len(footer)

    phases = [p for p in board.phases if phase is None or p.number == phase]
    groups: list[tuple[str, list[Item]]] = []  # (phase header text, items to show with a menu)
    for p in phases:
        items = board.phase_items(p.number)
        done = sum(rules.is_done(i) for i in items)
        skipped = sum(rules.is_skipped(i) for i in items)
        shown = items if phase is not None else [i for i in items if rules.is_open(i)]
        tick = " ✅" if items and done + skipped == len(items) else ""
        na = f" · {skipped} n/a" if skipped else ""
        groups.append((f"*{p.number}  {user_text(p.name)}*   {done}/{len(items) - skipped}{na}{tick}", shown))

    # Greedy layout: phases in order, each with as many of its items as fit. Phases with nothing to show,
    # and phases that no longer fit, become one-line summaries merged into a single block.
    kind = "items" if phase is not None else "open items"
    lines: list[str] = []
    body_start = len(blocks)
    for idx, (header, shown) in enumerate(groups):
        if not shown:
            lines.append(header)
            continue
        left = budget - (len(blocks) - body_start)
        later = idx + 1 < len(groups)
        room = left - (1 if lines else 0) - 1 - (1 if later else 0)
        pnum = shown[0].phase_number
        if room < 1:
            lines.append(f"{header} · {len(shown)} {kind} · `/checklist status {pnum}`")
            continue
        if lines:
            blocks.append(section(_merge(lines)))
            lines = []
        take = shown[:room]
        hidden = len(shown) - len(take)
        if hidden:
            header += f"\n_+{hidden} more {kind} · `/checklist status {pnum}`_"
        blocks.append(section(header))
        group_name = None
        for item in take:
            line = item_line(item, board, extra=extra_lines.get(item.number, ""))
            if item.group and item.group != group_name:
                group_name = item.group
                line = f"_{user_text(item.group)}_\n{line}"
            menu = None if archived is not None else item_menu(item, checklist.pk)
            blocks.append(section(line, accessory=menu, block_id=encode(ItemBlock(checklist.pk, item.number))))
    if lines:
        blocks.append(section(_merge(lines)))

    # A safety net: never hand Slack more than a message holds.
    overflow_count = len(blocks) + len(footer) - MESSAGE_BLOCKS
    if overflow_count > 0:
        blocks = blocks[: len(blocks) - overflow_count - 1] + [
            section("_More items than one message can hold: use `/checklist status <phase>`._")
        ]
    blocks += footer
    progress = rules.progress(board.items, board.today)
    fallback = f"{user_text(checklist.title)}: {progress.text}" + (
        f", {progress.overdue} overdue" if progress.overdue else ""
    )
    return message(fallback, blocks)
