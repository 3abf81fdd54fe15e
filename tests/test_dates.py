from datetime import date

import pytest

from bot.dates import DateError, parse_date, slack_date

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
        ("20 nov", date(2026, 11, 20)),
        ("2020-01-01", date(2020, 1, 1)),  # the past is allowed: it makes the item overdue
    ],
)
def test_reads_the_documented_formats(text, expected):
    assert parse_date(text, WED) == expected


@pytest.mark.parametrize("text", ["soon", "2027-02-30", "31 feb", "next", "in many days", "3/4", "fri13"])
def test_unreadable_dates_name_the_formats(text):
    with pytest.raises(DateError) as err:
        parse_date(text, WED)
    assert "YYYY-MM-DD" in err.value.message or "not a real date" in err.value.message


def test_slack_date_token_anchors_at_noon_utc():
    token = slack_date(date(2026, 3, 4))
    assert token == "<!date^1772625600^{date_short}|2026-03-04>"
