"""The App Home tab."""

from __future__ import annotations

from .blocks import context, plain_text, section


def home_view() -> dict:
    return {
        "type": "home",
        "blocks": [
            {"type": "header", "text": plain_text("📋 checklist-bot", 150)},
            section(
                "I keep your implementation workplan in your project channel: owners, due dates, notes, "
                "sign-offs and a weekly digest.\n\nIn a project channel, type `/checklist start`, then "
                "`/checklist status`."
            ),
            context("`/checklist help` lists every command."),
        ],
    }
