from datetime import date

import pytest

from bot.checklists.dates import FORMATS_HELP, DateError, parse_date, plain_date, slack_day

WED = date(2026, 11, 25)  # a Wednesday


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2027-03-04", date(2027, 3, 4)),
        ("2026-1-5", date(2026, 1, 5)),
        ("today", WED),
        ("Tomorrow", date(2026, 11, 26)),
        ("friday", date(2026, 11, 27)),
        ("fri", date(2026, 11, 27)),
        ("wednesday", WED),
        ("monday", date(2026, 11, 30)),
        ("next friday", date(2026, 12, 4)),
        ("next monday", date(2026, 11, 30)),
        ("in 3 days", date(2026, 11, 28)),
        ("in 1 day", date(2026, 11, 26)),
        ("in 2 weeks", date(2026, 12, 9)),
        ("4 Mar", date(2027, 3, 4)),
        ("March 4, 2027", date(2027, 3, 4)),
        ("20 nov", date(2027, 11, 20)),  # a day-month without a year is the next one: never in the past
        ("25 Nov", WED),  # … today included
        ("in 5 working days", date(2026, 12, 2)),  # Thu, Fri, Mon, Tue, Wed
        ("in 1 business day", date(2026, 11, 26)),
        ("2020-01-01", date(2020, 1, 1)),  # the past is allowed: it makes the item overdue
    ],
)
def test_reads_the_documented_formats(text, expected):
    assert parse_date(text, WED) == expected


@pytest.mark.parametrize("text", ["soon", "2027-02-30", "31 feb", "next", "in many days", "3/4", "fri13", "30 feb"])
def test_unreadable_and_impossible_dates_name_the_formats(text):
    with pytest.raises(DateError) as err:
        parse_date(text, WED)
    assert FORMATS_HELP in err.value.message


def test_an_impossible_date_says_so_and_lists_the_formats():
    with pytest.raises(DateError) as err:
        parse_date("2026-02-30", WED)
    assert "not a real date" in err.value.message and "`YYYY-MM-DD`" in err.value.message


@pytest.mark.parametrize(
    "today, text, expected",
    [
        (date(2026, 11, 30), "1 Jun", date(2027, 6, 1)),  # the example: never 1 June of this year
        (date(2026, 11, 30), "31 May", date(2027, 5, 31)),
        (date(2026, 11, 30), "4 Dec", date(2026, 12, 4)),
        (date(2026, 12, 31), "1 Jan", date(2027, 1, 1)),
        (date(2026, 3, 1), "29 Feb", date(2028, 2, 29)),  # the next leap day
        (date(2026, 11, 30), "1 Jun 2026", date(2026, 6, 1)),  # with a year: as written, even in the past
    ],
)
def test_day_month_without_a_year_is_the_next_such_date(today, text, expected):
    assert parse_date(text, today) == expected


@pytest.mark.parametrize(
    "workweek, today, expected",
    [
        ("mon-fri", date(2026, 11, 27), date(2026, 12, 4)),  # Fri + 5: Mon..Fri
        ("sun-thu", date(2026, 11, 26), date(2026, 12, 3)),  # Thu + 5: Sun, Mon, Tue, Wed, Thu
        ("sun-thu", date(2026, 11, 27), date(2026, 12, 3)),  # from a Friday (a weekend day there)
        ("mon-sat", date(2026, 11, 27), date(2026, 12, 3)),  # Fri + 5: Sat, Mon, Tue, Wed, Thu
    ],
)
def test_working_days_follow_the_checklists_week(workweek, today, expected):
    assert parse_date("in 5 working days", today, workweek) == expected


def test_due_dates_are_plain_dates_with_the_year_only_when_not_this_year():
    assert plain_date(date(2026, 12, 4), WED) == "Fri 4 Dec"
    assert plain_date(date(2027, 1, 8), WED) == "Fri 8 Jan 2027"
    assert plain_date(date(2026, 12, 4)) == "Fri 4 Dec 2026"  # no today to compare with: the year is kept
    assert "<!date" not in plain_date(date(2026, 12, 4), WED)


def test_a_moment_keeps_slacks_date_token():
    from datetime import UTC, datetime

    token = slack_day(datetime(2026, 3, 4, 23, 30, tzinfo=UTC))
    assert token == "<!date^1772667000^{date_short}|2026-03-04>"
