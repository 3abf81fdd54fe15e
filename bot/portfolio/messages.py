"""The leads' portfolio message: one line per shared checklist. Pure: data in, blocks out.

Lines are packed into sections under a section's 3,000 characters and at most `MAX_SECTIONS` of them, so a
portfolio of 200 checklists stays inside a message's 50 blocks."""

from __future__ import annotations

from typing import Any

from bot.checklists.dates import plain_date
from bot.portfolio.service import Portfolio, PortfolioLine
from bot.slack.blocks import Block, context, message, section
from bot.slack.text import count, truncate, user_text

SECTION_BUDGET = 2800
MAX_SECTIONS = 20
TITLE_MAX = 60


def portfolio_line(pl: PortfolioLine, p: Portfolio) -> str:
    """`<#C…> *Title* · 12/25 done (48%) · ⚠️ 2 overdue · ⏳ 1 sign-off, oldest 3 days · next due 3.4 Fri 4 Dec`."""
    title = user_text(truncate(" ".join(pl.title.split()), TITLE_MAX))
    parts = [f"<#{pl.channel_id}> *{title}*", f"{pl.done}/{pl.total} done ({pl.percent}%)"]
    parts.append(f"⚠️ {pl.overdue} overdue" if pl.overdue else "nothing overdue")
    if pl.signoffs:
        n = len(pl.signoffs)
        items = ", ".join(number for number, _ in pl.signoffs[:3]) + ("…" if n > 3 else "")
        parts.append(
            f"⏳ {count(n, 'sign-off')} pending ({items}), oldest {count(pl.oldest_signoff_days(p.now) or 0, 'day')}"
        )
    if pl.next_due is not None:
        number, day = pl.next_due
        parts.append(f"next due {number} {plain_date(day, pl.today)}")
    elif pl.done == pl.total and pl.total:
        parts.append("✅ complete")
    return " · ".join(parts)


def no_portfolio_text() -> str:
    """Why `/checklist portfolio` has nothing to show in this channel."""
    return (
        "No checklist is shared to this channel, so there is no portfolio here yet. In a project's channel, "
        "a lead of its checklist types `/checklist share #this-channel`."
    )


def portfolio_view(p: Portfolio, *, weekly: bool = False) -> dict[str, Any]:
    n = len(p.lines) + p.more
    kind = "Weekly portfolio" if weekly else "Portfolio"
    head = f"📊 *{kind}* · <#{p.channel_id}> · {count(n, 'checklist')}"
    blocks: list[Block] = [section(head)]
    text, shown = "", 0
    for pl in p.lines:
        line = f"• {portfolio_line(pl, p)}"
        if text and len(text) + 1 + len(line) > SECTION_BUDGET:
            if len(blocks) >= MAX_SECTIONS:
                break
            blocks.append(section(text))
            text = ""
        text = f"{text}\n{line}" if text else line
        shown += 1
    if text:
        blocks.append(section(text))
    rest = n - shown
    tail = f"_+{rest} more not listed_ · " if rest else ""
    blocks.append(
        context(
            f"{tail}A checklist appears here when a lead of it types `/checklist share` and this channel's name in "
            "the project's channel · `/checklist status` there shows the items"
        )
    )
    overdue = sum(pl.overdue for pl in p.lines)
    return message(f"Portfolio: {n} checklists, {overdue} overdue items.", blocks)
