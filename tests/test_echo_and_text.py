"""Every echo escaped, text Slack and the database cannot hold refused politely, item numbers `add` can make
stay addressable (issue 10)."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from bot.errors import UserError
from bot.slack.answers import help_view
from bot.slack.ids import Input
from bot.slack.parser import USAGE, parse
from storage.models import Item, Note
from tests.test_interactive import open_modal, status_message

# The app's own usage texts write placeholders such as `<item>`; anything else in angle brackets must be a
# user or channel mention we made safe, or one of our date tokens.
OWN_PLACEHOLDERS = {
    m
    for text in [*(u[0] + u[1] for u in USAGE.values()), str(help_view()), "<name>"]
    for m in re.findall(r"<[A-Za-z][A-Za-z: |…]*>", text)
}
SAFE = re.compile(r"<@[UW][A-Z0-9]{1,20}>|<#C[A-Z0-9]{1,20}>|<!date\^\d+\^[^<>|]*\|[^<>]*>")


def live_markup(text: str) -> list[str]:
    """Slack control sequences in `text` that we did not write: broadcasts, links, subteams."""
    return [m for m in re.findall(r"<[^<>]*>", text) if m not in OWN_PLACEHOLDERS and not SAFE.fullmatch(m)]


HOSTILE = [
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!subteam^S123|@team>",
    "<https://evil.example|click>",
    "<mailto:a@b.c|mail>",
    "<!here|here>",
    "<@UBOB|bob>",
    "<#C1|x>",
    "&lt;!channel&gt;",
]
heads = st.sampled_from(
    [
        *USAGE,
        "remind weekly",
        "remind weekly monday",
        "remind weekly monday 09:00",
        "remind dm",
        "remind dm snooze",
        "signoff cancel",
        "due 1.1",
        "note 1.1",
        "assign 1.1",
        "contact",
        "status",
        "add 3",
        "add",
        "start",
        "export",
    ]
)
texts = st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12)), min_size=0, max_size=4)


@given(heads, texts)
@settings(max_examples=600)
def test_no_parser_error_echoes_live_markup(head, words):
    for text in (f"{head} {' '.join(words)}", f"{head} {''.join(words)}"):
        try:
            parse(text)
        except UserError as exc:
            assert live_markup(exc.message) == [], (text, exc.message)


def test_remind_weekly_errors_are_escaped():
    for text in (
        "remind weekly <!channel> 09:00",
        "remind weekly monday <!here>",
        "remind weekly monday 09:00 <https://evil.example|x>",
        "remind weekly <!subteam^S1|x> 09:00",
    ):
        try:
            parse(text)
        except UserError as exc:
            assert live_markup(exc.message) == [] and "&lt;" in exc.message, exc.message
        else:
            raise AssertionError(text)


@given(heads, texts)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_no_answer_of_the_app_carries_live_markup(started, head, words):
    reply = started.slack.command(f"{head} {' '.join(words)}", user="UBOB")
    assert reply.status == 200
    assert "Something went wrong" not in reply.content
    assert live_markup(reply.content) == [], reply.content[:400]


def test_nul_in_a_command_is_a_validation_message(started):
    for text in ("note 1.1 before\x00after", "add 3 load\x00test", "done 1.1 ok\x00", "start interop\x00"):
        reply = started.slack.command(text)
        assert reply.status == 200 and reply.response_type == "ephemeral", (text, reply.body)
        assert "Something went wrong" not in reply.text and "character" in reply.text, reply.text
    with started.rt.db.read() as s:
        assert s.exec(select(Note)).all() == []
        assert s.exec(select(Item).where(Item.status == "done")).all() == []


def test_nul_or_a_lone_surrogate_in_the_note_modal_is_a_field_error(started):
    view = open_modal(started, status_message(started), "note|1|2.2")
    for bad in ("half an emoji \ud83d", "nul\x00byte", "\udfff"):
        reply = started.slack.submit(view, {Input.NOTE: {Input.NOTE: {"type": "plain_text_input", "value": bad}}})
        assert reply.status == 200 and reply.json.get("response_action") == "errors", reply.body
        assert "character" in reply.json["errors"][Input.NOTE]
    with started.rt.db.read() as s:
        assert s.exec(select(Note)).all() == []


def test_add_stops_at_999_items_in_a_phase_and_every_number_it_made_is_addressable(started):
    with started.rt.db.write() as s:  # fill phase 6 up to 6.998 quickly, as 990-odd `add`s would
        checklist_id = s.exec(select(Item.checklist_id)).first()
        last = max(i.position for i in s.exec(select(Item).where(Item.phase_number == 6)).all())
        for pos in range(last + 1, 999):
            s.add(Item(checklist_id=checklist_id, phase_number=6, position=pos, number=f"6.{pos}", title=f"t{pos}"))
    reply = started.slack.command("add 6 the last one")
    assert reply.response_type == "in_channel" and "6.999" in reply.text, reply.text
    assert "6.999" in started.slack.command("show 6.999").content
    assert started.slack.command("note 6.999 reachable").response_type == "in_channel"
    refused = started.slack.command("add 6 one too many")
    assert refused.response_type == "ephemeral" and "999" in refused.text, refused.text
    assert "Something went wrong" not in refused.text
    with started.rt.db.read() as s:
        assert s.exec(select(Item).where(Item.number == "6.1000")).first() is None
