"""The `/checklist` command grammar: text in, a `Command` out, or a `ParseError` with the fix."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from bot.checklists.dates import WEEKDAYS
from bot.checklists.rules import not_a_person
from bot.errors import UserError
from bot.slack.text import UNSTORABLE_MESSAGE, escape, storable

MAX_NOTE = 2000
MAX_ROLE = 32
MAX_TITLE = 200
EXPORT_FORMATS = ("md", "csv")

_ITEM = re.compile(r"^\d{1,3}\.\d{1,3}$")
_USER = re.compile(r"^<@([UW][A-Z0-9]{1,20})(?:\|[^<>]*)?>$")
_LEADING_PERSON = re.compile(r"\s*(<[@#!][^<>\s]*>|@\S+)")
_ROLE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_CHANNEL = re.compile(r"^<#([CG][A-Z0-9]{2,20})(?:\|[^<>]*)?>$")
NOTIFY_MODES = ("channel", "quiet")
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
MAX_SNOOZE_DAYS = 60


class ParseError(UserError):
    """Input we cannot read; the message says what was expected."""


@dataclass(frozen=True)
class Command:
    name: str
    item: str | None = None
    text: str = ""
    users: tuple[str, ...] = ()
    role: str | None = None
    phase: int | None = None
    template: str | None = None
    clear: bool = False
    args: tuple[str, ...] = field(default_factory=tuple)
    archived: int | None = None  # `… archived <n>`: read the channel's n-th archived checklist

    # What a subcommand's parser always gives (`done 1.2` its item, `add 3 …` its phase, `contact security …` its
    # role): the handler of that subcommand reads these, typed as given; None there is a parser bug, and raises.
    @property
    def item_number(self) -> str:
        return _given(self, "item", self.item)

    @property
    def phase_number(self) -> int:
        return _given(self, "phase", self.phase)

    @property
    def role_name(self) -> str:
        return _given(self, "role", self.role)


_T = TypeVar("_T")


def _given(cmd: Command, field_name: str, value: _T | None) -> _T:
    if value is None:
        raise RuntimeError(f"`{cmd.name}` was parsed without its {field_name}")
    return value


Parser = Callable[[str, list[str]], Command]  # (the text after the subcommand, its words) -> Command


@dataclass(eq=False)
class Subcommand:
    """One row of the command table: what help says about it, how its words are read, and what runs it.

    The grammar rows are written here; each feature registers its handler on its rows
    (`bot.slack.commands.handles`), and the app refuses to start while a row has none."""

    name: str  # one word, or two for a form of another (`signoff cancel`)
    usage: str
    example: str
    what: str
    parse: Parser
    bare: bool = False  # takes nothing after it
    reads_archived: bool = False  # `… archived <n>` reads an archived checklist
    read_only: bool = False  # changes nothing, so a replay of it is harmless (`bot.slack.verify`)
    handler: Callable[..., Any] | None = None  # (Runtime, Request) -> the answer; set by the feature


def usage(name: str) -> str:
    return f"`/checklist {USAGE[name][0]}`"


def _item(token: str | None, name: str) -> str:
    if token is None:
        raise ParseError(f"Which item? Use {usage(name)}, e.g. `/checklist {USAGE[name][1]}`.")
    if not _ITEM.match(token):
        raise ParseError(
            f"`{escape(token[:20])}` is not an item number. Items are numbered like `3.1` (phase 3, first item); "
            f"try `/checklist {USAGE[name][1]}`."
        )
    phase, pos = token.split(".")
    return f"{int(phase)}.{int(pos)}"


def _users(tokens: list[str], name: str) -> tuple[str, ...]:
    """User mentions only (`<@U…>`/`<@W…>`); a channel, a user group or text is refused as not a person."""
    users = []
    for token in tokens:
        m = _USER.match(token)
        if not m:
            raise ParseError(not_a_person(token, USAGE[name][1]).message)
        if m.group(1) not in users:
            users.append(m.group(1))
    return tuple(users)


def _archived(tokens: list[str], name: str) -> tuple[list[str], int | None]:
    """Split a trailing `archived <n>` off the tokens (for the read-only commands)."""
    if len(tokens) >= 1 and tokens[-1].lower() == "archived" or len(tokens) >= 2 and tokens[-2].lower() == "archived":
        if len(tokens) < 2 or tokens[-2].lower() != "archived" or not tokens[-1].isdecimal() or len(tokens[-1]) > 4:
            raise ParseError(
                f"Which archived checklist? `/checklist archived` lists them with a number; then e.g. "
                f"`/checklist {name} archived 1`."
            )
        n = int(tokens[-1])
        if n < 1:
            raise ParseError("Archived checklists are numbered from 1; `/checklist archived` lists them.")
        return tokens[:-2], n
    return tokens, None


def _note(text: str) -> str:
    text = text.strip()
    if len(text) > MAX_NOTE:
        raise ParseError(f"That note is {len(text):,} characters; notes can be at most {MAX_NOTE:,}.")
    return text


def parse(text: str) -> Command:
    """Parse the text after `/checklist`. Unknown or empty input is `help`."""
    text = (text or "").strip()
    if not storable(text):
        raise ParseError(UNSTORABLE_MESSAGE)
    head, _, rest = text.partition(" ")
    name = head.lower()
    rest = rest.strip()
    tokens = rest.split()

    if name in ("", "help"):
        return Command("help")
    sub = TABLE.get(name)
    if sub is None:
        return Command("help", args=(head[:40],))
    if sub.bare:
        if tokens:
            raise ParseError(f"Use `/checklist {name}` (it takes nothing after it).")
        return Command(name)
    if len(tokens) >= 2 and tokens[-2].lower() == "archived" and tokens[-1].isdecimal():
        if not sub.reads_archived:
            raise ParseError(
                "An archived checklist is a record: nothing can change it. `status`, `history`, `show` and "
                "`export` read it, e.g. `/checklist status archived 1`."
            )
    if sub.reads_archived:
        tokens, archived = _archived(tokens, name)
        if archived is not None:
            return replace(parse(" ".join([name, *tokens])), archived=archived)
    if tokens and (form := TABLE.get(f"{name} {tokens[0].lower()}")) is not None:
        sub, rest, tokens = form, rest[len(tokens[0]) :].strip(), tokens[1:]  # a two-word form (`signoff cancel`)
    return sub.parse(rest, tokens)


def _status(rest: str, tokens: list[str]) -> Command:
    if not tokens:
        return Command("status")
    if len(tokens) == 1 and tokens[0].isdecimal() and len(tokens[0]) <= 3:
        return Command("status", phase=int(tokens[0]))
    raise ParseError(f"Use {usage('status')}, e.g. `/checklist status 4` for phase 4.")


def _done(rest: str, tokens: list[str]) -> Command:
    item = _item(tokens[0] if tokens else None, "done")
    return Command("done", item=item, text=_note(rest[len(tokens[0]) :]))


def _undo(rest: str, tokens: list[str]) -> Command:
    item = _item(tokens[0] if tokens else None, "undo")
    return Command("undo", item=item, text=_note(rest[len(tokens[0]) :]))


def _one_item(name: str) -> Parser:
    """`<name> <item>` and nothing after it."""

    def parse_one(rest: str, tokens: list[str]) -> Command:
        item = _item(tokens[0] if tokens else None, name)
        if len(tokens) > 1:
            raise ParseError(f"Use {usage(name)}.")
        return Command(name, item=item)

    return parse_one


def _assign_words(rest: str, tokens: list[str]) -> Command:
    item = _item(tokens[0] if tokens else None, "assign")
    if len(tokens) < 2:
        raise ParseError(f"Use {usage('assign')}, e.g. `/checklist {USAGE['assign'][1]}`.")
    if len(tokens) == 2 and tokens[1].lower() in ("none", "nobody", "-"):
        return Command("assign", item=item, clear=True)
    return _assign(item, tokens[1:])


def _due(rest: str, tokens: list[str]) -> Command:
    item = _item(tokens[0] if tokens else None, "due")
    when = " ".join(tokens[1:])
    if not when:
        raise ParseError(f"When? Use {usage('due')}, e.g. `/checklist {USAGE['due'][1]}`.")
    if when.lower() in ("none", "clear", "-"):
        return Command("due", item=item, clear=True)
    return Command("due", item=item, text=when)


def _note_words(rest: str, tokens: list[str]) -> Command:
    item = _item(tokens[0] if tokens else None, "note")
    note = _note(rest[len(tokens[0]) :])
    if not note:
        raise ParseError(f"What should the note say? Use {usage('note')}.")
    return Command("note", item=item, text=note)


def _history(rest: str, tokens: list[str]) -> Command:
    if len(tokens) > 1:
        raise ParseError(f"Use {usage('history')}.")
    return Command("history", item=_item(tokens[0], "history") if tokens else None)


def _signoff(rest: str, tokens: list[str]) -> Command:
    item = _item(tokens[0] if tokens else None, "signoff")
    # Leading mentions name the approvers; a leading channel, group or `@text` is refused, not taken as a note.
    mentions, remainder = [], rest[len(tokens[0]) :]
    while m := _LEADING_PERSON.match(remainder):
        mentions.append(m.group(1))
        remainder = remainder[m.end() :]
    note = _note(remainder)
    return Command("signoff", item=item, users=_users(mentions, "signoff"), text=note)


def _signoff_cancel(rest: str, tokens: list[str]) -> Command:
    item = _item(tokens[0] if tokens else None, "signoff cancel")
    if len(tokens) > 1:
        raise ParseError(f"Use {usage('signoff cancel')}.")
    return Command("signoff cancel", item=item, clear=True)


def _add(rest: str, tokens: list[str]) -> Command:
    if not tokens or not tokens[0].isdecimal() or len(tokens[0]) > 3:
        raise ParseError(f"Which phase? Use {usage('add')}, e.g. `/checklist {USAGE['add'][1]}`.")
    title = " ".join(rest[len(tokens[0]) :].split())
    if not title:
        raise ParseError(f"What is the item? Use {usage('add')}, e.g. `/checklist {USAGE['add'][1]}`.")
    if len(title) > MAX_TITLE:
        raise ParseError(f"That title is {len(title):,} characters; titles can be at most {MAX_TITLE}.")
    return Command("add", phase=int(tokens[0]), text=title)


def _export(rest: str, tokens: list[str]) -> Command:
    fmt = tokens[0].lower() if tokens else "md"
    if len(tokens) > 1 or fmt not in EXPORT_FORMATS:
        raise ParseError(f"Use {usage('export')}: `md` (Markdown, for a report) or `csv` (a spreadsheet).")
    return Command("export", args=(fmt,))


def _contact(rest: str, tokens: list[str]) -> Command:
    if not tokens:
        raise ParseError(f"Use {usage('contact')}, e.g. `/checklist {USAGE['contact'][1]}`.")
    role = tokens[0].lower()
    if not _ROLE.match(role):
        raise ParseError(
            f"`{escape(tokens[0][:40])}` is not a role name: use a word like `security`, `technical` or `support` "
            f"(letters, digits, - or _, at most {MAX_ROLE} characters)."
        )
    if len(tokens) < 2:
        raise ParseError(f"Who? Use {usage('contact')}, e.g. `/checklist {USAGE['contact'][1]}`.")
    if len(tokens) == 2 and tokens[1].lower() == "none":
        return Command("contact", role=role, clear=True)
    return Command("contact", role=role, users=_users(tokens[1:], "contact"))


def _start(rest: str, tokens: list[str]) -> Command:
    lowered = [t.lower() for t in tokens]
    kickoff = None
    if "kickoff" in lowered:
        at = lowered.index("kickoff")
        kickoff = " ".join(tokens[at + 1 :])
        if not kickoff:
            raise ParseError(f"From when? Use {usage('start')}, e.g. `/checklist {USAGE['start'][1]}`.")
        tokens = tokens[:at]
    if len(tokens) > 1:
        raise ParseError(f"Use {usage('start')}; `/checklist templates` lists the templates.")
    return Command("start", template=tokens[0].lower() if tokens else None, text=kickoff or "")


def _plan(rest: str, tokens: list[str]) -> Command:
    move_all = bool(tokens) and tokens[-1].lower() == "all"
    when = " ".join(tokens[:-1] if move_all else tokens)
    if not when:
        raise ParseError(f"From which kickoff date? Use {usage('plan')}, e.g. `/checklist {USAGE['plan'][1]}`.")
    return Command("plan", text=when, args=("all",) if move_all else ())


def _skip(rest: str, tokens: list[str]) -> Command:
    item = _item(tokens[0] if tokens else None, "skip")
    reason = _note(rest[len(tokens[0]) :])
    if not reason:
        raise ParseError(f"Why does {item} not apply? The record needs the reason: `/checklist {USAGE['skip'][1]}`.")
    return Command("skip", item=item, text=reason)


def _timezone_words(rest: str, tokens: list[str]) -> Command:
    if not tokens:
        return Command("timezone")
    if len(tokens) > 1:
        raise ParseError(
            f"Use {usage('timezone')}: one IANA name such as `Asia/Phnom_Penh`, `America/New_York` or `UTC`."
        )
    return Command("timezone", text=_timezone(tokens[0]))


def _workweek_words(rest: str, tokens: list[str]) -> Command:
    if not tokens:
        return Command("timezone")  # shows the calendar: timezone and working week
    return Command("workweek", text=_workweek(tokens, usage("workweek")))


def _notify(rest: str, tokens: list[str]) -> Command:
    if not tokens:
        return Command("notify")
    mode = tokens[0].lower()
    if len(tokens) > 1 or mode not in NOTIFY_MODES:
        raise ParseError(
            f"Use {usage('notify')}: `quiet` answers item changes only to the person who made them, `channel` "
            "tells everyone here."
        )
    return Command("notify", text=mode)


def _share(name: str) -> Parser:
    def parse_share(rest: str, tokens: list[str]) -> Command:
        return Command(name, args=(_channel(tokens, name),))

    return parse_share


def _bare(name: str) -> Parser:
    """A subcommand that takes nothing after it (`parse` refuses anything more before calling this)."""
    return lambda rest, tokens: Command(name)


def _channel(tokens: list[str], name: str) -> str:
    """The channel id of `<#C…|name>` (the manifest's should_escape makes Slack send that for a #channel)."""
    example = f"`/checklist {USAGE[name][1]}`"
    if len(tokens) != 1:
        raise ParseError(f"Which channel? Use {usage(name)}, e.g. {example}: one channel, picked as you type `#`.")
    m = _CHANNEL.match(tokens[0])
    if m:
        return m.group(1)
    if tokens[0].startswith("#"):
        raise ParseError(
            f"I can't find a channel `{escape(tokens[0][:80])}` in this workspace. Pick it from the list Slack shows "
            f"as you type `#`, so it becomes a link, e.g. {example}."
        )
    raise ParseError(f"`{escape(tokens[0][:80])}` is not a channel. Use {usage(name)}, e.g. {example}.")


def _assign(item: str, tokens: list[str]) -> Command:
    """`@a @b` sets the owners; `+@c` adds and `-@a` removes (args: "+U…"/"-U…"), the two kinds not mixed."""
    from bot.checklists.rules import MAX_OWNERS

    signed = [t for t in tokens if t[:1] in "+-"]
    if signed and len(signed) != len(tokens):
        raise ParseError(
            "Either name the owners (`/checklist assign 3.4 @bob @eve`) or change them with + and - "
            "(`/checklist assign 3.4 +@eve -@bob`), not both at once."
        )
    if signed:
        changes = []
        for token in signed:
            (user,) = _users([token[1:]], "assign")
            changes.append(token[0] + user)
        return Command("assign", item=item, args=tuple(changes))
    users = _users(tokens, "assign")
    if len(users) > MAX_OWNERS:
        raise ParseError(f"An item can have at most {MAX_OWNERS} owners; you named {len(users)}. Nothing changed.")
    return Command("assign", item=item, users=users)


def _timezone(token: str) -> str:
    """The tz database's spelling of `token`, or a ParseError naming the closest valid names."""
    from bot.checklists.zones import canonical_timezone, closest_timezones

    found = canonical_timezone(token)
    if found:
        return found
    close = closest_timezones(token)
    hint = (
        "Did you mean " + ", ".join(f"`{c}`" for c in close) + "?"
        if close
        else "Use an IANA name such as `Asia/Phnom_Penh`, `America/New_York` or `UTC`."
    )
    raise ParseError(f"`{escape(token[:64])}` is not a timezone I know. {hint}")


def _workweek(tokens: list[str], how: str) -> str:
    from bot.checklists.rules import WORKWEEKS

    week = " ".join(tokens).lower().replace("–", "-").replace(" ", "")
    if week not in WORKWEEKS:
        raise ParseError(
            f"`{escape(' '.join(tokens)[:40])}` is not a working week I know. Use {how}: "
            "`mon-fri` (Monday–Friday), `sun-thu` (Sunday–Thursday) or `mon-sat` (Monday–Saturday)."
        )
    return week


def _remind(rest: str, tokens: list[str]) -> Command:
    """`remind` → ("show",); `remind off|now`; `remind weekly <day> <HH:MM> [tz]` → ("weekly", day, hh, mm, tz);
    `remind dm on|off` → ("dm", mode); `remind dm snooze <days>` → ("dm", "snooze", days);
    `remind dm workweek <week>` → ("dm", "workweek", week)."""
    from bot.reminders.schedule import canonical_timezone

    words = [t.lower() for t in tokens]
    if not words:
        return Command("remind", args=("show",))
    if words in (["off"], ["now"]):
        return Command("remind", args=(words[0],))
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
            tz = canonical_timezone(tokens[3]) or _timezone(tokens[3])
        return Command("remind", args=("weekly", str(day), m.group(1), m.group(2), tz))
    if words[0] == "dm":
        if words[1:] in (["on"], ["off"]):
            return Command("remind", args=("dm", words[1]))
        if len(words) >= 2 and words[1] == "workweek":
            how = "`/checklist remind dm workweek mon-fri|sun-thu|mon-sat`"
            if len(words) == 2:
                raise ParseError(f"Which week? Use {how}.")
            return Command("remind", args=("dm", "workweek", _workweek(tokens[2:], how)))
        if len(words) == 3 and words[1] == "snooze" and words[2].isdecimal() and 1 <= int(words[2]) <= MAX_SNOOZE_DAYS:
            return Command("remind", args=("dm", "snooze", str(int(words[2]))))
        raise ParseError(
            f"Use `/checklist remind dm on`, `/checklist remind dm off`, `/checklist remind dm snooze <days>` "
            f"(1 to {MAX_SNOOZE_DAYS} working days) or `/checklist remind dm workweek sun-thu`."
        )
    raise ParseError(f"Use {usage('remind')}, e.g. `/checklist {USAGE['remind'][1]}`.")


def _row(
    name: str,
    usage: str,
    example: str,
    what: str,
    parse: Parser | None = None,
    *,
    bare: bool = False,
    reads_archived: bool = False,
    read_only: bool = False,
) -> Subcommand:
    return Subcommand(name, usage, example, what, parse or _bare(name), bare, reads_archived, read_only)


# The command table, in the order of `help`.
TABLE: dict[str, Subcommand] = {
    s.name: s
    for s in (
        _row(
            "status",
            "status [phase]",
            "status 4",
            "where the project stands (posted in the channel)",
            _status,
            reads_archived=True,
            read_only=True,
        ),
        _row("done", "done <item> [note]", "done 3.3 staging keys received", "mark an item done", _done),
        _row(
            "undo",
            "undo <item> [reason]",
            "undo 5.1 the DPIA was revised",
            "reopen an item (a signed-off one needs the reason)",
            _undo,
        ),
        _row(
            "assign",
            "assign <item> @user…|+@user|-@user|none",
            "assign 3.4 @bob @eve",
            "set an item's owners (up to 5), add one with +@, remove one with -@, or clear them",
            _assign_words,
        ),
        _row(
            "due",
            "due <item> <date|none>",
            "due 3.4 next friday",
            "set or clear a due date (`in 5 working days`, `4 Mar`: read in the checklist's timezone)",
            _due,
        ),
        _row(
            "note",
            "note <item> <text>",
            "note 2.1 waiting for the ministry's template",
            "add a note to an item",
            _note_words,
        ),
        _row(
            "show",
            "show <item>",
            "show 5.1",
            "an item with its notes and history",
            _one_item("show"),
            reads_archived=True,
            read_only=True,
        ),
        _row(
            "history",
            "history [item]",
            "history 3.3",
            "the last 20 changes",
            _history,
            reads_archived=True,
            read_only=True,
        ),
        _row(
            "signoff",
            "signoff <item> [@user…] [note]",
            "signoff 5.1 @cara specs v3 attached",
            "ask for a sign-off by DM (the role's contacts when nobody is named)",
            _signoff,
        ),
        _row(
            "signoff cancel",
            "signoff cancel <item>",
            "signoff cancel 5.1",
            "withdraw a pending sign-off request",
            _signoff_cancel,
        ),
        _row("signoffs", "signoffs", "signoffs", "the sign-offs pending here", bare=True, read_only=True),
        _row(
            "add",
            "add <phase> <title>",
            "add 3 Load test the staging API",
            "add an item to a phase of this checklist",
            _add,
        ),
        _row(
            "remove",
            "remove <item>",
            "remove 3.7",
            "take an item out of this checklist (its record is kept)",
            _one_item("remove"),
        ),
        _row(
            "export",
            "export md|csv",
            "export md",
            "the checklist with its sign-off record as a file in this channel",
            _export,
            reads_archived=True,
        ),
        _row(
            "contact", "contact <role> @user…", "contact security @cara @dan", "name the contacts for a role", _contact
        ),
        _row("contacts", "contacts", "contacts", "list the contacts per role", bare=True, read_only=True),
        _row(
            "start",
            "start [template] [kickoff <date>]",
            "start interop kickoff 2026-12-07",
            "create this channel's checklist; with a kickoff, plan its due dates and owners",
            _start,
        ),
        _row(
            "plan",
            "plan <date> [all]",
            "plan next monday",
            "(re)plan from a kickoff date: planned dates move, dates set by hand are kept (`all` moves them too)",
            _plan,
        ),
        _row(
            "skip",
            "skip <item> <reason>",
            "skip 6.1 we host it ourselves",
            "mark an item not applicable, with why",
            _skip,
        ),
        _row(
            "unskip", "unskip <item>", "unskip 6.1", "make a not-applicable item applicable again", _one_item("unskip")
        ),
        _row("templates", "templates", "templates", "list the templates", bare=True, read_only=True),
        _row("archive", "archive", "archive", "close this channel's checklist (kept with its history)", bare=True),
        _row(
            "archived",
            "archived",
            "archived",
            "this channel's archived checklists; `status|history|show|export … archived <n>` reads one",
            bare=True,
            read_only=True,
        ),
        _row(
            "timezone",
            "timezone [<IANA zone>]",
            "timezone Asia/Phnom_Penh",
            "show or set the checklist's timezone: its today, overdue and date words follow it",
            _timezone_words,
        ),
        _row(
            "workweek",
            "workweek mon-fri|sun-thu|mon-sat",
            "workweek sun-thu",
            "set the checklist's working week",
            _workweek_words,
        ),
        _row(
            "remind",
            "remind [weekly <day> <HH:MM> [timezone] | off | now | dm on|off|snooze <days>|workweek <week>]",
            "remind weekly monday 09:00 Europe/Berlin",
            "the weekly digest in this channel and your overdue DMs",
            _remind,
        ),
        _row(
            "notify",
            "notify [quiet|channel]",
            "notify quiet",
            "who hears about item changes: everyone (`channel`) or only the person who made them (`quiet`)",
            _notify,
        ),
        _row(
            "share",
            "share #channel",
            "share #leads",
            "list this checklist in that channel's portfolio (a lead of the checklist decides)",
            _share("share"),
        ),
        _row(
            "unshare",
            "unshare #channel",
            "unshare #leads",
            "take this checklist out of that channel's portfolio",
            _share("unshare"),
        ),
        _row(
            "portfolio",
            "portfolio",
            "portfolio",
            "in a leads' channel: one line per checklist shared to it; `remind weekly …` there posts it weekly",
            bare=True,
            read_only=True,
        ),
        _row("help", "help", "help", "this list", lambda rest, tokens: Command("help"), read_only=True),
    )
}
# subcommand -> (usage, example, description), read from the table.
USAGE: dict[str, tuple[str, str, str]] = {s.name: (s.usage, s.example, s.what) for s in TABLE.values()}


def help_lines() -> list[str]:
    """One line per row of the table, in its order: the body of `/checklist help`."""
    return [f"`/checklist {s.usage}` — {s.what}\n      e.g. `/checklist {s.example}`" for s in TABLE.values()]
