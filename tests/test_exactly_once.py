"""Digests and nudges at most once when Slack acts but the answer never arrives, when a scheduler dies while
posting, and with several schedulers at once. The fake Slack carries out a post and then answers only after the
client's timeout, or drops the connection after recording it (`act_then_fail`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from unittest.mock import patch

import pytest
from sqlmodel import select

from bot.reminders.runner import Reminders
from storage import schedules as sq
from tests.conftest import fresh_database, start_bot
from tests.test_reminders import MONDAY, _race, digests, run, weekly

TIMEOUT = {"SLACK_API_TIMEOUT": "0.5"}  # the client gives up after 0.5 s; "late" answers come after 1.5 s


@pytest.fixture
def quick(fake_slack, database_url) -> Iterator:
    """The app with a short Web API timeout, so a late answer is a timeout without slowing the suite."""
    b, stop = start_bot(fake_slack, database_url, db=fresh_database(database_url), env=TIMEOUT)
    yield b
    stop()


def _statuses(bot) -> dict[str, str]:
    with bot.rt.db.read() as session:
        return dict(session.exec(select(sq.ReminderRun.key, sq.ReminderRun.status)).all())


@pytest.mark.parametrize("mode", ["late", "drop"])
def test_digest_answered_too_late_or_cut_off_is_posted_once(quick, fake_slack, mode) -> None:
    weekly(quick)
    fake_slack.act_then_fail("chat.postMessage", mode, delay=1.5)
    first = run(quick, MONDAY)
    assert first.failed == [] and first.posted == ["T0LOCAL:C0LOCAL"]  # found by looking: it is there
    for minutes in (1, 3, 15, 60):
        assert run(quick, MONDAY + timedelta(minutes=minutes)).posted == []
    assert len(fake_slack.posted("C0LOCAL")) == 1, "the digest is in the channel exactly once"
    assert len(fake_slack.calls_to("chat.postMessage")) == 1, "never re-sent"
    assert _statuses(quick) == {"T0LOCAL:C0LOCAL": sq.POSTED}


def test_nudge_answered_too_late_is_sent_once(quick, fake_slack) -> None:
    fake_slack.add_user("UBOB", tz="Europe/Berlin")
    quick.slack.command("start")
    quick.slack.command("assign 3.3 <@UBOB>")
    quick.slack.command("due 3.3 2026-11-20")
    fake_slack.reset()
    fake_slack.act_then_fail("chat.postMessage", "late", delay=1.5)
    assert run(quick, MONDAY).nudged == ["UBOB"]
    for minutes in (1, 3, 60):
        assert run(quick, MONDAY + timedelta(minutes=minutes)).nudged == []
    assert len(fake_slack.posted("DBOB")) == 1


def test_a_dead_scheduler_delays_only_the_digest_it_was_posting(bot, fake_slack) -> None:
    channels = [f"C{n:03d}" for n in range(20)]
    for channel in channels:
        weekly(bot, channel=channel)
    fake_slack.reset()
    rt = bot.rt
    dying = Reminders(rt.db, rt.workspaces, rt.clock, owner="dying")

    def killed(**kwargs):
        raise SystemExit("kill -9 at the first post")  # before Slack got it

    with patch.object(dying.client, "chat_postMessage", killed):
        bot.clock.set(MONDAY)
        with pytest.raises(SystemExit):
            dying.run_due(MONDAY)
    # The next tick of a live scheduler posts every other digest at once...
    report = run(bot, MONDAY + timedelta(minutes=1))
    assert len(report.posted) == len(channels) - 1
    # ...and the one the dead process was posting a few minutes later, after looking that Slack does not have it.
    assert len(run(bot, MONDAY + timedelta(minutes=3)).posted) == 1
    assert run(bot, MONDAY + timedelta(minutes=30)).posted == []
    assert sorted(c.args["channel"] for c in digests(fake_slack)) == channels


def test_two_schedulers_with_slow_answers_never_double_post(fake_slack, database_url) -> None:
    first, stop_a = start_bot(fake_slack, database_url, db=fresh_database(database_url), env=TIMEOUT)
    second, stop_b = start_bot(fake_slack, database_url, clock=first.clock, env=TIMEOUT)
    channels = [f"C{n:03d}" for n in range(8)]
    try:
        for channel in channels:
            weekly(first, channel=channel)
        fake_slack.act_then_fail("chat.postMessage", "late", times=3, delay=1.0)
        fake_slack.act_then_fail("chat.postMessage", "drop", times=2)
        for when in (MONDAY, MONDAY + timedelta(minutes=1), MONDAY + timedelta(minutes=3)):
            first.clock.set(when)
            reports = _race([first, second], when)
            assert all(r is not None for r in reports), "a scheduler did not finish"
        posted = sorted(m_channel for m_channel in channels for _ in fake_slack.posted(m_channel))
        assert posted == channels  # each channel's digest exactly once
        assert set(_statuses(first).values()) == {sq.POSTED}
    finally:
        stop_b()
        stop_a()
