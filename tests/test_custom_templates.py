"""Custom templates (validation with file and line, TEMPLATES_DIR), tailoring a running checklist (add, remove)
and phase gates (`waits_for`), driven through signed slash commands and the status menu."""

from __future__ import annotations

import textwrap

import pytest
from sqlmodel import col, select

from bot.checklists.templates import TemplateError, load_file, load_templates
from storage.models import Event, Item
from tests.conftest import fresh_database, start_bot
from tests.test_config_cli import run_cli

GOOD = """\
name: audit-ready
title: Audit-ready rollout
description: A small plan with a gate and a sign-off.
phases:
  - name: Paperwork
    items:
      - title: Contract signed
        help: https://example.org/contract
      - Kick-off held
  - name: Build
    groups:
      - name: Access
        items:
          - title: Production keys
            waits_for: ["1.1"]
          - title: Security review
            signoff: Security
"""


def write(folder, name: str, text: str):
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


@pytest.mark.parametrize(
    "text, line, what",
    [
        (
            "name: x\ntitle: T\nphases:\n  - name: P\n    items:\n      - title: A\n      - detail: no title\n",
            7,
            "phases[0].items[1].title: missing",
        ),
        (
            "name: x\ntitle: T\nphases:\n  - name: P\n    items:\n      - title: A\n        colour: red\n",
            6,
            "unknown key(s) colour",
        ),
        (
            'name: x\ntitle: T\nphases:\n  - name: P\n    items:\n      - title: A\n        waits_for: ["9.9"]\n',
            7,
            "item 1.1.waits_for: there is no item 9.9",
        ),
        (
            "name: x\ntitle: T\nphases:\n  - name: P\n    items:\n      - title: A\n        waits_for: [1.2]\n",
            7,
            "quoted item numbers",
        ),
        (
            'name: x\ntitle: T\nphases:\n  - name: P\n    items:\n      - title: A\n        waits_for: ["1.2"]\n'
            '      - title: B\n        waits_for: ["1.1"]\n',
            7,
            "waits for itself through other items",
        ),
        ("name: Bad Name\ntitle: T\nphases: []\n", 1, "name: use lowercase"),
        ("name: x\ntitle: T\nphases:\n  - name: P\n    items: [\n", 6, "not valid YAML"),
        (
            "name: x\ntitle: T\nphases:\n  - name: P\n    groups:\n      - name: G\n        items: []\n",
            7,
            "needs a non-empty list of items",
        ),
    ],
)
def test_template_errors_name_file_line_and_problem(tmp_path, text, line, what):
    path = write(tmp_path, "team.yml", text)
    with pytest.raises(TemplateError) as err:
        load_file(path)
    message = str(err.value)
    assert message.startswith(f"team.yml: line {line}: "), message
    assert what in message


def test_good_template_loads_with_groups_gates_and_roles(tmp_path):
    write(tmp_path, "audit.yml", GOOD)
    t = load_templates(str(tmp_path))["audit-ready"]
    assert [i.number for i in t.items] == ["1.1", "1.2", "2.1", "2.2"]
    assert t.items[1].title == "Kick-off held" and t.items[2].waits_for == ("1.1",)
    assert t.items[3].signoff_role == "security" and t.items[3].group == "Access"
    assert load_templates()["interop"].items[7].waits_for == ("1.2",)  # 3.3 waits for the data sharing agreement


def test_two_team_templates_may_not_share_a_name(tmp_path):
    write(tmp_path, "a.yml", GOOD)
    write(tmp_path, "b.yml", "# the same plan, copied\n" + GOOD)
    with pytest.raises(TemplateError) as err:
        load_templates(str(tmp_path))
    assert str(err.value) == "b.yml: line 2: name 'audit-ready' is also the name of a.yml"


def test_start_up_with_a_bad_template_exits_2_with_one_line(tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    write(folder, "broken.yml", "name: broken\ntitle: T\nphases:\n  - name: P\n    items:\n      - detail: x\n")
    env = {"TEMPLATES_DIR": str(folder), "DATABASE_URL": f"sqlite:///{tmp_path}/c.db"}
    result = run_cli("console", env=env, cwd=tmp_path, stdin="")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "checklist-bot: TEMPLATES_DIR: broken.yml: line 6: phases[0].items[0].title: missing"
    ]


def test_team_template_is_listed_and_started(fake_slack, database_url, tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    write(folder, "audit.yml", GOOD)
    db = fresh_database(database_url)
    bot, stop = start_bot(fake_slack, database_url, env={"TEMPLATES_DIR": str(folder)}, db=db)
    try:
        listing = bot.slack.command("templates").content
        assert "`audit-ready`" in listing and "4 items" in listing and "`interop`" in listing
        assert "started *Audit-ready rollout*" in bot.slack.command("start audit-ready").text
        status = bot.slack.command("status").content
        assert "2.1" in status and "waits for 1.1" in status
        refused = bot.slack.command("done 2.1")
        assert refused.response_type == "ephemeral" and "2.1 waits for *1.1* Contract signed" in refused.text
    finally:
        stop()


# -- gates -------------------------------------------------------------------------------------------------


def item(bot, number: str) -> Item:
    with bot.rt.db.read() as s:
        return s.exec(select(Item).where(Item.number == number)).one()


def test_gate_refuses_done_from_command_and_menu_until_the_prerequisite_is_done(started):
    status = started.slack.command("status")
    line = next(b for b in status.blocks if b.get("block_id") == "item|1|3.3")
    assert "⛓️ waits for 1.2" in line["text"]["text"]

    refused = started.slack.command("done 3.3")
    assert refused.response_type == "ephemeral"
    assert refused.text.startswith("3.3 waits for *1.2* Data sharing agreement finalized, which is not done yet")
    assert item(started, "3.3").status == "open"

    started.slack.choose(status.json, "done|1|3.3")
    started.settle()
    [answer] = [c for c in started.fake.calls_to("response_url") if c.args.get("replace_original") is False]
    assert "3.3 waits for *1.2*" in answer.args["text"] and item(started, "3.3").status == "open"

    asked = started.slack.command("signoff 3.3 <@UCARA|cara>")  # nor can it be signed off past the gate
    assert asked.response_type == "ephemeral" and asked.text.startswith("3.3 waits for *1.2*")
    started.settle()
    assert not started.fake.calls_to("conversations.open")

    started.slack.command("done 1.2")
    assert "waits for" not in started.slack.command("status 3").content
    assert started.slack.command("done 3.3").response_type == "in_channel"
    assert item(started, "3.3").status == "done"


# -- add / remove ------------------------------------------------------------------------------------------


def test_add_appends_the_next_free_number_and_remove_takes_it_out(started):
    added = started.slack.command("add 3 Load test the <!channel> staging API")
    assert added.response_type == "in_channel"
    assert "added *3.7 Load test the &lt;!channel&gt; staging API* to phase 3" in added.text
    assert "0/26 done" in started.slack.command("status").content

    removed = started.slack.command("remove 3.7")
    assert removed.response_type == "in_channel" and "removed *3.7" in removed.text
    body = started.slack.command("status").content
    assert "0/25 done" in body and "3.7" not in body and "0/6" in body
    assert "No item 3.7 here" in started.slack.command("done 3.7").text
    # Numbers are never reused, so history per number stays unambiguous; the others keep theirs.
    assert "*3.8 Retest*" in started.slack.command("add 3 Retest").text
    assert started.slack.command("remove 2.1").response_type == "in_channel"
    assert item(started, "2.2").number == "2.2"
    hist = started.slack.command("history").content
    assert "added *3.7* “Load test the &lt;!channel&gt; staging API”" in hist and "removed *2.1*" in hist
    assert "removed *3.7*" in started.slack.command("history 3.7").content
    with started.rt.db.read() as s:
        actions = [e.action for e in s.exec(select(Event).order_by(col(Event.id))).all()]
    assert actions[-4:] == ["add", "remove", "add", "remove"]


def test_add_and_remove_refuse_bad_input(started):
    assert "No phase 9 here: phases run from 1 to 6" in started.slack.command("add 9 Something").text
    assert "Which phase?" in started.slack.command("add Something").text
    assert "What is the item?" in started.slack.command("add 3").text
    assert "at most 200" in started.slack.command("add 3 " + "x" * 201).text
    assert "not an item number" in started.slack.command("remove three").text


def test_remove_refuses_an_item_with_a_pending_signoff(started):
    started.slack.command("contact security <@UCARA|cara>")
    started.slack.command("signoff 5.1")
    started.settle()
    refused = started.slack.command("remove 5.1")
    assert refused.response_type == "ephemeral"
    assert "pending sign-off request" in refused.text and "/checklist signoff cancel 5.1" in refused.text
    started.slack.command("signoff cancel 5.1")
    started.settle()
    assert started.slack.command("remove 5.1").response_type == "in_channel"
    assert "0/24 done" in started.slack.command("status").content
