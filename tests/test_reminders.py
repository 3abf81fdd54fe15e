"""Scheduled reminders through the app: the `remind` commands, digest content, exactly-once claims across
restarts, crashes and processes, Slack failures, overdue nudges and the scheduler's life cycle. Time is a
FixedClock: nothing sleeps for a week; `run_due(now)` is called directly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, make_url, text, update
from sqlmodel import select

from bot.reminders.digest import PendingSignoff
from bot.slack.delivery import metadata_for
from storage import schedules as sq
from storage.models import Checklist, Item
from tests.conftest import NOW, PG_ONLY, SQLITE_PASS, fresh_database, pg_available, start_bot

MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # 09:00 in Berlin (CET)


def texts(call) -> str:
    """All the text of a posted message, blocks included."""
    parts = [call.args.get("text", "")]
    for block in call.args.get("blocks") or []:
        parts.append((block.get("text") or {}).get("text", ""))
        parts.extend(e.get("text", "") for e in block.get("elements", []) if isinstance(e, dict))
    return "\n".join(parts)


def digests(fake, channel: str | None = None) -> list:
    return [
        c
        for c in fake.calls_to("chat.postMessage")
        if c.ok and not str(c.args.get("channel", "")).startswith("D") and channel in (None, c.args.get("channel"))
    ]


def weekly(bot, channel: str = "C0LOCAL", spec: str = "monday 09:00 Europe/Berlin", start: bool = True) -> None:
    if start:
        reply = bot.slack.command("start", channel=channel)
        assert reply.response_type == "in_channel", reply.body
    reply = bot.slack.command(f"remind weekly {spec}", channel=channel)
    assert reply.response_type == "in_channel", reply.body


def run(bot, now: datetime):
    bot.clock.set(now)
    return bot.rt.reminders.run_due(now)


# -- commands ---------------------------------------------------------------------------------------------------


def test_help_lists_remind(slack) -> None:
    assert "/checklist remind" in str(slack.command("help").json)


def test_remind_weekly_show_and_off(started, fake_slack) -> None:
    bot = started
    weekly(bot, start=False)
    reply = bot.slack.command("remind")
    assert reply.response_type == "ephemeral"
    assert "Mondays at 09:00 (Europe/Berlin)" in reply.text and "next" in reply.text
    assert "|2026-11-30 08:00 UTC>" in reply.text  # next run: Monday 09:00 Berlin
    off = bot.slack.command("remind off")
    assert off.response_type == "in_channel" and "stopped the weekly digest" in off.text
    assert "No weekly digest" in bot.slack.command("remind").text
    assert "nothing to stop" in bot.slack.command("remind off").text
    assert run(bot, MONDAY).posted == []


def test_remind_needs_a_checklist(slack) -> None:
    assert "no checklist" in slack.command("remind weekly monday 09:00").text
    assert "no checklist" in slack.command("remind now").text


def test_digest_timezone_defaults_to_the_checklists(started, fake_slack) -> None:
    bot = started
    bot.slack.command("timezone America/New_York")
    reply = bot.slack.command("remind weekly monday 09:00")
    assert "Mondays at 09:00 (America/New_York)" in reply.text
    # 09:00 in New York is 14:00 UTC in winter; 08:00 UTC (Berlin's 09:00) posts nothing.
    assert run(bot, MONDAY).posted == []
    assert run(bot, datetime(2026, 11, 30, 14, 0, tzinfo=UTC)).posted == ["T0LOCAL:C0LOCAL"]
    # A zone named in the command wins over the checklist's.
    assert "(Europe/Berlin)" in bot.slack.command("remind weekly tuesday 10:00 europe/berlin").text


def test_digest_timezone_is_utc_for_a_checklist_in_utc(started, fake_slack) -> None:
    started.settle()  # start's own profile lookup
    lookups = len(fake_slack.calls_to("users.info"))
    reply = started.slack.command("remind weekly monday 09:00")
    assert "Mondays at 09:00 (UTC)" in reply.text
    started.settle()
    assert len(fake_slack.calls_to("users.info")) == lookups  # no profile lookup: the checklist's zone is known


# -- digest content ---------------------------------------------------------------------------------------------


def test_digest_content(started, fake_slack) -> None:
    slack = started.slack
    slack.command("assign 3.3 <@UBOB>")
    slack.command("due 3.3 2026-11-22")  # 3 days overdue on 25 Nov
    slack.command("assign 4.1 <@UEVE>")
    slack.command("due 4.1 2026-11-16")  # 9 days overdue
    slack.command("assign 4.2 <@UBOB>")
    slack.command("due 4.2 2026-11-26")  # due tomorrow
    slack.command("due 4.3 2026-12-20")  # not within 7 days
    slack.command("done 1.1")
    reply = slack.command("remind now")
    assert reply.response_type == "in_channel"
    body = "\n".join(b.get("text", {}).get("text", "") for b in reply.blocks if b["type"] == "section")
    assert "1/25 done" in body
    assert "*Overdue (2)*" in body
    assert body.index("*4.1*") < body.index("*3.3*")  # most overdue first
    assert "<@UEVE>, 9 days overdue" in body and "<@UBOB>, 3 days overdue" in body
    assert "*Due in the next 7 days (1)*" in body and "*4.2*" in body and "*4.3*" not in body
    assert "Open with no owner: 21" in body


def test_digest_says_on_track_and_then_goes_quiet(started, fake_slack) -> None:
    bot = started
    weekly(bot, start=False)
    bot.slack.command("done 1.1")
    assert run(bot, MONDAY).posted == ["T0LOCAL:C0LOCAL"]
    [first] = digests(fake_slack)
    assert "project is on track" in texts(first) and len(first.args["blocks"]) > 1
    # A week later nothing changed and nothing is due: one line.
    assert run(bot, MONDAY + timedelta(days=7)).posted == ["T0LOCAL:C0LOCAL"]
    quiet = digests(fake_slack)[-1]
    assert len(quiet.args["blocks"]) == 1 and "On track" in texts(quiet) and "1/25 done" in texts(quiet)
    # Something changed: the full digest again, with the week's progress.
    bot.slack.command("done 1.2")
    run(bot, MONDAY + timedelta(days=14))
    full = digests(fake_slack)[-1]
    assert len(full.args["blocks"]) > 1 and "2/25 done* (+1 this week)" in texts(full)


def test_pending_signoffs_hook(started, fake_slack) -> None:
    bot = started
    weekly(bot, start=False)
    requested = NOW - timedelta(days=3)

    def provider(session, checklist_ids):
        return {cid: {"5.1": PendingSignoff(("UCARA",), requested)} for cid in checklist_ids}

    bot.rt.reminders.signoffs = provider
    run(bot, MONDAY)
    [posted] = digests(fake_slack)
    assert "*Waiting for sign-off (1)*" in texts(posted) and "<@UCARA>, 8 days" in texts(posted)


def test_no_digest_for_archived_or_finished_checklists(bot, fake_slack) -> None:
    weekly(bot, channel="CARCH")
    weekly(bot, channel="CDONE")
    bot.slack.command("archive", channel="CARCH")
    with bot.rt.db.write() as session:
        cid = session.exec(select(Checklist.id).where(Checklist.channel_id == "CDONE")).one()
        session.execute(update(Item).where(Item.checklist_id == cid).values(status="done"))
    report = run(bot, MONDAY)
    assert report.posted == [] and sorted(report.skipped) == ["T0LOCAL:CARCH", "T0LOCAL:CDONE"]
    assert digests(fake_slack) == []
    assert run(bot, MONDAY + timedelta(hours=1)).skipped == []  # decided once per period


# -- exactly once -----------------------------------------------------------------------------------------------


def test_digest_follows_the_wall_clock_across_the_dst_change(started, fake_slack) -> None:
    bot = started
    weekly(bot, start=False)  # Mondays 09:00 Europe/Berlin
    winter, summer = datetime(2027, 3, 22, 8, 0, tzinfo=UTC), datetime(2027, 3, 29, 7, 0, tzinfo=UTC)
    assert run(bot, winter - timedelta(minutes=1)).posted == []
    assert run(bot, winter).posted == ["T0LOCAL:C0LOCAL"]  # 09:00 CET
    assert run(bot, summer - timedelta(minutes=1)).posted == []
    assert run(bot, summer).posted == ["T0LOCAL:C0LOCAL"]  # 09:00 CEST, an hour earlier in UTC
    assert "|2027-04-05 07:00 UTC>" in bot.slack.command("remind").text
    with bot.rt.db.read() as session:
        periods = session.exec(select(sq.ReminderRun.period).order_by(sq.ReminderRun.period)).all()
    assert periods == ["2027-03-22", "2027-03-29"]


def test_missed_run_is_caught_up_once_within_a_day(started, fake_slack) -> None:
    bot = started
    weekly(bot, start=False)
    # The app was down at 09:00; it starts at 14:00 and catches up, once.
    assert run(bot, MONDAY + timedelta(hours=5)).posted == ["T0LOCAL:C0LOCAL"]
    assert run(bot, MONDAY + timedelta(hours=6)).posted == []
    # Down for the whole of the next Monday and more: that week's digest is not replayed.
    assert run(bot, MONDAY + timedelta(days=8, minutes=1)).posted == []
    assert len(digests(fake_slack)) == 1


def test_old_runs_are_pruned(started) -> None:
    bot = started
    weekly(bot, start=False)
    run(bot, MONDAY)
    run(bot, MONDAY + timedelta(days=70))
    with bot.rt.db.read() as session:
        assert session.exec(select(sq.ReminderRun.period)).all() == ["2027-02-08"]


def test_restart_does_not_post_again(fake_slack, database_url, started) -> None:
    bot = started
    weekly(bot, start=False)
    assert run(bot, MONDAY).posted == ["T0LOCAL:C0LOCAL"]
    bot.rt.close()
    again, stop = start_bot(fake_slack, database_url, clock=bot.clock)
    try:
        assert run(again, MONDAY + timedelta(minutes=1)).posted == []
        assert len(digests(fake_slack)) == 1
        assert run(again, MONDAY + timedelta(days=7)).posted == ["T0LOCAL:C0LOCAL"]
    finally:
        stop()


def _claim_row(bot, status: str, at: datetime) -> None:
    with bot.rt.db.write() as session:
        session.add(
            sq.ReminderRun(
                kind=sq.DIGEST,
                key="T0LOCAL:C0LOCAL",
                period="2026-11-30",
                status=status,
                claimed_by="crashed",
                claimed_at=at,
            )
        )


def test_crash_after_claim_before_post_is_recovered_once(started, fake_slack) -> None:
    bot = started
    weekly(bot, start=False)
    _claim_row(bot, sq.CLAIMED, MONDAY)  # another process claimed, then died before posting
    assert run(bot, MONDAY + timedelta(minutes=1)).posted == []  # it may still be working
    assert run(bot, MONDAY + timedelta(minutes=3)).posted == ["T0LOCAL:C0LOCAL"]  # a few minutes late, once
    assert run(bot, MONDAY + timedelta(minutes=30)).posted == []
    assert len(digests(fake_slack)) == 1
    with bot.rt.db.read() as session:
        row = session.exec(select(sq.ReminderRun)).one()
    assert row.status == sq.POSTED and row.ts and row.attempts == 2


def test_crash_while_posting_is_looked_up_then_posted_once(started, fake_slack) -> None:
    bot = started
    weekly(bot, start=False)
    _claim_row(bot, sq.POSTING, MONDAY)  # died during chat.postMessage, before Slack got it
    assert run(bot, MONDAY + timedelta(minutes=1)).posted == []  # it may still be posting
    assert run(bot, MONDAY + timedelta(minutes=3)).posted == ["T0LOCAL:C0LOCAL"]  # looked: not there, so posted
    assert run(bot, MONDAY + timedelta(hours=2)).posted == []
    assert len(digests(fake_slack)) == 1
    assert fake_slack.calls_to("conversations.history"), "it looked before posting again"


def test_crash_after_slack_got_the_post_is_found_not_reposted(started, fake_slack) -> None:
    bot = started
    weekly(bot, start=False)
    _claim_row(bot, sq.POSTING, MONDAY)
    # Slack has the message (with the run's key in its metadata); the crashed process never recorded it.
    key = "digest:T0LOCAL:C0LOCAL:2026-11-30"
    posted = bot.rt.reminders.client.chat_postMessage(channel="C0LOCAL", text="digest", metadata=metadata_for(key))
    assert run(bot, MONDAY + timedelta(minutes=3)).posted == []
    assert run(bot, MONDAY + timedelta(hours=2)).posted == []
    assert len(digests(fake_slack)) == 1
    with bot.rt.db.read() as session:
        row = session.exec(select(sq.ReminderRun)).one()
    assert (row.status, row.ts) == (sq.POSTED, posted["ts"])


def test_an_outcome_that_cannot_be_looked_up_is_unknown_never_retried(started, fake_slack) -> None:
    bot = started
    weekly(bot, start=False)
    _claim_row(bot, sq.POSTING, MONDAY)
    fake_slack.fail("conversations.history", error="missing_scope", times=5)  # installed before the history scope
    report = run(bot, MONDAY + timedelta(minutes=3))
    assert report.unknown == ["T0LOCAL:C0LOCAL"] and report.posted == []
    assert run(bot, MONDAY + timedelta(hours=2)).posted == []
    assert digests(fake_slack) == []
    with bot.rt.db.read() as session:
        row = session.exec(select(sq.ReminderRun)).one()
    assert row.status == sq.UNKNOWN and "missing_scope" in row.error


def test_a_crash_in_the_middle_of_a_run_never_posts_twice(bot, fake_slack, database_url, monkeypatch) -> None:
    for channel in ("C1", "C2", "C3"):
        weekly(bot, channel=channel)
    client = bot.rt.reminders.client
    real = client.chat_postMessage

    def crash_after_the_second_post(**kwargs):
        result = real(**kwargs)
        if kwargs["channel"] == "C2":
            raise SystemExit("power cut")  # Slack has C2's digest, our database does not know
        return result

    monkeypatch.setattr(client, "chat_postMessage", crash_after_the_second_post)
    with pytest.raises(SystemExit):
        run(bot, MONDAY)
    monkeypatch.undo()
    again, stop = start_bot(fake_slack, database_url, clock=bot.clock)
    try:
        # C3 was never claimed (claims are per channel): posted at once; C2 waits for its claim to go stale.
        assert run(again, MONDAY + timedelta(minutes=1)).posted == ["T0LOCAL:C3"]
        assert run(again, MONDAY + timedelta(minutes=3)).posted == []  # C2: found in the channel, not re-posted
        assert run(again, MONDAY + timedelta(hours=1)).posted == []
    finally:
        stop()
    assert sorted(c.args["channel"] for c in digests(fake_slack)) == ["C1", "C2", "C3"]
    with bot.rt.db.read() as session:
        states = dict(session.exec(select(sq.ReminderRun.key, sq.ReminderRun.status)).all())
    assert states == {"T0LOCAL:C1": sq.POSTED, "T0LOCAL:C2": sq.POSTED, "T0LOCAL:C3": sq.POSTED}


def test_a_429_in_the_middle_of_a_run(bot, fake_slack) -> None:
    for channel in ("C1", "C2", "C3"):
        weekly(bot, channel=channel)
    fake_slack.reset()
    fake_slack.fail("chat.postMessage", status=429, retry_after=1)
    report = run(bot, MONDAY)
    assert sorted(report.posted) == ["T0LOCAL:C1", "T0LOCAL:C2", "T0LOCAL:C3"]
    calls = fake_slack.calls_to("chat.postMessage")
    assert len(calls) == 4 and calls[0].error == "http_429"
    assert sorted(c.args["channel"] for c in calls if c.ok) == ["C1", "C2", "C3"]


@pytest.mark.parametrize("error", ["not_in_channel", "channel_not_found", "is_archived"])
def test_channel_errors_pause_that_schedule_only(bot, fake_slack, error) -> None:
    for channel in ("C1", "C2", "C3"):
        weekly(bot, channel=channel)
    fake_slack.reset()
    fake_slack.fail("chat.postMessage", error=error)
    report = run(bot, MONDAY)
    refused = fake_slack.calls_to("chat.postMessage")[0].args["channel"]
    assert report.paused == [f"T0LOCAL:{refused}"] and len(report.posted) == 2
    # Not retried, neither this minute nor next week; the channel is told why when someone asks.
    assert run(bot, MONDAY + timedelta(minutes=1)).failed == []
    assert f"T0LOCAL:{refused}" not in run(bot, MONDAY + timedelta(days=7)).posted
    assert len(fake_slack.calls_to("chat.postMessage")) == 3 + 2
    status = bot.slack.command("remind", channel=refused).text
    assert "*paused*" in status and ("invite" in status or "archived" in status or "could not find" in status)
    # Setting it again resumes it.
    bot.slack.command("remind weekly monday 09:00 Europe/Berlin", channel=refused)
    assert run(bot, MONDAY + timedelta(days=14)).posted.count(f"T0LOCAL:{refused}") == 1


def test_transient_failure_is_retried_next_minute(started, fake_slack) -> None:
    bot = started
    weekly(bot, start=False)
    fake_slack.fail("chat.postMessage", error="internal_error")
    assert run(bot, MONDAY).failed == ["T0LOCAL:C0LOCAL"]
    assert run(bot, MONDAY + timedelta(minutes=1)).posted == ["T0LOCAL:C0LOCAL"]
    assert run(bot, MONDAY + timedelta(minutes=2)).posted == []


def _race(bots: list, now: datetime) -> list:
    barrier = threading.Barrier(len(bots))
    reports: list = [None] * len(bots)

    def go(i: int) -> None:
        barrier.wait()
        reports[i] = bots[i].rt.reminders.run_due(now)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(bots))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return reports


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_db_url(request, tmp_path) -> Iterator[str]:
    """One database for several app instances: a SQLite file, or a fresh schema in PostgreSQL."""
    url = pg_available()
    if request.param == "sqlite":
        if url is not None:
            pytest.skip(SQLITE_PASS)
        yield f"sqlite:///{tmp_path}/shared.db"
        return
    if url is None:
        pytest.skip(PG_ONLY)
    schema = f"remind_{os.getpid()}_{threading.get_ident() % 100000}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


CHANNELS = [f"C{n:03d}" for n in range(12)]


def test_two_app_instances_on_one_database_post_once(fake_slack, shared_db_url) -> None:
    first, stop_a = start_bot(fake_slack, shared_db_url, db=fresh_database(shared_db_url))
    second, stop_b = start_bot(fake_slack, shared_db_url, clock=first.clock)
    try:
        for channel in CHANNELS:
            weekly(first, channel=channel)
        won = []
        for when in (MONDAY, MONDAY + timedelta(minutes=1)):
            first.clock.set(when)
            reports = _race([first, second], when)
            assert all(r is not None for r in reports), "an instance did not finish"
            won += [key for r in reports for key in r.posted]
        posted = [c.args["channel"] for c in digests(fake_slack)]
        assert sorted(posted) == CHANNELS  # each channel once, between the two instances
        assert sorted(won) == [f"T0LOCAL:{c}" for c in CHANNELS]
    finally:
        stop_b()
        stop_a()


WORKER = """
import json, sys, time
from datetime import datetime
from bot.app import web_client
from bot.clock import FixedClock
from bot.config import load_settings
from bot.reminders.runner import Reminders
from storage.db import Database

url, api, now, go_at = sys.argv[1:5]
settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_API_URL": api, "DATABASE_URL": url})
now = datetime.fromisoformat(now)
reminders = Reminders(Database(url), web_client(settings), FixedClock(now))
time.sleep(max(0.0, float(go_at) - time.time()))
print(json.dumps(reminders.run_due(now).posted))
"""


def test_two_os_processes_on_one_database_post_once(fake_slack, shared_db_url) -> None:
    bot, stop = start_bot(fake_slack, shared_db_url, db=fresh_database(shared_db_url))
    try:
        for channel in CHANNELS:
            weekly(bot, channel=channel)
    finally:
        stop()
    go_at = str(time.time() + 1.5)  # both start their run at the same moment, after their imports
    args = [sys.executable, "-c", WORKER, shared_db_url, fake_slack.api_url, MONDAY.isoformat(), go_at]
    root = Path(__file__).resolve().parent.parent
    procs = [subprocess.Popen(args, cwd=root, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    won = []
    for proc in procs:
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0
        won += json.loads(out.strip().splitlines()[-1])
    assert sorted(won) == [f"T0LOCAL:{c}" for c in CHANNELS]
    assert sorted(c.args["channel"] for c in digests(fake_slack)) == CHANNELS


# -- overdue nudges ---------------------------------------------------------------------------------------------


def _overdue_in_two_channels(bot, fake_slack) -> None:
    fake_slack.add_user("UBOB", tz="Europe/Berlin")
    for channel in ("C1", "C2"):
        bot.slack.command("start", channel=channel)
        for number in ("3.3", "3.4"):
            bot.slack.command(f"assign {number} <@UBOB>", channel=channel)
            bot.slack.command(f"due {number} 2026-11-20", channel=channel)
    bot.slack.command("assign 4.1 <@UBOB>", channel="C1")
    bot.slack.command("due 4.1 2026-12-20", channel="C1")  # not overdue
    fake_slack.reset()


def dms(fake) -> list:
    return [c for c in fake.calls_to("chat.postMessage") if c.ok and str(c.args.get("channel")).startswith("D")]


def test_one_nudge_a_day_listing_overdue_items_across_channels(bot, fake_slack) -> None:
    _overdue_in_two_channels(bot, fake_slack)
    assert run(bot, MONDAY - timedelta(minutes=1)).nudged == []  # 08:59 in Berlin
    assert run(bot, MONDAY).nudged == ["UBOB"]
    [dm] = dms(fake_slack)
    assert dm.args["channel"] == "DBOB"
    body = texts(dm)
    assert "4 overdue checklist items" in body and "<#C1>" in body and "<#C2>" in body and "4.1" not in body
    assert "10 days overdue" in body
    assert run(bot, MONDAY + timedelta(hours=3)).nudged == []  # once a day
    assert run(bot, datetime(2026, 12, 5, 9, 0, tzinfo=UTC)).nudged == []  # Saturday
    assert run(bot, datetime(2026, 12, 1, 3, 0, tzinfo=UTC)).nudged == []  # 04:00 Tuesday: night
    assert run(bot, datetime(2026, 12, 1, 8, 30, tzinfo=UTC)).nudged == ["UBOB"]
    assert len(fake_slack.calls_to("users.info")) == 1  # the timezone is remembered


def test_nudge_settings_off_on_snooze(bot, fake_slack) -> None:
    _overdue_in_two_channels(bot, fake_slack)
    assert "*off*" in bot.slack.command("remind dm off", user="UBOB").text
    assert run(bot, MONDAY).nudged == []
    assert "*on*" in bot.slack.command("remind dm on", user="UBOB").text
    bot.clock.set(NOW)
    reply = bot.slack.command("remind dm snooze 2", user="UBOB")
    assert "snoozed" in reply.text and "2026-11-26" in reply.text  # today (25 Nov) and tomorrow
    assert run(bot, datetime(2026, 11, 26, 8, 0, tzinfo=UTC)).nudged == []
    assert run(bot, datetime(2026, 11, 27, 8, 0, tzinfo=UTC)).nudged == ["UBOB"]
    assert "Your overdue reminders by DM" in bot.slack.command("remind", user="UBOB").text


def test_nudge_to_someone_slack_will_not_dm_is_skipped(bot, fake_slack) -> None:
    _overdue_in_two_channels(bot, fake_slack)
    fake_slack.fail("conversations.open", error="user_disabled")
    report = run(bot, MONDAY)
    assert report.nudged == [] and report.failed == ["UBOB"]
    assert run(bot, MONDAY + timedelta(minutes=1)).failed == []


# -- the scheduler ----------------------------------------------------------------------------------------------


def test_scheduler_starts_and_stops_with_the_app(started, fake_slack) -> None:
    bot, rt = started, started.rt
    weekly(bot, start=False)
    assert bot.rt.scheduler is None  # tests start it only when they ask
    bot.clock.set(MONDAY)
    bot.rt.start_scheduler()
    try:
        assert rt.scheduler.running  # (read through `rt`: mypy keeps `bot.rt.scheduler` narrowed to None)
        assert [j.id for j in rt.scheduler.get_jobs()] == ["reminders-tick", "outbox-sweep"]
        fake_slack.wait_for("chat.postMessage", timeout=5)  # the first tick runs at start: a catch-up
    finally:
        bot.rt.stop_scheduler()
    assert bot.rt.scheduler is None


def test_serve_and_socket_start_the_scheduler(monkeypatch, tmp_path) -> None:
    import bot.cli as cli
    import bot.slack.server as server
    from bot.config import load_settings

    started = []
    rt = SimpleNamespace(start_scheduler=lambda: started.append("rt"))
    monkeypatch.setattr(server, "serve", lambda factory, host, port, on_ready=None, **kw: on_ready(rt))
    monkeypatch.setattr(cli, "check_slack", lambda settings: None)  # no Slack here: the token check is elsewhere
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)  # serve sets it for its workers
    settings = load_settings(
        {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "secret-123", "DATABASE_URL": f"sqlite:///{tmp_path}/s.db"}
    )
    cli.cmd_serve(settings, "127.0.0.1", 0)
    assert started == ["rt"]
