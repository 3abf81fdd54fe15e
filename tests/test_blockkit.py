"""The Block Kit validator behind the fake Slack: every rule accepts its limit and rejects one past it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.fake.blockkit import validate_blocks, validate_message, validate_view


def plain(text: str = "Hi") -> dict:
    return {"type": "plain_text", "text": text, "emoji": True}


def mrkdwn(text: str = "*hi*") -> dict:
    return {"type": "mrkdwn", "text": text}


def section(**kw) -> dict:
    return {"type": "section", "text": mrkdwn(), **kw}


def button(action_id: str = "go", **kw) -> dict:
    return {"type": "button", "text": plain("Go"), "action_id": action_id, **kw}


def actions(*elements: dict) -> dict:
    return {"type": "actions", "elements": list(elements)}


def option(text: str = "One", value: str = "1") -> dict:
    return {"text": plain(text), "value": value}


def options(n: int) -> list[dict]:
    return [option(f"Option {i}", str(i)) for i in range(n)]


def confirm(**kw) -> dict:
    return {
        "title": plain("Sure?"),
        "text": mrkdwn("Really?"),
        "confirm": plain("Yes"),
        "deny": plain("No"),
        **kw,
    }


def input_block(element: dict, **kw) -> dict:
    return {"type": "input", "block_id": "in", "label": plain("Label"), "element": element, **kw}


def modal(blocks: list, **kw) -> dict:
    return {"type": "modal", "title": plain("Title"), "submit": plain("Save"), "blocks": blocks, **kw}


def pad(n: int, start: str = "") -> str:
    return start + "x" * (n - len(start))


# -- lengths: (builder of blocks for a string of n chars, surface, path of the string, limit) ----------------

Make = Callable[[int], list]

LENGTHS: list[tuple[str, Make, str, str, int]] = [
    ("block_id", lambda n: [{"type": "divider", "block_id": pad(n)}], "message", "blocks[0].block_id", 255),
    ("section text", lambda n: [section(text=mrkdwn(pad(n)))], "message", "blocks[0].text.text", 3000),
    (
        "section field",
        lambda n: [{"type": "section", "fields": [mrkdwn(), mrkdwn(pad(n))]}],
        "message",
        "blocks[0].fields[1].text",
        2000,
    ),
    ("header", lambda n: [{"type": "header", "text": plain(pad(n))}], "message", "blocks[0].text.text", 150),
    (
        "button text",
        lambda n: [actions(button(text=plain(pad(n))))],
        "message",
        "blocks[0].elements[0].text.text",
        75,
    ),
    (
        "button value",
        lambda n: [actions(button(value=pad(n)))],
        "message",
        "blocks[0].elements[0].value",
        2000,
    ),
    (
        "button url",
        lambda n: [actions(button(url=pad(n, "https://example.com/")))],
        "message",
        "blocks[0].elements[0].url",
        3000,
    ),
    (
        "button action_id",
        lambda n: [actions(button(pad(n)))],
        "message",
        "blocks[0].elements[0].action_id",
        255,
    ),
    (
        "accessory button text",
        lambda n: [section(accessory=button(text=plain(pad(n))))],
        "message",
        "blocks[0].accessory.text.text",
        75,
    ),
    (
        "accessory action_id",
        lambda n: [section(accessory=button(pad(n)))],
        "message",
        "blocks[0].accessory.action_id",
        255,
    ),
    (
        "overflow option text",
        lambda n: [section(accessory={"type": "overflow", "options": [option(pad(n))]})],
        "message",
        "blocks[0].accessory.options[0].text.text",
        75,
    ),
    (
        "overflow option value",
        lambda n: [section(accessory={"type": "overflow", "options": [option(value=pad(n))]})],
        "message",
        "blocks[0].accessory.options[0].value",
        150,
    ),
    (
        "select option text",
        lambda n: [actions({"type": "static_select", "options": [option(pad(n))]})],
        "message",
        "blocks[0].elements[0].options[0].text.text",
        75,
    ),
    (
        "select placeholder",
        lambda n: [actions({"type": "users_select", "placeholder": plain(pad(n))})],
        "message",
        "blocks[0].elements[0].placeholder.text",
        150,
    ),
    (
        "users_select action_id",
        lambda n: [actions({"type": "users_select", "action_id": pad(n)})],
        "message",
        "blocks[0].elements[0].action_id",
        255,
    ),
    (
        "datepicker action_id",
        lambda n: [actions({"type": "datepicker", "action_id": pad(n)})],
        "message",
        "blocks[0].elements[0].action_id",
        255,
    ),
    (
        "checkboxes action_id",
        lambda n: [actions({"type": "checkboxes", "action_id": pad(n), "options": options(2)})],
        "message",
        "blocks[0].elements[0].action_id",
        255,
    ),
    (
        "checkbox option text",
        lambda n: [actions({"type": "checkboxes", "options": [option(pad(n))]})],
        "message",
        "blocks[0].elements[0].options[0].text.text",
        75,
    ),
    (
        "plain_text_input action_id",
        lambda n: [input_block({"type": "plain_text_input", "action_id": pad(n)})],
        "modal",
        "blocks[0].element.action_id",
        255,
    ),
    (
        "confirm title",
        lambda n: [actions(button(confirm=confirm(title=plain(pad(n)))))],
        "message",
        "blocks[0].elements[0].confirm.title.text",
        100,
    ),
    (
        "confirm text",
        lambda n: [actions(button(confirm=confirm(text=mrkdwn(pad(n)))))],
        "message",
        "blocks[0].elements[0].confirm.text.text",
        300,
    ),
    (
        "confirm confirm",
        lambda n: [actions(button(confirm=confirm(confirm=plain(pad(n)))))],
        "message",
        "blocks[0].elements[0].confirm.confirm.text",
        30,
    ),
    (
        "confirm deny",
        lambda n: [section(accessory=button(confirm=confirm(deny=plain(pad(n)))))],
        "message",
        "blocks[0].accessory.confirm.deny.text",
        30,
    ),
    (
        "input label",
        lambda n: [input_block({"type": "users_select"}, label=plain(pad(n)))],
        "modal",
        "blocks[0].label.text",
        2000,
    ),
    (
        "input hint",
        lambda n: [input_block({"type": "users_select"}, hint=plain(pad(n)))],
        "modal",
        "blocks[0].hint.text",
        2000,
    ),
    (
        "image alt_text",
        lambda n: [{"type": "image", "image_url": "https://example.com/a.png", "alt_text": pad(n)}],
        "message",
        "blocks[0].alt_text",
        2000,
    ),
    (
        "image url",
        lambda n: [{"type": "image", "image_url": pad(n, "https://example.com/"), "alt_text": "a"}],
        "home",
        "blocks[0].image_url",
        3000,
    ),
    (
        "overflow option url",
        lambda n: [
            section(accessory={"type": "overflow", "options": [{**option(), "url": pad(n, "https://e/")}]})
        ],
        "message",
        "blocks[0].accessory.options[0].url",
        3000,
    ),
    (
        "option group label",
        lambda n: [
            actions(
                {"type": "static_select", "option_groups": [{"label": plain(pad(n)), "options": options(1)}]}
            )
        ],
        "message",
        "blocks[0].elements[0].option_groups[0].label.text",
        75,
    ),
    (
        "plain_text_input initial_value",
        lambda n: [input_block({"type": "plain_text_input", "initial_value": pad(n)})],
        "modal",
        "blocks[0].element.initial_value",
        3000,
    ),
    ("markdown text", lambda n: [{"type": "markdown", "text": pad(n)}], "message", "blocks[0].text", 12000),
]


@pytest.mark.parametrize(
    ("make", "surface", "path", "limit"), [c[1:] for c in LENGTHS], ids=[c[0] for c in LENGTHS]
)
def test_length_limits(make: Make, surface: str, path: str, limit: int) -> None:
    assert validate_blocks(make(limit), surface=surface) == []
    assert validate_blocks(make(limit + 1), surface=surface) == [f"{path}: {limit + 1} chars > {limit}"]


# -- counts: (builder of blocks with n items, path of the array, minimum, maximum) -------------------------

COUNTS: list[tuple[str, Make, str, int, int]] = [
    ("fields", lambda n: [{"type": "section", "fields": [mrkdwn()] * n}], "blocks[0].fields", 1, 10),
    (
        "context elements",
        lambda n: [{"type": "context", "elements": [mrkdwn()] * n}],
        "blocks[0].elements",
        1,
        10,
    ),
    (
        "actions elements",
        lambda n: [actions(*(button(f"b{i}") for i in range(n)))],
        "blocks[0].elements",
        1,
        25,
    ),
    (
        "overflow options",
        lambda n: [section(accessory={"type": "overflow", "options": options(n)})],
        "blocks[0].accessory.options",
        1,
        5,
    ),
    (
        "static_select options",
        lambda n: [actions({"type": "static_select", "options": options(n)})],
        "blocks[0].elements[0].options",
        1,
        100,
    ),
    (
        "option_groups",
        lambda n: [
            actions(
                {"type": "static_select", "option_groups": [{"label": plain("G"), "options": options(1)}] * n}
            )
        ],
        "blocks[0].elements[0].option_groups",
        1,
        100,
    ),
    (
        "options in an option group",
        lambda n: [
            actions(
                {"type": "static_select", "option_groups": [{"label": plain("G"), "options": options(n)}]}
            )
        ],
        "blocks[0].elements[0].option_groups[0].options",
        1,
        100,
    ),
    (
        "checkboxes options",
        lambda n: [actions({"type": "checkboxes", "options": options(n)})],
        "blocks[0].elements[0].options",
        1,
        10,
    ),
    (
        "radio_buttons options",
        lambda n: [section(accessory={"type": "radio_buttons", "options": options(n)})],
        "blocks[0].accessory.options",
        1,
        10,
    ),
]


@pytest.mark.parametrize(
    ("make", "path", "minimum", "maximum"), [c[1:] for c in COUNTS], ids=[c[0] for c in COUNTS]
)
def test_count_limits(make: Make, path: str, minimum: int, maximum: int) -> None:
    assert validate_blocks(make(minimum)) == []
    assert validate_blocks(make(maximum)) == []
    assert validate_blocks(make(maximum + 1)) == [f"{path}: {maximum + 1} items > {maximum}"]
    assert f"{path}: {minimum - 1} items < {minimum}" in validate_blocks(make(minimum - 1))


@pytest.mark.parametrize(("surface", "limit"), [("message", 50), ("modal", 100), ("home", 100)])
def test_blocks_per_surface(surface: str, limit: int) -> None:
    assert validate_blocks([{"type": "divider"}] * limit, surface=surface) == []
    assert validate_blocks([{"type": "divider"}] * (limit + 1), surface=surface) == [
        f"blocks: {limit + 1} items > {limit} ({surface})"
    ]


def test_unknown_surface_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        validate_blocks([], surface="canvas")


# -- blocks ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind", ["section", "divider", "header", "context", "actions", "input", "image", "rich_text", "markdown"]
)
def test_every_known_block_type_passes(kind: str) -> None:
    block = {
        "section": section(),
        "divider": {"type": "divider"},
        "header": {"type": "header", "text": plain("Head")},
        "context": {"type": "context", "elements": [mrkdwn(), plain()]},
        "actions": actions(button()),
        "input": input_block({"type": "plain_text_input", "action_id": "t"}),
        "image": {"type": "image", "image_url": "https://example.com/a.png", "alt_text": "a"},
        "rich_text": {
            "type": "rich_text",
            "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": "hi"}]}],
        },
        "markdown": {"type": "markdown", "text": "**hi**"},
    }[kind]
    assert validate_blocks([block]) == []


def test_block_shape_and_type() -> None:
    assert validate_blocks(["divider"]) == ["blocks[0]: expected an object, got string"]
    assert validate_blocks([{"type": "video"}]) == ["blocks[0].type: unknown block type 'video'"]
    assert validate_blocks([{"text": mrkdwn()}]) == ["blocks[0].type: unknown block type None"]
    assert validate_blocks({"type": "divider"}) == ["blocks: expected an array, got object"]


def test_block_ids_are_unique_within_the_surface() -> None:
    assert validate_blocks([{"type": "divider", "block_id": "a"}, {"type": "divider", "block_id": "b"}]) == []
    assert validate_blocks(
        [section(block_id="a"), {"type": "divider"}, {"type": "divider", "block_id": "a"}]
    ) == ["blocks[2].block_id: duplicate block_id 'a' (first at blocks[0])"]


def test_section_needs_text_or_fields() -> None:
    assert validate_blocks([{"type": "section", "fields": [mrkdwn()]}]) == []
    assert validate_blocks([{"type": "section", "accessory": button()}]) == [
        "blocks[0]: a section needs text or fields"
    ]


def test_a_malformed_element_hides_no_other_problem_of_its_block() -> None:
    # slack_sdk cannot build such a block at all, so checks run through it would miss the section's own limit.
    blocks = [section(text=mrkdwn(pad(3001)), accessory={"type": "button", "action_id": "a"})]
    assert validate_blocks(blocks) == [
        "blocks[0].text.text: 3001 chars > 3000",
        "blocks[0].accessory.text: required",
    ]


def test_text_objects() -> None:
    assert validate_blocks([section(text=plain("ok"))]) == []
    assert validate_blocks([section(text={"type": "markdown", "text": "x"})]) == [
        "blocks[0].text.type: expected 'plain_text' or 'mrkdwn', got 'markdown'"
    ]
    assert validate_blocks([section(text=mrkdwn(""))]) == ["blocks[0].text.text: must not be empty"]
    assert validate_blocks([section(text={"type": "mrkdwn"})]) == ["blocks[0].text.text: required"]
    assert validate_blocks([section(text={"type": "mrkdwn", "text": 3})]) == [
        "blocks[0].text.text: expected a string, got int"
    ]
    assert validate_blocks([section(text="plain string")]) == [
        "blocks[0].text: expected an object, got string"
    ]
    assert validate_blocks([section(text={"type": "plain_text", "text": "x", "emoji": "yes"})]) == [
        "blocks[0].text.emoji: expected a boolean, got string"
    ]


def test_plain_text_only_places() -> None:
    assert validate_blocks([{"type": "header", "text": mrkdwn("Head")}]) == [
        "blocks[0].text.type: must be 'plain_text', got 'mrkdwn'"
    ]
    assert validate_blocks([actions(button(text=mrkdwn("Go")))]) == [
        "blocks[0].elements[0].text.type: must be 'plain_text', got 'mrkdwn'"
    ]
    assert validate_blocks([{"type": "header"}]) == ["blocks[0].text: required"]


def test_context_elements_are_text_or_images() -> None:
    image = {"type": "image", "image_url": "https://example.com/a.png", "alt_text": "a"}
    assert validate_blocks([{"type": "context", "elements": [image, mrkdwn()]}]) == []
    assert validate_blocks([{"type": "context", "elements": [button()]}]) == [
        "blocks[0].elements[0].type: expected 'plain_text', 'mrkdwn' or 'image', got 'button'"
    ]
    assert validate_blocks(
        [{"type": "context", "elements": [{"type": "image", "image_url": "https://e/a"}]}]
    ) == ["blocks[0].elements[0].alt_text: required"]


def test_action_ids_are_unique_within_a_block() -> None:
    assert validate_blocks([actions(button("a"), button("b")), actions(button("a"))]) == []
    assert validate_blocks([actions(button("a"), button("b"), button("a"))]) == [
        "blocks[0].elements[2].action_id: duplicate action_id 'a' in the block"
        " (first at blocks[0].elements[0])"
    ]


def test_input_block_needs_label_and_element() -> None:
    element = {"type": "plain_text_input", "action_id": "t"}
    assert (
        validate_blocks([input_block(element, optional=True, dispatch_action=False)], surface="modal") == []
    )
    assert validate_blocks([{"type": "input", "element": element}], surface="modal") == [
        "blocks[0].label: required"
    ]
    assert validate_blocks([{"type": "input", "label": plain("L")}], surface="modal") == [
        "blocks[0].element: required"
    ]
    assert validate_blocks([input_block(element, label=mrkdwn("L"))], surface="modal") == [
        "blocks[0].label.type: must be 'plain_text', got 'mrkdwn'"
    ]
    assert validate_blocks([input_block(element, optional="yes")], surface="modal") == [
        "blocks[0].optional: expected a boolean, got string"
    ]


def test_image_block() -> None:
    assert (
        validate_blocks([{"type": "image", "slack_file": {"id": "F1"}, "alt_text": "a", "title": plain()}])
        == []
    )
    assert validate_blocks([{"type": "image", "alt_text": "a"}]) == [
        "blocks[0]: an image needs image_url or slack_file"
    ]
    assert validate_blocks(
        [{"type": "image", "image_url": "https://e/a", "alt_text": "a", "title": mrkdwn()}]
    ) == ["blocks[0].title.type: must be 'plain_text', got 'mrkdwn'"]


def test_rich_text_block() -> None:
    assert validate_blocks([{"type": "rich_text", "elements": []}]) == ["blocks[0].elements: 0 items < 1"]
    assert validate_blocks([{"type": "rich_text", "elements": [{"type": "paragraph", "elements": []}]}]) == [
        "blocks[0].elements[0].type: unknown rich text element 'paragraph'"
    ]


def test_markdown_block_only_in_messages() -> None:
    assert validate_blocks([{"type": "markdown", "text": "**hi**"}], surface="message") == []
    assert validate_blocks([{"type": "markdown", "text": "**hi**"}], surface="modal") == [
        "blocks[0].type: 'markdown' blocks are only allowed in messages, not in a modal"
    ]


# -- elements ----------------------------------------------------------------------------------------------


def test_unknown_element_types() -> None:
    assert validate_blocks([section(accessory={"type": "slider"})]) == [
        "blocks[0].accessory.type: unknown element type 'slider'"
    ]
    assert validate_blocks([actions({"type": "link", "text": plain()})]) == [
        "blocks[0].elements[0].type: unknown element type 'link'"
    ]
    assert validate_blocks([input_block({"action_id": "x"})], surface="modal") == [
        "blocks[0].element.type: unknown element type None"
    ]


def test_elements_in_the_wrong_place() -> None:
    assert validate_blocks([actions({"type": "plain_text_input"})]) == [
        "blocks[0].elements[0].type: 'plain_text_input' is not allowed in an actions block"
    ]
    assert validate_blocks([section(accessory={"type": "datetimepicker"})]) == [
        "blocks[0].accessory.type: 'datetimepicker' is not allowed in a section accessory"
    ]
    assert validate_blocks([input_block(button())], surface="modal") == [
        "blocks[0].element.type: 'button' is not allowed in an input block"
    ]
    assert validate_blocks([actions({"type": "datetimepicker"})]) == []


@pytest.mark.parametrize(
    "element",
    [
        {"type": "users_select", "action_id": "u", "initial_user": "U1", "placeholder": plain("Who")},
        {"type": "multi_users_select", "action_id": "u", "max_selected_items": 3},
        {"type": "conversations_select", "action_id": "c"},
        {"type": "channels_select", "action_id": "c"},
        {"type": "external_select", "action_id": "e", "min_query_length": 2},
        {"type": "datepicker", "action_id": "d", "initial_date": "2026-02-28"},
        {"type": "timepicker", "action_id": "t", "initial_time": "09:30"},
        {"type": "datetimepicker", "action_id": "dt", "initial_date_time": 1767225600},
        {
            "type": "checkboxes",
            "action_id": "c",
            "options": [option(), {"text": mrkdwn("*b*"), "value": "b"}],
        },
        {
            "type": "radio_buttons",
            "action_id": "r",
            "options": options(3),
            "initial_option": option("Option 1", "1"),
        },
        {
            "type": "plain_text_input",
            "action_id": "p",
            "multiline": True,
            "min_length": 1,
            "max_length": 3000,
        },
        {
            "type": "plain_text_input",
            "action_id": "p",
            "min_length": 0,
            "max_length": 1,
            "initial_value": "a",
        },
        {"type": "plain_text_input", "action_id": "p", "min_length": 3000},
        {"type": "multi_users_select", "action_id": "u", "max_selected_items": 1},
        {"type": "email_text_input", "action_id": "m"},
        {"type": "url_text_input", "action_id": "u"},
        {"type": "number_input", "action_id": "n", "is_decimal_allowed": False},
        {
            "type": "static_select",
            "action_id": "s",
            "options": options(3),
            "initial_option": option("Option 2", "2"),
        },
        {
            "type": "multi_static_select",
            "action_id": "s",
            "options": options(3),
            "initial_options": options(2),
        },
    ],
    ids=lambda e: e["type"],
)
def test_input_elements_pass(element: dict) -> None:
    assert validate_blocks([input_block(element)], surface="modal") == []


@pytest.mark.parametrize(
    ("element", "problem"),
    [
        (
            {"type": "datepicker", "initial_date": "28/02/2026"},
            ".initial_date: expected YYYY-MM-DD, got '28/02/2026'",
        ),
        (
            {"type": "datepicker", "initial_date": "2026-02-30"},
            ".initial_date: expected YYYY-MM-DD, got '2026-02-30'",
        ),
        ({"type": "timepicker", "initial_time": "9:30"}, ".initial_time: expected HH:mm, got '9:30'"),
        (  # slack_sdk's TimePickerElement lets this through (its pattern is not anchored at the end)
            {"type": "timepicker", "initial_time": "09:30junk"},
            ".initial_time: expected HH:mm, got '09:30junk'",
        ),
        (
            {"type": "plain_text_input", "max_length": 3001},
            ".max_length: expected an integer from 0 to 3000, got 3001",
        ),
        ({"type": "plain_text_input", "min_length": 10, "max_length": 5}, ": min_length 10 > max_length 5"),
        (
            {"type": "plain_text_input", "max_length": 3, "initial_value": "abcd"},
            ".initial_value: 4 chars > 3",
        ),
        ({"type": "plain_text_input", "multiline": "yes"}, ".multiline: expected a boolean, got string"),
        (
            {"type": "plain_text_input", "min_length": -1},
            ".min_length: expected an integer from 0 to 3000, got -1",
        ),
        ({"type": "plain_text_input", "max_length": 0}, ".max_length: must be at least 1"),
        ({"type": "number_input"}, ".is_decimal_allowed: required boolean"),
        (
            {"type": "multi_users_select", "max_selected_items": 0},
            ".max_selected_items: expected an integer >= 1, got 0",
        ),
        ({"type": "users_select", "initial_user": 7}, ".initial_user: expected a string, got int"),
        (
            {"type": "static_select", "options": options(2), "initial_option": option("Nine", "9")},
            ".initial_option: value '9' is not one of the element's options",
        ),
        (
            {"type": "multi_static_select", "options": options(2), "initial_options": option()},
            ".initial_options: expected an array, got object",
        ),
        ({"type": "static_select"}, ": needs exactly one of options or option_groups"),
        (
            {
                "type": "static_select",
                "options": options(1),
                "option_groups": [{"label": plain("G"), "options": options(1)}],
            },
            ": needs exactly one of options or option_groups",
        ),
        (
            {"type": "static_select", "options": [{"text": mrkdwn("*a*"), "value": "a"}]},
            ".options[0].text.type: must be 'plain_text', got 'mrkdwn'",
        ),
        (
            {"type": "static_select", "options": [{**option(), "url": "https://example.com"}]},
            ".options[0].url: only allowed on overflow menu options",
        ),
        ({"type": "static_select", "options": [{"text": plain("a")}]}, ".options[0].value: required"),
        (
            {"type": "checkboxes", "options": [{**option(), "description": plain(pad(76))}]},
            ".options[0].description.text: 76 chars > 75",
        ),
        (
            {"type": "users_select", "placeholder": mrkdwn("Who")},
            ".placeholder.type: must be 'plain_text', got 'mrkdwn'",
        ),
    ],
    ids=lambda v: v["type"] if isinstance(v, dict) else None,
)
def test_input_elements_fail(element: dict, problem: str) -> None:
    problems = validate_blocks([input_block({**element, "action_id": "a"})], surface="modal")
    assert problems == ["blocks[0].element" + problem]


def test_button_style_and_overflow_urls() -> None:
    good = actions(
        button(style="primary", url="https://example.com", accessibility_label="Open"),
        {"type": "overflow", "action_id": "o", "options": [{**option(), "url": "https://example.com"}]},
    )
    assert validate_blocks([good]) == []
    assert validate_blocks([actions(button(style="secondary"))]) == [
        "blocks[0].elements[0].style: expected 'primary' or 'danger', got 'secondary'"
    ]
    assert validate_blocks([actions(button(accessibility_label=pad(76)))]) == [
        "blocks[0].elements[0].accessibility_label: 76 chars > 75"
    ]


def test_confirm_objects() -> None:
    assert validate_blocks([actions(button(confirm=confirm(style="danger")))]) == []
    incomplete = {"title": plain("Sure?"), "text": mrkdwn("Really?")}
    assert validate_blocks([actions(button(confirm=incomplete))]) == [
        "blocks[0].elements[0].confirm.confirm: required",
        "blocks[0].elements[0].confirm.deny: required",
    ]
    assert validate_blocks([actions(button(confirm=confirm(title=mrkdwn("x"))))]) == [
        "blocks[0].elements[0].confirm.title.type: must be 'plain_text', got 'mrkdwn'"
    ]
    assert validate_blocks([actions({"type": "overflow", "options": options(2), "confirm": "sure?"})]) == [
        "blocks[0].elements[0].confirm: expected an object, got string"
    ]


# -- messages -----------------------------------------------------------------------------------------------


def test_message_needs_text_or_blocks() -> None:
    assert validate_message({"text": "hi"}) == []
    assert validate_message({"blocks": [section()]}) == []
    assert validate_message({"text": "fallback", "blocks": [section()], "response_type": "ephemeral"}) == []
    assert validate_message({"channel": "C1"}) == ["payload: no text or blocks (Slack answers no_text)"]
    assert validate_message({"text": "", "blocks": []}) == [
        "payload: no text or blocks (Slack answers no_text)"
    ]
    assert validate_message({"delete_original": True}) == []
    assert validate_message(["hi"]) == ["payload: expected an object, got array"]


def test_message_text_limit() -> None:
    assert validate_message({"text": pad(40_000)}) == []
    assert validate_message({"text": pad(40_001)}) == ["text: 40001 chars > 40000 (Slack truncates it)"]
    assert validate_message({"text": 5, "blocks": [section()]}) == ["text: expected a string, got int"]


def test_message_blocks_are_validated_as_a_message() -> None:
    assert validate_message({"text": "t", "blocks": [{"type": "divider"}] * 50}) == []
    assert validate_message({"text": "t", "blocks": [{"type": "divider"}] * 51}) == [
        "blocks: 51 items > 50 (message)"
    ]
    assert validate_message({"text": "t", "blocks": [section(text=mrkdwn(pad(3012)))]}) == [
        "blocks[0].text.text: 3012 chars > 3000"
    ]


def test_form_encoded_blocks_arrive_as_json_strings() -> None:
    assert validate_message({"text": "t", "blocks": json.dumps([section()])}) == []
    assert validate_message({"text": "t", "blocks": json.dumps([{"type": "nope"}])}) == [
        "blocks[0].type: unknown block type 'nope'"
    ]
    assert validate_view(json.dumps(modal([section()]))) == []


# -- views ---------------------------------------------------------------------------------------------------

VIEW_LENGTHS = [
    ("title", lambda n: modal([], title=plain(pad(n))), "title.text", 24),
    ("submit", lambda n: modal([], submit=plain(pad(n))), "submit.text", 24),
    ("close", lambda n: modal([], close=plain(pad(n))), "close.text", 24),
    ("callback_id", lambda n: modal([], callback_id=pad(n)), "callback_id", 255),
    ("external_id", lambda n: modal([], external_id=pad(n)), "external_id", 255),
    ("private_metadata", lambda n: modal([], private_metadata=pad(n)), "private_metadata", 3000),
    (
        "home private_metadata",
        lambda n: {"type": "home", "blocks": [], "private_metadata": pad(n)},
        "private_metadata",
        3000,
    ),
]


@pytest.mark.parametrize(
    ("make", "path", "limit"), [c[1:] for c in VIEW_LENGTHS], ids=[c[0] for c in VIEW_LENGTHS]
)
def test_view_length_limits(make: Callable[[int], dict], path: str, limit: int) -> None:
    assert validate_view(make(limit)) == []
    assert validate_view(make(limit + 1)) == [f"{path}: {limit + 1} chars > {limit}"]


@pytest.mark.parametrize("kind", ["modal", "home"])
def test_view_holds_100_blocks(kind: str) -> None:
    view: dict[str, Any] = (
        modal([{"type": "divider"}] * 100)
        if kind == "modal"
        else {"type": "home", "blocks": [section()] * 100}
    )
    assert validate_view(view) == []
    view["blocks"] = view["blocks"] + [{"type": "divider"}]
    assert validate_view(view) == [f"blocks: 101 items > 100 ({kind})"]


def test_view_shape() -> None:
    assert validate_view({"type": "home", "blocks": [section()], "callback_id": "home"}) == []
    assert validate_view({"type": "home", "blocks": [section()], "submit": plain("Save")}) == [
        "submit: not allowed in a home view"
    ]
    assert validate_view({"type": "message", "blocks": []}) == [
        "type: expected 'modal' or 'home', got 'message'"
    ]
    assert validate_view({"type": "modal", "title": plain("T")}) == ["blocks: required"]
    assert validate_view({"type": "modal", "blocks": []}) == ["title: required"]
    assert validate_view(modal([], title=mrkdwn("T"))) == ["title.type: must be 'plain_text', got 'mrkdwn'"]
    assert validate_view(modal([], private_metadata={"a": 1})) == [
        "private_metadata: expected a string, got object"
    ]
    assert validate_view(None) == ["view: expected an object, got null"]


def test_modal_with_inputs_needs_submit() -> None:
    block = input_block({"type": "plain_text_input", "action_id": "t"})
    assert validate_view(modal([block])) == []
    without_submit = modal([block])
    del without_submit["submit"]
    assert validate_view(without_submit) == ["submit: required when the modal has input blocks"]
    no_inputs = modal([section()])
    del no_inputs["submit"]
    assert validate_view(no_inputs) == []


def test_view_blocks_are_checked_with_paths() -> None:
    view = modal(
        [section(), {"type": "input", "label": plain("L")}, section(block_id="x"), section(block_id="x")]
    )
    assert validate_view(view) == [
        "blocks[1].element: required",
        "blocks[3].block_id: duplicate block_id 'x' (first at blocks[2])",
    ]


# -- slack_sdk builds what we accept -------------------------------------------------------------------------


def test_slack_sdk_models_pass() -> None:
    from slack_sdk.models.blocks import (
        ActionsBlock,
        ButtonElement,
        CheckboxesElement,
        ConfirmObject,
        ContextBlock,
        DatePickerElement,
        DividerBlock,
        HeaderBlock,
        ImageElement,
        InputBlock,
        MarkdownTextObject,
        Option,
        OverflowMenuElement,
        PlainTextInputElement,
        PlainTextObject,
        SectionBlock,
        StaticSelectElement,
        UserSelectElement,
    )
    from slack_sdk.models.views import View

    menu = OverflowMenuElement(action_id="menu", options=[Option(text="Assign", value="assign:3.1")])
    sure = ConfirmObject(title="Sure?", text="Mark it done?", confirm="Yes", deny="No")
    blocks = [
        HeaderBlock(text="Checklist", block_id="head"),
        SectionBlock(text=MarkdownTextObject(text="*3.1* Write tests"), accessory=menu, block_id="item-3.1"),
        SectionBlock(fields=[MarkdownTextObject(text="*Owner*"), PlainTextObject(text="nobody")]),
        DividerBlock(),
        ContextBlock(
            elements=[
                ImageElement(image_url="https://example.com/a.png", alt_text="a"),
                MarkdownTextObject(text="`/checklist`"),
            ]
        ),
        ActionsBlock(
            elements=[
                ButtonElement(text="Done", action_id="done", value="3.1", style="primary", confirm=sure),
                StaticSelectElement(
                    action_id="phase", placeholder="Phase", options=[Option(text="One", value="1")]
                ),
                DatePickerElement(action_id="due", initial_date="2026-12-01"),
            ]
        ),
    ]
    message = {"text": "Checklist", "blocks": [b.to_dict() for b in blocks]}
    assert validate_message(message) == []
    assert validate_blocks(message["blocks"], surface="home") == []

    view = View(
        type="modal",
        callback_id="assign",
        title="Assign item",
        submit="Assign",
        close="Cancel",
        private_metadata='{"checklist_id":1}',
        blocks=[
            InputBlock(
                label="Owner", element=UserSelectElement(action_id="owner"), block_id="owner", optional=True
            ),
            InputBlock(
                label="Note", element=PlainTextInputElement(action_id="note", multiline=True, max_length=2000)
            ),
            InputBlock(
                label="Flags",
                element=CheckboxesElement(action_id="flags", options=[Option(text="Urgent", value="urgent")]),
            ),
        ],
    ).to_dict()
    assert validate_view(view) == []
    assert validate_view(View(type="home", blocks=blocks).to_dict()) == []

    # And the validator still notices when a built payload is edited past a limit.
    view["blocks"][1]["element"]["max_length"] = 3001
    assert validate_view(view) == [
        "blocks[1].element.max_length: expected an integer from 0 to 3000, got 3001"
    ]


IMAGE_URL = "https://example.com/a.png"

SHAPES = [
    ("context without elements", [{"type": "context"}], "blocks[0].elements: required"),
    (
        "actions elements not an array",
        [{"type": "actions", "elements": button()}],
        "blocks[0].elements: expected an array, got object",
    ),
    (
        "verbatim",
        [section(text={**mrkdwn(), "verbatim": 1})],
        "blocks[0].text.verbatim: expected a boolean, got int",
    ),
    (
        "confirm style",
        [actions(button(confirm=confirm(style="loud")))],
        "blocks[0].elements[0].confirm.style: expected 'primary' or 'danger', got 'loud'",
    ),
    ("section expand", [section(expand="no")], "blocks[0].expand: expected a boolean, got string"),
    (
        "context text",
        [{"type": "context", "elements": [mrkdwn("")]}],
        "blocks[0].elements[0].text: must not be empty",
    ),
    (
        "dispatch_action",
        [input_block({"type": "datepicker"}, dispatch_action=1)],
        "blocks[0].dispatch_action: expected a boolean, got int",
    ),
    (
        "rich text inner elements",
        [{"type": "rich_text", "elements": [{"type": "rich_text_section"}]}],
        "blocks[0].elements[0].elements: required",
    ),
    (
        "slack_file",
        [{"type": "image", "slack_file": "F1", "alt_text": "a"}],
        "blocks[0].slack_file: expected an object, got string",
    ),
    (
        "image accessory",
        [section(accessory={"type": "image", "image_url": IMAGE_URL})],
        "blocks[0].accessory.alt_text: required",
    ),
    (
        "checkbox initial_options",
        [actions({"type": "checkboxes", "options": options(2), "initial_options": [option("Nine", "9")]})],
        "blocks[0].elements[0].initial_options[0]: value '9' is not one of the element's options",
    ),
]
SHAPES += [
    (
        f"{kind} max_selected_items",
        [
            actions(
                {
                    "type": kind,
                    "max_selected_items": 0,
                    **({"options": options(2)} if "static" in kind else {}),
                }
            )
        ],
        "blocks[0].elements[0].max_selected_items: expected an integer >= 1, got 0",
    )
    for kind in (
        "multi_static_select",
        "multi_conversations_select",
        "multi_channels_select",
        "multi_external_select",
    )
]


@pytest.mark.parametrize(("blocks", "problem"), [c[1:] for c in SHAPES], ids=[c[0] for c in SHAPES])
def test_shape_rules(blocks: list, problem: str) -> None:
    assert validate_blocks(blocks) == [problem]


def test_shape_rules_have_passing_twins() -> None:
    assert validate_blocks([section(text={**mrkdwn(), "verbatim": True}, expand=True)]) == []
    assert (
        validate_blocks([section(accessory={"type": "image", "image_url": IMAGE_URL, "alt_text": "a"})]) == []
    )
    assert validate_blocks([input_block({"type": "datepicker"}, dispatch_action=True)]) == []
    assert (
        validate_blocks([{"type": "rich_text", "elements": [{"type": "rich_text_quote", "elements": []}]}])
        == []
    )
    chosen = {"type": "checkboxes", "options": options(2), "initial_options": [option("Option 1", "1")]}
    assert (
        validate_blocks([actions(chosen, {"type": "multi_channels_select", "max_selected_items": 1})]) == []
    )
