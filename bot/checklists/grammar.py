"""The grammar of the checklist's `/checklist` subcommands: their rows of the command table (usage line, example,
parser, read_only), added to `bot.slack.parser.TABLE` on import. Their handlers are in `listeners/commands.py`,
which imports this module first; `bot/grammar.py` puts every feature's rows in the order of `help`."""

from __future__ import annotations

import re

from bot.checklists.rules import MAX_OWNERS, NOTIFY_MODES, WORKWEEKS, not_a_person
from bot.checklists.templates import MAX_TITLE
from bot.checklists.zones import canonical_timezone, closest_timezones
from bot.slack import parser as p
from bot.slack.parser import TABLE, USAGE, Command, ParseError, Parser, channel, one_item, row, usage
from bot.slack.text import escape

MAX_ROLE = 32
EXPORT_FORMATS = ("md", "csv")

_ROLE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


def users(tokens: list[str], name: str) -> tuple[str, ...]:
    """User mentions only (`<@U…>`/`<@W…>`); a channel, a user group or text is refused as not a person."""
    found: list[str] = []
    for token in tokens:
        user = p.mentioned_user(token)
        if user is None:
            raise ParseError(not_a_person(token, USAGE[name][1]).message)
        if user not in found:
            found.append(user)
    return tuple(found)


def _status(rest: str, tokens: list[str]) -> Command:
    if not tokens:
        return Command("status")
    if len(tokens) == 1 and tokens[0].isdecimal() and len(tokens[0]) <= 3:
        return Command("status", phase=int(tokens[0]))
    raise ParseError(f"Use {usage('status')}, e.g. `/checklist status 4` for phase 4.")


def _done(rest: str, tokens: list[str]) -> Command:
    item = p.item(tokens[0] if tokens else None, "done")
    return Command("done", item=item, text=p.note(rest[len(tokens[0]) :]))


def _undo(rest: str, tokens: list[str]) -> Command:
    item = p.item(tokens[0] if tokens else None, "undo")
    return Command("undo", item=item, text=p.note(rest[len(tokens[0]) :]))


def _assign_words(rest: str, tokens: list[str]) -> Command:
    item = p.item(tokens[0] if tokens else None, "assign")
    if len(tokens) < 2:
        raise ParseError(f"Use {usage('assign')}, e.g. `/checklist {USAGE['assign'][1]}`.")
    if len(tokens) == 2 and tokens[1].lower() in ("none", "nobody", "-"):
        return Command("assign", item=item, clear=True)
    return _assign(item, tokens[1:])


def _due(rest: str, tokens: list[str]) -> Command:
    item = p.item(tokens[0] if tokens else None, "due")
    when = " ".join(tokens[1:])
    if not when:
        raise ParseError(f"When? Use {usage('due')}, e.g. `/checklist {USAGE['due'][1]}`.")
    if when.lower() in ("none", "clear", "-"):
        return Command("due", item=item, clear=True)
    return Command("due", item=item, text=when)


def _note_words(rest: str, tokens: list[str]) -> Command:
    item = p.item(tokens[0] if tokens else None, "note")
    note = p.note(rest[len(tokens[0]) :])
    if not note:
        raise ParseError(f"What should the note say? Use {usage('note')}.")
    return Command("note", item=item, text=note)


def _history(rest: str, tokens: list[str]) -> Command:
    if len(tokens) > 1:
        raise ParseError(f"Use {usage('history')}.")
    return Command("history", item=p.item(tokens[0], "history") if tokens else None)


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
    return Command("contact", role=role, users=users(tokens[1:], "contact"))


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
    item = p.item(tokens[0] if tokens else None, "skip")
    reason = p.note(rest[len(tokens[0]) :])
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
    return Command("timezone", text=timezone(tokens[0]))


def _workweek_words(rest: str, tokens: list[str]) -> Command:
    if not tokens:
        return Command("timezone")  # shows the calendar: timezone and working week
    return Command("workweek", text=workweek(tokens, usage("workweek")))


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
        return Command(name, args=(channel(tokens, name),))

    return parse_share


def _assign(item: str, tokens: list[str]) -> Command:
    """`@a @b` sets the owners; `+@c` adds and `-@a` removes (args: "+U…"/"-U…"), the two kinds not mixed."""
    signed = [t for t in tokens if t[:1] in "+-"]
    if signed and len(signed) != len(tokens):
        raise ParseError(
            "Either name the owners (`/checklist assign 3.4 @bob @eve`) or change them with + and - "
            "(`/checklist assign 3.4 +@eve -@bob`), not both at once."
        )
    if signed:
        changes = []
        for token in signed:
            (user,) = users([token[1:]], "assign")
            changes.append(token[0] + user)
        return Command("assign", item=item, args=tuple(changes))
    owners = users(tokens, "assign")
    if len(owners) > MAX_OWNERS:
        raise ParseError(f"An item can have at most {MAX_OWNERS} owners; you named {len(owners)}. Nothing changed.")
    return Command("assign", item=item, users=owners)


def timezone(token: str) -> str:
    """The tz database's spelling of `token`, or a ParseError naming the closest valid names."""
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


def workweek(tokens: list[str], how: str) -> str:
    week = " ".join(tokens).lower().replace("–", "-").replace(" ", "")
    if week not in WORKWEEKS:
        raise ParseError(
            f"`{escape(' '.join(tokens)[:40])}` is not a working week I know. Use {how}: "
            "`mon-fri` (Monday–Friday), `sun-thu` (Sunday–Thursday) or `mon-sat` (Monday–Saturday)."
        )
    return week


TABLE.add(
    row(
        "status",
        "status [phase]",
        "status 4",
        "where the project stands (posted in the channel)",
        _status,
        reads_archived=True,
        read_only=True,
    ),
    row("done", "done <item> [note]", "done 3.3 staging keys received", "mark an item done", _done),
    row(
        "undo",
        "undo <item> [reason]",
        "undo 5.1 the DPIA was revised",
        "reopen an item (a signed-off one needs the reason)",
        _undo,
    ),
    row(
        "assign",
        "assign <item> @user…|+@user|-@user|none",
        "assign 3.4 @bob @eve",
        "set an item's owners (up to 5), add one with +@, remove one with -@, or clear them",
        _assign_words,
    ),
    row(
        "due",
        "due <item> <date|none>",
        "due 3.4 next friday",
        "set or clear a due date (`in 5 working days`, `4 Mar`: read in the checklist's timezone)",
        _due,
    ),
    row(
        "note",
        "note <item> <text>",
        "note 2.1 waiting for the ministry's template",
        "add a note to an item",
        _note_words,
    ),
    row(
        "show",
        "show <item>",
        "show 5.1",
        "an item with its notes and history",
        one_item("show"),
        reads_archived=True,
        read_only=True,
    ),
    row(
        "history",
        "history [item]",
        "history 3.3",
        "the last 20 changes",
        _history,
        reads_archived=True,
        read_only=True,
    ),
    row(
        "add",
        "add <phase> <title>",
        "add 3 Load test the staging API",
        "add an item to a phase of this checklist",
        _add,
    ),
    row(
        "remove",
        "remove <item>",
        "remove 3.7",
        "take an item out of this checklist (its record is kept)",
        one_item("remove"),
    ),
    row(
        "export",
        "export md|csv",
        "export md",
        "the checklist with its sign-off record as a file in this channel",
        _export,
        reads_archived=True,
    ),
    row("contact", "contact <role> @user…", "contact security @cara @dan", "name the contacts for a role", _contact),
    row("contacts", "contacts", "contacts", "list the contacts per role", bare=True, read_only=True),
    row(
        "start",
        "start [template] [kickoff <date>]",
        "start interop kickoff 2026-12-07",
        "create this channel's checklist; with a kickoff, plan its due dates and owners",
        _start,
    ),
    row(
        "plan",
        "plan <date> [all]",
        "plan next monday",
        "(re)plan from a kickoff date: planned dates move, dates set by hand are kept (`all` moves them too)",
        _plan,
    ),
    row(
        "skip",
        "skip <item> <reason>",
        "skip 6.1 we host it ourselves",
        "mark an item not applicable, with why",
        _skip,
    ),
    row("unskip", "unskip <item>", "unskip 6.1", "make a not-applicable item applicable again", one_item("unskip")),
    row("templates", "templates", "templates", "list the templates", bare=True, read_only=True),
    row("archive", "archive", "archive", "close this channel's checklist (kept with its history)", bare=True),
    row(
        "archived",
        "archived",
        "archived",
        "this channel's archived checklists; `status|history|show|export … archived <n>` reads one",
        bare=True,
        read_only=True,
    ),
    row(
        "timezone",
        "timezone [<IANA zone>]",
        "timezone Asia/Phnom_Penh",
        "show or set the checklist's timezone: its today, overdue and date words follow it",
        _timezone_words,
    ),
    row(
        "workweek",
        "workweek mon-fri|sun-thu|mon-sat",
        "workweek sun-thu",
        "set the checklist's working week",
        _workweek_words,
    ),
    row(
        "notify",
        "notify [quiet|channel]",
        "notify quiet",
        "who hears about item changes: everyone (`channel`) or only the person who made them (`quiet`)",
        _notify,
    ),
    row(
        "share",
        "share #channel",
        "share #leads",
        "list this checklist in that channel's portfolio (a lead of the checklist decides)",
        _share("share"),
    ),
    row(
        "unshare",
        "unshare #channel",
        "unshare #leads",
        "take this checklist out of that channel's portfolio",
        _share("unshare"),
    ),
)
