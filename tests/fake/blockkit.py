"""Block Kit validation: reject what real Slack rejects with `invalid_blocks`.

Pure and dependency-free, used by the fake Slack (`server.py`) and by the tests. Every function returns a list of
human-readable problems, each starting with the path of the offending value, for example
``blocks[3].text.text: 3012 chars > 3000``; an empty list means Slack would accept the payload.

Limits follow Slack's Block Kit reference (blocks, block elements, composition objects, view objects).
Lengths are counted in Python characters (code points).

Why not slack_sdk.models (issue 12): its classes check some lengths and counts, and nothing else that is checked
here (types, required fields, where an element may go, plain_text-only places, unique ids, surfaces). Each of its
limits here is one argument of a call that stays for those checks, so delegating them removes no line. It misses
limits (a static_select's or overflow menu's options, a section field, checkboxes' count), accepts what Slack
rejects (a mrkdwn header, 2026-02-30, a confirm without confirm/deny), rejects a modal without blocks, cannot build
a block with a malformed child, and its errors give no path or value. Built on it, this module came out longer
(549 lines against 543) and slower: slack_sdk's parse and validate alone take about 2.1 ms on a 47-block status
message, about 5x the 0.44 ms this whole module takes.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

MAX_BLOCKS = {"message": 50, "modal": 100, "home": 100}
MESSAGE_TEXT_MAX = 40_000

BLOCK_TYPES = frozenset(
    {"section", "divider", "header", "context", "actions", "input", "image", "rich_text", "markdown"}
)
MESSAGE_ONLY_BLOCKS = frozenset({"markdown"})

_SELECTS = frozenset(
    {"static_select", "external_select", "users_select", "conversations_select", "channels_select"}
)
_MULTI_SELECTS = frozenset(f"multi_{t}" for t in _SELECTS)
ACCESSORY_ELEMENTS = frozenset(
    {
        "button",
        "checkboxes",
        "datepicker",
        "image",
        "overflow",
        "radio_buttons",
        "timepicker",
        "workflow_button",
    }
    | _SELECTS
    | _MULTI_SELECTS
)
ACTIONS_ELEMENTS = frozenset(
    {
        "button",
        "checkboxes",
        "datepicker",
        "datetimepicker",
        "overflow",
        "radio_buttons",
        "timepicker",
        "workflow_button",
    }
    | _SELECTS
    | _MULTI_SELECTS
)
INPUT_ELEMENTS = frozenset(
    {
        "checkboxes",
        "datepicker",
        "datetimepicker",
        "email_text_input",
        "file_input",
        "number_input",
        "plain_text_input",
        "radio_buttons",
        "rich_text_input",
        "timepicker",
        "url_text_input",
    }
    | _SELECTS
    | _MULTI_SELECTS
)
KNOWN_ELEMENTS = ACCESSORY_ELEMENTS | ACTIONS_ELEMENTS | INPUT_ELEMENTS
TEXT_TYPES = frozenset({"plain_text", "mrkdwn"})
RICH_TEXT_ELEMENTS = frozenset(
    {"rich_text_section", "rich_text_list", "rich_text_preformatted", "rich_text_quote"}
)

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")

_MISSING = object()


def validate_blocks(blocks: Any, *, surface: str = "message") -> list[str]:
    """Problems with a `blocks` array shown on `surface` ("message", "modal" or "home"); [] if valid."""
    if surface not in MAX_BLOCKS:
        raise ValueError(f"unknown surface {surface!r}; expected one of {sorted(MAX_BLOCKS)}")
    checker = _Checker()
    checker.blocks("blocks", blocks, surface)
    return checker.problems


def validate_message(payload: Any) -> list[str]:
    """Problems with a chat.postMessage/update/postEphemeral or response_url body; [] if valid."""
    checker = _Checker()
    if not isinstance(payload, dict):
        return [f"payload: expected an object, got {_kind(payload)}"]
    if payload.get("delete_original") in (True, "true"):
        return []  # a response_url body that only deletes the original message needs no content
    text = payload.get("text")
    if text is not None:
        if not isinstance(text, str):
            checker.add("text", f"expected a string, got {_kind(text)}")
        elif len(text) > MESSAGE_TEXT_MAX:
            checker.add("text", f"{len(text)} chars > {MESSAGE_TEXT_MAX} (Slack truncates it)")
    blocks = _decoded(payload.get("blocks"))
    if blocks is not None:
        checker.blocks("blocks", blocks, "message")
    has_content = bool(text) or bool(blocks) or bool(_decoded(payload.get("attachments")))
    if not has_content:
        checker.add("payload", "no text or blocks (Slack answers no_text)")
    return checker.problems


def validate_view(view: Any) -> list[str]:
    """Problems with the `view` of views.open / views.update / views.push / views.publish; [] if valid."""
    view = _decoded(view)
    if not isinstance(view, dict):
        return [f"view: expected an object, got {_kind(view)}"]
    checker = _Checker()
    kind = view.get("type")
    if kind not in ("modal", "home"):
        checker.add("type", f"expected 'modal' or 'home', got {kind!r}")
    for key, limit in (("callback_id", 255), ("external_id", 255), ("private_metadata", 3000)):
        checker.string(key, view.get(key, _MISSING), limit, required=False, allow_empty=True)
    blocks = _decoded(view.get("blocks", _MISSING))
    if blocks is _MISSING:
        checker.add("blocks", "required")
    else:
        checker.blocks("blocks", blocks, kind if kind in ("modal", "home") else "modal")
    if kind == "modal":
        checker.text("title", view.get("title", _MISSING), limit=24, plain_only=True)
        checker.text("submit", view.get("submit", _MISSING), limit=24, plain_only=True, required=False)
        checker.text("close", view.get("close", _MISSING), limit=24, plain_only=True, required=False)
        has_input = isinstance(blocks, list) and any(
            isinstance(b, dict) and b.get("type") == "input" for b in blocks
        )
        if has_input and view.get("submit") is None:
            checker.add("submit", "required when the modal has input blocks")
    elif kind == "home":
        for key in ("submit", "close"):  # a Home tab has no buttons of its own
            if key in view:
                checker.add(key, "not allowed in a home view")
    return checker.problems


def _decoded(value: Any) -> Any:
    """Form-encoded Web API calls carry `blocks` and `view` as JSON strings."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _kind(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), type(value).__name__
    )


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    # -- primitives ----------------------------------------------------------------------------------------

    def string(
        self, path: str, value: Any, limit: int | None, *, required: bool = True, allow_empty: bool = False
    ) -> bool:
        if value is _MISSING or value is None:
            if required:
                self.add(path, "required")
            return False
        if not isinstance(value, str):
            self.add(path, f"expected a string, got {_kind(value)}")
            return False
        if not value and not allow_empty:
            self.add(path, "must not be empty")
            return False
        if limit is not None and len(value) > limit:
            self.add(path, f"{len(value)} chars > {limit}")
            return False
        return True

    def array(
        self, path: str, value: Any, minimum: int, maximum: int | None, *, required: bool = True
    ) -> list:
        """Check an array's type and length; returns its items to check (empty if it is not an array)."""
        if value is _MISSING or value is None:
            if required:
                self.add(path, "required")
            return []
        if not isinstance(value, list):
            self.add(path, f"expected an array, got {_kind(value)}")
            return []
        if len(value) < minimum:
            self.add(path, f"{len(value)} items < {minimum}")
        if maximum is not None and len(value) > maximum:
            self.add(path, f"{len(value)} items > {maximum}")
        return value

    def obj(self, path: str, value: Any, *, required: bool = True) -> dict | None:
        if value is _MISSING or value is None:
            if required:
                self.add(path, "required")
            return None
        if not isinstance(value, dict):
            self.add(path, f"expected an object, got {_kind(value)}")
            return None
        return value

    def boolean(self, path: str, value: Any) -> None:
        if value is not _MISSING and value is not None and not isinstance(value, bool):
            self.add(path, f"expected a boolean, got {_kind(value)}")

    def text(
        self,
        path: str,
        value: Any,
        *,
        limit: int | None = None,
        plain_only: bool = False,
        required: bool = True,
    ) -> None:
        """A text composition object: {"type": "plain_text"|"mrkdwn", "text": "..."}."""
        obj = self.obj(path, value, required=required)
        if obj is None:
            return
        kind = obj.get("type")
        if kind not in TEXT_TYPES:
            self.add(f"{path}.type", f"expected 'plain_text' or 'mrkdwn', got {kind!r}")
        elif plain_only and kind != "plain_text":
            self.add(f"{path}.type", f"must be 'plain_text', got {kind!r}")
        self.string(f"{path}.text", obj.get("text", _MISSING), limit)
        if kind == "plain_text":
            self.boolean(f"{path}.emoji", obj.get("emoji", _MISSING))
        if kind == "mrkdwn":
            self.boolean(f"{path}.verbatim", obj.get("verbatim", _MISSING))

    def confirm(self, path: str, value: Any) -> None:
        obj = self.obj(path, value, required=False)
        if obj is None:
            return
        self.text(f"{path}.title", obj.get("title", _MISSING), limit=100, plain_only=True)
        self.text(f"{path}.text", obj.get("text", _MISSING), limit=300)
        self.text(f"{path}.confirm", obj.get("confirm", _MISSING), limit=30, plain_only=True)
        self.text(f"{path}.deny", obj.get("deny", _MISSING), limit=30, plain_only=True)
        self.style(f"{path}.style", obj.get("style", _MISSING))

    def style(self, path: str, value: Any) -> None:
        if value is not _MISSING and value not in ("primary", "danger"):
            self.add(path, f"expected 'primary' or 'danger', got {value!r}")

    def option(self, path: str, value: Any, *, plain_only: bool = True, url: bool = False) -> None:
        obj = self.obj(path, value)
        if obj is None:
            return
        self.text(f"{path}.text", obj.get("text", _MISSING), limit=75, plain_only=plain_only)
        self.string(f"{path}.value", obj.get("value", _MISSING), 150)
        self.text(f"{path}.description", obj.get("description", _MISSING), limit=75, required=False)
        if url:
            self.string(f"{path}.url", obj.get("url", _MISSING), 3000, required=False)
        elif "url" in obj:
            self.add(f"{path}.url", "only allowed on overflow menu options")

    def options(
        self, path: str, value: Any, minimum: int, maximum: int, *, plain_only: bool = True, url: bool = False
    ) -> list[str]:
        """Check an options array; returns the option values seen."""
        values = []
        for i, opt in enumerate(self.array(path, value, minimum, maximum)):
            self.option(f"{path}[{i}]", opt, plain_only=plain_only, url=url)
            if isinstance(opt, dict) and isinstance(opt.get("value"), str):
                values.append(opt["value"])
        return values

    def initial(self, path: str, value: Any, known: list[str], *, many: bool) -> None:
        """initial_option(s) must be among the element's options."""
        if value is _MISSING or value is None:
            return
        chosen = value if many else [value]
        if many and not isinstance(value, list):
            self.add(path, f"expected an array, got {_kind(value)}")
            return
        for i, opt in enumerate(chosen):
            where = f"{path}[{i}]" if many else path
            self.option(where, opt, plain_only=False)
            if isinstance(opt, dict) and opt.get("value") not in known:
                self.add(where, f"value {opt.get('value')!r} is not one of the element's options")

    # -- blocks --------------------------------------------------------------------------------------------

    def blocks(self, path: str, blocks: Any, surface: str) -> None:
        if not isinstance(blocks, list):
            self.add(path, f"expected an array, got {_kind(blocks)}")
            return
        limit = MAX_BLOCKS[surface]
        if len(blocks) > limit:
            self.add(path, f"{len(blocks)} items > {limit} ({surface})")
        seen: dict[str, int] = {}
        for i, block in enumerate(blocks):
            where = f"{path}[{i}]"
            block_id = block.get("block_id") if isinstance(block, dict) else None
            if isinstance(block_id, str):
                if block_id in seen:
                    self.add(
                        f"{where}.block_id",
                        f"duplicate block_id {block_id!r} (first at {path}[{seen[block_id]}])",
                    )
                else:
                    seen[block_id] = i
            self.block(where, block, surface)

    def block(self, path: str, block: Any, surface: str) -> None:
        if not isinstance(block, dict):
            self.add(path, f"expected an object, got {_kind(block)}")
            return
        kind = block.get("type")
        if kind not in BLOCK_TYPES:
            self.add(f"{path}.type", f"unknown block type {kind!r}")
            return
        if kind in MESSAGE_ONLY_BLOCKS and surface != "message":
            self.add(f"{path}.type", f"{kind!r} blocks are only allowed in messages, not in a {surface}")
        self.string(f"{path}.block_id", block.get("block_id", _MISSING), 255, required=False)
        getattr(self, f"block_{kind}")(path, block)

    def block_section(self, path: str, block: dict) -> None:
        has_text = block.get("text") is not None
        has_fields = block.get("fields") is not None
        if not has_text and not has_fields:
            self.add(path, "a section needs text or fields")
        self.text(f"{path}.text", block.get("text", _MISSING), limit=3000, required=False)
        for i, field in enumerate(
            self.array(f"{path}.fields", block.get("fields", _MISSING), 1, 10, required=False)
        ):
            self.text(f"{path}.fields[{i}]", field, limit=2000)
        if block.get("accessory") is not None:
            self.element(f"{path}.accessory", block["accessory"], ACCESSORY_ELEMENTS, "a section accessory")
        self.boolean(f"{path}.expand", block.get("expand", _MISSING))

    def block_divider(self, path: str, block: dict) -> None:
        pass

    def block_header(self, path: str, block: dict) -> None:
        self.text(f"{path}.text", block.get("text", _MISSING), limit=150, plain_only=True)

    def block_context(self, path: str, block: dict) -> None:
        for i, el in enumerate(self.array(f"{path}.elements", block.get("elements", _MISSING), 1, 10)):
            where = f"{path}.elements[{i}]"
            if isinstance(el, dict) and el.get("type") == "image":
                self.image(where, el)
            elif isinstance(el, dict) and el.get("type") not in TEXT_TYPES:
                self.add(
                    f"{where}.type", f"expected 'plain_text', 'mrkdwn' or 'image', got {el.get('type')!r}"
                )
            else:
                self.text(where, el)

    def block_actions(self, path: str, block: dict) -> None:
        action_ids: dict[str, int] = {}
        for i, el in enumerate(self.array(f"{path}.elements", block.get("elements", _MISSING), 1, 25)):
            where = f"{path}.elements[{i}]"
            self.element(where, el, ACTIONS_ELEMENTS, "an actions block")
            action_id = el.get("action_id") if isinstance(el, dict) else None
            if isinstance(action_id, str):
                if action_id in action_ids:
                    first = f"{path}.elements[{action_ids[action_id]}]"
                    self.add(
                        f"{where}.action_id",
                        f"duplicate action_id {action_id!r} in the block (first at {first})",
                    )
                else:
                    action_ids[action_id] = i

    def block_input(self, path: str, block: dict) -> None:
        self.text(f"{path}.label", block.get("label", _MISSING), limit=2000, plain_only=True)
        self.text(f"{path}.hint", block.get("hint", _MISSING), limit=2000, plain_only=True, required=False)
        element = block.get("element", _MISSING)
        if element is _MISSING or element is None:
            self.add(f"{path}.element", "required")
        else:
            self.element(f"{path}.element", element, INPUT_ELEMENTS, "an input block")
        self.boolean(f"{path}.optional", block.get("optional", _MISSING))
        self.boolean(f"{path}.dispatch_action", block.get("dispatch_action", _MISSING))

    def block_image(self, path: str, block: dict) -> None:
        self.image(path, block)
        self.text(f"{path}.title", block.get("title", _MISSING), limit=2000, plain_only=True, required=False)

    def block_rich_text(self, path: str, block: dict) -> None:
        for i, el in enumerate(self.array(f"{path}.elements", block.get("elements", _MISSING), 1, None)):
            where = f"{path}.elements[{i}]"
            obj = self.obj(where, el)
            if obj is None:
                continue
            if obj.get("type") not in RICH_TEXT_ELEMENTS:
                self.add(f"{where}.type", f"unknown rich text element {obj.get('type')!r}")
            self.array(f"{where}.elements", obj.get("elements", _MISSING), 0, None)

    def block_markdown(self, path: str, block: dict) -> None:
        self.string(f"{path}.text", block.get("text", _MISSING), 12000)

    # -- elements ------------------------------------------------------------------------------------------

    def image(self, path: str, el: dict) -> None:
        if el.get("image_url") is None and el.get("slack_file") is None:
            self.add(path, "an image needs image_url or slack_file")
        self.string(f"{path}.image_url", el.get("image_url", _MISSING), 3000, required=False)
        self.obj(f"{path}.slack_file", el.get("slack_file", _MISSING), required=False)
        self.string(f"{path}.alt_text", el.get("alt_text", _MISSING), 2000)

    def element(self, path: str, el: Any, allowed: frozenset[str], where: str) -> None:
        obj = self.obj(path, el)
        if obj is None:
            return
        kind = obj.get("type")
        if kind not in KNOWN_ELEMENTS:
            self.add(f"{path}.type", f"unknown element type {kind!r}")
            return
        if kind not in allowed:
            self.add(f"{path}.type", f"{kind!r} is not allowed in {where}")
            return
        if kind == "image":
            self.image(path, obj)
            return
        self.string(f"{path}.action_id", obj.get("action_id", _MISSING), 255, required=False)
        self.confirm(f"{path}.confirm", obj.get("confirm", _MISSING))
        if "placeholder" in obj:
            self.text(f"{path}.placeholder", obj["placeholder"], limit=150, plain_only=True)
        check = getattr(self, f"element_{kind}", None)
        if check is not None:
            check(path, obj)

    def element_button(self, path: str, el: dict) -> None:
        self.text(f"{path}.text", el.get("text", _MISSING), limit=75, plain_only=True)
        self.string(f"{path}.value", el.get("value", _MISSING), 2000, required=False)
        self.string(f"{path}.url", el.get("url", _MISSING), 3000, required=False)
        self.string(
            f"{path}.accessibility_label", el.get("accessibility_label", _MISSING), 75, required=False
        )
        self.style(f"{path}.style", el.get("style", _MISSING))

    def element_overflow(self, path: str, el: dict) -> None:
        self.options(f"{path}.options", el.get("options", _MISSING), 1, 5, url=True)

    def element_static_select(self, path: str, el: dict, *, many: bool = False) -> None:
        has_options = el.get("options") is not None
        has_groups = el.get("option_groups") is not None
        if has_options == has_groups:
            self.add(path, "needs exactly one of options or option_groups")
        known = self.options(f"{path}.options", el.get("options", _MISSING), 1, 100) if has_options else []
        for i, group in enumerate(
            self.array(f"{path}.option_groups", el.get("option_groups", _MISSING), 1, 100, required=False)
        ):
            where = f"{path}.option_groups[{i}]"
            obj = self.obj(where, group)
            if obj is not None:
                self.text(f"{where}.label", obj.get("label", _MISSING), limit=75, plain_only=True)
                known += self.options(f"{where}.options", obj.get("options", _MISSING), 1, 100)
        key = "initial_options" if many else "initial_option"
        self.initial(f"{path}.{key}", el.get(key, _MISSING), known, many=many)
        if many:
            self.max_selected(path, el)

    def element_multi_static_select(self, path: str, el: dict) -> None:
        self.element_static_select(path, el, many=True)

    def max_selected(self, path: str, el: dict) -> None:
        value = el.get("max_selected_items", _MISSING)
        if value is not _MISSING and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            self.add(f"{path}.max_selected_items", f"expected an integer >= 1, got {value!r}")

    def element_multi_users_select(self, path: str, el: dict) -> None:
        self.max_selected(path, el)

    def element_multi_conversations_select(self, path: str, el: dict) -> None:
        self.max_selected(path, el)

    def element_multi_channels_select(self, path: str, el: dict) -> None:
        self.max_selected(path, el)

    def element_multi_external_select(self, path: str, el: dict) -> None:
        self.max_selected(path, el)

    def element_users_select(self, path: str, el: dict) -> None:
        self.string(f"{path}.initial_user", el.get("initial_user", _MISSING), None, required=False)

    def element_checkboxes(self, path: str, el: dict, *, many: bool = True) -> None:
        known = self.options(f"{path}.options", el.get("options", _MISSING), 1, 10, plain_only=False)
        key = "initial_options" if many else "initial_option"
        self.initial(f"{path}.{key}", el.get(key, _MISSING), known, many=many)

    def element_radio_buttons(self, path: str, el: dict) -> None:
        self.element_checkboxes(path, el, many=False)

    def element_datepicker(self, path: str, el: dict) -> None:
        value = el.get("initial_date", _MISSING)
        if value is _MISSING:
            return
        try:
            valid = isinstance(value, str) and bool(_DATE.match(value)) and bool(date.fromisoformat(value))
        except ValueError:
            valid = False
        if not valid:
            self.add(f"{path}.initial_date", f"expected YYYY-MM-DD, got {value!r}")

    def element_timepicker(self, path: str, el: dict) -> None:
        value = el.get("initial_time", _MISSING)
        if value is not _MISSING and not (isinstance(value, str) and _TIME.match(value)):
            self.add(f"{path}.initial_time", f"expected HH:mm, got {value!r}")

    def element_plain_text_input(self, path: str, el: dict) -> None:
        bounds = {}
        for key in ("min_length", "max_length"):
            value = el.get(key, _MISSING)
            if value is _MISSING:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3000:
                self.add(f"{path}.{key}", f"expected an integer from 0 to 3000, got {value!r}")
            else:
                bounds[key] = value
        if "max_length" in bounds and bounds["max_length"] < 1:
            self.add(f"{path}.max_length", "must be at least 1")
        if bounds.get("min_length", 0) > bounds.get("max_length", 3000):
            self.add(path, f"min_length {bounds['min_length']} > max_length {bounds.get('max_length', 3000)}")
        limit = bounds.get("max_length", 3000)
        self.string(
            f"{path}.initial_value",
            el.get("initial_value", _MISSING),
            limit,
            required=False,
            allow_empty=True,
        )
        self.boolean(f"{path}.multiline", el.get("multiline", _MISSING))

    def element_number_input(self, path: str, el: dict) -> None:
        value = el.get("is_decimal_allowed", _MISSING)
        if not isinstance(value, bool):
            self.add(f"{path}.is_decimal_allowed", "required boolean")
