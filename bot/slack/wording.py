"""The registry of sentences for refusals (`bot.errors.Refusal`).

A feature's messages module says, once per kind, what a refusal sounds like in Slack:

    @says(AlreadyDone)
    def _(r: AlreadyDone) -> str:
        return f"{r.number} is already done …"

`Refusal.message` reads the sentence from here, so the one error handler, modal field errors and every other
`UserError.message` caller show it unchanged. A kind without a sentence raises `MissingSentence`; the error
handler logs that as a defect, and a test walks every kind so none ships without one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from bot.errors import Refusal

R = TypeVar("R", bound=Refusal)


def says(kind: type[R]) -> Callable[[Callable[[R], str]], Callable[[R], str]]:
    """Register the decorated function as the sentence for refusals of exactly `kind` (one per kind)."""

    def register(sentence: Callable[[R], str]) -> Callable[[R], str]:
        if kind is Refusal or not issubclass(kind, Refusal):
            raise TypeError(f"says() takes a Refusal subclass, not {kind!r}")
        if kind in Refusal.sentences and Refusal.sentences[kind] is not sentence:
            raise TypeError(f"{kind.__qualname__} already has a sentence")
        Refusal.sentences[kind] = sentence
        return sentence

    return register


def refusal_kinds() -> list[type[Refusal]]:
    """Every Refusal subclass imported so far (subclasses of subclasses too)."""
    seen: list[type[Refusal]] = []
    todo = list(Refusal.__subclasses__())
    while todo:
        kind = todo.pop()
        if kind not in seen:
            seen.append(kind)
            todo.extend(kind.__subclasses__())
    return seen


def unsaid() -> list[type[Refusal]]:
    """The imported refusal kinds that have no sentence."""
    return [k for k in refusal_kinds() if k not in Refusal.sentences]
