"""The sign-off, reminder and portfolio services return data and raise refusals (`bot.errors.Refusal`): none of
their modules imports Slack text helpers, a messages module or the Slack SDK. Their sentences are in each
feature's messages module (the checklists feature has the same check in tests/test_wording.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import bot

ROOT = Path(bot.__file__).parent

SERVICE_MODULES = (
    "signoffs/service.py",
    "signoffs/refusals.py",
    "reminders/service.py",
    "reminders/refusals.py",
    "reminders/digest.py",
    "reminders/schedule.py",
    "portfolio/service.py",
)
SLACK_TEXT = ("bot.slack.text", "bot.slack.blocks", "bot.slack.answers", "bot.slack.wording", "slack_sdk", "slack_bolt")


def slack_text_imports(source: str) -> list[str]:
    """What `source` imports of Slack text helpers, of a messages module or of the Slack SDK (anywhere in it,
    function-level imports included)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found += [n for n in names if n.startswith(SLACK_TEXT) or "messages" in n.split(".")]
    return found


@pytest.mark.parametrize("name", SERVICE_MODULES)
def test_the_service_builds_no_slack_text(name: str) -> None:
    path = ROOT / name
    assert path.exists(), path
    assert slack_text_imports(path.read_text()) == []


@pytest.mark.parametrize(
    "line",
    [
        "from bot.slack.text import mention",
        "from bot.slack import blocks",
        "import slack_sdk",
        "from bot.signoffs.messages import GONE",
        "def f():\n    from bot.reminders import messages\n",
    ],
)
def test_the_check_finds_a_slack_text_import(line: str) -> None:
    assert slack_text_imports(line + "\n"), line
    assert slack_text_imports("from bot.checklists import rules\nfrom bot.signoffs import refusals as no\n") == []


def test_every_signoff_and_reminder_refusal_is_worded_by_its_messages() -> None:
    from bot.errors import Refusal
    from bot.reminders import messages as reminder_messages  # noqa: F401  (registers the sentences)
    from bot.reminders import refusals as reminder_refusals
    from bot.signoffs import messages as signoff_messages  # noqa: F401
    from bot.signoffs import refusals as signoff_refusals

    kinds = [
        k
        for module in (signoff_refusals, reminder_refusals)
        for k in vars(module).values()
        if isinstance(k, type) and issubclass(k, Refusal) and k is not Refusal and k.__module__ == module.__name__
    ]
    assert len(kinds) >= 15
    sentences = {k: Refusal.sentences.get(k) for k in kinds}
    assert [k.__name__ for k, say in sentences.items() if say is None] == []
    assert {k.__module__ for k, say in sentences.items() if say is not None} == {
        "bot.signoffs.refusals",
        "bot.reminders.refusals",
    }
    said_in = {say.__module__ for say in sentences.values() if say is not None}
    assert said_in == {"bot.signoffs.messages", "bot.reminders.messages"}
