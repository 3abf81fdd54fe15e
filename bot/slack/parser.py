"""The `/checklist` command grammar: one table of subcommands, text in, a `Command` out (or a `ParseError`).

This module holds the generic part: the table and its rows' type, how a feature adds its rows, the tokenizing
helpers no feature owns (item numbers, notes, user and channel mentions), `parse` and the help lines. Each
feature writes its own rows (usage line, example, parser, read_only) in its `grammar` module and registers its
handlers on them (`bot.slack.commands.handles`); `bot/grammar.py` puts the rows in the order of `help`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, TypeVar

from bot.errors import UserError
from bot.slack.text import UNSTORABLE_MESSAGE, escape, storable

if TYPE_CHECKING:
    from bot.slack.commands import Handler

MAX_NOTE = 2000

_ITEM = re.compile(r"^\d{1,3}\.\d{1,3}$")
_USER = re.compile(r"^<@([UW][A-Z0-9]{1,20})(?:\|[^<>]*)?>$")
_CHANNEL = re.compile(r"^<#([CG][A-Z0-9]{2,20})(?:\|[^<>]*)?>$")


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

    A feature writes its rows in its `grammar` module and registers its handler on each
    (`bot.slack.commands.handles`); the app refuses to start while a row has none."""

    name: str  # one word, or two for a form of another (`signoff cancel`)
    usage: str
    example: str
    what: str
    parse: Parser
    bare: bool = False  # takes nothing after it
    reads_archived: bool = False  # `… archived <n>` reads an archived checklist
    read_only: bool = False  # changes nothing, so a replay of it is harmless (`bot.slack.verify`)
    handler: Handler | None = None  # set by the feature (`bot.slack.commands.handles`)


def row(
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
    """A row of the table; without a parser, one that takes nothing after its name."""
    return Subcommand(name, usage, example, what, parse or _bare(name), bare, reads_archived, read_only)


class Table(Mapping[str, Subcommand]):
    """The subcommands by name, in the order `help` lists them. Features `add` their rows; `arrange` orders them."""

    def __init__(self) -> None:
        self._rows: dict[str, Subcommand] = {}
        self._read_only: frozenset[str] | None = None  # read per request (`bot.slack.verify`), so kept
        self._heads: frozenset[str] | None = None

    def __getitem__(self, name: str) -> Subcommand:
        return self._rows[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def add(self, *rows: Subcommand) -> None:
        for sub in rows:
            if sub.name in self._rows:
                raise RuntimeError(f"/checklist {sub.name} has two rows in the command table")
            self._rows[sub.name] = sub
        self._read_only = self._heads = None

    def arrange(self, names: Sequence[str]) -> None:
        """Put the rows in the order of `names` (the order of help), which must name every row once."""
        missing = [n for n in self._rows if n not in names]
        unknown = [n for n in names if n not in self._rows]
        if missing or unknown or len(set(names)) != len(names):
            raise RuntimeError(
                f"the help order must name every row of the command table once: missing {missing}, not rows {unknown}"
            )
        self._rows = {n: self._rows[n] for n in names}

    def read_only(self) -> frozenset[str]:
        """The subcommands that change nothing (a replay of one is harmless)."""
        if self._read_only is None:
            self._read_only = frozenset(n for n, s in self._rows.items() if s.read_only)
        return self._read_only

    def heads(self) -> frozenset[str]:
        """The first words of the subcommands."""
        if self._heads is None:
            self._heads = frozenset(n.partition(" ")[0] for n in self._rows)
        return self._heads


TABLE = Table()


class _Usage(Mapping[str, tuple[str, str, str]]):
    """subcommand -> (usage, example, description), read from the table as it is now."""

    def __getitem__(self, name: str) -> tuple[str, str, str]:
        s = TABLE[name]
        return s.usage, s.example, s.what

    def __iter__(self) -> Iterator[str]:
        return iter(TABLE)

    def __len__(self) -> int:
        return len(TABLE)


USAGE: Mapping[str, tuple[str, str, str]] = _Usage()


def usage(name: str) -> str:
    return f"`/checklist {USAGE[name][0]}`"


def help_lines() -> list[str]:
    """One line per row of the table, in its order: the body of `/checklist help`."""
    return [f"`/checklist {s.usage}` — {s.what}\n      e.g. `/checklist {s.example}`" for s in TABLE.values()]


# -- tokenizing helpers no feature owns ------------------------------------------------------------------------


def item(token: str | None, name: str) -> str:
    """The item number `token` names (`3.1`, phase 3 first item), for subcommand `name`'s fix when it is none."""
    if token is None:
        raise ParseError(f"Which item? Use {usage(name)}, e.g. `/checklist {USAGE[name][1]}`.")
    if not _ITEM.match(token):
        raise ParseError(
            f"`{escape(token[:20])}` is not an item number. Items are numbered like `3.1` (phase 3, first item); "
            f"try `/checklist {USAGE[name][1]}`."
        )
    phase, pos = token.split(".")
    return f"{int(phase)}.{int(pos)}"


def note(text: str) -> str:
    text = text.strip()
    if len(text) > MAX_NOTE:
        raise ParseError(f"That note is {len(text):,} characters; notes can be at most {MAX_NOTE:,}.")
    return text


def mentioned_user(token: str) -> str | None:
    """The user id of a user mention (`<@U…>`/`<@W…>`, with or without its `|name`); None for anything else."""
    m = _USER.match(token)
    return m.group(1) if m else None


def channel(tokens: list[str], name: str) -> str:
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


def one_item(name: str) -> Parser:
    """`<name> <item>` and nothing after it."""

    def parse_one(rest: str, tokens: list[str]) -> Command:
        number = item(tokens[0] if tokens else None, name)
        if len(tokens) > 1:
            raise ParseError(f"Use {usage(name)}.")
        return Command(name, item=number)

    return parse_one


def _bare(name: str) -> Parser:
    """A subcommand that takes nothing after it (`parse` refuses anything more before calling this)."""
    return lambda rest, tokens: Command(name)


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


# `help` is the table's own row: what it lists is the table (its handler is in `bot.slack.commands`).
TABLE.add(row("help", "help", "help", "this list", lambda rest, tokens: Command("help"), read_only=True))
