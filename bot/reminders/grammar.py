"""The grammar of `/checklist remind …`: its row of the command table, added to `bot.slack.parser.TABLE` on import
(its handler is in `listeners.py`, which imports this module first)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.checklists.dates import WEEKDAYS
from bot.checklists.grammar import timezone, workweek
from bot.reminders.schedule import canonical_timezone
from bot.slack.parser import TABLE, USAGE, Command, ParseError, row, usage
from bot.slack.text import escape

_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
MAX_SNOOZE_DAYS = 60


@dataclass(frozen=True)
class Weekly:
    """`remind weekly <day> <HH:MM> [timezone]`: the channel's weekly digest at that time."""

    weekday: int  # 0 is Monday
    hour: int
    minute: int
    timezone: str | None  # the tz database's name; None: the checklist's timezone


@dataclass(frozen=True)
class DmMode:
    """`remind dm on|off|snooze <days>`: the caller's overdue DMs."""

    mode: Literal["on", "off", "snooze"]
    days: int | None = None  # snooze: the next `days` working days (1 to MAX_SNOOZE_DAYS)


@dataclass(frozen=True)
class DmWorkweek:
    """`remind dm workweek <week>`: the days the caller's nudges go out on."""

    workweek: str  # a key of `bot.checklists.rules.WORKWEEKS`


# `remind` alone shows the settings; `off` stops the weekly digest; `now` posts it now.
RemindArgs = Literal["show", "off", "now"] | Weekly | DmMode | DmWorkweek


@dataclass(frozen=True, kw_only=True)
class RemindCommand(Command):
    """`/checklist remind …` read once: its handler reads `remind`, typed. (`args` keeps the words it was given
    as text, as every command's does.)"""

    remind: RemindArgs


def remind_of(cmd: Command) -> RemindArgs:
    if not isinstance(cmd, RemindCommand):
        raise RuntimeError(f"`{cmd.name}` was not parsed by the remind grammar")
    return cmd.remind


def _remind(rest: str, tokens: list[str]) -> Command:
    """`remind` → ("show",); `remind off|now`; `remind weekly <day> <HH:MM> [tz]` → ("weekly", day, hh, mm, tz);
    `remind dm on|off` → ("dm", mode); `remind dm snooze <days>` → ("dm", "snooze", days);
    `remind dm workweek <week>` → ("dm", "workweek", week). The same, typed, in `RemindCommand.remind`."""
    words = [t.lower() for t in tokens]
    if not words:
        return RemindCommand("remind", args=("show",), remind="show")
    if words == ["off"]:
        return RemindCommand("remind", args=("off",), remind="off")
    if words == ["now"]:
        return RemindCommand("remind", args=("now",), remind="now")
    if words[0] == "weekly":
        example = "`/checklist remind weekly monday 09:00` (optionally a timezone such as `Europe/Berlin`)"
        if len(words) not in (3, 4):
            raise ParseError(f"Use {example}.")
        day = next((i for i, n in enumerate(WEEKDAYS) if len(words[1]) >= 3 and n.startswith(words[1])), None)
        if day is None:
            raise ParseError(f"`{escape(tokens[1][:20])}` is not a day of the week. Use {example}.")
        m = _HHMM.match(words[2])
        if not m:
            raise ParseError(f"`{escape(tokens[2][:20])}` is not a time: use 24-hour `HH:MM`, e.g. {example}.")
        tz = ""
        if len(tokens) == 4:
            tz = canonical_timezone(tokens[3]) or timezone(tokens[3])
        weekly = Weekly(day, int(m.group(1)), int(m.group(2)), tz or None)
        return RemindCommand("remind", args=("weekly", str(day), m.group(1), m.group(2), tz), remind=weekly)
    if words[0] == "dm":
        if words[1:] == ["on"]:
            return RemindCommand("remind", args=("dm", "on"), remind=DmMode("on"))
        if words[1:] == ["off"]:
            return RemindCommand("remind", args=("dm", "off"), remind=DmMode("off"))
        if len(words) >= 2 and words[1] == "workweek":
            how = "`/checklist remind dm workweek mon-fri|sun-thu|mon-sat`"
            if len(words) == 2:
                raise ParseError(f"Which week? Use {how}.")
            week = workweek(tokens[2:], how)
            return RemindCommand("remind", args=("dm", "workweek", week), remind=DmWorkweek(week))
        if len(words) == 3 and words[1] == "snooze" and words[2].isdecimal() and 1 <= int(words[2]) <= MAX_SNOOZE_DAYS:
            days = int(words[2])
            return RemindCommand("remind", args=("dm", "snooze", str(days)), remind=DmMode("snooze", days))
        raise ParseError(
            f"Use `/checklist remind dm on`, `/checklist remind dm off`, `/checklist remind dm snooze <days>` "
            f"(1 to {MAX_SNOOZE_DAYS} working days) or `/checklist remind dm workweek sun-thu`."
        )
    raise ParseError(f"Use {usage('remind')}, e.g. `/checklist {USAGE['remind'][1]}`.")


TABLE.add(
    row(
        "remind",
        "remind [weekly <day> <HH:MM> [timezone] | off | now | dm on|off|snooze <days>|workweek <week>]",
        "remind weekly monday 09:00 Europe/Berlin",
        "the weekly digest in this channel and your overdue DMs",
        _remind,
    ),
)
