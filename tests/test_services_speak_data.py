"""The sign-off and reminder refusals (`bot.errors.Refusal`) are each worded by their own feature's messages module.
(That no service, rules or refusals module of any feature builds Slack text is checked in tests/test_wording.py.)"""

from __future__ import annotations


def test_every_signoff_and_reminder_refusal_is_worded_by_its_messages() -> None:
    from bot.errors import Refusal
    from bot.reminders import messages as reminder_messages  # noqa: F401  (registers the sentences)
    from bot.reminders import refusals as reminder_refusals
    from bot.signoffs import messages as signoff_messages  # noqa: F401
    from bot.signoffs import refusals as signoff_refusals

    kinds = [
        k
        for module in (signoff_refusals, reminder_refusals)
        for k in vars(module).values()
        if isinstance(k, type) and issubclass(k, Refusal) and k is not Refusal and k.__module__ == module.__name__
    ]
    assert len(kinds) >= 15
    sentences = {k: Refusal.sentences.get(k) for k in kinds}
    assert [k.__name__ for k, say in sentences.items() if say is None] == []
    assert {k.__module__ for k, say in sentences.items() if say is not None} == {
        "bot.signoffs.refusals",
        "bot.reminders.refusals",
    }
    said_in = {say.__module__ for say in sentences.values() if say is not None}
    assert said_in == {"bot.signoffs.messages", "bot.reminders.messages"}
