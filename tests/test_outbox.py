"""After-ack work through the outbox: Slack acts but its answer is late or cut off (a sign-off DM, conversations.open,
an export), a process stops or crashes with effects queued or half-sent, and two replicas sweep at once. Each case
asserts what Slack ended up with: every effect there, once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import col, select

from bot.slack.outbox import Effect
from storage import outbox as oq
from storage import signoffs as sq
from tests.conftest import fresh_database, start_bot
from tests.test_signoff import ask, contacts, requests, responses

TIMEOUT = {"SLACK_API_TIMEOUT": "0.5"}  # the client gives up after 0.5 s; late answers come after 1.5 s


@pytest.fixture
def quick(fake_slack, database_url) -> Iterator:
    b, stop = start_bot(fake_slack, database_url, db=fresh_database(database_url), env=TIMEOUT)
    reply = b.slack.command("start")
    assert reply.response_type == "in_channel", reply.body
    contacts(b, "security", "UCARA", "UDAN")
    yield b
    stop()


def effects(bot) -> list[oq.OutboxEffect]:
    with bot.rt.db.read() as session:
        return list(session.exec(select(oq.OutboxEffect).order_by(col(oq.OutboxEffect.id))).all())


def approvals(bot) -> list[sq.SignoffApproval]:
    with bot.rt.db.read() as session:
        return list(session.exec(select(sq.SignoffApproval).order_by(col(sq.SignoffApproval.id))).all())


@pytest.mark.parametrize("mode", ["late", "drop"])
def test_signoff_dm_answered_too_late_or_cut_off_keeps_its_ref_and_is_sent_once(quick, fake_slack, mode) -> None:
    fake_slack.act_then_fail("chat.postMessage", mode, delay=1.5)  # the first DM: Slack posts it, we never hear
    reply = ask(quick)
    assert len(fake_slack.posted("DCARA")) == 1 and len(fake_slack.posted("DDAN")) == 1  # no duplicate DM
    assert all(a.dm_ts for a in approvals(quick)), "every approval keeps its DM's ts (for the later update)"
    [request] = requests(quick)
    assert request.status == sq.PENDING
    [told] = responses(quick, reply)
    assert "asked" in told.args["text"].lower() or "sign" in told.args["text"].lower()
    assert {e.status for e in effects(quick)} == {oq.SENT}


def test_conversations_open_timing_out_is_retried_not_left_asking(quick, fake_slack) -> None:
    fake_slack.act_then_fail("conversations.open", "late", delay=1.5)
    reply = ask(quick)
    assert len(fake_slack.posted("DCARA")) == 1 and len(fake_slack.posted("DDAN")) == 1
    [request] = requests(quick)
    assert request.status == sq.PENDING and all(a.dm_ts for a in approvals(quick))
    assert len(responses(quick, reply)) == 1, "the requester hears how it went (not 'Asking…' forever)"


@pytest.mark.parametrize("mode", ["late", "drop"])
def test_export_completed_but_unanswered_is_not_reported_failed_nor_uploaded_twice(quick, fake_slack, mode) -> None:
    fake_slack.act_then_fail("files.completeUploadExternal", mode, delay=1.5)
    reply = quick.slack.command("export md")
    quick.settle()
    assert len(fake_slack.files()) == 1
    assert len(fake_slack.calls_to("files.completeUploadExternal")) == 1, "looked it up instead of redoing it"
    assert not [c for c in responses(quick, reply) if "could not" in c.args.get("text", "")]
    assert {e.status for e in effects(quick)} == {oq.SENT}


def test_a_reply_that_cannot_be_looked_up_is_marked_unknown_not_resent(quick, fake_slack) -> None:
    fake_slack.act_then_fail("response_url", "late", delay=1.5)  # the "who was asked" answer to the channel
    reply = ask(quick)
    assert len(responses(quick, reply)) == 1  # Slack got it once; we never send it again
    assert quick.rt.outbox.unknown == 1
    [effect] = effects(quick)
    assert '"answer": {"status": "unknown"' in effect.state


def _hold(bot, monkeypatch) -> None:
    """This process writes its effects but never gets to send them (it is stopped before its pool runs)."""
    monkeypatch.setattr(bot.rt.outbox, "kick", lambda ids: None)


def test_effects_a_stopped_process_left_are_sent_by_the_next_once(quick, fake_slack, database_url, monkeypatch):
    _hold(quick, monkeypatch)
    ask(quick)
    quick.slack.command("export csv")
    assert fake_slack.posted("DCARA") == [] and fake_slack.files() == []
    assert [e.status for e in effects(quick)] == [oq.PENDING, oq.PENDING]
    quick.rt.close()
    nxt, stop = start_bot(fake_slack, database_url, env=TIMEOUT)
    try:
        nxt.rt.outbox.grace = timedelta(0)
        nxt.rt.tick()  # what the scheduler does at start-up and every minute
        nxt.rt.tick()
        assert len(fake_slack.posted("DCARA")) == 1 and len(fake_slack.posted("DDAN")) == 1
        assert len(fake_slack.files()) == 1
        assert all(a.dm_ts for a in approvals(nxt))
        assert {e.status for e in effects(nxt)} == {oq.SENT}
    finally:
        stop()


def test_a_crash_after_slack_got_the_dm_is_resumed_without_a_second_dm(quick, fake_slack, database_url, monkeypatch):
    client = quick.rt.workspaces.app_client
    real = client.chat_postMessage

    def power_cut(**kwargs):
        real(**kwargs)
        raise SystemExit("kill -9 right after Slack posted the DM")

    monkeypatch.setattr(client, "chat_postMessage", power_cut)
    quick.slack.command("signoff 5.1", user="UALICE")
    quick.rt.background.drain(5)
    monkeypatch.undo()
    assert len(fake_slack.posted("DCARA")) == 1 and not any(a.dm_ts for a in approvals(quick))
    nxt, stop = start_bot(fake_slack, database_url, env=TIMEOUT)
    try:
        nxt.rt.outbox.lease = timedelta(0)  # the dead process's claim is stale
        nxt.rt.tick()
        assert len(fake_slack.posted("DCARA")) == 1, "found by its metadata key, not posted again"
        assert len(fake_slack.posted("DDAN")) == 1
        assert all(a.dm_ts for a in approvals(nxt))
        assert {e.status for e in effects(nxt)} == {oq.SENT}
    finally:
        stop()


def test_two_replicas_sweeping_at_once_send_each_effect_once(fake_slack, database_url, monkeypatch) -> None:
    first, stop_a = start_bot(fake_slack, database_url, db=fresh_database(database_url), env=TIMEOUT)
    second, stop_b = start_bot(fake_slack, database_url, clock=first.clock, env=TIMEOUT)
    try:
        _hold(first, monkeypatch)
        channels = [f"C{n:03d}" for n in range(30)]
        first.rt.outbox.send(*(Effect("notice", {"channel": c, "text": f"note for {c}"}) for c in channels))
        fake_slack.act_then_fail("chat.postMessage", "late", times=4, delay=1.0)
        fake_slack.act_then_fail("chat.postMessage", "drop", times=4)
        for bot in (first, second):
            bot.rt.outbox.grace = timedelta(0)
        barrier = threading.Barrier(2)

        def sweep(bot) -> None:
            barrier.wait()
            bot.rt.outbox.sweep()

        threads = [threading.Thread(target=sweep, args=(b,)) for b in (first, second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(c for c in channels for _ in fake_slack.posted(c)) == channels  # each once
        assert {e.status for e in effects(first)} == {oq.SENT}
    finally:
        stop_b()
        stop_a()
