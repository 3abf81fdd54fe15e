"""The `/checklist` command table, put together: each feature's grammar adds its rows to `bot.slack.parser.TABLE`
when imported; this module imports them all and puts the rows in the order `help` lists them (a row missing from
`HELP_ORDER`, or a name here with no row, stops the import: help cannot leave a subcommand out)."""

from __future__ import annotations

from bot.checklists import grammar as _checklists  # noqa: F401  (each import adds that feature's rows)
from bot.portfolio import grammar as _portfolio  # noqa: F401
from bot.reminders import grammar as _reminders  # noqa: F401
from bot.signoffs import grammar as _signoffs  # noqa: F401
from bot.slack.parser import TABLE

HELP_ORDER = (
    "status",
    "done",
    "undo",
    "assign",
    "due",
    "note",
    "show",
    "history",
    "signoff",
    "signoff cancel",
    "signoffs",
    "add",
    "remove",
    "export",
    "contact",
    "contacts",
    "start",
    "plan",
    "skip",
    "unskip",
    "templates",
    "archive",
    "archived",
    "timezone",
    "workweek",
    "remind",
    "notify",
    "share",
    "unshare",
    "portfolio",
    "help",
)

TABLE.arrange(HELP_ORDER)
