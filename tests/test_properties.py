"""Property-based tests: random Unicode, mentions, broadcast tokens and very long text at the parser, the
escaping, and the whole app (signed commands): never a 5xx, never a raw broadcast, never an invalid reply."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import UserError
from bot.slack.parser import parse
from bot.slack.text import user_text

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


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


@given(
    st.one_of(
        st.text(max_size=200).map(lambda t: ("application/x-www-form-urlencoded", t)),
        json_values.map(lambda v: ("application/x-www-form-urlencoded", "payload=" + __import__("json").dumps(v))),
        st.fixed_dictionaries(
            {"type": st.sampled_from(["block_actions", "view_submission", "shortcut", "event_callback"])},
            optional={
                "actions": json_values,
                "view": json_values,
                "user": json_values,
                "event": json_values,
                "team": json_values,
                "channel": json_values,
                "event_id": st.text(max_size=10),
            },
        ).map(
            lambda v: (
                "application/json" if v["type"] == "event_callback" else "application/x-www-form-urlencoded",
                __import__("json").dumps(v)
                if v["type"] == "event_callback"
                else "payload=" + __import__("urllib.parse").parse.quote(__import__("json").dumps(v)),
            )
        ),
    )
)
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_malformed_signed_payloads_never_5xx(bot, body):
    content_type, raw = body
    req = bot.slack.signer.sign(raw, content_type=content_type)
    status, answer = bot.slack.transport(req)
    assert status < 500, (raw[:200], answer[:200])
    assert "Traceback" not in answer


titles = st.text(min_size=1, max_size=200).filter(lambda t: t.strip())


@given(st.lists(titles, min_size=1, max_size=60), st.text(max_size=2000), st.integers(0, 59))
@settings(max_examples=40, deadline=None)
def test_status_and_show_views_stay_valid_for_any_text(item_titles, note, done_upto):
    from datetime import UTC, date, datetime

    from bot.checklists.messages.item import show_view
    from bot.checklists.messages.status import status_view
    from bot.checklists.service import Board, ItemDetail
    from storage.models import Checklist, Event, Item, Note, Phase
    from tests.fake.blockkit import validate_message

    now = datetime(2026, 11, 25, tzinfo=UTC)
    checklist = Checklist(
        id=1, team_id="T", channel_id="C1", template="t", title=item_titles[0], created_by="U1", created_at=now
    )
    phases = [Phase(id=p, checklist_id=1, number=p, name=f"{item_titles[-1][:150]} {p}") for p in (1, 2, 3)]
    items = [
        Item(
            id=i,
            checklist_id=1,
            phase_number=i % 3 + 1,
            position=i // 3 + 1,
            number=f"{i % 3 + 1}.{i // 3 + 1}",
            title=t,
            status="done" if i < done_upto else "open",
            owner_id="U2" if i % 2 else None,
            due_date=date(2026, 11, 1 + i % 28),
            done_by="U3" if i < done_upto else None,
            done_at=now if i < done_upto else None,
        )
        for i, t in enumerate(item_titles)
    ]
    board = Board(checklist=checklist, phases=phases, items=items, today=now.date(), note_counts={1: 3})
    for phase in (None, 1, 2, 3):
        payload = status_view(board, phase)
        assert validate_message(payload) == [], payload
        assert not any(b in str(payload) for b in BROADCASTS)
    notes = [Note(id=n, item_id=0, author_id="U1", text=note or "x", created_at=now) for n in range(12)]
    events = [
        Event(id=n, checklist_id=1, item_number=items[0].number, actor_id="U1", action="note", new=note, at=now)
        for n in range(20)
    ]
    detail = ItemDetail(checklist=checklist, item=items[0], notes=notes, events=events, today=now.date())
    payload = show_view(detail)
    assert validate_message(payload) == [], payload
    assert not any(b in str(payload) for b in BROADCASTS)
