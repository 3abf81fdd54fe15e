"""Where the features meet: the digest shows pending sign-offs, the scheduler tick escalates stale ones."""

from __future__ import annotations

from datetime import timedelta


def test_digest_lists_pending_signoffs_with_their_approvers(started):
    started.slack.command("contact security <@UCARA|cara> <@UDAN|dan>")
    started.slack.command("signoff 5.1")
    started.settle()
    started.fake.wait_for("chat.postMessage", count=2)  # the two DMs
    reply = started.slack.command("remind now")
    started.settle()
    text = reply.content + "".join(str(c.args) for c in started.fake.calls_to("chat.postMessage"))
    assert "Waiting for sign-off (1)" in text
    assert "5.1" in text and "<@UCARA>" in text


def test_scheduler_tick_escalates_stale_signoffs(started):
    started.slack.command("contact security <@UCARA|cara>")
    started.slack.command("contact security-backup <@UEVE|eve>")
    started.slack.command("signoff 5.2")
    started.settle()
    started.fake.reset()
    started.clock.set(started.clock.now() + timedelta(days=7))
    started.rt.tick()
    started.settle()
    assert started.fake.calls_to("conversations.open"), "the backup contact was not asked"
    assert any(c.args.get("users") == "UEVE" for c in started.fake.calls_to("conversations.open"))
    started.fake.reset()
    started.rt.tick()
    started.settle()
    assert not started.fake.calls_to("conversations.open")  # once, not every tick
