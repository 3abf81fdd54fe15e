"""Issue 14, part B through signed requests: a quiet channel (`notify quiet|channel`), the digest's "changes this
week", and the leads' portfolio (`share`/`unshare`/`portfolio`, a weekly portfolio posted exactly once across
replicas). Assertions are on what Slack receives: the slash command's answer (in_channel or ephemeral),
`response_url` posts and `chat.postMessage`."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlmodel import select

from bot.reminders.digest import summarise_changes
from bot.reminders.messages import changes_text
from bot.slack.parser import ParseError, parse
from storage.models import Event
from tests import test_reminders
from tests.conftest import NOW, fresh_database, start_bot
from tests.test_reminders import MONDAY, _race, digests, run, texts

shared_db_url = test_reminders.shared_db_url  # the same fixture: a SQLite file, or a schema in PostgreSQL

LEADS = "<#CLEADS|leads>"


def body(reply) -> str:
    return "\n".join(
        [reply.text]
        + [(b.get("text") or {}).get("text", "") for b in reply.blocks]
        + [e.get("text", "") for b in reply.blocks for e in b.get("elements", []) if isinstance(e, dict)]
    )


def channel_posts(fake) -> list:
    """What the channel saw after the acknowledgements: in_channel response_url posts and postMessage calls."""
    return [
        c
        for c in fake.calls
        if (c.method == "response_url" and c.args.get("response_type") == "in_channel")
        or (c.method == "chat.postMessage" and not str(c.args.get("channel", "")).startswith("D"))
    ]


def events(bot, action: str) -> list[Event]:
    with bot.rt.db.read() as session:
        return list(session.exec(select(Event).where(Event.action == action)).all())


# -- the quiet channel -------------------------------------------------------------------------------------------


def test_notify_shows_switches_and_is_recorded(started) -> None:
    slack = started.slack
    shown = slack.command("notify")
    assert shown.response_type == "ephemeral" and "*channel*" in body(shown)

    switched = slack.command("notify quiet", user="UBOB")
    assert switched.response_type == "in_channel"  # the change of mode is told to the channel
    assert "<@UBOB> made this checklist *quiet*" in body(switched)
    assert slack.command("notify").response_type == "ephemeral" and "*quiet*" in body(slack.command("notify"))
    [event] = events(started, "notify")
    assert (event.old, event.new, event.actor_id) == ("channel", "quiet", "UBOB")
    history = slack.command("history")
    assert "notify" in history.content or "quiet" in history.content

    again = slack.command("notify quiet")
    assert again.response_type == "ephemeral" and "already" in body(again)
    bad = slack.command("notify loud")
    assert bad.response_type == "ephemeral" and "notify [quiet|channel]" in body(bad)
    assert len(events(started, "notify")) == 1  # bad input changed nothing

    back = slack.command("notify channel")
    assert back.response_type == "in_channel" and "turned channel notices back on" in body(back)


def test_notify_needs_a_checklist(slack) -> None:
    reply = slack.command("notify quiet")
    assert reply.response_type == "ephemeral" and "/checklist start" in body(reply)


QUIET_CHANGES = [
    "assign 3.3 <@UBOB>",
    "due 3.3 2026-12-04",
    "note 3.3 keys requested",
    "done 2.1",
    "undo 2.1 not yet",
    "add 3 Load test the staging API",
    "remove 3.6",
]


def test_quiet_item_changes_are_answered_to_their_author_only(started, fake_slack) -> None:
    slack = started.slack
    slack.command("notify quiet")
    started.settle()
    fake_slack.reset()
    for text in QUIET_CHANGES:
        reply = slack.command(text, user="UDAN")
        assert reply.status == 200 and reply.response_type == "ephemeral", (text, reply.body)
        assert "Quiet channel: only you see this" in body(reply), text
    started.settle()
    assert channel_posts(fake_slack) == []  # the channel received nothing
    # The changes happened all the same.
    status = slack.command("status 3")
    assert "<@UBOB>" in status.content and "3.7*  Load test" in status.content
    assert "Target API endpoints tested" not in status.content


def test_channel_mode_tells_the_channel(started, fake_slack) -> None:
    for text in QUIET_CHANGES:
        reply = started.slack.command(text, user="UDAN")
        assert reply.response_type == "in_channel", (text, reply.body)
        assert "Quiet channel" not in body(reply)


def test_quiet_mode_still_tells_the_channel_a_phase_is_complete(started, fake_slack) -> None:
    slack = started.slack
    slack.command("notify quiet")
    first = slack.command("done 1.1", user="UBOB")
    assert first.response_type == "ephemeral"
    started.settle()
    assert channel_posts(fake_slack) == []
    last = slack.command("done 1.2", user="UEVE")
    assert last.response_type == "ephemeral" and "Phase 1" not in body(last)
    [told] = fake_slack.wait_for("response_url", lambda c: c.args.get("response_type") == "in_channel")
    assert last.response_url.endswith(told.path)  # through the command's own response_url
    assert "🎉 Phase 1" in told.args["text"] and "is complete: all 2 items done" in told.args["text"]
    assert "<@UEVE>" in told.args["text"] and "1.2" not in told.args["text"]  # the phase, not the item


def test_channel_mode_adds_the_phase_completion_to_the_answer(started) -> None:
    started.slack.command("done 1.1")
    reply = started.slack.command("done 1.2")
    assert reply.response_type == "in_channel" and "🎉 Phase 1" in body(reply)


def test_quiet_mode_still_tells_the_channel_about_signoffs(started, fake_slack) -> None:
    slack = started.slack
    slack.command("contact security <@UCARA>")
    slack.command("notify quiet")
    reply = slack.command("signoff 5.1", user="UBOB")
    assert reply.response_type == "ephemeral"
    told = fake_slack.wait_for("response_url", lambda c: c.args.get("response_type") == "in_channel")
    assert any("5.1" in c.args.get("text", "") for c in told)
    assert fake_slack.wait_for("chat.postMessage", lambda c: str(c.args.get("channel", "")).startswith("D"))


# -- changes this week in the digest ----------------------------------------------------------------------------


def test_digest_lists_the_weeks_changes_in_both_modes(started, fake_slack) -> None:
    bot, slack = started, started.slack
    slack.command("remind weekly monday 09:00 Europe/Berlin")
    slack.command("notify quiet")
    slack.command("done 1.1", user="UBOB")
    slack.command("done 1.2", user="UBOB")
    slack.command("assign 3.3 <@UEVE>", user="UBOB")
    slack.command("due 3.3 2026-12-04", user="UDAN")
    slack.command("note 3.3 <!channel> keys", user="UDAN")
    assert run(bot, MONDAY).posted == ["T0LOCAL:C0LOCAL"]
    [posted] = digests(fake_slack)
    text = texts(posted)
    assert "*Changes this week (" in text
    bob = next(line for line in text.splitlines() if line.startswith("• <@UBOB>"))
    assert "done 1.1, 1.2" in bob and "assigned 3.3" in bob
    dan = next(line for line in text.splitlines() if line.startswith("• <@UDAN>"))
    assert "dated 3.3" in dan and "noted 3.3" in dan
    assert text.index("• <@UBOB>") < text.index("• <@UDAN>")  # the busiest first
    assert "<!channel>" not in text  # the section lists what happened, never user text

    # Channel mode has the section too; changes older than a week are left out.
    slack.command("notify channel")
    bot.clock.set(MONDAY + timedelta(days=3))
    slack.command("done 2.1", user="UCARA")
    bot.clock.set(MONDAY)
    assert run(bot, MONDAY + timedelta(days=7)).posted == ["T0LOCAL:C0LOCAL"]
    week2 = texts(digests(fake_slack)[-1])
    assert "• <@UCARA> — done 2.1" in week2 and "<@UBOB>" not in week2.split("Changes this week")[1]


def test_changes_section_is_bounded() -> None:
    rows = [
        SimpleNamespace(actor_id=f"U{a:04d}", action=action, item_number=f"{p}.{i}", n=1, last=a * 1000 + p * 10 + i)
        for a in range(300)
        for action in ("done", "assign", "due", "note")
        for p in range(1, 4)
        for i in range(1, 9)
    ]
    changes = summarise_changes(rows)
    assert len(changes) == 300 and changes[0].total == 4 * 3 * 8
    text = changes_text(changes)
    assert len(text) < 2800 and text.count("\n• ") == 10 and "+290 more" in text
    assert "+18" in text  # 24 items per action: 6 listed, the rest counted


# -- the portfolio ----------------------------------------------------------------------------------------------


def test_share_input_is_checked_and_changes_nothing(started) -> None:
    slack = started.slack
    cases = {
        "share": "Which channel?",
        "share #leads": "can't find a channel `#leads`",
        "share <@UBOB>": "is not a channel",
        "share leads": "is not a channel",
        "share <#C0LOCAL|project>": "That is this channel",
        "unshare <#CLEADS|leads>": "not in <#CLEADS>'s portfolio",
        f"share {LEADS} {LEADS}": "one channel",
    }
    for text, expected in cases.items():
        reply = slack.command(text)
        assert reply.response_type == "ephemeral", (text, reply.body)
        assert expected in body(reply), (text, body(reply))
    refused = slack.command(f"share {LEADS}", user="UBOB")  # not a lead
    assert refused.response_type == "ephemeral" and "Only a lead" in body(refused) and "<@U0LOCAL>" in body(refused)
    assert events(started, "share") == []
    nothing = slack.command("portfolio", channel="CLEADS")
    assert nothing.response_type == "ephemeral" and "No checklist is shared to this channel" in body(nothing)


def test_a_lead_contact_may_share_and_unshare(started) -> None:
    slack = started.slack
    slack.command("contact lead <@UBOB>")
    shared = slack.command(f"share {LEADS}", user="UBOB")
    assert shared.response_type == "in_channel" and "portfolio of <#CLEADS>" in body(shared)
    again = slack.command(f"share {LEADS}")
    assert again.response_type == "ephemeral" and "already" in body(again)
    assert [e.new for e in events(started, "share")] == ["CLEADS"]
    assert slack.command("portfolio", channel="CLEADS").response_type == "in_channel"
    gone = slack.command(f"unshare {LEADS}", user="UBOB")
    assert gone.response_type == "in_channel" and "took" in body(gone)
    assert [e.old for e in events(started, "unshare")] == ["CLEADS"]
    assert slack.command("portfolio", channel="CLEADS").response_type == "ephemeral"


def _three_projects(bot) -> None:
    """CPA and CPB shared to #leads, CPC not; CPB has an overdue item and a pending sign-off."""
    slack = bot.slack
    for channel in ("CPA", "CPB", "CPC"):
        assert slack.command("start", channel=channel).response_type == "in_channel"
    slack.command("done 1.1", channel="CPA")
    slack.command("due 2.1 2026-12-04", channel="CPA")
    slack.command("due 3.3 2026-11-20", channel="CPB")  # 5 days overdue on 25 Nov
    slack.command("contact security <@UCARA>", channel="CPB")
    assert slack.command("signoff 5.1", channel="CPB").response_type == "ephemeral"
    bot.settle()
    slack.command("due 2.1 2026-11-01", channel="CPC")
    assert slack.command(f"share {LEADS}", channel="CPA").response_type == "in_channel"
    assert slack.command(f"share {LEADS}", channel="CPB").response_type == "in_channel"


def test_portfolio_lists_only_the_checklists_shared_to_it(bot, fake_slack) -> None:
    _three_projects(bot)
    bot.clock.set(NOW + timedelta(days=2))
    reply = bot.slack.command("portfolio", channel="CLEADS", user="UEVE")
    assert reply.response_type == "in_channel"
    text = body(reply)
    assert "<#CPA>" in text and "<#CPB>" in text and "<#CPC>" not in text
    lines = [line for line in text.splitlines() if line.startswith("• ")]
    assert len(lines) == 2
    cpb, cpa = lines  # the one that needs a lead first
    assert "<#CPB>" in cpb and "0/25 done (0%)" in cpb and "⚠️ 1 overdue" in cpb
    assert "⏳ 1 sign-off pending (5.1), oldest 2 days" in cpb
    assert "<#CPA>" in cpa and "1/25 done (4%)" in cpa and "nothing overdue" in cpa and "next due 2.1 Fri 4 Dec" in cpa

    # Another workspace with a channel of the same id sees nothing of this one.
    other = bot.slack.command("portfolio", channel="CLEADS", team_id="T0OTHER")
    assert other.response_type == "ephemeral" and "<#CPA>" not in other.content
    # A channel nothing was shared to, and the project channel itself, have no portfolio.
    assert bot.slack.command("portfolio", channel="CPC").response_type == "ephemeral"

    # Archiving takes a checklist out of every portfolio; a new checklist there is not shared.
    bot.slack.command("archive", channel="CPA")
    bot.slack.command("start", channel="CPA")
    after = body(bot.slack.command("portfolio", channel="CLEADS"))
    assert "<#CPA>" not in after and "<#CPB>" in after


def test_remind_weekly_in_a_portfolio_channel(bot, fake_slack) -> None:
    nothing = bot.slack.command("remind weekly monday 09:00", channel="CLEADS")
    assert nothing.response_type == "ephemeral" and "/checklist start" in body(nothing)
    _three_projects(bot)
    reply = bot.slack.command("remind weekly monday 09:00 Europe/Berlin", channel="CLEADS")
    assert reply.response_type == "in_channel" and "weekly portfolio" in body(reply)
    now = bot.slack.command("remind now", channel="CLEADS")
    assert now.response_type == "in_channel" and "<#CPB>" in body(now)
    assert run(bot, MONDAY).posted == ["T0LOCAL:CLEADS"]
    [posted] = digests(fake_slack, "CLEADS")
    assert "Weekly portfolio" in texts(posted) and "<#CPA>" in texts(posted) and "<#CPC>" not in texts(posted)
    assert run(bot, MONDAY + timedelta(minutes=1)).posted == []
    # When nothing is shared any more, the weekly run is skipped, not posted.
    bot.slack.command(f"unshare {LEADS}", channel="CPA")
    bot.slack.command(f"unshare {LEADS}", channel="CPB")
    assert run(bot, MONDAY + timedelta(days=7)).skipped == ["T0LOCAL:CLEADS"]
    assert len(digests(fake_slack, "CLEADS")) == 1


PORTFOLIOS = [f"CL{n:02d}" for n in range(6)]


def test_two_app_instances_post_each_weekly_portfolio_once(fake_slack, shared_db_url) -> None:
    first, stop_a = start_bot(fake_slack, shared_db_url, db=fresh_database(shared_db_url))
    second, stop_b = start_bot(fake_slack, shared_db_url, clock=first.clock)
    try:
        first.slack.command("start", channel="CPROJ")
        for channel in PORTFOLIOS:
            assert first.slack.command(f"share <#{channel}|l>", channel="CPROJ").response_type == "in_channel"
            reply = second.slack.command("remind weekly monday 09:00 Europe/Berlin", channel=channel)
            assert reply.response_type == "in_channel", reply.body
        won = []
        for when in (MONDAY, MONDAY + timedelta(minutes=1)):
            first.clock.set(when)
            reports = _race([first, second], when)
            assert all(r is not None for r in reports), "an instance did not finish"
            won += [key for r in reports for key in r.posted]
        posted = [c.args["channel"] for c in digests(fake_slack) if "Weekly portfolio" in texts(c)]
        assert sorted(posted) == PORTFOLIOS  # each portfolio channel once, between the two instances
        assert sorted(won) == [f"T0LOCAL:{c}" for c in PORTFOLIOS]
    finally:
        stop_b()
        stop_a()


# -- the grammar --------------------------------------------------------------------------------------------------


def test_parse_notify_share_portfolio() -> None:
    assert parse("notify").name == "notify" and parse("notify").text == ""
    assert parse("notify QUIET").text == "quiet"
    assert parse("share <#C0123ABC|leads>").args == ("C0123ABC",)
    assert parse("unshare <#G0123ABC>").args == ("G0123ABC",)
    assert parse("portfolio").name == "portfolio"
    for bad in ("notify on", "notify quiet now", "share", "share #leads", "share <@U123|bob>", "portfolio x"):
        with pytest.raises(ParseError):
            parse(bad)
    with pytest.raises(ParseError) as exc:
        parse("share #<!channel>")
    assert "<!channel>" not in exc.value.message


def test_help_lists_the_new_commands(slack) -> None:
    text = body(slack.command("help"))
    for usage in ("notify [quiet|channel]", "share #channel", "unshare #channel", "portfolio"):
        assert usage in text

