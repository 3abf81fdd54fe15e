"""Planning a checklist from its template's rules: pure functions, no database, no Slack.

An item's due rule is `+n` (n working days after the kickoff) or `<item> +n` (n working days after that item's
planned date), counted on the checklist's working week (`rules.add_working_day_count`). A plan is a plan: a
rule counts from the other item's *planned* date, not from a date someone set by hand, so the same kickoff
always gives the same dates.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Protocol

from bot.checklists import rules
from bot.checklists.templates import due_offset, due_reference


class Planned(Protocol):
    """An item with a due rule: a stored item, or a template's (read-only: frozen)."""

    @property
    def number(self) -> str: ...

    @property
    def due_rule(self) -> str | None: ...


def planned_dates(items: Iterable[Planned], kickoff: date, workweek: str | None) -> dict[str, date]:
    """Item number → planned due date, for every item whose rule can be followed (a rule that counts from a
    missing item, or in a circle, gives no date: templates are checked at start-up, tailored items have none)."""
    rule_of = {i.number: i.due_rule for i in items if i.due_rule}
    out: dict[str, date] = {}

    def resolve(number: str, path: tuple[str, ...]) -> date | None:
        if number in out:
            return out[number]
        rule = rule_of.get(number)
        if rule is None or number in path:
            return None
        ref = due_reference(rule)
        start = kickoff if ref is None else resolve(ref, (*path, number))
        if start is None:
            return None
        out[number] = rules.add_working_day_count(start, due_offset(rule), workweek)
        return out[number]

    for number in rule_of:
        resolve(number, ())
    return out
