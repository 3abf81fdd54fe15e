"""Listeners, split by kind. Each module has `register(app, rt)`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App

from . import actions, commands, errors, events, home, signoff, views

if TYPE_CHECKING:
    from ..app import Runtime


def register_listeners(app: App, rt: Runtime) -> None:
    for module in (commands, actions, views, signoff, home, events, errors):
        module.register(app, rt)
