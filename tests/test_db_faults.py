"""The database unreachable or restarting: /healthz says so, commands answer "temporarily unavailable"
instead of a 500, and the app reconnects by itself."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from sqlalchemy import text

from storage.db import Database
from tests.conftest import pg_available, start_bot


def healthz(bot) -> tuple[int, dict]:
    url = bot.url.replace("/slack/events", "/healthz")
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_unreachable_database_at_start_is_no_crash(fake_slack):
    # Nothing listens on port 1: connections are refused at once.
    bot, stop = start_bot(fake_slack, "postgresql+psycopg://postgres@127.0.0.1:1/test")
    try:
        status, body = healthz(bot)
        assert status == 503 and body["database"] == "unreachable"
        for text_ in ("status", "start", "done 1.1"):
            reply = bot.slack.command(text_)
            assert reply.status == 200 and reply.response_type == "ephemeral"
            assert "temporarily unavailable" in reply.text
    finally:
        stop()


def test_reconnects_after_the_database_drops_its_connections(fake_slack):
    url = pg_available()
    if not url:
        pytest.skip("PostgreSQL is not reachable at TEST_DATABASE_URL or 127.0.0.1:5432")
    from tests.conftest import fresh_database

    bot, stop = start_bot(fake_slack, url, db=fresh_database(url))
    try:
        assert bot.slack.command("start").response_type == "in_channel"
        assert "0/25 done" in bot.slack.command("status").content
        # What a database restart does to the pool: every server-side connection is killed.
        admin = Database(url)
        with admin.writer.begin() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        admin.dispose()
        assert bot.slack.command("done 1.1").response_type == "in_channel"
        assert "1/25 done" in bot.slack.command("status").content
        assert healthz(bot)[0] == 200
    finally:
        stop()
