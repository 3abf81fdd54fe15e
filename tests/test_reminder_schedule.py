"""Reminders without the app: wall-clock schedule maths across DST, the nudge window, the `remind` grammar and
the digest's Block Kit budget for a 200-item checklist."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from bot.reminders.digest import PendingSignoff, build_digest
from bot.reminders.messages import digest_view
from bot.reminders.schedule import Weekly, at_local, due_period, latest_due, next_due, nudge_period
from bot.slack.blocks import MESSAGE_BLOCKS, SECTION_MAX
from bot.slack.parser import ParseError, parse

MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # 09:00 in Berlin (CET)


def test_weekly_schedule_keeps_local_time_across_dst() -> None:
    s = Weekly(weekday=0, hour=9, minute=0, timezone="Europe/Berlin")
    # Winter (CET, UTC+1): 08:00 UTC. Summer (CEST, UTC+2): 07:00 UTC. Both are 09:00 on the wall clock.
    assert latest_due(s, datetime(2027, 3, 22, 8, 0, tzinfo=UTC)) == (date(2027, 3, 22), MONDAY.replace(2027, 3, 22))
    assert next_due(s, datetime(2027, 3, 22, 8, 0, tzinfo=UTC)) == datetime(2027, 3, 29, 7, 0, tzinfo=UTC)
    assert next_due(s, datetime(2027, 10, 25, 7, 0, tzinfo=UTC)) == datetime(2027, 11, 1, 8, 0, tzinfo=UTC)
    # Just before the summer run nothing of that week is due; at it, its period is that Monday.
    since = datetime(2027, 1, 1, tzinfo=UTC)
    assert due_period(s, datetime(2027, 3, 29, 6, 59, tzinfo=UTC), since) is None
    assert due_period(s, datetime(2027, 3, 29, 7, 0, tzinfo=UTC), since) == date(2027, 3, 29)
    # Caught up while less than a day late, not after; never for a run before the schedule was set.
    assert due_period(s, datetime(2027, 3, 30, 6, 59, tzinfo=UTC), since) == date(2027, 3, 29)
    assert due_period(s, datetime(2027, 3, 30, 7, 0, tzinfo=UTC), since) is None
    assert due_period(s, datetime(2027, 3, 29, 8, 0, tzinfo=UTC), datetime(2027, 3, 29, 7, 30, tzinfo=UTC)) is None
    # A time skipped by the spring-forward change still runs that day (an hour later on the wall clock).
    gap = Weekly(weekday=6, hour=2, minute=30, timezone="Europe/Berlin")
    assert at_local(date(2027, 3, 28), 2, 30, "Europe/Berlin") == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    assert latest_due(gap, datetime(2027, 3, 28, 2, 0, tzinfo=UTC))[0] == date(2027, 3, 28)


def test_nudges_only_on_working_days_in_office_hours() -> None:
    assert nudge_period(datetime(2026, 11, 30, 7, 59, tzinfo=UTC), "Europe/Berlin") is None  # 08:59 local
    assert nudge_period(datetime(2026, 11, 30, 8, 0, tzinfo=UTC), "Europe/Berlin") == date(2026, 11, 30)
    assert nudge_period(datetime(2026, 11, 30, 17, 0, tzinfo=UTC), "Europe/Berlin") is None  # 18:00 local
    assert nudge_period(datetime(2026, 11, 28, 10, 0, tzinfo=UTC), "Europe/Berlin") is None  # Saturday
    # 09:00 Monday in Auckland is still Sunday in UTC.
    assert nudge_period(datetime(2026, 11, 29, 20, 0, tzinfo=UTC), "Pacific/Auckland") == date(2026, 11, 30)


def test_parse_remind() -> None:
    assert parse("remind").args == ("show",)
    assert parse("remind off").args == ("off",)
    assert parse("remind now").args == ("now",)
    assert parse("remind weekly Mon 9:05 europe/berlin").args == ("weekly", "0", "9", "05", "Europe/Berlin")
    assert parse("remind weekly friday 17:30").args == ("weekly", "4", "17", "30", "")
    assert parse("remind dm snooze 3").args == ("dm", "snooze", "3")
    assert parse("remind dm off").args == ("dm", "off")
    for bad in (
        "remind weekly funday 09:00",
        "remind weekly monday 25:00",
        "remind weekly monday 09:00 Mars/Base",
        "remind dm snooze 0",
        "remind dm maybe",
        "remind sometimes",
    ):
        with pytest.raises(ParseError):
            parse(bad)


def test_digest_stays_inside_block_kit_limits_for_200_items() -> None:
    today = date(2026, 11, 25)
    checklist = SimpleNamespace(id=1, team_id="T", channel_id="C1", title="<!channel> " + "x" * 500, version=3)
    items = [
        SimpleNamespace(
            number=f"{p}.{n}",
            title="&<>" * 300,
            status="open",
            due_date=today - timedelta(days=n % 3 - 1),
            owner_id=None if n % 4 else "UBOB",
            signoff_role="security" if n % 5 == 0 else None,
        )
        for p in range(1, 11)
        for n in range(1, 21)
    ]
    pending = {i.number: PendingSignoff(("UCARA", "UDAN"), datetime(2026, 11, 1, tzinfo=UTC)) for i in items[::5]}
    view = digest_view(build_digest(checklist, items, today, signoffs=pending))
    assert len(view["blocks"]) <= MESSAGE_BLOCKS
    for block in view["blocks"]:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= SECTION_MAX
            assert "<!channel>" not in block["text"]["text"]
    assert "more" in view["blocks"][1]["text"]["text"]


def test_digest_building_is_bulk(tmp_path) -> None:
    """The bench's scenario in small: statements grow per chunk of 500 channels, not per channel."""
    from bench.digest_bench import build_database, measure

    path = str(tmp_path / "bench.db")
    build_database(path, channels=1200, items=25)
    result = measure(path, channels=1200)
    assert result["channels"] == 1200
    # 3 chunks of BEGIN, checklists, items, pending sign-offs (+ their approvals when any), the week's changes
    # (grouped by person, action and item in SQL), COMMIT
    assert result["sql_statements"] <= 3 * 7
