"""`Who` is built one way from a slash command, a block action and a view submission (bot.slack.who)."""

from __future__ import annotations

from bot.slack.who import who_of
from bot.who import Who

COMMAND = {"command": "/checklist", "text": "status", "team_id": "T1", "channel_id": "C1", "user_id": "U1"}
ACTION = {"type": "block_actions", "team": {"id": "T1"}, "channel": {"id": "C1"}, "user": {"id": "U1", "team_id": "T1"}}
HOME = {"type": "block_actions", "team": None, "user": {"id": "U1", "team_id": "T1"}, "view": {"type": "home"}}
VIEW = {"type": "view_submission", "team": {"id": "T1"}, "user": {"id": "U1"}, "view": {"private_metadata": ""}}


def test_a_command_an_action_and_a_view_give_the_same_who():
    assert who_of(COMMAND) == who_of(ACTION) == Who("T1", "C1", "U1")
    assert who_of(VIEW, channel_id="C1") == Who("T1", "C1", "U1")
    assert who_of(HOME, channel_id="C1") == Who("T1", "C1", "U1")  # Enterprise Grid Home: the user's team


def test_what_our_own_payload_names_is_kept():
    assert who_of(ACTION, checklist_id=7) == Who("T1", "C1", "U1", checklist_id=7)
    assert who_of(COMMAND, archived=2) == Who("T1", "C1", "U1", archived=2)
    assert who_of(VIEW) == Who("T1", "", "U1")  # a modal has no channel of its own
