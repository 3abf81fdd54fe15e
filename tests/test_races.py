"""Races answered for what they are: the loser of a unique-constraint race gets its real answer, not
"Something went wrong" (issue 10). SQLite queues writers (BEGIN IMMEDIATE), so the race is real on PostgreSQL:
`make test` runs this file there too (TEST_DATABASE_URL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlmodel import select

from storage.models import Checklist
from storage.schedules import DigestSchedule

N = 16


def _all_at_once(bot, texts: list[tuple[str, str]]):
    gate = threading.Barrier(len(texts))

    def send(c):
        gate.wait()
        return bot.slack.command(c[0], user=c[1], channel="CRACE")

    with ThreadPoolExecutor(max_workers=len(texts)) as pool:
        return list(pool.map(send, texts))


def test_sixteen_concurrent_starts_in_one_channel(bot):
    replies = _all_at_once(bot, [("start", f"U{i:04d}") for i in range(N)])
    assert all(r.status == 200 for r in replies)
    assert not [r.text for r in replies if "Something went wrong" in r.text]
    started = [r for r in replies if r.response_type == "in_channel"]
    assert len(started) == 1
    for r in replies:
        if r is not started[0]:
            assert "already has a checklist" in r.text, r.text
    with bot.rt.db.read() as s:
        assert len(s.exec(select(Checklist).where(Checklist.channel_id == "CRACE")).all()) == 1


def test_sixteen_concurrent_first_weekly_reminders(bot):
    assert bot.slack.command("start", channel="CRACE").response_type == "in_channel"
    replies = _all_at_once(bot, [(f"remind weekly monday 09:{i:02d} UTC", "UBOB") for i in range(N)])
    assert not [r.text for r in replies if "Something went wrong" in r.text]
    assert all(r.response_type == "in_channel" and "weekly checklist digest" in r.text for r in replies)
    with bot.rt.db.read() as s:
        assert len(s.exec(select(DigestSchedule).where(DigestSchedule.channel_id == "CRACE")).all()) == 1


def test_sixteen_concurrent_first_dm_settings(bot):
    replies = _all_at_once(bot, [("remind dm off", "UNEW") for _ in range(N)])
    assert not [r.text for r in replies if "Something went wrong" in r.text]
