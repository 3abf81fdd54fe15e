"""What the reminders feature refuses, as data (`bot.errors.Refusal`); `bot.reminders.messages` says each one."""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import Refusal


@dataclass(eq=False)
class NoDigestToStop(Refusal):
    """`/checklist remind off` in a channel with no weekly digest."""
