"""Typed payloads: every button value, menu option value, block id and modal `private_metadata` we hand Slack.

Each payload is a frozen dataclass with a codec: `encode(payload)` writes the wire string and checks Slack's size
limit for where it goes; `decode(Type, raw)` reads it back, and refuses anything that is not exactly what we
write (wrong shape, wrong types, oversized) with a `PayloadError` saying what to do: these strings come back to us
from the internet. The wire formats are the ones already posted in Slack channels (`choice|checklist|item`,
`<checklist>|<channel>|<item>`, `<request>|home`, JSON for the item forms), so old messages keep working.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar, TypeVar

from bot.errors import UserError
from bot.slack.ids import MenuChoice

# Slack's limits (api.slack.com/reference/block-kit): where a string goes decides how long it may be.
BUTTON_VALUE = 2000
OPTION_VALUE = 150
PRIVATE_METADATA = 3000
BLOCK_ID = 255

_INT = re.compile(r"^[1-9]\d{0,17}$")
_ITEM = re.compile(r"^\d{1,6}\.\d{1,6}$")
_CHANNEL = re.compile(r"^[A-Z][A-Z0-9]{1,31}$")
_URL = re.compile(r"^https?://[^\s|<>]{1,1990}$")


class PayloadError(UserError):
    """A payload we did not write, or wrote for an older version of the message: nothing changes."""


class PayloadTooLarge(ValueError):
    """Our own bug: a payload that Slack would refuse. Raised on encode, never shown to a user."""


@dataclass(frozen=True)
class _Field:
    write: Callable[[Any], str]
    read: Callable[[str], Any]  # raises ValueError on anything we would not have written


def _int_field() -> _Field:
    def read(s: str) -> int:
        if not _INT.match(s):
            raise ValueError(s)
        return int(s)

    return _Field(str, read)


def _matching(pattern: re.Pattern[str]) -> _Field:
    def read(s: str) -> str:
        if not pattern.match(s):
            raise ValueError(s)
        return s

    return _Field(str, read)


def _phase_or_all() -> _Field:
    def read(s: str) -> int | None:
        return None if s == "all" else _int_field().read(s)

    return _Field(lambda p: "all" if p is None else str(p), read)


def _choice() -> _Field:
    return _Field(str, MenuChoice)  # MenuChoice("x") raises ValueError


def _flag(word: str) -> _Field:
    """A trailing word present when the flag is set (`<request>|home`)."""

    def read(s: str) -> bool:
        if s != word:
            raise ValueError(s)
        return True

    return _Field(lambda _: word, read)


class Payload:
    """Base of the typed payloads: the codec reads these class attributes."""

    LIMIT: ClassVar[int]
    PREFIX: ClassVar[str | None] = None  # a fixed first part naming the kind (block ids)
    FIELDS: ClassVar[dict[str, _Field]]
    OPTIONAL_LAST: ClassVar[str | None] = None  # a trailing flag left out when false
    STALE: ClassVar[str] = "That button is from an older version of this message; nothing changed."


@dataclass(frozen=True)
class MenuPick(Payload):
    """An option of an item's overflow menu in the status message: `<choice>|<checklist id>|<item>`."""

    choice: MenuChoice
    checklist_id: int
    number: str

    LIMIT = OPTION_VALUE
    FIELDS = {"choice": _choice(), "checklist_id": _int_field(), "number": _matching(_ITEM)}
    STALE = "That menu is from an older version of this message; run `/checklist status` again."


@dataclass(frozen=True)
class StatusBlock(Payload):
    """The status message's first block id: which checklist and which view of it (`status|<id>|<phase|all>`)."""

    checklist_id: int
    phase: int | None

    LIMIT = BLOCK_ID
    PREFIX = "status"
    FIELDS = {"checklist_id": _int_field(), "phase": _phase_or_all()}
    STALE = "That message is from an older version; run `/checklist status` again."


@dataclass(frozen=True)
class ItemBlock(Payload):
    """An item's block id in the status message: `item|<checklist id>|<item>`."""

    checklist_id: int
    number: str

    LIMIT = BLOCK_ID
    PREFIX = "item"
    FIELDS = {"checklist_id": _int_field(), "number": _matching(_ITEM)}


@dataclass(frozen=True)
class HomeItemBlock(Payload):
    """An item's block id on the App Home: `home_item|<checklist id>|<item>`."""

    checklist_id: int
    number: str

    LIMIT = BLOCK_ID
    PREFIX = "home_item"
    FIELDS = {"checklist_id": _int_field(), "number": _matching(_ITEM)}


@dataclass(frozen=True)
class HomeDone(Payload):
    """Mark done on the App Home: `<checklist id>|<channel id>|<item>`."""

    checklist_id: int
    channel_id: str
    number: str

    LIMIT = BUTTON_VALUE
    FIELDS = {"checklist_id": _int_field(), "channel_id": _matching(_CHANNEL), "number": _matching(_ITEM)}
    STALE = "That button is from an older version of your Home; nothing changed."


@dataclass(frozen=True)
class SignoffPick(Payload):
    """Approve / Reject… on a sign-off request (DM and App Home): the request id."""

    request_id: int

    LIMIT = BUTTON_VALUE
    FIELDS = {"request_id": _int_field()}


@dataclass(frozen=True)
class SignoffBlock(Payload):
    """The block id of a sign-off request's buttons: `signoff|<request id>`."""

    request_id: int

    LIMIT = BLOCK_ID
    PREFIX = "signoff"
    FIELDS = {"request_id": _int_field()}


@dataclass(frozen=True)
class ReasonForm(Payload):
    """The Reject… form's private_metadata: `<request id>`, or `<request id>|home` when opened from the Home."""

    request_id: int
    from_home: bool = False

    LIMIT = PRIVATE_METADATA
    FIELDS = {"request_id": _int_field(), "from_home": _flag("home")}
    OPTIONAL_LAST = "from_home"


@dataclass(frozen=True)
class ItemForm(Payload):
    """What an item form (assign, due date, note) needs to act and to redraw the status message; JSON."""

    checklist_id: int
    channel_id: str
    number: str
    response_url: str | None = None
    phase: int | None = None

    LIMIT = PRIVATE_METADATA
    STALE = "This form is out of date; open it again from `/checklist status`."


P = TypeVar("P", bound=Payload)


def encode(payload: Payload) -> str:
    """The wire string of `payload`; PayloadTooLarge when Slack would refuse it where it goes."""
    cls = type(payload)
    if isinstance(payload, ItemForm):
        raw = json.dumps(asdict(payload), separators=(",", ":"))
    else:
        parts = [cls.PREFIX] if cls.PREFIX else []
        for name, spec in cls.FIELDS.items():
            value = getattr(payload, name)
            if name == cls.OPTIONAL_LAST and not value:
                continue
            part = spec.write(value)
            spec.read(part)  # we never write what we would refuse to read (a `|` in an item number, say)
            parts.append(part)
        raw = "|".join(parts)
    if len(raw) > cls.LIMIT:
        raise PayloadTooLarge(f"{cls.__name__} is {len(raw)} characters; Slack takes at most {cls.LIMIT} there")
    return raw


def decode(cls: type[P], raw: object) -> P:
    """Read a payload of type `cls`; anything else is a PayloadError with the type's advice (nothing changes)."""
    if not isinstance(raw, str) or not raw or len(raw) > cls.LIMIT:
        raise PayloadError(cls.STALE)
    try:
        if cls is ItemForm:
            return _item_form(raw)  # type: ignore[return-value]
        parts = raw.split("|")
        if cls.PREFIX:
            if parts[0] != cls.PREFIX:
                raise ValueError(raw)
            parts = parts[1:]
        names = list(cls.FIELDS)
        if cls.OPTIONAL_LAST and len(parts) == len(names) - 1:
            names.remove(cls.OPTIONAL_LAST)
        if len(parts) != len(names):
            raise ValueError(raw)
        return cls(**{name: cls.FIELDS[name].read(part) for name, part in zip(names, parts, strict=True)})
    except ValueError:
        raise PayloadError(cls.STALE) from None


def _item_form(raw: str) -> ItemForm:
    data = json.loads(raw)  # json.JSONDecodeError is a ValueError
    if not isinstance(data, dict) or not set(data) <= {f.name for f in fields(ItemForm)}:
        raise ValueError(raw)
    checklist_id, channel_id, number = data.get("checklist_id"), data.get("channel_id"), data.get("number")
    url, phase = data.get("response_url"), data.get("phase")
    if type(checklist_id) is not int or checklist_id < 1:
        raise ValueError(raw)
    if not isinstance(channel_id, str) or not _CHANNEL.match(channel_id):
        raise ValueError(raw)
    if not isinstance(number, str) or not _ITEM.match(number):
        raise ValueError(raw)
    if url is not None and (not isinstance(url, str) or not _URL.match(url)):
        raise ValueError(raw)
    if phase is not None and (type(phase) is not int or not 0 < phase < 1000):
        raise ValueError(raw)
    return ItemForm(checklist_id, channel_id, number, url, phase)
