"""Refusals are data and each feature's messages say them (`bot.errors.Refusal`, `bot.slack.wording`); services
build no mrkdwn."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from pathlib import Path

import pytest

import bot
from bot.errors import MissingSentence, NoChecklist, Refusal, UserError
from bot.slack.errors import message_for
from bot.slack.wording import refusal_kinds, says, unsaid

ROOT = Path(bot.__file__).parent


def _import_every_module() -> None:
    for info in pkgutil.walk_packages(bot.__path__, "bot."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)


def test_every_refusal_of_the_product_has_a_sentence() -> None:
    _import_every_module()
    product = [k for k in refusal_kinds() if k.__module__.startswith("bot.")]
    assert NoChecklist in product
    missing = [f"{k.__module__}.{k.__qualname__}" for k in unsaid() if k in product]
    assert missing == [], f"refusals without a sentence (register one with bot.slack.wording.says): {missing}"


def test_a_refusal_without_a_sentence_fails_loudly_and_the_handler_still_answers() -> None:
    @dataclass(eq=False)
    class Unheard(Refusal):
        number: str

    refusal = Unheard("1.1", field="owner")
    assert isinstance(refusal, UserError) and refusal.field == "owner" and refusal.number == "1.1"
    with pytest.raises(MissingSentence):
        _ = refusal.message
    assert "Something went wrong" in message_for(refusal)

    says(Unheard)(lambda r: f"{r.number} is heard")
    try:
        assert refusal.message == "1.1 is heard" and message_for(refusal) == "1.1 is heard"
        with pytest.raises(TypeError):
            says(Unheard)(lambda r: "a second sentence")
        with pytest.raises(TypeError):
            says(Refusal)(lambda r: "every refusal at once")
    finally:
        del Refusal.sentences[Unheard]


def test_a_plain_user_error_keeps_its_message_and_field() -> None:
    exc = UserError("Pick a date.", field="due")
    assert exc.message == "Pick a date." and exc.field == "due" and str(exc) == "Pick a date."
