"""One calendar per checklist (issue 13): its timezone gives it one "today", its working week counts working days.

Driven as Slack does (signed slash commands, the app's Web API calls to the fake), with the injectable clock
standing at chosen local moments; pure parts (rules, views) get unit and property tests.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import select

from bot.checklists import rules
from bot.checklists.dates import MONTHS, plain_date
from bot.checklists.messages.status import due_text
from storage import queries as q
from storage import schedules as rq
from storage.models import Event

CHANNEL = "C0LOCAL"


def checklist(bot, channel: str = CHANNEL):
    with bot.rt.db.read() as session:
        return q.active_checklist(session, "T0LOCAL", channel)


def events(bot, action: str) -> list[Event]:
    with bot.rt.db.read() as session:
        return list(session.exec(select(Event).where(Event.action == action)).all())


def at_local(day: date, hh: int, mm: int, tz: str) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def status_of(bot, item: str) -> str:
    """The status line of one item, as the channel sees it."""
    reply = bot.slack.command("status")
    assert reply.status == 200
    [line] = [b["text"]["text"] for b in reply.blocks if b.get("block_id", "").endswith(f"|{item}")]
    return line


# -- overdue flips at local midnight, from UTC-11 to UTC+14 and on DST change days ---------------------------

ZONES_AND_DAYS = [
    ("Pacific/Pago_Pago", date(2026, 12, 4)),  # UTC-11
    ("America/Los_Angeles", date(2026, 12, 4)),  # the case: overdue from 16:00 on the day, before
    ("UTC", date(2026, 12, 4)),
    ("Asia/Phnom_Penh", date(2026, 12, 4)),
    ("Pacific/Fiji", date(2026, 12, 4)),  # UTC+12
    ("Pacific/Kiritimati", date(2026, 12, 4)),  # UTC+14
    ("America/New_York", date(2026, 3, 8)),  # spring forward: the day has 23 hours
    ("America/New_York", date(2026, 3, 7)),  # … its midnight follows a 24-hour day
    ("America/New_York", date(2026, 11, 1)),  # fall back: 25 hours
    ("Europe/Berlin", date(2026, 3, 29)),
    ("Europe/Berlin", date(2026, 10, 25)),
]


@pytest.mark.parametrize("tz, due", ZONES_AND_DAYS)
def test_the_overdue_rule_flips_at_local_midnight(tz, due):
    item = SimpleNamespace(status=rules.OPEN, due_date=due, number="3.3", signoff_role=None)
    cal = SimpleNamespace(timezone=tz, workweek="mon-fri")
    last_minute = at_local(due, 23, 59, tz)
    midnight = at_local(due + timedelta(days=1), 0, 0, tz)
    assert rules.today(cal, last_minute) == due
    assert not rules.is_overdue(item, rules.today(cal, last_minute))
    assert rules.today(cal, midnight) == due + timedelta(days=1)
    assert rules.is_overdue(item, rules.today(cal, midnight))
    assert rules.days_overdue(item, rules.today(cal, midnight)) == 1


@pytest.mark.parametrize(
    "tz, due",
    [
        ("Pacific/Pago_Pago", date(2026, 12, 4)),
        ("Pacific/Kiritimati", date(2026, 12, 4)),
        ("America/New_York", date(2026, 3, 8)),
        ("Europe/Berlin", date(2026, 10, 25)),
    ],
)
def test_status_home_digest_and_export_agree_at_local_midnight(started, tz, due):
    bot = started
    assert bot.slack.command(f"timezone {tz}").response_type == "in_channel"
    bot.slack.command("assign 3.3 <@U0LOCAL>")
    bot.slack.command(f"due 3.3 {due.isoformat()}")

    bot.clock.set(at_local(due, 23, 59, tz))
    line = status_of(bot, "3.3")
    assert f"due {plain_date(due, due)}" in line and "overdue" not in line
    assert "Nothing overdue" in bot.slack.command("remind now").content
    export = bot.rt.service.export(_who())
    assert export.today == due and rules.days_overdue(_item(export, "3.3"), export.today) == 0
    home = _home(bot)
    assert not [i for i in home.own_open_items() if rules.is_overdue(i, home.today_of(i.checklist_id))]

    bot.clock.set(at_local(due + timedelta(days=1), 0, 0, tz))
    line = status_of(bot, "3.3")
    assert "*overdue* 1 day" in line
    assert "Overdue (1)" in bot.slack.command("remind now").content
    export = bot.rt.service.export(_who())
    assert rules.days_overdue(_item(export, "3.3"), export.today) == 1
    home = _home(bot)
    assert [i.number for i in home.own_open_items() if rules.is_overdue(i, home.today_of(i.checklist_id))] == ["3.3"]


def _who():
    from bot.who import Who

    return Who("T0LOCAL", CHANNEL, "U0LOCAL")


def _item(data, number: str):
    return next(i for i in data.items if i.number == number)


def _home(bot):
    return bot.rt.service.home("T0LOCAL", "U0LOCAL")


def test_app_home_shows_each_checklist_by_its_own_today(bot):
    """Two checklists a world apart, the same due date: at 12:00 UTC on 5 Dec it is 6 Dec in Kiritimati (overdue
    there) and still 4 Dec in Pago Pago, 01:00 (not even due yet)."""
    from tests.test_home import open_home

    for channel, tz in (("CKIRI", "Pacific/Kiritimati"), ("CPAGO", "Pacific/Pago_Pago")):
        bot.slack.command("start", channel=channel)
        bot.slack.command(f"timezone {tz}", channel=channel)
        bot.slack.command("assign 3.3 <@U0LOCAL>", channel=channel)
        bot.slack.command("due 3.3 2026-12-05", channel=channel)
    bot.clock.set(datetime(2026, 12, 5, 12, 0, tzinfo=UTC))
    view = open_home(bot, "U0LOCAL")
    blocks = {b.get("block_id", ""): b["text"]["text"] for b in view["blocks"] if b.get("type") == "section"}
    kiri = next(t for k, t in blocks.items() if k.endswith("|3.3") and "<#CKIRI>" in t)
    pago = next(t for k, t in blocks.items() if k.endswith("|3.3") and "<#CPAGO>" in t)
    assert "*overdue* 1 day" in kiri and "due Sat 5 Dec" in kiri
    assert "overdue" not in pago and "due Sat 5 Dec" in pago


# -- date words are read in the checklist's zone ----------------------------------------------------------------


@pytest.mark.parametrize("tz", ["America/Los_Angeles", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Phnom_Penh"])
@pytest.mark.parametrize("hh, mm", [(23, 30), (0, 30)])
def test_date_words_at_half_past_eleven_and_half_past_midnight_local(started, tz, hh, mm):
    bot = started
    bot.slack.command(f"timezone {tz}")
    local_day = date(2026, 11, 27)  # a Friday
    bot.clock.set(at_local(local_day, hh, mm, tz))
    expected = {
        "today": local_day,
        "tomorrow": local_day + timedelta(days=1),
        "friday": local_day,
        "monday": date(2026, 11, 30),
        "next friday": date(2026, 12, 4),
        "in 2 working days": date(2026, 12, 1),
    }
    for words, day in expected.items():
        reply = bot.slack.command(f"due 3.3 {words}")
        assert reply.response_type == "in_channel", (words, reply.text)
        assert checklist_item_due(bot, "3.3") == day, words
        assert f"due {plain_date(day, local_day)}" in reply.text


def checklist_item_due(bot, number: str) -> date | None:
    with bot.rt.db.read() as session:
        found = checklist(bot)
        assert found is not None
        item = q.item_by_number(session, found.pk, number)
        assert item is not None, number
        return item.due_date


# -- the due date shown is the stored date, for every reader ---------------------------------------------------

ALL_ZONES = sorted(available_timezones())
_TOKEN = re.compile(r"<!date\^(\d+)\^([^|>]*)\|[^>]*>")
_DUE = re.compile(r"due (Mon|Tue|Wed|Thu|Fri|Sat|Sun) (\d{1,2}) ([A-Z][a-z]{2})(?: (\d{4}))?")


def as_read_in(text: str, reader_tz: str) -> str:
    """What a Slack client in `reader_tz` shows for `text`: each date token becomes that reader's local date."""

    def local(m: re.Match) -> str:
        d = datetime.fromtimestamp(int(m.group(1)), ZoneInfo(reader_tz)).date()
        return f"{d:%a} {d.day} {d:%b} {d.year}"

    return _TOKEN.sub(local, text)


def read_due(text: str, this_year: int) -> date:
    m = _DUE.search(text)
    assert m, text
    _, day, month, year = m.groups()
    return date(int(year) if year else this_year, MONTHS.index(month.lower()) + 1, int(day))


@settings(max_examples=300, deadline=None)
@given(
    checklist_tz=st.sampled_from(ALL_ZONES),
    reader_tz=st.sampled_from(ALL_ZONES),
    due=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    now=st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2098, 12, 31), timezones=st.just(UTC)),
)
def test_the_due_date_shown_is_the_stored_date_whatever_the_readers_zone(checklist_tz, reader_tz, due, now):
    today = rules.today(checklist_tz, now)
    item = SimpleNamespace(status=rules.OPEN, due_date=due, number="1.1", signoff_role=None)
    shown = as_read_in(due_text(item, today), reader_tz)
    assert read_due(shown, today.year) == due
    assert shown.startswith(f"due {due:%a} {due.day} {due:%b}")


def test_the_property_catches_a_date_pinned_at_an_instant():
    """The old rendering (a date token at 12:00 UTC of the day) reads a day late at UTC+13: the check above
    would have failed on it."""
    due = date(2026, 12, 4)
    ts = int(datetime.combine(due, time(12, 0), tzinfo=UTC).timestamp())
    old = f"due <!date^{ts}^{{date_short}}|2026-12-04>"
    assert read_due(as_read_in(old, "Pacific/Tongatapu"), 2026) == date(2026, 12, 5)
    assert read_due(as_read_in(old, "Europe/Berlin"), 2026) == due


# -- working days: escalation and snooze on a Sunday–Thursday week ----------------------------------------------


def test_escalation_counts_the_checklists_sunday_to_thursday_week(started):
    from tests.test_signoff import ask, channel_posts, contacts

    bot = started
    assert "Sunday–Thursday" in bot.slack.command("workweek sun-thu").text
    contacts(bot, "security", "UCARA")
    friday = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # a weekend day on this calendar
    bot.clock.set(friday)
    ask(bot)
    # Working days after Friday: Sunday 29, Monday 30, Tuesday 1 (Monday–Friday would wait until Wednesday).
    bot.clock.set(datetime(2026, 12, 1, 9, 59, tzinfo=UTC))
    assert bot.rt.escalate_stale_signoffs(bot.clock.now()) == 0
    bot.clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    assert bot.rt.escalate_stale_signoffs(bot.clock.now()) == 1
    assert "waited 3 working days" in channel_posts(bot)[-1].args["text"]


def test_escalation_on_a_monday_to_friday_week_waits_for_its_working_days(started):
    from tests.test_signoff import ask, contacts

    bot = started
    contacts(bot, "security", "UCARA")
    bot.clock.set(datetime(2026, 11, 27, 10, 0, tzinfo=UTC))
    ask(bot)
    bot.clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    assert bot.rt.escalate_stale_signoffs(bot.clock.now()) == 0
    bot.clock.set(datetime(2026, 12, 2, 10, 0, tzinfo=UTC))
    assert bot.rt.escalate_stale_signoffs(bot.clock.now()) == 1


def test_working_day_arithmetic():
    fri, sat = date(2026, 11, 27), date(2026, 11, 28)
    assert rules.add_working_day_count(fri, 3, "sun-thu") == date(2026, 12, 1)
    assert rules.add_working_day_count(fri, 3, "mon-fri") == date(2026, 12, 2)
    assert rules.add_working_day_count(fri, 1, "mon-sat") == sat
    assert rules.nth_working_day(sat, 3, "mon-fri") == date(2026, 12, 2)  # Mon, Tue, Wed
    assert rules.nth_working_day(sat, 3, "sun-thu") == date(2026, 12, 1)  # Sun, Mon, Tue
    assert rules.nth_working_day(date(2026, 11, 30), 1, "mon-fri") == date(2026, 11, 30)  # today counts
    for week in rules.WORKWEEKS:
        for span in range(0, 30):
            end = fri + timedelta(days=span)
            slow = sum(rules.is_working_day(fri + timedelta(days=k), week) for k in range(1, span + 1))
            assert rules.working_days_between(fri, end, week) == slow
    assert rules.working_days_waited(
        datetime(2026, 11, 27, 10, tzinfo=UTC), datetime(2026, 12, 1, 10, tzinfo=UTC), SimpleNamespace(
            timezone="Asia/Riyadh", workweek="sun-thu"
        )
    ) == 3


def test_snooze_skips_the_persons_next_working_days_on_a_sunday_to_thursday_week(bot, fake_slack):
    from tests.test_reminders import dms, run

    fake_slack.add_user("UBOB", tz="Asia/Riyadh")  # UTC+3
    bot.slack.command("start")
    bot.slack.command("workweek sun-thu")
    bot.slack.command("assign 3.3 <@UBOB>")
    bot.slack.command("due 3.3 2026-11-20")
    reply = bot.slack.command("remind dm workweek sun-thu", user="UBOB")
    assert reply.response_type == "ephemeral" and "Sunday–Thursday" in reply.text
    # Friday 27 Nov in Riyadh: not a working day for Bob, so no nudge.
    assert run(bot, at_local(date(2026, 11, 27), 9, 0, "Asia/Riyadh")).nudged == []
    # On Saturday, `snooze 2` skips his next two working days: Sunday 29 and Monday 30.
    bot.clock.set(at_local(date(2026, 11, 28), 12, 0, "Asia/Riyadh"))
    reply = bot.slack.command("remind dm snooze 2", user="UBOB")
    assert "2026-11-30" in reply.text, reply.text
    assert run(bot, at_local(date(2026, 11, 29), 9, 0, "Asia/Riyadh")).nudged == []
    assert run(bot, at_local(date(2026, 11, 30), 9, 0, "Asia/Riyadh")).nudged == []
    assert run(bot, at_local(date(2026, 12, 1), 9, 0, "Asia/Riyadh")).nudged == ["UBOB"]
    assert len(dms(fake_slack)) == 1


def test_nudges_go_on_a_sunday_for_a_sunday_to_thursday_person(bot, fake_slack):
    from tests.test_reminders import run

    bot.slack.command("start")
    bot.slack.command("assign 3.3 <@UBOB>")
    bot.slack.command("due 3.3 2026-11-20")
    sunday = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
    assert run(bot, sunday).nudged == []  # Monday–Friday by default
    bot.slack.command("remind dm workweek sun-thu", user="UBOB")
    assert run(bot, sunday + timedelta(minutes=1)).nudged == ["UBOB"]
    with bot.rt.db.read() as session:
        pref = rq.user_pref(session, "UBOB")
        assert pref is not None and pref.workweek == "sun-thu"


# -- /checklist timezone and workweek ---------------------------------------------------------------------------


def test_timezone_shows_and_sets_the_calendar(started):
    bot = started
    shown = bot.slack.command("timezone")
    assert shown.response_type == "ephemeral"
    assert "*UTC*" in shown.text and "Monday–Friday" in shown.text and "Wed 25 Nov 10:00" in shown.text
    reply = bot.slack.command("timezone pacific/fiji")
    assert reply.response_type == "in_channel"
    assert "<@U0LOCAL> set this checklist's timezone to *Pacific/Fiji* (was UTC)" in reply.text
    assert "Wed 25 Nov 22:00" in reply.text  # UTC+12
    assert checklist(bot).timezone == "Pacific/Fiji"
    assert "set the timezone to Pacific/Fiji (was UTC)" in bot.slack.command("history").content
    footer = bot.slack.command("status").blocks[-1]["elements"][0]["text"]
    assert footer == "`/checklist help` · dates in Pacific/Fiji"
    again = bot.slack.command("timezone Pacific/Fiji")
    assert again.response_type == "ephemeral" and "already" in again.text
    assert len(events(bot, "timezone")) == 1


def test_a_digest_in_the_checklists_zone_follows_it_and_one_named_elsewhere_stays(started):
    from tests.test_reminders import run

    bot = started
    bot.slack.command("remind weekly monday 09:00")  # the checklist's zone: UTC
    reply = bot.slack.command("timezone Pacific/Fiji")
    assert "The weekly digest moves with it: Mondays at 09:00 (Pacific/Fiji)" in reply.text
    # Monday 09:00 in Fiji is Sunday 21:00 UTC.
    assert run(bot, datetime(2026, 11, 29, 21, 0, tzinfo=UTC)).posted == ["T0LOCAL:C0LOCAL"]
    assert run(bot, datetime(2026, 11, 30, 9, 0, tzinfo=UTC)).posted == []
    bot.slack.command("remind weekly monday 09:00 Europe/Berlin")
    reply = bot.slack.command("timezone Asia/Bangkok")
    assert "digest" not in reply.text
    with bot.rt.db.read() as session:
        schedule = rq.schedule_for(session, "T0LOCAL", CHANNEL)
        assert schedule is not None and schedule.timezone == "Europe/Berlin"


def test_workweek_sets_the_week_and_tells_the_channel(started):
    bot = started
    reply = bot.slack.command("workweek SUN-THU")
    assert reply.response_type == "in_channel" and "*Sunday–Thursday* (was Monday–Friday)" in reply.text
    assert checklist(bot).workweek == "sun-thu"
    assert "set the working week to Sunday–Thursday (was Monday–Friday)" in bot.slack.command("history").content
    footer = bot.slack.command("status").blocks[-1]["elements"][0]["text"]
    assert footer == "`/checklist help` · dates in UTC · week Sunday–Thursday"
    assert "Sunday–Thursday" in bot.slack.command("workweek").text  # no week: shows the calendar
    assert bot.slack.command("workweek mon-sat").response_type == "in_channel"
    assert [e.new for e in events(bot, "workweek")] == ["sun-thu", "mon-sat"]


@pytest.mark.parametrize(
    "text, expect",
    [
        ("timezone Pacific/Fijj", "`Pacific/Fiji`"),
        ("timezone phnom_penh", "`Asia/Phnom_Penh`"),
        ("timezone Europe/Berln", "`Europe/Berlin`"),
        ("timezone Mars/Olympus", "IANA name"),
        ("timezone <!channel>", "&lt;!channel&gt;"),
        ("timezone Europe/Berlin please", "one IANA name"),
        ("timezone " + "x" * 500, "not a timezone I know"),
        ("workweek tue-sat", "`sun-thu`"),
        ("workweek <!here>", "&lt;!here&gt;"),
        ("remind dm workweek fri-tue", "`mon-sat`"),
        ("remind weekly monday 09:00 Europe/Berln", "`Europe/Berlin`"),
    ],
)
def test_bad_calendar_input_is_answered_privately_and_changes_nothing(started, text, expect):
    bot = started
    version = checklist(bot).version
    reply = bot.slack.command(text)
    assert reply.status == 200 and reply.response_type == "ephemeral", reply.body
    assert expect in reply.text, reply.text
    assert "<!channel>" not in reply.body and "<!here>" not in reply.body
    c = checklist(bot)
    assert (c.timezone, c.workweek, c.version) == ("UTC", "mon-fri", version)
    assert events(bot, "timezone") == [] and events(bot, "workweek") == []


def test_calendar_commands_need_a_checklist(bot):
    for text in ("timezone", "timezone Asia/Bangkok", "workweek sun-thu"):
        reply = bot.slack.command(text)
        assert reply.response_type == "ephemeral" and "no checklist" in reply.text


# -- start takes the starter's Slack timezone ------------------------------------------------------------------


def test_start_takes_the_starters_profile_timezone_after_the_ack(bot, fake_slack):
    fake_slack.add_user("U0LOCAL", tz="Pacific/Fiji")
    reply = bot.slack.command("start")
    assert reply.response_type == "in_channel"  # answered before Slack was asked for the profile
    bot.settle()
    [told] = fake_slack.wait_for("response_url", lambda c: "Pacific/Fiji" in c.args.get("text", ""))
    assert told.args["response_type"] == "in_channel" and "Monday–Friday" in told.args["text"]
    assert checklist(bot).timezone == "Pacific/Fiji" and checklist(bot).workweek == "mon-fri"
    assert "set the timezone to Pacific/Fiji (was UTC)" in bot.slack.command("history").content
    # The profile is remembered: a second checklist starts in Fiji's calendar at once, with no lookup.
    lookups = len(fake_slack.calls_to("users.info"))
    second = bot.slack.command("start", channel="COTHER")
    assert "Dates follow Pacific/Fiji" in second.text
    bot.settle()
    assert len(fake_slack.calls_to("users.info")) == lookups
    assert checklist(bot, "COTHER").timezone == "Pacific/Fiji"


def test_start_stays_in_utc_when_the_profile_cannot_be_read(bot, fake_slack):
    fake_slack.fail("users.info", error="user_not_found")
    reply = bot.slack.command("start")
    assert reply.response_type == "in_channel"
    bot.settle()
    [note] = fake_slack.wait_for("response_url", lambda c: "couldn't read your timezone" in c.args.get("text", ""))
    assert note.args["response_type"] == "ephemeral"
    assert checklist(bot).timezone == "UTC" and events(bot, "timezone") == []


def test_a_slow_profile_lookup_never_holds_up_the_answer(bot, fake_slack):
    fake_slack.add_user("U0LOCAL", tz="Asia/Phnom_Penh")
    fake_slack.fail("users.info", status=429, retry_after=2)  # Slack says: come back in 2 s
    reply = bot.slack.command("start")
    assert reply.response_type == "in_channel"
    assert not [c for c in fake_slack.calls_to("users.info") if c.ok]  # answered before the profile was read
    assert checklist(bot).timezone == "UTC"
    bot.settle()
    assert checklist(bot).timezone == "Asia/Phnom_Penh"


def test_start_stays_in_utc_when_slack_cannot_be_reached(bot, fake_slack, monkeypatch):
    def unreachable(client, user_id):
        raise TimeoutError("users.info timed out")

    monkeypatch.setattr(bot.rt.reminders, "user_timezone", unreachable)
    assert bot.slack.command("start").response_type == "in_channel"
    bot.settle()
    fake_slack.wait_for("response_url", lambda c: "couldn't read your timezone" in c.args.get("text", ""))
    assert checklist(bot).timezone == "UTC"


def test_a_zone_set_by_hand_wins_over_a_late_profile_answer(bot, fake_slack):
    fake_slack.add_user("U0LOCAL", tz="Pacific/Fiji")
    bot.rt.background.drain(10)
    # The team sets its zone before the profile lookup lands: the lookup must not overwrite it.
    change = bot.rt.service.start(_who(), None)
    bot.rt.service.set_timezone(_who(), "Asia/Bangkok")
    assert bot.rt.service.apply_profile_timezone(_who(), change.checklist_id, "Pacific/Fiji") is None
    assert checklist(bot).timezone == "Asia/Bangkok"


def test_help_lists_the_calendar_commands(slack):
    body = slack.command("help").content
    assert "/checklist timezone" in body and "/checklist workweek mon-fri|sun-thu|mon-sat" in body
    assert "in 5 working days" in body


def test_migration_gives_existing_checklists_utc_and_monday_to_friday(tmp_path):
    from sqlalchemy import text

    from storage import migrate
    from storage.db import Database

    db = Database(f"sqlite:///{tmp_path}/old.db")
    migrate.upgrade(db, "0003")
    with db.writer.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO checklist (id, team_id, channel_id, template, title, created_by, created_at, version) "
                "VALUES (1, 'T', 'C', 'interop', 'Old', 'U', '2026-01-01 00:00:00', 3)"
            )
        )
        conn.execute(text("INSERT INTO user_pref (user_id, dm_enabled) VALUES ('U', 1)"))
    migrate.upgrade(db)
    with db.writer.connect() as conn:
        assert tuple(conn.execute(text("SELECT timezone, workweek FROM checklist")).one()) == ("UTC", "mon-fri")
        assert conn.execute(text("SELECT workweek FROM user_pref")).scalar_one() == "mon-fri"
    db.dispose()

