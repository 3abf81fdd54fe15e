"""Refusals are data and each feature's messages say them (`bot.errors.Refusal`, `bot.slack.wording`); services
build no mrkdwn."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from dataclasses import dataclass
from pathlib import Path

import pytest

import bot
from bot.errors import MissingSentence, NoChecklist, Refusal, UserError
from bot.slack.errors import message_for
from bot.slack.wording import refusal_kinds, says, unsaid

ROOT = Path(bot.__file__).parent


def _import_every_module() -> None:
    for info in pkgutil.walk_packages(bot.__path__, "bot."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)


def test_every_refusal_of_the_product_has_a_sentence() -> None:
    _import_every_module()
    product = [k for k in refusal_kinds() if k.__module__.startswith("bot.")]
    assert NoChecklist in product
    missing = [f"{k.__module__}.{k.__qualname__}" for k in unsaid() if k in product]
    assert missing == [], f"refusals without a sentence (register one with bot.slack.wording.says): {missing}"


def test_a_refusal_without_a_sentence_fails_loudly_and_the_handler_still_answers() -> None:
    @dataclass(eq=False)
    class Unheard(Refusal):
        number: str

    refusal = Unheard("1.1", field="owner")
    assert isinstance(refusal, UserError) and refusal.field == "owner" and refusal.number == "1.1"
    with pytest.raises(MissingSentence):
        _ = refusal.message
    assert "Something went wrong" in message_for(refusal)

    says(Unheard)(lambda r: f"{r.number} is heard")
    try:
        assert refusal.message == "1.1 is heard" and message_for(refusal) == "1.1 is heard"
        with pytest.raises(TypeError):
            says(Unheard)(lambda r: "a second sentence")
        with pytest.raises(TypeError):
            says(Refusal)(lambda r: "every refusal at once")
    finally:
        del Refusal.sentences[Unheard]


def test_a_plain_user_error_keeps_its_message_and_field() -> None:
    exc = UserError("Pick a date.", field="due")
    assert exc.message == "Pick a date." and exc.field == "due" and str(exc) == "Pick a date."


# -- services speak data: no Slack text is built in a service or in the rules ---------------------------------

# The modules that hold a feature's units of work, rules and refusals: they return data and raise refusals.
SERVICE_MODULES = sorted(
    ROOT / name
    for name in (
        "checklists/service.py",
        "checklists/rules.py",
        "checklists/refusals.py",
        "checklists/changes.py",
        "signoffs/service.py",
        "signoffs/refusals.py",
        "reminders/service.py",
        "reminders/refusals.py",
        "reminders/digest.py",
        "reminders/schedule.py",
        "portfolio/service.py",
    )
)
SLACK_TEXT = ("bot.slack.text", "bot.slack.blocks", "bot.slack.answers", "bot.slack.wording")


def slack_imports(source: str) -> list[str]:
    """Imports of Slack text helpers, of any messages module or of the Slack SDK, anywhere in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found += [
            f"line {node.lineno}: {n}"
            for n in names
            if n.startswith(SLACK_TEXT) or ".messages" in n or n.startswith(("slack_sdk", "slack_bolt"))
        ]
    return found


@pytest.mark.parametrize("path", SERVICE_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_service_or_rules_module_builds_slack_text(path: Path) -> None:
    assert path.exists(), path
    assert slack_imports(path.read_text()) == []


@pytest.mark.parametrize(
    "line",
    [
        "from bot.slack.text import mention",
        "import bot.slack.blocks",
        "from bot.slack import text",
        "def f():\n    from bot.checklists.messages.changes import said",
        "from slack_sdk import WebClient",
    ],
)
def test_the_check_finds_a_slack_import(line: str) -> None:
    assert slack_imports(line + "\n"), line
    assert slack_imports("from bot.checklists import rules\nimport re\n") == []


# -- one wording for "overdue" ------------------------------------------------------------------------------------


def test_one_day_overdue_is_said_one_day_in_status_show_and_export(started) -> None:
    """The show view and the export each had their own copy of the overdue wording, which said "1 days"."""
    from tests.test_export import export

    started.slack.command("due 3.4 2026-11-24")  # the fixture's today is Wed 25 Nov: one day overdue
    started.slack.command("due 3.3 2026-11-22")  # three days
    status = started.slack.command("status").content
    show = started.slack.command("show 3.4").content
    assert "*overdue* 1 day" in status and "1 days" not in status, status
    assert "*overdue* 1 day" in show and "1 days" not in show, show
    assert "*overdue* 3 days" in started.slack.command("show 3.3").content
    md = export(started, "md")
    assert "- Status: open, overdue 1 day\n" in md and "- Status: open, overdue 3 days\n" in md, md
