"""The command table: help is generated from it, every row is in help, every help line parses, every row runs."""

import re
from typing import Any

import pytest

from bot import app  # noqa: F401  (the wiring imports every feature, which registers its handlers)
from bot.slack.answers import help_view
from bot.slack.commands import unhandled
from bot.slack.parser import TABLE, parse


def as_slack_sends(example: str) -> str:
    """What Slack sends for the example as typed: `@bob` and `#leads` become escaped mentions (should_escape)."""
    example = re.sub(r"(?<![<\w])@(\w+)", lambda m: f"<@U{m.group(1).upper()}|{m.group(1)}>", example)
    return re.sub(r"(?<![<\w])#(\w+)", lambda m: f"<#C{m.group(1).upper()}|{m.group(1)}>", example)


def help_text() -> str:
    return "\n".join(b["text"]["text"] for b in help_view()["blocks"] if b["type"] == "section")


def help_usages() -> list[str]:
    return re.findall(r"^`/checklist ([^`]+)` — ", help_text(), flags=re.M)


def help_examples() -> list[str]:
    return re.findall(r"e\.g\. `/checklist ([^`]+)`", help_text())


def test_every_subcommand_in_the_table_is_in_help_in_order():
    assert help_usages() == [s.usage for s in TABLE.values()]
    assert len(help_examples()) == len(TABLE)


@pytest.mark.parametrize("example", help_examples())
def test_every_help_example_parses_to_a_subcommand_of_the_table(example):
    cmd = parse(as_slack_sends(example))
    assert cmd.name in TABLE
    assert TABLE[cmd.name].name.partition(" ")[0] == example.split()[0]


def test_every_example_is_read_by_its_own_row():
    for s in TABLE.values():
        cmd = parse(as_slack_sends(s.example))
        assert cmd.name == s.name, s.name


def test_every_row_has_a_handler():
    assert unhandled() == []
    assert all(callable(s.handler) for s in TABLE.values())


def test_a_word_not_in_the_table_is_help_naming_it():
    assert parse("frobnicate").name == "help" and parse("frobnicate").args == ("frobnicate",)
    assert "frobnicate" not in TABLE


def test_the_app_does_not_start_while_a_row_has_no_handler(monkeypatch):
    from bot.slack import commands

    nothing: Any = None  # refused before the app or the runtime is touched
    monkeypatch.setattr(TABLE["done"], "handler", None)
    with pytest.raises(RuntimeError, match="no handler registered for /checklist done"):
        commands.register(nothing, nothing)


def test_the_help_order_must_name_every_row_once():
    from bot.slack.parser import Table, row

    table = Table()
    table.add(row("one", "one", "one", "a row"), row("two", "two", "two", "another"))
    for order in (["one"], ["one", "two", "three"], ["one", "two", "two"]):
        with pytest.raises(RuntimeError, match="the help order must name every row"):
            table.arrange(order)
    table.arrange(["two", "one"])
    assert list(table) == ["two", "one"]
    with pytest.raises(RuntimeError, match="two rows"):
        table.add(row("one", "one", "one", "again"))
