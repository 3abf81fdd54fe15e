"""Every subcommand end to end: signed slash commands over HTTP, answers as Slack would show them."""

from __future__ import annotations

import re
from datetime import date

from sqlmodel import col, func, select

from storage.models import Checklist, Event, Item


def count(bot, model) -> int:
    with bot.rt.db.read() as s:
        return s.exec(select(func.count()).select_from(model)).one()


def item(bot, number: str) -> Item:
    with bot.rt.db.read() as s:
        return s.exec(select(Item).where(Item.number == number)).one()


def all_text(reply) -> str:
    return reply.content


def test_start_creates_the_workplan(started):
    with started.rt.db.read() as s:
        numbers = [i.number for i in s.exec(select(Item).order_by(col(Item.id))).all()]
    assert len(numbers) == 25 and numbers[0] == "1.1" and numbers[-1] == "6.5"
    assert numbers[:6] == ["1.1", "1.2", "2.1", "2.2", "2.3", "3.1"]
    assert item(started, "6.3").group == "Support" and (item(started, "6.1").group or "").startswith("Provisioning")


def test_start_twice_says_so_and_changes_nothing(started):
    events_before = count(started, Event)
    reply = started.slack.command("start quickstart")
    assert reply.status == 200 and reply.response_type == "ephemeral"
    assert "already has a checklist" in reply.text
    assert count(started, Checklist) == 1 and count(started, Event) == events_before


def test_start_unknown_template_lists_the_real_ones(bot):
    reply = bot.slack.command("start nope")
    assert reply.response_type == "ephemeral" and "`interop`" in reply.text and "`quickstart`" in reply.text
    assert count(bot, Checklist) == 0


def test_templates_lists_shipped_templates(bot):
    reply = bot.slack.command("templates")
    assert "`interop`" in reply.content and "25 items" in reply.content and "`quickstart`" in reply.content


def test_help_and_unknown_subcommand(bot):
    for text in ("help", "", "frob"):
        reply = bot.slack.command(text)
        assert reply.status == 200 and reply.response_type == "ephemeral"
        for sub in ("status", "done", "undo", "assign", "due", "note", "show", "history", "contact", "archive"):
            assert f"/checklist {sub}" in reply.content
    assert "I don't know `frob`" in bot.slack.command("frob").content


def test_commands_without_a_checklist_say_how_to_start(bot):
    for text in ("status", "done 1.1", "assign 1.1 <@UBOB|bob>", "history", "contacts", "archive"):
        reply = bot.slack.command(text)
        assert reply.status == 200 and reply.response_type == "ephemeral", text
        assert "/checklist start" in reply.text


def test_status_is_in_channel_with_phases_items_and_menus(started):
    reply = started.slack.command("status")
    assert reply.response_type == "in_channel"
    body = reply.content
    assert "0/25 done" in body
    for phase in ("Preparing for the Technical Implementation", "System APIs", "Security", "Administration"):
        assert phase in body
    assert "0/6" in body and "0/5" in body
    menus = [b for b in reply.blocks if b.get("accessory", {}).get("type") == "overflow"]
    assert len(menus) == 25  # every open item has a menu
    assert len(reply.blocks) <= 50


def test_done_undo_with_confirmation_and_progress(started):
    reply = started.slack.command("done 1.1 contacts agreed with <@UBOB|bob>")
    assert reply.response_type == "in_channel" and "1.1" in reply.text and "contacts agreed with <@UBOB>" in reply.text
    assert item(started, "1.1").status == "done"
    status = started.slack.command("status")
    assert "1/25 done" in status.content
    assert "Preparing for the Technical Implementation*   1/2" in status.content
    again = started.slack.command("done 1.1")
    assert again.response_type == "ephemeral" and "already done" in again.text
    assert started.slack.command("undo 1.1").response_type == "in_channel"
    assert item(started, "1.1").status == "open"
    assert "not done" in started.slack.command("undo 1.1").text


def test_finished_phase_collapses_and_status_phase_shows_done_items(started):
    started.slack.command("done 1.1")
    started.slack.command("done 1.2")
    status = started.slack.command("status")
    assert "2/2 ✅" in status.content
    assert "item|1|1.1" not in status.content  # collapsed: no line per finished item
    phase1 = started.slack.command("status 1")
    assert "item|1|1.1" in phase1.content and "done by <@U0LOCAL>" in phase1.content
    assert "System APIs" not in phase1.content


def test_status_unknown_phase(started):
    reply = started.slack.command("status 9")
    assert reply.response_type == "ephemeral" and "phases run from 1 to 6" in reply.text


def test_unknown_item_names_the_range(started):
    before = count(started, Event)
    reply = started.slack.command("done 99.9")
    assert reply.response_type == "ephemeral"
    assert "No item 99.9 here" in reply.text and "1.1 to 6.5" in reply.text
    assert count(started, Event) == before


def test_assign_and_unassign(started):
    reply = started.slack.command("assign 3.3 <@UBOB|bob>")
    assert reply.response_type == "in_channel" and "<@UBOB>" in reply.text
    assert item(started, "3.3").owner_id == "UBOB"
    assert "<@UBOB>" in started.slack.command("status").content
    assert "already assigned" in started.slack.command("assign 3.3 <@UBOB>").text
    six = " ".join(f"<@U{n}>" for n in range(1, 7))
    assert "at most 5 owners" in started.slack.command(f"assign 3.3 {six}").content
    assert item(started, "3.3").owner_id == "UBOB"
    started.slack.command("assign 3.3 none")
    assert item(started, "3.3").owner_id is None


def test_due_dates_and_overdue_flag(started):
    # The fixture clock says Wednesday 2026-11-25.
    reply = started.slack.command("due 3.3 next friday")
    assert reply.response_type == "in_channel" and "due Fri 4 Dec (by" in reply.text
    assert item(started, "3.3").due_date == date(2026, 12, 4)
    started.slack.command("due 3.4 2026-11-20")
    assert item(started, "3.4").due_date == date(2026, 11, 20)
    status = started.slack.command("status").content
    assert "overdue* 5 days" in status and "1 overdue" in status
    assert "due Fri 4 Dec" in status and "<!date" not in status  # a due date is a plain date, not an instant
    started.slack.command("due 3.4 none")
    assert item(started, "3.4").due_date is None
    bad = started.slack.command("due 3.3 someday")
    assert bad.response_type == "ephemeral" and "YYYY-MM-DD" in bad.text and "next friday" in bad.text
    assert item(started, "3.3").due_date == date(2026, 12, 4)


def test_notes_show_and_limits(started):
    started.slack.command("note 2.1 waiting for the ministry's template")
    started.slack.command("note 2.1 second <!channel> note")
    show = started.slack.command("show 2.1")
    assert show.response_type == "ephemeral"
    assert "waiting for the ministry's template" in show.content and "second &lt;!channel&gt; note" in show.content
    assert "Business value" in show.content and "design-quickstart" in show.content
    long = started.slack.command("note 2.1 " + "x" * 2001)
    assert long.response_type == "ephemeral" and "at most 2,000" in long.text
    assert started.slack.command("note 2.1 " + "y" * 2000).response_type == "in_channel"


def test_history_shows_who_what_old_new(started):
    started.slack.command("assign 3.3 <@UBOB|bob>", user="UALICE")
    started.slack.command("assign 3.3 <@UCARA|cara>", user="UALICE")
    started.slack.command("due 3.3 2026-12-01")
    started.slack.command("done 1.2")  # 3.3 waits for 1.2 (a phase gate in the interop template)
    started.slack.command("done 3.3")
    hist = started.slack.command("history 3.3")
    assert hist.response_type == "ephemeral"
    body = hist.content
    assert "<@UALICE> assigned *3.3* to <@UCARA> (was <@UBOB>)" in body
    assert "set the due date of *3.3* to Tue 1 Dec (was no date)" in body and "marked *3.3* done" in body
    assert re.search(r"<!date\^\d+\^\{date_short\} \{time\}\|2026-11-25 10:00 UTC> · <@U0LOCAL> marked", body)
    everything = started.slack.command("history").content
    assert "started the checklist" in everything
    for i in range(25):
        started.slack.command(f"note 1.1 n{i}")
    assert started.slack.command("history").content.count("noted on") == 20  # last 20 changes


def test_contacts(started):
    assert "No contacts yet" in started.slack.command("contacts").text
    reply = started.slack.command("contact security <@UCARA|cara> <@UDAN|dan>")
    assert reply.response_type == "in_channel" and "<@UCARA>, <@UDAN>" in reply.text
    started.slack.command("contact technical <@UBOB>")
    listing = started.slack.command("contacts").content
    assert "*security*: <@UCARA>, <@UDAN>" in listing and "*technical*: <@UBOB>" in listing
    started.slack.command("contact security <@UEVE>")
    assert "*security*: <@UEVE>" in started.slack.command("contacts").content


def test_archive_keeps_history_and_allows_a_new_start(started):
    started.slack.command("done 1.1")
    reply = started.slack.command("archive")
    assert reply.response_type == "in_channel" and "1/25" in reply.text
    assert "/checklist start" in started.slack.command("status").text
    assert started.slack.command("start quickstart").response_type == "in_channel"
    assert "0/8 done" in started.slack.command("status").content
    assert count(started, Checklist) == 2
    with started.rt.db.read() as s:
        assert s.exec(select(func.count()).select_from(Event).where(Event.action == "archive")).one() == 1


def test_channels_are_separate(started):
    other = started.slack.command("status", channel="C0OTHER")
    assert "/checklist start" in other.text
    started.slack.command("start quickstart", channel="C0OTHER")
    started.slack.command("done 1.1", channel="C0OTHER")
    assert item_count_done(started) == 1
    assert "0/25 done" in started.slack.command("status").content


def item_count_done(bot) -> int:
    with bot.rt.db.read() as s:
        return s.exec(select(func.count()).select_from(Item).where(Item.status == "done")).one()


def test_broadcasts_typed_by_users_never_ping(started):
    nasty = "<!channel> <!here> <!everyone> <!subteam^S1|@all> <!date^1^x|y>"
    replies = [
        started.slack.command(f"note 1.1 {nasty}"),
        started.slack.command(f"done 1.2 {nasty}"),
        started.slack.command("show 1.1"),
        started.slack.command("history"),
        started.slack.command(f"frob{nasty}"),
        started.slack.command(f"due 1.1 {nasty}"),
        started.slack.command(f"contact {nasty}"),
    ]
    for reply in replies:
        assert reply.status == 200
        for token in ("<!channel>", "<!here>", "<!everyone>", "<!subteam^"):
            assert token not in reply.content, (token, reply.content[:300])


def test_status_reflects_changes_made_by_another_replica(started, fake_slack, database_url):
    from tests.conftest import start_bot

    assert "0/25 done" in started.slack.command("status").content  # rendered and cached on replica A
    other, stop = start_bot(fake_slack, database_url)
    try:
        other.slack.command("done 2.1")
        other.slack.command("assign 2.2 <@UEVE>")
    finally:
        stop()
    status = started.slack.command("status").content
    assert "1/25 done" in status and "<@UEVE>" in status
