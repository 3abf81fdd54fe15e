"""How many SQL statements one request runs, counted with an SQLAlchemy `before_cursor_execute` listener
(tests/sqlcount.py), on SQLite and on PostgreSQL (the suite runs on both).

What is counted: every statement the request's own thread sends to the database while Slack waits for the
acknowledgement: the replay record (`seenrequest`), the unit of work and the outbox effects written with it.
Transaction control (BEGIN, COMMIT, SAVEPOINT, PRAGMA) is not counted, nor what the background pool does after
the acknowledgement (Web API calls, DM updates). Each test also checks that the answer and the stored state are
still right, so a count cannot be bought by skipping work.
"""

from __future__ import annotations

from bot.slack.ids import Action
from storage import audit
from storage import queries as q
from tests.sqlcount import counting
from tests.test_signoff import channel_posts, click, contacts, dms, item_status, requests, updates

DONE_AT_MOST = 6
APPROVE_AT_MOST = 12
STATUS_MISS_AT_MOST = 6


def chain_intact(bot) -> bool:
    with bot.rt.db.read() as session:
        return all(chain.broken is None for chain in audit.verify(session))


def describe(statements: list[str]) -> str:
    return "\n".join(" ".join(s.split())[:160] for s in statements)


def test_done_runs_at_most_6_statements(started):
    bot = started
    with counting(bot.rt.db) as seen:
        reply = bot.slack.command("done 1.1", user="UALICE")
    assert reply.response_type == "in_channel" and "marked *1.1" in reply.text, reply.body
    assert "Phase 1" not in reply.text  # 1.2 is still open
    assert len(seen.data()) <= DONE_AT_MOST, describe(seen.data())
    assert item_status(bot, "1.1") == "done"

    # The change that completes a phase says so, within the same count.
    with counting(bot.rt.db) as seen:
        reply = bot.slack.command("done 1.2", user="UALICE")
    assert "marked *1.2" in reply.text and "🎉 Phase 1" in reply.text and "all 2 items done" in reply.text
    assert len(seen.data()) <= DONE_AT_MOST, describe(seen.data())

    # Refusals still read the state right: done again, and an item with a pending sign-off.
    assert "already done" in bot.slack.command("done 1.1").text
    contacts(bot, "security", "UCARA", "UDAN")
    bot.slack.command("signoff 5.1", user="UALICE")
    bot.settle()
    with counting(bot.rt.db) as seen:
        refused = bot.slack.command("done 5.1")
    assert refused.response_type == "ephemeral" and "pending sign-off" in refused.text, refused.body
    assert len(seen.data()) <= DONE_AT_MOST, describe(seen.data())
    assert item_status(bot, "5.1") == "open"
    assert chain_intact(bot)


def test_an_approve_click_runs_at_most_12_statements(started):
    bot = started
    contacts(bot, "security", "UCARA", "UDAN")
    bot.slack.command("signoff 5.1", user="UALICE")
    bot.settle()

    with counting(bot.rt.db) as seen:
        click(bot, dms(bot, "UCARA")[-1], Action.SIGNOFF_APPROVE, "UCARA")
    assert len(seen.data()) <= APPROVE_AT_MOST, describe(seen.data())
    assert item_status(bot, "5.1") == "open" and requests(bot)[0].status == "pending"

    # The last approval closes the request and completes the item: the heaviest click.
    with counting(bot.rt.db) as seen:
        click(bot, dms(bot, "UDAN")[-1], Action.SIGNOFF_APPROVE, "UDAN")
    assert len(seen.data()) <= APPROVE_AT_MOST, describe(seen.data())
    assert item_status(bot, "5.1") == "done" and requests(bot)[0].status == "approved"
    assert any("5.1" in post.args["text"] for post in channel_posts(bot))
    assert updates(bot, "UCARA") and updates(bot, "UDAN")  # both DMs lose their buttons

    # A second click on a closed request changes nothing.
    with counting(bot.rt.db) as seen:
        click(bot, dms(bot, "UDAN")[-1], Action.SIGNOFF_APPROVE, "UDAN")
    assert len(seen.data()) <= APPROVE_AT_MOST, describe(seen.data())
    assert [r.status for r in requests(bot)] == ["approved"]
    with bot.rt.db.read() as session:
        actions = [e.action for e in q.events(session, requests(bot)[0].checklist_id, item_number="5.1")]
    assert actions == ["signoff_request", "signoff_approve", "signoff_approve", "signoff_done"]
    assert chain_intact(bot)


def test_status_on_a_cache_miss_runs_at_most_6_statements(started):
    bot = started
    contacts(bot, "security", "UCARA", "UDAN")
    bot.slack.command("signoff 5.1", user="UALICE")  # a pending sign-off: its approvals are read too
    bot.settle()
    bot.slack.command("note 1.2 draft sent")
    bot.slack.command("done 1.1")  # a new version: the next status is drawn afresh

    with counting(bot.rt.db) as seen:
        reply = bot.slack.command("status")
    assert len(seen.data()) <= STATUS_MISS_AT_MOST, describe(seen.data())
    assert len(seen.data()) > 1  # drawn, not served from the cache
    text = "\n".join(b["text"]["text"] for b in reply.blocks if b["type"] == "section")
    assert reply.response_type == "in_channel" and "*1/25 done*" in text
    assert "*1.2*" in text and "📝 1" in text  # the note counted
    assert "⏳ waiting on <@UCARA> (0 d), <@UDAN> (0 d)" in text  # the newest request and its approvals

    # Served from the cache now: the one small query that says nothing changed (none at all on PostgreSQL once its
    # notices are heard: tests/test_watch.py).
    with counting(bot.rt.db) as seen:
        again = bot.slack.command("status")
    assert again.blocks == reply.blocks, describe(seen.data())
    assert len(seen.data()) == 1 if bot.rt.db.is_sqlite else len(seen.data()) <= 1, describe(seen.data())
