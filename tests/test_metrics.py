"""`/metrics` in Prometheus' text format: values after signed commands, Web API calls with 429s and retries
apart, digests, claims left unknown, scheduler lag and database errors. (Workers adding up under gunicorn is
proven in tests/test_serve.py.)"""

from __future__ import annotations

import time
import urllib.request
from datetime import UTC, datetime, timedelta

from prometheus_client.parser import text_string_to_metric_families

from storage import schedules as sq
from tests.conftest import start_bot

MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # 09:00 in Berlin


def scrape(bot) -> dict[tuple[str, tuple], float]:
    """Every sample as {(name, sorted labels): value}."""
    url = bot.url.replace("/slack/events", "/metrics")
    with urllib.request.urlopen(url, timeout=10) as r:
        assert r.status == 200 and r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = r.read().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def delta(before: dict, after: dict, name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


def test_commands_by_subcommand_and_outcome_and_ack_latency(started):
    bot = started
    before = scrape(bot)
    assert bot.slack.command("status").response_type == "in_channel"
    bot.slack.command("status")
    bot.slack.command("done 9.9")  # no such item: a user error
    bot.slack.command("frobnicate <!channel>")  # not a subcommand: help, counted as "unknown"
    after = scrape(bot)
    assert delta(before, after, "checklist_commands_total", subcommand="status", outcome="ok") == 2
    assert delta(before, after, "checklist_commands_total", subcommand="done", outcome="user_error") == 1
    assert delta(before, after, "checklist_commands_total", subcommand="unknown", outcome="ok") == 1
    assert not any("frobnicate" in name + str(labels) for name, labels in after)
    assert delta(before, after, "checklist_ack_seconds_count", kind="command") == 4
    assert delta(before, after, "checklist_ack_seconds_bucket", kind="command", le="5.0") == 4
    assert delta(before, after, "checklist_ack_seconds_sum", kind="command") > 0


def test_web_api_calls_with_429s_and_retries_apart(bot):
    before = scrape(bot)
    bot.fake.fail("chat.postMessage", status=429, retry_after=1)
    event = {"type": "message", "channel_type": "im", "channel": "DBOB0001", "user": "UBOB", "text": "hi", "ts": "1.1"}
    assert bot.slack.event(event, event_id="EvMETRICS01").status == 200
    bot.settle()
    after = scrape(bot)
    calls = "checklist_slack_api_calls_total"
    assert delta(before, after, calls, method="chat.postMessage", outcome="ratelimited") == 1
    assert delta(before, after, calls, method="chat.postMessage", outcome="ok") == 1
    assert delta(before, after, "checklist_slack_api_retries_total", method="chat.postMessage") == 1
    assert delta(before, after, "checklist_ack_seconds_count", kind="event") == 1


def test_digests_and_claims_left_unknown(started):
    bot = started
    bot.slack.command("remind weekly monday 09:00 Europe/Berlin")
    before = scrape(bot)
    bot.clock.set(MONDAY)
    bot.rt.tick(MONDAY)
    with bot.rt.db.write() as session:  # a process that died while posting a nudge leaves its claim `unknown`
        session.add(
            sq.ReminderRun(
                kind=sq.NUDGE, key="UBOB", period="2026-11-29", status=sq.UNKNOWN, claimed_by="gone", claimed_at=MONDAY
            )
        )
    after = scrape(bot)
    assert delta(before, after, "checklist_digests_total", outcome="posted") == 1
    assert after[("checklist_claims_unknown", (("kind", "nudge"),))] == 1
    assert after[("checklist_claims_unknown", (("kind", "digest"),))] == 0
    bot.fake.fail("chat.postMessage", error="not_in_channel")
    bot.rt.tick(MONDAY + timedelta(days=7))
    assert delta(after, scrape(bot), "checklist_digests_total", outcome="paused") == 1


def test_scheduler_lag_and_last_tick(bot):
    before = scrape(bot).get(("checklist_scheduler_last_tick_timestamp_seconds", ()), 0)
    started_at = time.time()
    bot.rt.start_scheduler()  # its first tick is due a second from now
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        after = scrape(bot)
        if after.get(("checklist_scheduler_last_tick_timestamp_seconds", ()), 0) > before:
            break
        time.sleep(0.2)
    bot.rt.stop_scheduler()
    assert after[("checklist_scheduler_last_tick_timestamp_seconds", ())] >= started_at - 1
    assert 0 <= after[("checklist_scheduler_lag_seconds", ())] < 60


def test_database_errors_are_counted_and_metrics_still_answer(fake_slack):
    bot, stop = start_bot(fake_slack, "postgresql+psycopg://postgres@127.0.0.1:1/test")  # nothing listens there
    try:
        before = scrape(bot)
        reply = bot.slack.command("status")
        assert "temporarily unavailable" in reply.text
        after = scrape(bot)
        errors = sum(v for (name, _), v in after.items() if name == "checklist_database_errors_total")
        assert errors > sum(v for (name, _), v in before.items() if name == "checklist_database_errors_total")
        assert delta(before, after, "checklist_commands_total", subcommand="status", outcome="unavailable") == 1
        assert not any(name == "checklist_claims_unknown" for name, _ in after)  # unknown now, not a made-up 0
    finally:
        stop()


def test_unsigned_requests_are_timed_apart(bot):
    before = scrape(bot)
    forged = bot.slack.signer.command("status", user_id="U0LOCAL", channel_id="C0LOCAL", response_url="http://x/")
    forged.headers["X-Slack-Signature"] = "v0=" + "0" * 64
    assert bot.slack.send(forged).status == 401
    after = scrape(bot)
    assert delta(before, after, "checklist_ack_seconds_count", kind="unverified") == 1
    assert delta(before, after, "checklist_ack_seconds_count", kind="command") == 0


def test_metrics_answers_get_only(bot):
    req = urllib.request.Request(bot.url.replace("/slack/events", "/metrics"), data=b"x", method="POST")
    try:
        urllib.request.urlopen(req, timeout=10)
        raise AssertionError("POST /metrics was accepted")
    except urllib.error.HTTPError as err:
        assert err.code == 405
