"""A direct message to the bot (its Messages tab) gets a short pointer to /checklist and the App Home, once per
burst; edits, bots' messages and channel messages get nothing."""

from __future__ import annotations

import itertools

_ids = itertools.count(1)


def dm(bot, text: str, *, user: str = "UBOB", channel: str = "DBOB0001", **extra) -> None:
    event = {"type": "message", "channel_type": "im", "channel": channel, "user": user, "text": text, "ts": "1.1"}
    reply = bot.slack.event({**event, **extra}, event_id=f"EvDM{next(_ids):06d}")
    assert reply.status == 200, reply.body
    bot.settle()


def test_a_direct_message_is_answered_with_where_things_happen(bot):
    dm(bot, "hello? <!channel> can you mark 3.3 done")
    [call] = bot.fake.calls_to("chat.postMessage")
    assert call.args["channel"] == "DBOB0001"
    text = call.args["text"]
    assert "/checklist help" in text and "/checklist status" in text
    assert "<slack://app?team=T0LOCAL&id=" in text and "tab=home|Home tab>" in text
    assert "<!channel>" not in str(call.args) and "mark 3.3" not in str(call.args)  # nothing of theirs echoed

    dm(bot, "hello again")  # a burst: one answer is enough
    assert len(bot.fake.calls_to("chat.postMessage")) == 1
    dm(bot, "hi", user="UCARA", channel="DCARA001")  # someone else is answered
    assert [c.args["channel"] for c in bot.fake.calls_to("chat.postMessage")] == ["DBOB0001", "DCARA001"]


def test_edits_bots_and_channel_messages_are_not_answered(bot):
    dm(bot, "edited", subtype="message_changed")
    dm(bot, "from a bot", bot_id="BOTHER01")
    dm(bot, "the bot's own", user="UBOT0001", bot_id="BBOT0001")
    dm(bot, "in a channel", channel_type="channel", channel="C0LOCAL")
    assert bot.fake.calls_to("chat.postMessage") == []
