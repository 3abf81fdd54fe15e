"""Issue 11, sign-offs an auditor can trust: every refusal driven as Slack talks to us (signed commands, block_actions
from the DMs' own buttons, view submissions), each followed by "and nothing changed": the same `status` and
`history`, and no Web API call (no DM opened for a refused request)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from bot.slack.ids import Action, Input
from storage import audit
from tests.conftest import NOW
from tests.test_interactive import open_modal, status_message
from tests.test_signoff import (
    buttons,
    channel_posts,
    click,
    contacts,
    dms,
    item_status,
    requests,
    responses,
    text_of,
    updates,
)


def snapshot(bot) -> tuple[str, str, int]:
    """What anyone could see of the checklist, and how many Web API calls the app made so far."""
    bot.settle()
    status = bot.slack.command("status").content
    history = bot.slack.command("history").content
    return status, history, len([c for c in bot.fake.calls if c.method != "response_url"])


def refused(bot, command: str, user: str, *expect: str) -> str:
    """Send a command that must be refused: ephemeral, says `expect`, and nothing changed."""
    before = snapshot(bot)
    reply = bot.slack.command(command, user=user)
    assert reply.status == 200 and reply.response_type == "ephemeral", reply.body
    for words in expect:
        assert words in reply.text, (words, reply.text)
    assert snapshot(bot) == before, f"{command!r} changed something"
    assert not bot.fake.calls_to("conversations.open") or before[2] == snapshot(bot)[2]
    return reply.text


@pytest.fixture
def security(started):
    contacts(started, "security", "UCARA", "UDAN")
    return started


def approve_all(bot, number: str = "5.1", requester: str = "UALICE") -> None:
    bot.slack.command(f"signoff {number}", user=requester)
    bot.settle()
    click(bot, dms(bot, "UCARA")[-1], Action.SIGNOFF_APPROVE, "UCARA")
    click(bot, dms(bot, "UDAN")[-1], Action.SIGNOFF_APPROVE, "UDAN")
    assert item_status(bot, number) == "done"


# -- approvers come from the role; nobody approves their own request ----------------------------------------


def test_naming_yourself_outside_the_role_is_refused(security):
    bot = security
    text = refused(bot, "signoff 5.2 <@UBOB|bob>", "UBOB", "Nobody approves their own request")
    assert not bot.fake.calls_to("conversations.open") and not requests(bot)
    refused(bot, "signoff 5.2 <@UEVE|eve>", "UBOB", "<@UEVE> is not a *security* contact", "<@UCARA>, <@UDAN>")
    assert not bot.fake.calls_to("conversations.open") and not requests(bot)
    assert "Nothing was requested" in text


def test_a_contact_requesting_asks_only_the_others(security):
    bot = security
    bot.slack.command("signoff 5.1", user="UCARA")
    bot.settle()
    assert [c.args["users"] for c in bot.fake.calls_to("conversations.open")] == ["UDAN"]
    (request,) = requests(bot)
    assert request.requested_by == "UCARA"
    # Even with a forged button the requester cannot decide.
    reply = click(bot, dms(bot, "UDAN")[0], Action.SIGNOFF_APPROVE, "UCARA")
    assert "Nobody approves their own request" in responses(bot, reply)[0].args["text"]
    assert item_status(bot, "5.1") == "open"


def test_the_only_contact_cannot_request(started):
    bot = started
    contacts(bot, "security", "UCARA")
    refused(bot, "signoff 5.1", "UCARA", "you are the only *security* contact", "nobody is left")
    assert not bot.fake.calls_to("conversations.open") and not requests(bot)


def test_an_item_without_role_asks_the_named_people_but_never_the_requester(started):
    bot = started
    refused(bot, "signoff 3.4 <@UBOB|bob>", "UBOB", "Nobody approves their own request")
    refused(bot, "signoff 3.4 <@UBOB|bob> <@UCARA|cara>", "UBOB", "leave yourself out")
    bot.slack.command("signoff 3.4 <@UCARA|cara>", user="UBOB")
    bot.settle()
    assert [c.args["users"] for c in bot.fake.calls_to("conversations.open")] == ["UCARA"]


def test_a_role_without_contacts_names_the_command(started):
    refused(started, "signoff 5.1", "UALICE", "`/checklist contact security @cara @dan`")


# -- leads guard the roles that sign ------------------------------------------------------------------------


def test_only_a_lead_changes_a_signing_role(security):
    bot = security
    for role in ("security", "security-backup", "lead"):
        refused(
            bot, f"contact {role} <@UEVE|eve>", "UEVE", f"Only a lead can change the *{role}* contacts", "<@U0LOCAL>"
        )
    # Other roles stay open to everyone.
    assert bot.slack.command("contact technical <@UEVE|eve>", user="UEVE").response_type == "in_channel"
    # The starter (U0LOCAL) names a second lead, who may then change the role; Dan, removed, is told by DM.
    assert bot.slack.command("contact lead <@UALICE|alice>").response_type == "in_channel"
    reply = bot.slack.command("contact security <@UCARA|cara> <@UEVE|eve>", user="UALICE")
    assert reply.response_type == "in_channel" and "no longer security: <@UDAN>" in reply.text
    bot.settle()
    (told,) = dms(bot, "UDAN")
    assert "took you out of the *security* contacts" in told.args["text"]
    assert not dms(bot, "UCARA")
    history = bot.slack.command("history").content
    assert "set the *security* contacts to <@UCARA>, <@UEVE> (were <@UCARA>, <@UDAN>)" in history
    assert "UCARA UDAN" not in history  # contacts show as mentions, never raw ids


def test_a_contact_taken_out_of_the_role_can_no_longer_decide_a_pending_request(security):
    bot = security
    bot.slack.command("signoff 5.1", user="UALICE")
    bot.settle()
    # The lead takes Dan out of the role while the request waits; Dan is told he no longer signs off its items.
    assert bot.slack.command("contact security <@UCARA|cara> <@UEVE|eve>").response_type == "in_channel"
    bot.settle()
    assert "you no longer sign off its items" in dms(bot, "UDAN")[-1].args["text"]
    click(bot, dms(bot, "UCARA")[0], Action.SIGNOFF_APPROVE, "UCARA")
    # Dan's old buttons change nothing: the item is not signed off by someone who is no longer a contact.
    reply = click(bot, dms(bot, "UDAN")[0], Action.SIGNOFF_APPROVE, "UDAN")
    assert "no longer a *security* contact" in responses(bot, reply)[0].args["text"]
    assert item_status(bot, "5.1") == "open"
    assert [r.status for r in requests(bot)] == ["pending"]


# -- a pending request locks the item -----------------------------------------------------------------------


def test_a_pending_request_locks_done_assign_due_and_remove(security):
    bot = security
    bot.slack.command("signoff 3.4 <@UCARA|cara>", user="UALICE")
    bot.slack.command("signoff 5.1", user="UALICE")
    bot.settle()
    for command in ("done 3.4", "assign 3.4 <@UBOB|bob>", "due 3.4 friday", "remove 3.4", "assign 5.1 <@UBOB|bob>"):
        refused(bot, command, "UBOB", "pending sign-off request", f"`/checklist signoff cancel {command.split()[1]}`")
    # The status message's menu runs the same rule.
    before = snapshot(bot)
    message = status_message(bot)
    reply = bot.slack.choose(message, "done|1|3.4", user="UBOB")
    bot.settle()
    assert "pending sign-off request" in responses(bot, reply)[0].args["text"]
    assert item_status(bot, "3.4") == "open"
    assert snapshot(bot)[:2] == before[:2]
    # Reject never leaves the item done.
    dm = next(d for d in dms(bot, "UCARA") if "3.4" in d.args["text"])  # the two requests' DMs race
    click(bot, dm, Action.SIGNOFF_REJECT, "UCARA")
    view = bot.fake.calls_to("views.open")[-1].args["view"]
    bot.slack.submit(view, {Input.REASON: {Input.REASON: {"type": "plain_text_input", "value": "no"}}}, user="UCARA")
    bot.settle()
    assert item_status(bot, "3.4") == "open"
    assert "the item stays open" in channel_posts(bot)[-1].args["text"]
    # Once decided, the item is free again.
    assert bot.slack.command("done 3.4").response_type == "in_channel"


# -- a completed sign-off is evidence -----------------------------------------------------------------------


def test_undo_of_a_signed_off_item_needs_a_reason_and_tells_the_approvers(security):
    bot = security
    approve_all(bot)
    refused(bot, "undo 5.1", "UBOB", "needs why", "`/checklist undo 5.1 <reason>`")
    refused(bot, "remove 5.1", "UBOB", "signed off", "cannot be removed")
    # The menu's Reopen has no reason to give: refused the same way.
    calls = len(bot.fake.calls)
    assert item_status(bot, "5.1") == "done" and len(bot.fake.calls) == calls

    reply = bot.slack.command("undo 5.1 the DPIA was revised <!here>", user="UBOB")
    assert reply.response_type == "in_channel"
    assert "withdrew the sign-off of *5.1 " in reply.text and "the DPIA was revised &lt;!here&gt;" in reply.text
    bot.settle()
    for user in ("UCARA", "UDAN"):
        told = dms(bot, user)[-1]
        assert "sign-off you approved is withdrawn" in told.args["text"] and "<@UBOB>" in told.args["text"]
        assert not buttons(updates(bot, user)[-1].args) and "withdrawn" in text_of(updates(bot, user)[-1].args)
    assert item_status(bot, "5.1") == "open"
    history = bot.slack.command("history 5.1").content
    assert "<@UBOB> withdrew the sign-off of *5.1*: “the DPIA was revised" in history
    # It needs a new sign-off: `done` still refuses, a new request goes out.
    assert "/checklist signoff 5.1" in bot.slack.command("done 5.1").text
    assert [r.status for r in requests(bot)] == ["withdrawn"]
    bot.slack.command("signoff 5.1", user="UALICE")
    bot.settle()
    assert [r.status for r in requests(bot)] == ["withdrawn", "pending"]
    # The withdrawn request's old buttons change nothing.
    late = click(bot, dms(bot, "UCARA")[0], Action.SIGNOFF_APPROVE, "UCARA")
    assert "withdrawn" in responses(bot, late)[0].args["text"]


# -- gates stay true ----------------------------------------------------------------------------------------


def test_undo_names_done_dependents_and_remove_of_a_waited_for_item_is_refused(started):
    bot = started
    bot.slack.command("done 1.2")
    bot.slack.command("done 3.3")  # 3.3 waits for 1.2
    refused(bot, "remove 1.2", "UBOB", "*3.3*", "waits for it", "Nothing changed")
    reply = bot.slack.command("undo 1.2", user="UBOB")
    assert reply.response_type == "in_channel" and "*3.3* waits for 1.2 and is already done" in reply.text
    assert "reopened *1.2* (3.3 waits for it and was already done)" in bot.slack.command("history 1.2").content


# -- every id is checked -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "kind"),
    [
        ("signoff 5.3 <#C123|general>", "a channel"),
        ("signoff 3.4 <!subteam^S123|@security>", "a user group"),
        ("signoff 3.4 @cara", "text"),
        ("assign 3.4 <#C123>", "a channel"),
        ("assign 3.4 <!subteam^S123|@team>", "a user group"),
        ("contact security <#C123>", "a channel"),
        ("contact technical cara", "text"),
    ],
)
def test_not_a_person_from_commands(security, command, kind):
    refused(security, command, "U0LOCAL", "is not a person", kind)
    assert not security.fake.calls_to("conversations.open")


def test_not_a_person_from_the_assign_modal(started):
    bot = started
    view = open_modal(bot, status_message(bot), "assign|1|3.4")
    before = snapshot(bot)
    for forged in ("<#C123>", "U<#C123>", "S123", "hello"):
        reply = bot.slack.submit(
            view, {Input.OWNER: {Input.OWNER: {"type": "users_select", "selected_user": forged}}}, user="UALICE"
        )
        assert reply.json["response_action"] == "errors" and "is not a person" in reply.json["errors"][Input.OWNER]
    assert snapshot(bot)[:2] == before[:2]


def test_not_a_person_from_the_console(tmp_path, monkeypatch):
    import io

    from bot.clock import FixedClock
    from bot.config import load_settings
    from bot.console import Console

    out = io.StringIO()
    settings = load_settings({"DATABASE_URL": f"sqlite:///{tmp_path}/console.db"})
    console = Console(settings, user="UALICE", channel="CPROJECT", clock=FixedClock(NOW), out=out)
    monkeypatch.setattr("sys.stdin", io.StringIO("<#C123>\n\n"))
    try:
        for line in ("/checklist start", "/checklist status 3", "4b", "/checklist show 3.4"):
            assert console.handle(line)
    finally:
        console.close()
    text = out.getvalue()
    assert "is not a person" in text and "U<#C123>" not in text.split("/checklist show 3.4")[-1]


# -- archive closes what is open; archived checklists stay readable -----------------------------------------


def test_archive_cancels_pending_requests_and_the_record_stays_readable(security):
    bot = security
    contacts(bot, "security-backup", "UEVE")
    bot.slack.command("done 1.1 kick-off held")
    bot.slack.command("signoff 5.1", user="UALICE")
    bot.settle()
    reply = bot.slack.command("archive")
    assert reply.response_type == "in_channel" and "1 pending sign-off request was withdrawn" in reply.text
    bot.settle()
    for user in ("UCARA", "UDAN"):
        (update,) = updates(bot, user)
        assert not buttons(update.args) and "Withdrawn by <@U0LOCAL>" in text_of(update.args)
    late = click(bot, dms(bot, "UCARA")[0], Action.SIGNOFF_APPROVE, "UCARA")
    assert (
        "Nothing changed" in responses(bot, late)[0].args["text"] or "nothing" in responses(bot, late)[0].args["text"]
    )
    assert [r.status for r in requests(bot)] == ["cancelled"]

    listing = bot.slack.command("archived")
    assert listing.response_type == "ephemeral" and "1. *Interoperability" in listing.text
    status = bot.slack.command("status archived 1")
    assert "archived" in status.content and "read-only" in status.content
    assert not [b for b in status.blocks if b.get("accessory")]  # no menus on a record
    history = bot.slack.command("history archived 1").content
    assert "withdrew the sign-off request for *5.1* (the checklist was archived)" in history
    assert "kick-off held" in bot.slack.command("show 1.1 archived 1").content
    assert bot.slack.command("export md archived 1").text.startswith("Preparing the export")
    bot.settle()
    md = bot.fake.files()[-1]["content"].decode()
    assert "# Interoperability" in md and "kick-off held" in md
    with bot.rt.db.read() as session:
        head, count = audit.head(session, requests(bot)[0].checklist_id)
    assert f"hash chain head `{head}`" in md and f"{count} events" in md
    assert "No archived checklist 2" in bot.slack.command("status archived 2").text
    assert "nothing can change it" in bot.slack.command("done 1.2 archived 1").text

    # Contacts belong to the channel: the next checklist starts with them.
    started_again = bot.slack.command("start")
    assert "contacts carry over" in started_again.text
    listed = bot.slack.command("contacts").content
    assert "<@UCARA>" in listed and "<@UDAN>" in listed and "<@UEVE>" in listed
    assert "1/25 done" in bot.slack.command("status archived 1").text  # still the old one, 1.1 done
    assert "0/25 done" in bot.slack.command("status").text


# -- escalation tells the real ages -------------------------------------------------------------------------


def test_escalation_texts_show_real_ages(security):
    bot = security
    contacts(bot, "security-backup", "UEVE")
    bot.slack.command("signoff 5.1", user="UALICE")  # Wednesday
    bot.settle()
    bot.clock.set(NOW + timedelta(days=8))  # the next Thursday: 6 working days, the app was down meanwhile
    assert bot.rt.escalate_stale_signoffs(bot.clock.now()) == 1
    bot.settle()
    (post,) = channel_posts(bot)
    assert "has waited 6 working days" in post.args["text"] and "<@UCARA> (asked 8 d ago)" in post.args["text"]
    assert "waited 6 working days" in text_of(dms(bot, "UDAN")[-1].args)
    status = bot.slack.command("status 5").content
    assert "<@UEVE> (0 d)" in status and "<@UCARA> (8 d)" in status


# -- the record cannot be quietly rewritten ----------------------------------------------------------------


def test_audit_verify_names_the_changed_row(security, monkeypatch, capsys):
    from bot.cli import main

    bot = security
    approve_all(bot)
    monkeypatch.setenv("DATABASE_URL", bot.rt.settings.database_url)
    for var in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(var, raising=False)
    assert main(["audit", "verify"]) == 0
    assert "all intact" in capsys.readouterr().out
    with bot.rt.db.read() as session:
        head, _ = audit.head(session, requests(bot)[0].checklist_id)
    assert main(["audit", "verify", "--hash", head]) == 0
    assert "signoff_done" in capsys.readouterr().out

    with bot.rt.db.writer.begin() as conn:
        row = conn.execute(text("SELECT id FROM event WHERE action = 'signoff_approve' ORDER BY id LIMIT 1")).one()
        conn.execute(text("UPDATE event SET actor_id = 'UEVE' WHERE id = :id"), {"id": row.id})
    assert main(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert f"event {row.id} (signoff_approve 5.1 by UEVE" in out and "was changed" in out


def test_hash_inputs_are_as_documented():
    import hashlib
    import json

    content = {
        "action": "done",
        "actor": "UBOB",
        "at": "2026-11-25T10:00:00.000000+00:00",
        "checklist": 7,
        "item": "1.1",
        "new": "done",
        "old": "open",
        "prev": audit.GENESIS,
        "v": 1,
    }
    raw = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert (
        audit.event_hash(
            audit.GENESIS,
            checklist_id=7,
            item_number="1.1",
            actor_id="UBOB",
            action="done",
            old="open",
            new="done",
            at=NOW,
        )
        == hashlib.sha256(raw).hexdigest()
    )


def test_the_chain_stays_linear_under_concurrent_writers(security):
    """Writers serialise on the checklist (row lock / BEGIN IMMEDIATE), so concurrent changes never fork the chain."""
    from concurrent.futures import ThreadPoolExecutor

    bot = security
    jobs = [f"note 1.{1 + i % 2} concurrent {i}" for i in range(16)] + ["assign 3.4 <@UBOB|bob>", "due 3.5 friday"]
    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda t: bot.slack.command(t, user="UALICE"), jobs))
    assert all(r.status == 200 for r in replies)
    with bot.rt.db.read() as session:
        chains = audit.verify(session)
    assert [c.broken for c in chains] == [None] and chains[0].events >= 18 + 2
