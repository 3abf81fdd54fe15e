"""The App Home, driven as Slack does: a signed `app_home_opened` event, then block_actions from the published
view (what the fake Web API received), and the reason modal's view_submission."""

from __future__ import annotations

import itertools

from bot.slack.blocks import VIEW_BLOCKS
from bot.slack.ids import Action, Input
from bot.who import Who
from tests.test_signoff import item_status, requests, text_of

_events = itertools.count(1)


def open_home(bot, user: str) -> dict:
    """Open the Home tab as `user`; return the view published for them."""
    before = len([c for c in bot.fake.calls_to("views.publish") if c.args["user_id"] == user])
    reply = bot.slack.event(
        {"type": "app_home_opened", "user": user, "channel": "D" + user[1:], "tab": "home", "event_ts": "1.1"},
        event_id=f"Ev{next(_events):06d}",
    )
    assert reply.status == 200
    bot.settle()
    return latest_home(bot, user, before + 1)


def latest_home(bot, user: str, count: int | None = None) -> dict:
    published = [c for c in bot.fake.calls_to("views.publish") if c.args["user_id"] == user]
    if count is not None:
        assert len(published) == count, len(published)
    call = published[-1]
    assert call.ok, call.error
    return call.args["view"]


def block_ids(view: dict) -> list[str]:
    return [b.get("block_id", "") for b in view["blocks"]]


def setup(bot) -> None:
    bot.slack.command("start")
    bot.slack.command("assign 2.1 <@UBOB|bob>")
    bot.slack.command("due 2.1 2026-12-10")
    bot.slack.command("assign 3.4 <@UBOB|bob>")
    bot.slack.command("due 3.4 2026-11-20")  # five days overdue
    bot.slack.command("assign 3.3 <@UBOB|bob>")  # waits for 1.2
    bot.slack.command("assign 5.1 <@UBOB|bob>")  # done by a sign-off
    bot.slack.command("start quickstart", channel="C0TWO", user="UALICE")
    bot.slack.command("assign 1.1 <@UBOB|bob>", channel="C0TWO")
    bot.slack.command("done 1.1", channel="C0TWO")  # done items are not listed
    bot.slack.command("start", channel="C0THREE", user="UEVE")  # bob does not belong to it


def test_home_lists_own_items_overdue_first_and_every_checklist_with_progress(bot):
    setup(bot)
    view = open_home(bot, "UBOB")
    assert view["type"] == "home" and len(view["blocks"]) <= VIEW_BLOCKS
    items = [b for b in block_ids(view) if b.startswith("home_item|")]
    assert items == ["home_item|1|3.4", "home_item|1|2.1", "home_item|1|3.3", "home_item|1|5.1"]
    text = text_of(view)
    assert "*☐ Your open items* (4 · ⚠️ 1 overdue)" in text and "⚠️ *overdue* 5 days" in text
    assert "⛓️ waits for 1.2" in text and "done by a *security* sign-off" in text
    assert "*📋 Checklists you belong to* (2)" in text
    assert "*Interoperability implementation* · <#C0LOCAL>" in text and "<#C0TWO>" in text
    assert "<#C0THREE>" not in text and "1/8 done" in text and "0/25 done" in text
    assert "Nothing waits on you." in text
    # The sign-off item has no button; the others have Mark done.
    buttons = [b["accessory"]["value"] for b in view["blocks"] if b.get("accessory", {}).get("type") == "button"]
    assert buttons == ["1|C0LOCAL|3.4", "1|C0LOCAL|2.1", "1|C0LOCAL|3.3"]


def test_mark_done_from_home_uses_the_same_rules_and_republishes(bot):
    setup(bot)
    view = open_home(bot, "UBOB")
    reply = bot.slack.click_in_view(view, Action.HOME_DONE, value="1|C0LOCAL|3.4", user="UBOB")
    assert reply.status == 200
    bot.settle()
    assert item_status(bot, "3.4") == "done"
    after = latest_home(bot, "UBOB", 2)
    assert "home_item|1|3.4" not in block_ids(after) and "(3)" in text_of(after)
    [posted] = [c for c in bot.fake.calls_to("chat.postMessage") if c.args["channel"] == "C0LOCAL"]
    assert "<@UBOB> marked *3.4" in posted.args["text"]

    # The gate refuses from Home as from the channel, and says why on top of the re-published Home.
    bot.slack.click_in_view(after, Action.HOME_DONE, value="1|C0LOCAL|3.3", user="UBOB")
    bot.settle()
    refused = latest_home(bot, "UBOB", 3)
    assert "⚠️ 3.3 waits for *1.2* Data sharing agreement finalized" in text_of(refused)
    assert item_status(bot, "3.3") == "open"
    # Somebody else's click on an item of a channel they are in goes through the same service call.
    bot.slack.command("done 2.1")
    bot.slack.click_in_view(refused, Action.HOME_DONE, value="1|C0LOCAL|2.1", user="UBOB")
    bot.settle()
    assert "2.1 is already done" in text_of(latest_home(bot, "UBOB", 4))


def test_signoffs_waiting_are_approved_and_rejected_from_home(bot):
    bot.slack.command("start")
    bot.slack.command("contact security <@UCARA|cara>")
    bot.slack.command("signoff 5.1 specs v3", user="UALICE")
    bot.slack.command("signoff 5.2", user="UALICE")
    bot.settle()
    view = open_home(bot, "UCARA")
    text = text_of(view)
    assert "*⏳ Sign-offs waiting on you* (2)" in text and "*5.1* Sign-off: technical specs" in text
    assert "asked by <@UALICE>" in text and "“specs v3”" in text
    ids = {r.item_number: r.id for r in requests(bot)}  # the two requests are recorded in either order
    first, second = ids["5.1"], ids["5.2"]

    bot.slack.click_in_view(view, Action.SIGNOFF_APPROVE, value=str(first), user="UCARA")
    bot.settle()
    assert item_status(bot, "5.1") == "done"
    after = latest_home(bot, "UCARA", 2)
    assert f"signoff|{first}" not in block_ids(after) and f"signoff|{second}" in block_ids(after)
    # The channel hears of it as it does after a click in the DM.
    assert any("signed off by <@UCARA>" in c.args["text"] for c in bot.fake.calls_to("chat.postMessage"))

    bot.slack.click_in_view(after, Action.SIGNOFF_REJECT, value=str(second), user="UCARA")
    bot.settle()
    modal = bot.fake.calls_to("views.open")[-1].args["view"]
    assert modal["private_metadata"] == f"{second}|home"
    values = {Input.REASON: {Input.REASON: {"type": "plain_text_input", "value": "No log review yet"}}}
    assert bot.slack.submit(modal, values, user="UCARA").status == 200
    bot.settle()
    assert {r.item_number: r for r in requests(bot)}["5.2"].status == "rejected"  # recorded in either order
    final = latest_home(bot, "UCARA", 3)
    assert "Nothing waits on you." in text_of(final)
    # Someone who is not an approver cannot use the buttons; the Home says why.
    bot.slack.click_in_view(view, Action.SIGNOFF_APPROVE, value=str(second), user="UEVE")
    bot.settle()
    assert "your click changed nothing" in text_of(latest_home(bot, "UEVE", 1))


def test_home_stays_inside_100_blocks_with_many_channels_items_and_signoffs(bot):
    rt = bot.rt
    for n in range(40):
        who = Who("T0LOCAL", f"C{n:04d}", "UALICE")
        rt.service.start(who, None)
        for number in ("2.1", "2.2", "3.1"):
            rt.service.assign(who, number, "UBOB")
        plan = rt.signoffs.plan(who, "4.1", ["UBOB"])
        rt.signoffs.record(who, plan, {"UBOB": "DBOB"}, "")
    view = open_home(bot, "UBOB")
    assert len(view["blocks"]) <= VIEW_BLOCKS
    text = text_of(view)
    assert "*⏳ Sign-offs waiting on you* (40)" in text and "+25 more · `/checklist signoffs`" in text
    assert "*☐ Your open items* (120)" in text and "more open items" in text
    assert "*📋 Checklists you belong to* (40)" in text
    shown = sum(b.get("block_id", "").startswith("home_item|") for b in view["blocks"])
    assert shown > 10 and f"+{120 - shown} more open items" in text
    assert not bot.fake.violations()


def test_home_for_a_newcomer_and_retried_events(bot):
    event = {"type": "app_home_opened", "user": "UDAN", "tab": "home", "event_ts": "1.1"}
    bot.slack.event(event, event_id="EvSAME")
    bot.slack.event(event, event_id="EvSAME", retry_num=1)
    bot.slack.event({**event, "tab": "messages"}, event_id="EvMSG")
    bot.settle()
    [published] = bot.fake.calls_to("views.publish")
    assert "None yet. In a project channel, `/checklist start`" in text_of(published.args["view"])
