"""The grammar of `/checklist portfolio`: its row of the command table, added to `bot.slack.parser.TABLE` on import
(its handler is in `listeners.py`, which imports this module first)."""

from __future__ import annotations

from bot.slack.parser import TABLE, row

TABLE.add(
    row(
        "portfolio",
        "portfolio",
        "portfolio",
        "in a leads' channel: one line per checklist shared to it; `remind weekly …` there posts it weekly",
        bare=True,
        read_only=True,
    ),
)
