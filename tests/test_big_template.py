"""A 200-item custom template: every answer stays inside Block Kit limits."""

from __future__ import annotations

import pytest
import yaml

from tests.conftest import start_bot
from tests.fake.blockkit import validate_message


def big_template(folder, items_per_phase: tuple[int, ...]) -> None:
    long = "Check & confirm <the> ‘vendor’ integration " * 5  # ~215 chars, escaping makes it longer
    phases = []
    for p, n in enumerate(items_per_phase, start=1):
        phases.append(
            {"name": f"Phase {p} " + "x" * 150, "items": [{"title": long[:190], "detail": long * 4} for _ in range(n)]}
        )
    doc = {"name": "big", "title": "Big <!channel> plan", "description": "200 items", "phases": phases}
    (folder / "big.yml").write_text(yaml.safe_dump(doc))


@pytest.mark.parametrize("shape", [(200,), (20,) * 10, (1,) * 60 + (140,)])
def test_two_hundred_items_fit(fake_slack, database_url, tmp_path, shape):
    from tests.conftest import fresh_database

    big_template(tmp_path, shape)
    bot, stop = start_bot(
        fake_slack, database_url, env={"TEMPLATES_DIR": str(tmp_path)}, db=fresh_database(database_url)
    )
    try:
        assert bot.slack.command("start big").response_type == "in_channel"
        for i in range(1, 4):
            bot.slack.command(f"assign 1.{i} <@UBOB>")
            bot.slack.command(f"due 1.{i} 2026-01-0{i}")
            bot.slack.command(f"note 1.{i} " + "<&>" * 600)
        replies = [
            bot.slack.command(t)
            for t in (
                "status",
                "status 1",
                f"status {len(shape)}",
                "show 1.1",
                "history",
                "history 1.1",
                "templates",
                "help",
            )
        ]
        for reply in replies:
            assert reply.status == 200
            assert validate_message(reply.json) == [], reply.content[:500]
            assert len(reply.blocks) <= 50
            assert "<!channel>" not in reply.content
        status = replies[0].content
        # What does not fit is summarised with the command that shows it.
        assert "more open items" in status or "more phases" in status or f"/checklist status {len(shape)}`" in status
        # Press a menu on the big message: the in-place update also fits.
        bot.slack.choose(replies[0].json, "done|1|1.1")
        bot.settle()
        assert bot.fake.calls_to("response_url")[-1].ok
        assert not bot.fake.violations() and not bot.slack.violations
    finally:
        stop()
