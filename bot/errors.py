"""Errors that carry an answer for the person who typed or clicked; one error handler shows them.

Services and rules refuse with a `Refusal`: a dataclass that says *what* was refused (the item, the owner, the
range…) and no sentence. Each feature's messages say the sentence for each kind of refusal
(`bot.slack.wording.says`); `message` asks them, so every caller of `UserError.message` keeps working.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar


class UserError(Exception):
    """Bad input or a request the rules refuse. The message is shown as is (ephemeral); nothing changed."""

    field: str | None = None  # the modal input to attach the message to, when there is one

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self._text = message
        self.field = field

    @property
    def message(self) -> str:
        return self._text


class MissingSentence(LookupError):
    """A refusal whose feature registered no sentence for it: a defect (tests walk every kind to catch it)."""


@dataclass(eq=False)
class Refusal(UserError):
    """A refusal as data. Subclasses are dataclasses holding what the answer needs; the sentence is registered
    by the feature's messages module with `bot.slack.wording.says` and read through `message`."""

    field: str | None = dataclasses.field(default=None, kw_only=True)

    # kind -> sentence; filled by `bot.slack.wording.says` when a messages module is imported
    sentences: ClassVar[dict[type[Refusal], Callable[[Any], str]]] = {}

    @property
    def message(self) -> str:
        say = Refusal.sentences.get(type(self))
        if say is not None:
            return say(self)
        raise MissingSentence(f"no sentence is registered for {type(self).__qualname__} ({type(self).__module__})")

    def __str__(self) -> str:
        return repr(self)


@dataclass(eq=False)
class NoChecklist(Refusal):
    """The channel has no running checklist."""


class Unavailable(Exception):
    """A dependency (the database) is down; the user is told to retry, nothing was changed."""
