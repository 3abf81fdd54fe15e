"""The status message's item menus: signed block_actions and view_submission payloads, as Slack sends them."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from bot.slack.ids import Input
from storage.models import Item, Note


def item(bot, number: str) -> Item:
    with bot.rt.db.read() as s:
        return s.exec(select(Item).where(Item.number == number)).one()


def status_message(bot, text: str = "status") -> dict:
    reply = bot.slack.command(text)
    assert reply.response_type == "in_channel"
    return reply.json


def test_mark_done_from_menu_updates_the_message_in_place(started):
    message = status_message(started)
    reply = started.slack.choose(message, "done|1|3.4")
    assert reply.status == 200
    assert item(started, "3.4").status == "done" and item(started, "3.4").done_by == "U0LOCAL"
    [update] = started.fake.wait_for("response_url", lambda c: c.path.endswith(reply.response_url.split("/")[-1]))
    assert update.args["replace_original"] is True
    assert "1/25 done" in update.args["blocks"][0]["text"]["text"]
    # The item left the list of open items.
    assert not any(b.get("block_id") == "item|1|3.4" for b in update.args["blocks"])


def test_menu_on_phase_view_keeps_the_phase_view(started):
    message = status_message(started, "status 3")
    reply = started.slack.choose(message, "done|1|3.1")
    started.settle()
    update = started.fake.calls_to("response_url")[-1]
    assert update.path.endswith(reply.response_url.rsplit("/", 1)[-1])
    ids = [b.get("block_id", "") for b in update.args["blocks"]]
    assert ids[0] == "status|1|3" and "item|1|3.1" in ids and "item|1|1.1" not in ids
    # Reopen from the same message.
    started.slack.choose(update.args, "undo|1|3.1")
    started.settle()
    assert item(started, "3.1").status == "open"


def test_done_twice_from_a_stale_message_answers_ephemerally(started):
    message = status_message(started)
    started.slack.choose(message, "done|1|2.1")
    started.settle()
    reply = started.slack.choose(message, "done|1|2.1", user="UBOB")
    assert reply.status == 200
    [answer] = started.fake.wait_for("response_url", lambda c: c.path.endswith(reply.response_url.rsplit("/", 1)[-1]))
    assert answer.args["response_type"] == "ephemeral" and answer.args.get("replace_original") is False
    assert "already done" in answer.args["text"]
    assert item(started, "2.1").done_by == "U0LOCAL"


def test_signoff_item_cannot_be_ticked_off_from_menu(started):
    message = status_message(started)
    assert any(
        o["value"] == "signoff|1|5.1" for b in message["blocks"] for o in b.get("accessory", {}).get("options", [])
    )
    assert not any(
        o["value"] == "done|1|5.1" for b in message["blocks"] for o in b.get("accessory", {}).get("options", [])
    )


def open_modal(bot, message: dict, value: str) -> dict:
    bot.slack.choose(message, value)
    [call] = bot.fake.wait_for("views.open")
    assert call.args["trigger_id"]
    return call.args["view"]


def test_assign_modal_sets_owner_and_refreshes_status(started):
    message = status_message(started)
    view = open_modal(started, message, "assign|1|3.4")
    assert view["type"] == "modal" and "3.4" in str(view["blocks"])
    started.fake.reset()
    reply = started.slack.submit(
        view, {Input.OWNER: {Input.OWNER: {"type": "users_select", "selected_user": "UBOB"}}}, user="UALICE"
    )
    assert reply.status == 200 and reply.body in ("", "{}")  # the modal closes
    assert item(started, "3.4").owner_id == "UBOB"
    [update] = started.fake.wait_for("response_url")
    assert update.args["replace_original"] is True and "<@UBOB>" in str(update.args["blocks"])


def test_due_modal_sets_and_clears_the_date(started):
    view = open_modal(started, status_message(started), "due|1|4.1")
    assert view["blocks"][1]["element"]["type"] == "datepicker"
    started.slack.submit(view, {Input.DUE: {Input.DUE: {"type": "datepicker", "selected_date": "2026-11-01"}}})
    assert item(started, "4.1").due_date == date(2026, 11, 1)
    started.settle()
    assert "overdue" in str(started.fake.calls_to("response_url")[-1].args["blocks"])
    started.slack.submit(view, {Input.DUE: {Input.DUE: {"type": "datepicker", "selected_date": None}}})
    assert item(started, "4.1").due_date is None


def test_note_modal_validates_on_the_field(started):
    view = open_modal(started, status_message(started), "note|1|2.2")
    empty = started.slack.submit(view, {Input.NOTE: {Input.NOTE: {"type": "plain_text_input", "value": "  "}}})
    assert empty.json == {"response_action": "errors", "errors": {Input.NOTE: "Write the note first."}}
    ok = started.slack.submit(view, {Input.NOTE: {Input.NOTE: {"type": "plain_text_input", "value": "BPMN v2"}}})
    assert ok.status == 200 and not ok.json
    with started.rt.db.read() as s:
        assert [n.text for n in s.exec(select(Note)).all()] == ["BPMN v2"]


def test_details_from_menu_are_ephemeral(started):
    started.slack.command("note 1.2 signed copy in the drive")
    reply = started.slack.choose(status_message(started), "show|1|1.2")
    [answer] = started.fake.wait_for("response_url", lambda c: c.path.endswith(reply.response_url.rsplit("/", 1)[-1]))
    assert answer.args["response_type"] == "ephemeral" and "signed copy in the drive" in str(answer.args["blocks"])


def test_menu_from_an_archived_checklist_changes_nothing(started):
    message = status_message(started)
    started.slack.command("archive")
    started.slack.command("start")
    reply = started.slack.choose(message, "done|1|1.1")
    [answer] = started.fake.wait_for("response_url", lambda c: c.path.endswith(reply.response_url.rsplit("/", 1)[-1]))
    assert "archived" in answer.args["text"]
    with started.rt.db.read() as s:
        assert all(i.status == "open" for i in s.exec(select(Item)).all())


def test_forged_menu_value_is_refused_politely(started):
    message = status_message(started)
    message["blocks"][3]["accessory"]["options"][0]["value"] = "explode|x|1.1"
    reply = started.slack.choose(message, "explode|x|1.1")
    assert reply.status == 200
    [answer] = started.fake.wait_for("response_url", lambda c: c.path.endswith(reply.response_url.rsplit("/", 1)[-1]))
    assert answer.args["response_type"] == "ephemeral" and "older version" in answer.args["text"]


def test_slack_down_when_opening_a_form_is_reported(started):
    message = status_message(started)
    started.fake.fail("views.open", status=503, times=10)
    reply = started.slack.choose(message, "assign|1|3.4")
    assert reply.status == 200
    [answer] = started.fake.wait_for("response_url", lambda c: c.path.endswith(reply.response_url.rsplit("/", 1)[-1]))
    assert "Slack did not open the form" in answer.args["text"] and answer.args["response_type"] == "ephemeral"
    assert len(started.fake.calls_to("views.open")) == 3  # the first try and the client's two retries


def test_a_rate_limited_form_is_retried_after_retry_after(started):
    message = status_message(started)
    started.fake.fail("views.open", status=429, retry_after=1, times=1)
    started.slack.choose(message, "due|1|3.4")
    started.settle()
    calls = started.fake.calls_to("views.open")
    assert [c.ok for c in calls] == [False, True]
    assert calls[1].at - calls[0].at >= 0.9  # honoured Retry-After
