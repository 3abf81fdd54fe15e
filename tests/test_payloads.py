"""Typed payloads (bot.slack.payloads): round trips, the wire formats already posted in Slack, Slack's size limits,
and tampered values answered clearly with nothing changed (through signed requests, as Slack sends them)."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.slack.ids import Action, Input, MenuChoice
from bot.slack.payloads import (
    BLOCK_ID,
    BUTTON_VALUE,
    OPTION_VALUE,
    PRIVATE_METADATA,
    HomeDone,
    HomeItemBlock,
    ItemBlock,
    ItemForm,
    MenuPick,
    PayloadError,
    PayloadTooLarge,
    ReasonForm,
    SignoffBlock,
    SignoffPick,
    StatusBlock,
    decode,
    encode,
)
from tests.test_home import latest_home, open_home, setup
from tests.test_signoff import item_status, requests, text_of

ids = st.integers(min_value=1, max_value=10**15)
numbers = st.builds(lambda p, i: f"{p}.{i}", st.integers(0, 999), st.integers(0, 999))
channels = st.from_regex(r"[CGD][A-Z0-9]{2,20}", fullmatch=True)
urls = st.from_regex(r"https://hooks\.slack\.com/actions/T[0-9A-Z]{4,10}/[0-9]{4,14}/[A-Za-z0-9]{8,24}", fullmatch=True)

payloads = st.one_of(
    st.builds(MenuPick, st.sampled_from(list(MenuChoice)), ids, numbers),
    st.builds(StatusBlock, ids, st.one_of(st.none(), st.integers(1, 999))),
    st.builds(ItemBlock, ids, numbers),
    st.builds(HomeItemBlock, ids, numbers),
    st.builds(HomeDone, ids, channels, numbers),
    st.builds(SignoffPick, ids),
    st.builds(SignoffBlock, ids),
    st.builds(ReasonForm, ids, st.booleans()),
    st.builds(ItemForm, ids, channels, numbers, st.one_of(st.none(), urls), st.one_of(st.none(), st.integers(1, 999))),
)
TYPES = [MenuPick, StatusBlock, ItemBlock, HomeItemBlock, HomeDone, SignoffPick, SignoffBlock, ReasonForm, ItemForm]


@given(payloads)
def test_every_payload_survives_the_round_trip_within_slacks_limit(payload):
    raw = encode(payload)
    assert decode(type(payload), raw) == payload
    assert len(raw) <= type(payload).LIMIT


@given(st.sampled_from(TYPES), st.one_of(st.text(max_size=60), st.from_regex(r"[a-z0-9|.{}\":,]{0,40}")))
def test_anything_else_is_refused_with_the_types_advice_or_is_exactly_what_we_write(cls, raw):
    try:
        payload = decode(cls, raw)
    except PayloadError as exc:
        assert exc.message == cls.STALE
    else:
        if cls is ItemForm:
            assert decode(ItemForm, encode(payload)) == payload
        else:
            assert encode(payload) == raw  # one spelling per payload: nothing else gets through


@pytest.mark.parametrize(
    "cls, raw, expected",
    [  # as posted by the versions before the codec: these messages stay in Slack channels
        (MenuPick, "done|1|3.4", MenuPick(MenuChoice.DONE, 1, "3.4")),
        (MenuPick, "signoff|12|5.1", MenuPick(MenuChoice.SIGNOFF, 12, "5.1")),
        (StatusBlock, "status|1|all", StatusBlock(1, None)),
        (StatusBlock, "status|3|4", StatusBlock(3, 4)),
        (HomeDone, "1|C0LOCAL|3.4", HomeDone(1, "C0LOCAL", "3.4")),
        (SignoffPick, "17", SignoffPick(17)),
        (ReasonForm, "17", ReasonForm(17, False)),
        (ReasonForm, "17|home", ReasonForm(17, True)),
        (
            ItemForm,
            '{"checklist_id":1,"channel_id":"C0LOCAL","number":"1.2","response_url":null,"phase":null}',
            ItemForm(1, "C0LOCAL", "1.2"),
        ),
        (ItemForm, '{"checklist_id":2,"channel_id":"C1","number":"3.1"}', ItemForm(2, "C1", "3.1")),
    ],
)
def test_the_wire_formats_already_in_slack_still_decode(cls, raw, expected):
    assert decode(cls, raw) == expected
    if cls is not ItemForm:
        assert encode(expected) == raw


@pytest.mark.parametrize(
    "cls, raw",
    [
        (MenuPick, "explode|x|1.1"),
        (MenuPick, "done|1|3.4|extra"),
        (MenuPick, "done|-1|3.4"),
        (MenuPick, "done|1|3.4; DROP TABLE item"),
        (StatusBlock, "item|1|all"),
        (HomeDone, "1|C0LOCAL"),
        (HomeDone, "1|<!channel>|3.4"),
        (SignoffPick, "1 OR 1=1"),
        (SignoffPick, "0"),
        (SignoffPick, None),
        (SignoffPick, 17),
        (ReasonForm, "17|elsewhere"),
        (ReasonForm, "17|home|home"),
        (ItemForm, "not json"),
        (ItemForm, "[1, 2]"),
        (ItemForm, '{"checklist_id":"1","channel_id":"C1","number":"3.1"}'),
        (ItemForm, '{"checklist_id":1,"channel_id":"C1","number":"3.1","extra":1}'),
        (ItemForm, '{"checklist_id":1,"channel_id":"C1","number":"3.1","response_url":"javascript:x"}'),
        (ItemForm, '{"checklist_id":true,"channel_id":"C1","number":"3.1"}'),
    ],
)
def test_tampered_values_are_refused_with_a_clear_answer(cls, raw):
    with pytest.raises(PayloadError) as err:
        decode(cls, raw)
    assert err.value.message == cls.STALE
    assert "older version" in cls.STALE or "out of date" in cls.STALE


def test_oversized_values_are_refused_on_decode_and_never_encoded():
    assert (MenuPick.LIMIT, HomeDone.LIMIT, ItemForm.LIMIT, StatusBlock.LIMIT) == (
        OPTION_VALUE,
        BUTTON_VALUE,
        PRIVATE_METADATA,
        BLOCK_ID,
    )
    with pytest.raises(PayloadError):
        decode(SignoffPick, "1" * (BUTTON_VALUE + 1))
    with pytest.raises(PayloadError):
        decode(ItemForm, json.dumps({"checklist_id": 1, "channel_id": "C1", "number": "1.1", "pad": "x" * 3000}))
    with pytest.raises(PayloadTooLarge):
        encode(ItemForm(1, "C1", "1.1", "https://hooks.slack.com/" + "a" * PRIVATE_METADATA))
    with pytest.raises(ValueError):
        encode(HomeDone(1, "C1|2", "1.1"))  # a `|` inside a field would change the shape: never written


# -- through signed requests ---------------------------------------------------------------------------------


def test_a_tampered_home_button_changes_nothing_and_says_why_on_the_home(bot):
    setup(bot)
    view = copy.deepcopy(open_home(bot, "UBOB"))
    button = next(b["accessory"] for b in view["blocks"] if b.get("accessory", {}).get("value") == "1|C0LOCAL|3.4")
    for forged in ("1|C0LOCAL|3.4|x", "1|C0LOCAL|" + "9" * 2100, "x|C0LOCAL|3.4"):
        button["value"] = forged
        assert bot.slack.click_in_view(view, Action.HOME_DONE, value=forged, user="UBOB").status == 200
        bot.settle()
        assert "older version of your Home" in text_of(latest_home(bot, "UBOB"))
    assert item_status(bot, "3.4") == "open"


def test_a_tampered_reject_form_changes_nothing_and_says_why_on_the_field(bot):
    bot.slack.command("start")
    bot.slack.command("contact security <@UCARA|cara>")
    bot.slack.command("signoff 5.1", user="UALICE")
    bot.settle()
    view = open_home(bot, "UCARA")
    (request,) = requests(bot)
    bot.slack.click_in_view(view, Action.SIGNOFF_REJECT, value=str(request.id), user="UCARA")
    bot.settle()
    modal = copy.deepcopy(bot.fake.calls_to("views.open")[-1].args["view"])
    values = {Input.REASON: {Input.REASON: {"type": "plain_text_input", "value": "No log review yet"}}}
    for forged in (f"{request.id}|elsewhere", f"{request.id} OR 1=1", "", "9" * 3001):
        modal["private_metadata"] = forged
        reply = bot.slack.submit(modal, values, user="UCARA")
        assert reply.json["response_action"] == "errors"
        assert "older version" in reply.json["errors"][Input.REASON]
    bot.settle()
    (request,) = requests(bot)
    assert request.status == "pending" and item_status(bot, "5.1") == "open"
