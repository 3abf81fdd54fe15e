"""Property-based tests: random Unicode, mentions, broadcast tokens and very long text at the parser, the
escaping, and the whole app (signed commands): never a 5xx, never a raw broadcast, never an invalid reply."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import UserError
from bot.parser import parse
from bot.text import user_text

BROADCASTS = ("<!channel>", "<!here>", "<!everyone>", "<!subteam^")

tokens = st.sampled_from(
    [
        "status",
        "done",
        "undo",
        "assign",
        "due",
        "note",
        "show",
        "history",
        "contact",
        "contacts",
        "start",
        "archive",
        "help",
        "1.1",
        "3.3",
        "99.9",
        "0.0",
        "none",
        "<!channel>",
        "<!here|here>",
        "<@UBOB|bob>",
        "<@U1>",
        "<#C1|x>",
        "<!subteam^S1|@x>",
        "&",
        "<",
        ">",
        "next friday",
        "in 3 days",
        "2026-02-30",
        "\u202e",
        "🎉",
        "x" * 2100,
        "\n",
        "\t",
        "security",
    ]
)
command_text = st.lists(st.one_of(tokens, st.text(max_size=40)), max_size=6).map(" ".join)


@given(command_text)
@settings(max_examples=400)
def test_parser_either_parses_or_explains(text):
    try:
        cmd = parse(text)
    except UserError as exc:
        assert exc.message
        assert not any(b in exc.message for b in BROADCASTS)
    else:
        assert cmd.name


@given(st.text())
def test_user_text_never_lets_a_broadcast_through(text):
    out = user_text(text)
    assert not any(b in out for b in BROADCASTS)
    assert "<!" not in out


@given(command_text)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_app_answers_any_command_text(started, text):
    reply = started.slack.command(text, user="UBOB")
    assert reply.status == 200, reply.body
    content = reply.content
    assert "Something went wrong" not in content, content[:400]
    assert not any(b in content for b in BROADCASTS), content[:400]
