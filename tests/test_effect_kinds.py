"""Outbox effect kinds: every kind the code stages has a handler, registered by the feature that owns it, and the
outbox refuses to store an effect no handler would ever send."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlmodel import func, select

import bot.app  # noqa: F401  (imports every feature, which registers its effect kinds)
from bot.slack.effects import KINDS, effect
from bot.slack.outbox import Effect
from storage import outbox as oq

BOT = Path(__file__).resolve().parent.parent / "bot"
# `Effect("kind", …)` and `fx.add("kind", …)`: the two ways the code stages an effect.
STAGED = re.compile(r"""(?:\bEffect|\bfx\.add)\(\s*["']([\w.]+)["']""")


def staged_kinds() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in BOT.rglob("*.py"):
        for kind in STAGED.findall(path.read_text(encoding="utf-8")):
            found.setdefault(kind, set()).add(str(path.relative_to(BOT.parent)))
    return found


def test_every_staged_kind_has_a_handler_and_every_handler_a_use() -> None:
    staged = staged_kinds()
    assert len(staged) >= 14, f"the scan found too few kinds (did the staging idiom change?): {sorted(staged)}"
    missing = {kind: where for kind, where in staged.items() if kind not in KINDS}
    assert not missing, f"staged but no handler registered: {missing}"
    assert not set(KINDS) - set(staged), f"registered but never staged: {sorted(set(KINDS) - set(staged))}"


def test_each_feature_registers_its_own_kinds() -> None:
    owner = {kind: k.send.__module__ for kind, k in KINDS.items()}
    assert owner["status.refresh"] == owner["export"] == "bot.checklists.listeners.effects"
    assert owner["home"] == "bot.home.listeners"
    assert {owner[k] for k in KINDS if k.startswith("signoff.")} == {"bot.signoffs.listeners"}
    assert owner["post"] == owner["respond"] == "bot.slack.effects"


def test_a_kind_has_one_handler(monkeypatch) -> None:
    monkeypatch.setitem(KINDS, "home", KINDS["home"])  # put back even if a second handler did register
    with pytest.raises(RuntimeError, match="'home' already has a handler"):

        @effect("home")
        def another_home(rt, d) -> None:  # pragma: no cover
            pass

    assert KINDS["home"].send.__module__ == "bot.home.listeners"


def test_the_runtime_outbox_sends_every_registered_kind(bot) -> None:
    assert set(bot.rt.outbox.handlers) == set(KINDS)


def test_an_effect_with_no_handler_is_not_stored_nor_the_effects_staged_with_it(started) -> None:
    rt = started.rt

    def stored() -> int:
        with rt.db.read() as session:
            return session.exec(select(func.count()).select_from(oq.OutboxEffect)).one()

    before = stored()
    with pytest.raises(LookupError, match="no handler registered for outbox effect no.such.kind"):
        rt.outbox.send(Effect("no.such.kind", {}))
    with pytest.raises(LookupError, match="no.such.kind"), rt.outbox.unit() as fx:
        with rt.db.write() as session:  # the unit's own change (any write joins it): rolled back with it
            oq.add(session, [Effect("notice", {"channel": "C1", "text": "never"}).row(rt.clock.now())])
        fx.add("notice", {"channel": "C1", "text": "never either"})
        fx.add("no.such.kind", {})
    assert stored() == before
