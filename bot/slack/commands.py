"""`/checklist`: one command table (`bot.slack.parser.TABLE`) from text to answer.

Each row holds a subcommand's usage line, its parser and its handler. Each feature writes its rows in its
`grammar` module and registers its handlers with `handles`; `help` is generated from the same rows, so the help
text and the grammar cannot disagree. Every handler has one signature, `Handler`, and returns the answer that
acknowledges the command.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, BoltResponse
from slack_sdk import WebClient

from bot import metrics
from bot.slack.acks import acknowledge
from bot.slack.answers import help_view
from bot.slack.errors import outcome_of
from bot.slack.parser import TABLE, Command, Subcommand, parse
from bot.slack.who import who_of
from bot.who import Who

if TYPE_CHECKING:
    from bot.app import Runtime


@dataclass(frozen=True)
class SlackCall:
    """The Slack side of one command: where later answers go and the workspace's client (for after the ack)."""

    response_url: str | None
    client: WebClient


Handler = Callable[["Runtime", Who, Command, SlackCall], dict[str, Any]]


def handles(*names: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of the table's rows `names`."""

    def register_handler(handler: Handler) -> Handler:
        for name in names:
            TABLE[name].handler = handler
        return handler

    return register_handler


def unhandled() -> list[str]:
    """Rows no feature has registered a handler for (the app does not start with any)."""
    return [s.name for s in TABLE.values() if s.handler is None]


@handles("help")
def _help(rt: Runtime, who: Who, cmd: Command, slack: SlackCall) -> dict[str, Any]:
    return help_view(cmd.args[0] if cmd.args else None)


def metric_name(text: str) -> str:
    """The subcommand as a metric label: a bounded set, whatever people type ("unknown" for the rest)."""
    head = (text or "").strip().partition(" ")[0].lower()
    return head if head in TABLE.heads() else ("help" if not head else "unknown")


def row_of(cmd: Command) -> Subcommand:
    return TABLE[cmd.name]


def register(app: App, rt: Runtime) -> None:
    missing = unhandled()
    if missing:
        raise RuntimeError(f"no handler registered for /checklist {', '.join(missing)}")

    @app.command("/checklist")
    def checklist_command(ack: Ack, command: dict[str, Any], client: WebClient) -> BoltResponse | None:
        name = metric_name(command.get("text") or "")
        try:
            cmd = parse(command.get("text", ""))
            who = who_of(command, archived=cmd.archived)
            handler = row_of(cmd).handler
            assert handler is not None  # checked when the app started
            response = acknowledge(ack, handler(rt, who, cmd, SlackCall(command.get("response_url"), client)))
        except Exception as exc:
            metrics.command_done(name, outcome_of(exc))
            raise
        metrics.command_done(name, "ok")
        return response
