"""Listeners, split by kind. Each module has `register(app, rt)`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App

from bot.checklists.listeners import actions
from bot.checklists.listeners import commands as checklist_commands  # noqa: F401  (registers its handlers)
from bot.checklists.listeners import modals as views
from bot.home import listeners as home
from bot.signoffs import listeners as signoff
from bot.slack import commands, errors, events

if TYPE_CHECKING:
    from bot.app import Runtime


def register_listeners(app: App, rt: Runtime) -> None:
    for module in (commands, actions, views, signoff, home, events, errors):
        module.register(app, rt)
