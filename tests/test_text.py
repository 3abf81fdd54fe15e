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
