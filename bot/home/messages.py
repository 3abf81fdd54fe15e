"""The App Home tab, per person: sign-offs waiting on them (Approve / Reject…), the open items they own (overdue
first, Mark done) and every checklist they belong to with its progress. Pure: HomeData in, a `home` view out.

A view holds at most 100 blocks, so each part has a budget and says how much more there is ("+12 more …");
however many checklists, items and sign-offs a person has, the view stays inside the limit.
"""

from __future__ import annotations

from typing import Any

from bot.checklists import rules
from bot.checklists.messages.status import due_text
from bot.checklists.service import HomeData, SignoffRecord
from bot.signoffs.messages import decision_buttons, waiting_line
from bot.slack.blocks import VIEW_BLOCKS, Block, button, context, divider, plain_text, section
from bot.slack.ids import Action
from bot.slack.payloads import HomeDone, HomeItemBlock, encode
from bot.slack.text import mention, progress_bar, truncate, user_text
from storage.models import Checklist, Item

MAX_SIGNOFFS = 15  # two blocks each
CHECKLIST_SECTIONS = 3  # lines of all checklists merged into at most this many sections
SECTION_CHARS = 2900


def _signoff_blocks(record: SignoffRecord, data: HomeData) -> list[Block]:
    r = record.request
    checklist = data.by_id.get(r.checklist_id)
    item = data.item(r.checklist_id, r.item_number)
    title = f" {user_text(item.title)}" if item else ""
    where = f" · <#{checklist.channel_id}>" if checklist else ""
    lines = [
        f"🔏 *{r.item_number}*{title}{where}",
        f"asked by {mention(r.requested_by)} · {waiting_line(record, data.today_of(r.checklist_id))}",
    ]
    if r.note:
        lines.append(f"“{user_text(truncate(r.note, 300))}”")
    return [section("\n".join(lines)), decision_buttons(r.pk)]


def _item_block(item: Item, data: HomeData) -> Block:
    checklist = data.by_id[item.checklist_id]
    bits = [f"<#{checklist.channel_id}>"]
    if item.due_date is not None:
        bits.append(due_text(item, data.today_of(item.checklist_id)))
    others = [u for u in rules.owners(item) if u != data.user_id]
    if others:
        bits.append(f"with {', '.join(mention(u) for u in others)}")
    blocked = rules.blocked_by(item, data.items.get(item.checklist_id, ()))
    if blocked:
        bits.append(f"⛓️ waits for {', '.join(blocked)}")
    block = section(
        f"☐ *{item.number}*  {user_text(item.title)}\n{' · '.join(bits)}",
        block_id=encode(HomeItemBlock(item.checklist_id, item.number)),
    )
    if rules.needs_signoff(item):
        block["text"]["text"] += (
            f"\n🔏 done by a *{user_text(item.signoff_role or '')}* sign-off: `/checklist signoff {item.number}`"
        )
    else:
        value = encode(HomeDone(item.checklist_id, checklist.channel_id, item.number))
        block["accessory"] = button("✅ Mark done", Action.HOME_DONE, value)
    return block


def _checklist_line(data: HomeData, checklist: Checklist) -> str:
    items = data.items.get(checklist.pk, [])
    p = rules.progress(items, data.today_of(checklist.pk))
    line = (
        f"*{user_text(checklist.title)}* · <#{checklist.channel_id}>\n"
        f"      {p.text}  `{progress_bar(p.done, p.total, 10)}`  {p.percent}%"
    )
    if p.overdue:
        line += f" · ⚠️ {p.overdue} overdue"
    if rules.is_complete(items):
        line += " · 🎉 complete"
    return line


def _merged(lines: list[str], sections: int) -> tuple[list[Block], int]:
    """Lines packed into at most `sections` sections; returns the blocks and how many lines did not fit."""
    blocks: list[Block] = []
    chunk: list[str] = []
    size = 0
    for i, line in enumerate(lines):
        if chunk and size + len(line) + 1 > SECTION_CHARS:
            blocks.append(section("\n".join(chunk)))
            chunk, size = [], 0
            if len(blocks) == sections:
                return blocks, len(lines) - i
        chunk.append(line)
        size += len(line) + 1
    if chunk:
        blocks.append(section("\n".join(chunk)))
    return blocks, 0


def home_view(data: HomeData, notice: str | None = None) -> dict[str, Any]:
    """The person's Home. `notice` (mrkdwn) is shown on top, e.g. why a click from Home changed nothing."""
    blocks: list[Block] = [{"type": "header", "text": plain_text("📋 Your checklists", 150)}]
    if notice:
        blocks.append(section(f"⚠️ {notice}"))

    checklist_lines = [_checklist_line(data, c) for c in data.checklists]
    checklist_blocks, hidden_checklists = _merged(checklist_lines, CHECKLIST_SECTIONS)
    # What follows the sign-offs and items: dividers, headings, "+N more" lines and the footer.
    tail = 2 + 1 + len(checklist_blocks) + 1 + 1

    signoffs = list(data.signoffs)
    blocks.append(section(f"*⏳ Sign-offs waiting on you* ({len(signoffs)})"))
    shown = signoffs[:MAX_SIGNOFFS]
    for record in shown:
        blocks += _signoff_blocks(record, data)
    if len(signoffs) > len(shown):
        blocks.append(context(f"+{len(signoffs) - len(shown)} more · `/checklist signoffs` in each channel"))
    elif not signoffs:
        blocks.append(context("Nothing waits on you."))

    items = data.own_open_items()
    overdue = sum(rules.is_overdue(i, data.today_of(i.checklist_id)) for i in items)
    blocks.append(divider())
    head = f"*☐ Your open items* ({len(items)}" + (f" · ⚠️ {overdue} overdue)" if overdue else ")")
    blocks.append(section(head))
    room = VIEW_BLOCKS - len(blocks) - tail - 1  # one line for "+N more"
    for item in items[: max(room, 0)]:
        blocks.append(_item_block(item, data))
    if len(items) > max(room, 0):
        blocks.append(context(f"+{len(items) - max(room, 0)} more open items · `/checklist status` in each channel"))
    elif not items:
        blocks.append(context("No open items are assigned to you."))

    blocks.append(divider())
    blocks.append(section(f"*📋 Checklists you belong to* ({len(data.checklists)})"))
    if checklist_blocks:
        blocks += checklist_blocks
    else:
        blocks.append(
            context("None yet. In a project channel, `/checklist start` creates one; `/checklist help` lists the rest.")
        )
    if hidden_checklists:
        blocks.append(context(f"+{hidden_checklists} more checklists"))
    blocks.append(context("`/checklist help` lists every command · due dates follow each checklist's calendar"))
    return {"type": "home", "blocks": blocks[:VIEW_BLOCKS]}
