"""Replays count once: a signed request seen before (the same trigger_id, or the same signature and body) is
acknowledged without repeating its change, on any replica (issue 10)."""

from __future__ import annotations

from sqlmodel import select

from storage.models import Item, Note
from tests.conftest import SIGNING_SECRET, start_bot
from tests.fake.signed import Signer


def test_a_replayed_add_makes_one_item(started):
    req = started.slack.signer.command("add 3 Load test", user_id="U0LOCAL", channel_id="C0LOCAL", response_url="x")
    first = started.slack.send(req)
    assert first.response_type == "in_channel" and "3.7" in first.text
    again = started.slack.send(req)
    assert again.status == 200 and again.response_type == "ephemeral" and "already handled" in again.text
    with started.rt.db.read() as s:
        assert [i.number for i in s.exec(select(Item).where(Item.title == "Load test")).all()] == ["3.7"]


def test_a_replayed_note_is_stored_once_even_re_signed_with_the_same_trigger_id(started):
    signer = started.slack.signer
    req = signer.command("note 2.1 call the ministry", user_id="U0LOCAL", channel_id="C0LOCAL", response_url="x")
    assert started.slack.send(req).response_type == "in_channel"
    assert started.slack.send(req).response_type == "ephemeral"
    trigger = dict(p.split("=", 1) for p in req.body.split("&"))["trigger_id"]
    resigned = signer.command(
        "note 2.1 call the ministry", user_id="U0LOCAL", channel_id="C0LOCAL", response_url="y", trigger_id=trigger
    )
    assert started.slack.send(resigned).response_type == "ephemeral"
    # A new request with the same text is a new note.
    assert started.slack.command("note 2.1 call the ministry").response_type == "in_channel"
    with started.rt.db.read() as s:
        assert len(s.exec(select(Note)).all()) == 2


def test_a_replay_sent_to_another_replica_counts_once(started, fake_slack, database_url):
    other, stop = start_bot(fake_slack, database_url, db=None)
    try:
        req = Signer(SIGNING_SECRET).command(
            "add 4 Penetration test", user_id="U0LOCAL", channel_id="C0LOCAL", response_url="x"
        )
        assert started.slack.send(req).response_type == "in_channel"
        assert other.slack.send(req).response_type == "ephemeral"
    finally:
        stop()
    with started.rt.db.read() as s:
        assert len(s.exec(select(Item).where(Item.title == "Penetration test")).all()) == 1


def test_a_replayed_menu_click_and_form_change_nothing_more(started):
    message = started.slack.command("status").json
    url = started.fake.new_response_url()
    block = next(b for b in message["blocks"] if b.get("block_id") == "item|1|3.4")
    from tests.fake.signed import action_for_option

    req = started.slack.signer.block_action(
        user_id="U0LOCAL",
        channel_id="C0LOCAL",
        message={"type": "message", **message},
        action=action_for_option(block, "done|1|3.4"),
        response_url=url,
    )
    assert started.slack.send(req).status == 200
    started.settle()
    updates = len(started.fake.calls_to("response_url"))
    assert started.slack.send(req).status == 200
    started.settle()
    assert len(started.fake.calls_to("response_url")) == updates  # acknowledged, nothing run again
    assert started.slack.command("history 3.4").body.count("marked") <= 1


def test_old_fingerprints_are_pruned(started):
    from datetime import timedelta

    from storage.models import SeenRequest
    from tests.conftest import NOW

    started.slack.command("note 1.1 first")
    with started.rt.db.read() as s:
        assert len(s.exec(select(SeenRequest)).all()) >= 2  # start and note
    started.clock.set(NOW + timedelta(minutes=11))
    started.slack.command("note 1.1 second")
    with started.rt.db.read() as s:
        assert len(s.exec(select(SeenRequest)).all()) == 1  # only the newest is kept


def test_read_only_commands_are_not_recorded_so_their_replay_answers_again(started):
    """`status` (and the other read-only subcommands) keep a database write off their acknowledgement: replaying
    one changes nothing, so it is answered again rather than recorded."""
    from storage.models import SeenRequest

    with started.rt.db.read() as s:
        before = len(s.exec(select(SeenRequest)).all())
    req = started.slack.signer.command("status", user_id="U0LOCAL", channel_id="C0LOCAL", response_url="x")
    assert started.slack.send(req).response_type == "in_channel"
    assert started.slack.send(req).response_type == "in_channel"
    with started.rt.db.read() as s:
        assert len(s.exec(select(SeenRequest)).all()) == before
