"""The database unreachable or restarting: /healthz says so, commands answer "temporarily unavailable"
instead of a 500, and the app reconnects by itself."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

import pytest
from sqlalchemy import make_url, text

from storage.db import APPLICATION_NAME, Database
from tests.conftest import PG_ONLY, pg_available, start_bot


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


def test_app_connections_carry_their_application_name():
    url = pg_available()
    if not url:
        pytest.skip(PG_ONLY)
    db = Database(url)
    named = Database(make_url(url).update_query_dict({"application_name": "replica-7"}).render_as_string(False))
    try:
        for database, expected in ((db, APPLICATION_NAME), (named, "replica-7")):
            with database.reader.connect() as conn:
                assert conn.execute(text("SELECT current_setting('application_name')")).scalar() == expected
    finally:
        db.dispose()
        named.dispose()


def test_reconnects_after_the_database_drops_its_connections(fake_slack):
    url = pg_available()
    if not url:
        pytest.skip(PG_ONLY)
    from tests.conftest import fresh_database

    # This app's connections carry a name of their own: only they are killed, never another test run's.
    name = f"checklist-faults-{uuid.uuid4().hex[:8]}"
    app_url = make_url(url).update_query_dict({"application_name": name}).render_as_string(False)
    bot, stop = start_bot(fake_slack, app_url, db=fresh_database(app_url))
    try:
        assert bot.slack.command("start").response_type == "in_channel"
        assert "0/25 done" in bot.slack.command("status").content
        # What a database restart does to the pool: every server-side connection of the app is killed.
        admin = Database(url)
        with admin.writer.begin() as conn:
            killed = conn.execute(
                text(
                    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND application_name = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            ).scalar()
        admin.dispose()
        assert killed is not None and killed >= 1, "the app held no connection to kill: the test would prove nothing"
        # `status` reads its stamp on a connection its thread keeps (storage/held.py): that one was killed too.
        assert "0/25 done" in bot.slack.command("status").content
        assert bot.slack.command("done 1.1").response_type == "in_channel"
        assert "1/25 done" in bot.slack.command("status").content
        assert healthz(bot)[0] == 200
    finally:
        stop()
