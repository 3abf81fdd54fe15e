import pytest

from bot.slack.text import escape, progress_bar, user_text


@pytest.mark.parametrize(
    "raw",
    ["<!channel>", "<!here>", "<!everyone>", "<!subteam^S123|@team>", "<!here|here>", "a <!channel> b", "<<!here>>"],
)
def test_broadcasts_never_survive(raw):
    out = user_text(raw)
    assert "<!" not in out and "<" not in out.replace("&lt;", "")


def test_user_and_channel_mentions_are_kept_without_labels():
    assert user_text("ask <@U123|bob> in <#C9|proj> & <b>") == "ask <@U123> in <#C9> &amp; &lt;b&gt;"
    assert user_text("<@C123>") == "&lt;@C123&gt;"  # a channel id is not a user


def test_escape():
    assert escape("a&b<c>") == "a&amp;b&lt;c&gt;"


def test_progress_bar():
    assert progress_bar(0, 25) == "░" * 15
    assert progress_bar(25, 25) == "▓" * 15
    assert progress_bar(7, 25).count("▓") == 4


def test_a_one_day_reminder_in_the_dm_says_day_not_days():
    # The escalation DM said "has waited 1 working days".
    from datetime import UTC, datetime

    from bot.signoffs.messages import dm_view
    from bot.signoffs.service import Signoff
    from storage import signoffs as sq

    request = sq.SignoffRequest(
        id=1,
        checklist_id=1,
        item_id=1,
        item_number="5.1",
        requested_by="UOWNER",
        created_at=datetime(2026, 11, 27, 9, tzinfo=UTC),
    )
    approval = sq.SignoffApproval(id=1, request_id=1, user_id="UCARA")
    signoff = Signoff(request, [approval], "Security review", "Interop", "C1", "T1")

    def first_line(days: int) -> str:
        return dm_view(signoff, "UCARA", reminder_days=days)["blocks"][0]["text"]["text"]

    assert first_line(1).endswith("has waited 1 working day.")
    assert first_line(3).endswith("has waited 3 working days.")
