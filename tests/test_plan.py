"""Issue 14, part A: planning from the template (`owner:`, `due:`), `start … kickoff`, `plan`, not-applicable items
(`skip`/`unskip`, a sign-off item's skip decided by its approvers) and several owners, driven as Slack does:
signed slash commands, DM buttons taken from what the fake Web API received, the Assign modal's submission."""

from __future__ import annotations

import textwrap
from datetime import date

import pytest
from sqlmodel import col, func, select

from bot.checklists.plan import planned_dates
from bot.checklists.templates import TemplateError, load_file, load_templates
from bot.slack.ids import Action, Input, View
from storage import signoffs as sq
from storage.models import Event, Item
from tests.test_config_cli import run_cli
from tests.test_signoff import click, dms


def item(bot, number: str) -> Item:
    with bot.rt.db.read() as s:
        return s.exec(select(Item).where(Item.number == number).order_by(col(Item.id).desc())).first()  # newest


def events(bot, action: str | None = None) -> int:
    with bot.rt.db.read() as s:
        stmt = select(func.count()).select_from(Event)
        if action:
            stmt = stmt.where(Event.action == action)
        return s.exec(stmt).one()


def snapshot(bot) -> list[tuple]:
    """Everything a refused command must leave as it was."""
    with bot.rt.db.read() as s:
        items = s.exec(select(Item).order_by(col(Item.id))).all()
        rows = [(i.number, i.status, i.owner_id, i.co_owners, i.due_date, i.planned_due, i.skip_reason) for i in items]
        return [*rows, s.exec(select(func.count()).select_from(Event)).one()]


# -- templates: owner and due rules, validated at start-up with file and line ------------------------------

PLANNED = """\
name: planned
title: Planned rollout
phases:
  - name: Paperwork
    items:
      - title: Contract signed
        owner: Lead
        due: +5
      - title: Kick-off held
        due: "1.1 +3"
  - name: Build
    items:
      - title: Keys
        owner: technical
        due: 1.2 +10
      - title: Untimed
"""


def write(folder, name: str, text: str):
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def test_template_with_planning_fields_loads(tmp_path):
    t = load_file(write(tmp_path, "planned.yml", PLANNED))
    rules_ = {i.number: (i.owner_role, i.due_rule) for i in t.items}
    assert rules_ == {
        "1.1": ("lead", "+5"),
        "1.2": (None, "1.1 +3"),
        "2.1": ("technical", "1.2 +10"),
        "2.2": (None, None),
    }


BASE = "name: x\ntitle: T\nphases:\n  - name: P\n    items:\n"


@pytest.mark.parametrize(
    "items, line, what",
    [
        ('      - title: A\n        due: "9.9 +2"\n', 7, "item 1.1.due: there is no item 9.9"),
        ('      - title: A\n        due: "-3"\n', 7, "negative offset"),
        ("      - title: A\n        due: -3\n", 7, "negative offset"),
        ('      - title: A\n        due: "1.2 -1"\n      - title: B\n        due: "+1"\n', 7, "negative offset"),
        ('      - title: A\n        due: "next week"\n', 7, "is not a due rule"),
        ('      - title: A\n        due: "1.1 +2"\n', 7, "cannot count from its own date"),
        (
            '      - title: A\n        due: "1.2 +1"\n      - title: B\n        due: "1.3 +1"\n'
            '      - title: C\n        due: "1.1 +1"\n',
            7,
            "count from each other in a circle (1.1 → 1.2 → 1.3 → 1.1)",
        ),
        ('      - title: A\n        due: "1.2 +1"\n      - title: B\n', 7, "item 1.2 has no due date to count from"),
        ("      - title: A\n        owner: Security Team\n", 7, "is not a role name"),
        ("      - title: A\n        due: [1]\n", 7, "write"),
    ],
)
def test_bad_planning_fields_name_file_line_and_problem(tmp_path, items, line, what):
    with pytest.raises(TemplateError) as err:
        load_file(write(tmp_path, "team.yml", BASE + items))
    assert str(err.value).startswith(f"team.yml: line {line}: "), str(err.value)
    assert what in str(err.value)


def test_unknown_owner_roles_are_fine(tmp_path):
    t = load_file(write(tmp_path, "team.yml", BASE + "      - title: A\n        owner: dpo\n        due: +1\n"))
    assert t.items[0].owner_role == "dpo"


def test_start_up_with_a_bad_due_rule_exits_2_with_file_and_line(tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    write(
        folder, "cycle.yml", BASE + '      - title: A\n        due: "1.2 +1"\n      - title: B\n        due: "1.1 +1"\n'
    )
    env = {"TEMPLATES_DIR": str(folder), "DATABASE_URL": f"sqlite:///{tmp_path}/c.db"}
    result = run_cli("console", env=env, cwd=tmp_path, stdin="")
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("checklist-bot: TEMPLATES_DIR: cycle.yml: line 7: item 1.1.due:") and "circle" in line


def test_the_interop_plan_is_about_fourteen_weeks_with_signoffs_after_their_specs():
    t = load_templates()["interop"]
    assert all(i.due_rule and i.owner_role for i in t.items)
    assert {i.owner_role for i in t.items} == {"lead", "technical", "security", "support"}
    kickoff = date(2026, 12, 7)  # a Monday
    dates = planned_dates(t.items, kickoff, "mon-fri")
    weeks = (max(dates.values()) - kickoff).days / 7
    assert 13 <= weeks <= 15, weeks
    assert dates["5.1"] > dates["4.4"] and dates["5.2"] > dates["4.3"]  # sign-offs after the specs they sign
    assert dates["3.3"] > dates["1.2"]  # staging access after the data sharing agreement it waits for
    assert all(d.weekday() < 5 for d in dates.values())


def test_a_sunday_to_thursday_plan_never_lands_on_friday_or_saturday():
    t = load_templates()["interop"]
    kickoff = date(2026, 12, 6)  # a Sunday
    dates = planned_dates(t.items, kickoff, "sun-thu")
    assert all(d.weekday() not in (4, 5) for d in dates.values())
    # 1.1 is +5 working days: Mon 7, Tue 8, Wed 9, Thu 10, Sun 13 December
    assert dates["1.1"] == date(2026, 12, 13)
    assert dates["1.2"] == date(2026, 12, 27)  # 1.1 +10: two Sunday–Thursday weeks later
    monfri = planned_dates(t.items, kickoff, "mon-fri")
    assert monfri["1.1"] == date(2026, 12, 11)


# -- start … kickoff and plan ---------------------------------------------------------------------------------


def test_start_with_a_kickoff_plans_dates_and_role_owners(bot):
    bot.slack.command("start quickstart")  # a first checklist, to leave contacts to the channel
    bot.slack.command("contact technical <@UTEC|tec> <@UTEC2|tec2>")
    bot.slack.command("contact lead <@ULEAD|lead>")
    assert bot.slack.command("archive").response_type == "in_channel"
    reply = bot.slack.command("start interop kickoff 2026-12-07")
    assert reply.response_type == "in_channel", reply.text
    text = reply.text
    assert "Kickoff Mon 7 Dec" in text and "25 due dates set" in text
    assert "*1* Preparing for the Technical Implementation: Mon 14 Dec – Mon 28 Dec" in text
    assert "*technical* (<@UTEC>, <@UTEC2>) own" in text
    assert "*security* has no contacts" in text and "*support* has no contacts" in text
    first = item(bot, "1.1")
    assert first.due_date == first.planned_due == date(2026, 12, 14) and first.owner_id == "ULEAD"
    keys = item(bot, "3.1")
    assert keys.owner_id == "UTEC" and keys.co_owners == "UTEC2"
    assert item(bot, "6.3").owner_id is None  # support has no contacts
    assert events(bot, "plan") == 1
    status = bot.slack.command("status").content
    assert "<@UTEC>, <@UTEC2>" in status and "due Mon 14 Dec" in status


def test_plan_moves_planned_dates_keeps_hand_set_ones_and_all_moves_them(started):
    reply = started.slack.command("plan 2026-12-07")
    assert reply.response_type == "in_channel" and "25 due dates set" in reply.text
    assert started.slack.command("due 1.1 2026-12-16").response_type == "in_channel"  # by hand
    started.slack.command("done 3.1")
    before_plan_events = events(started, "plan")
    reply = started.slack.command("plan 2026-12-14")
    text = reply.text
    assert "Kept dates set by hand (or locked by a pending sign-off): 1.1 (Wed 16 Dec; plan Mon 21 Dec)" in text
    assert "plan 2026-12-14 all" in text
    assert item(started, "1.1").due_date == date(2026, 12, 16)
    assert item(started, "1.2").due_date == item(started, "1.2").planned_due == date(2027, 1, 4)
    assert item(started, "3.1").due_date == date(2026, 12, 21)  # done: left as it was (the first plan's date)
    assert events(started, "plan") == before_plan_events + 1  # one event per plan, whatever it moved
    started.slack.command("plan 2026-12-14 all")
    assert item(started, "1.1").due_date == date(2026, 12, 21)
    history = started.slack.command("history").content
    assert "planned the checklist: kickoff 2026-12-14" in history


def test_plan_leaves_an_item_locked_by_a_pending_signoff(started):
    started.slack.command("contact security <@UCARA|cara>")
    started.slack.command("signoff 5.1", user="UALICE")
    started.settle()
    reply = started.slack.command("plan 2026-12-07")
    assert "5.1 (no date; plan" in reply.text
    assert item(started, "5.1").due_date is None and item(started, "5.2").due_date is not None


def test_plan_on_a_sunday_to_thursday_checklist(started):
    started.slack.command("workweek sun-thu")
    started.slack.command("timezone Asia/Riyadh")
    reply = started.slack.command("plan 2026-12-06")
    assert "working week Sunday–Thursday" in reply.text
    with started.rt.db.read() as s:
        dates = [i.due_date for i in s.exec(select(Item)).all()]
    assert all(d is not None and d.weekday() not in (4, 5) for d in dates)
    assert item(started, "1.1").due_date == date(2026, 12, 13)


@pytest.mark.parametrize(
    "text, expect",
    [
        ("plan", "From which kickoff date?"),
        ("plan someday", "I read `YYYY-MM-DD`"),
        ("plan 2026-02-30", "I read `YYYY-MM-DD`"),
        ("start interop kickoff", "From when?"),
    ],
)
def test_bad_plan_input_is_answered_privately_and_changes_nothing(started, text, expect):
    before = snapshot(started)
    reply = started.slack.command(text)
    assert reply.response_type == "ephemeral" and expect in reply.text, reply.text
    assert snapshot(started) == before


def test_start_with_a_bad_kickoff_creates_nothing(bot):
    reply = bot.slack.command("start interop kickoff blursday")
    assert reply.response_type == "ephemeral" and "I read `YYYY-MM-DD`" in reply.text
    assert "/checklist start" in bot.slack.command("status").text  # still no checklist


def test_plan_of_a_template_without_rules_says_so(bot):
    bot.slack.command("start quickstart")
    before = snapshot(bot)
    reply = bot.slack.command("plan 2026-12-07")
    assert reply.response_type == "ephemeral" and "no planned dates" in reply.text
    assert snapshot(bot) == before


# -- not applicable ---------------------------------------------------------------------------------------------


def test_skip_counts_apart_is_struck_through_satisfies_gates_and_is_never_overdue(started):
    started.slack.command("due 1.2 2026-11-01")  # overdue
    reply = started.slack.command("skip 1.2 the agreement is covered by the national <!channel> framework")
    assert reply.response_type == "in_channel" and "not applicable" in reply.text
    assert "<!channel>" not in reply.text
    skipped = item(started, "1.2")
    assert skipped.status == "skipped" and skipped.skipped_by == "U0LOCAL"
    started.slack.command("skip 6.1 we host it ourselves")
    started.slack.command("done 1.1")
    status = started.slack.command("status")
    assert "1/23 done" in status.text and "2 not applicable" in status.content
    assert "overdue" not in status.content
    phase1 = started.slack.command("status 1").content
    assert "~*1.2*  Data sharing agreement finalized~" in phase1 and "the agreement is covered" in phase1
    # 3.3 waits for 1.2: not applicable satisfies the gate
    assert started.slack.command("done 3.3").response_type == "in_channel"
    # done and skip refuse each other
    assert "not applicable" in started.slack.command("done 6.1").text
    refused = started.slack.command("skip 1.1 never mind")
    assert refused.response_type == "ephemeral" and "is done" in refused.text
    assert "already not applicable" in started.slack.command("skip 6.1 again").text
    # unskip: open again, on the record
    assert started.slack.command("unskip 6.1").response_type == "in_channel"
    assert item(started, "6.1").status == "open" and item(started, "6.1").skip_reason is None
    assert "nothing to unskip" in started.slack.command("unskip 6.1").text
    history = started.slack.command("history 6.1").content
    assert "marked *6.1* not applicable: “we host it ourselves”" in history and "applicable again" in history


def test_skip_needs_a_reason_and_an_item(started):
    before = snapshot(started)
    for text, expect in (("skip 6.1", "needs the reason"), ("skip", "Which item?"), ("skip 9.9 x", "No item 9.9")):
        reply = started.slack.command(text)
        assert reply.response_type == "ephemeral" and expect in reply.text, (text, reply.text)
    assert snapshot(started) == before


def test_exports_show_who_skipped_and_why(started):
    started.slack.command("skip 6.1 we host it ourselves")
    data = started.rt.service.export(_who())
    from bot.checklists.messages.export import csv_text, markdown

    md = markdown(data, {"U0LOCAL": "Ana"}, data.checklist.created_at)
    assert "### [-] 6.1 Deployment pathway confirmed" in md
    assert "not applicable (Ana" in md and "we host it ourselves" in md and "0/24 done · 1 not applicable" in md
    rows = csv_text(data, {"U0LOCAL": "Ana"}).splitlines()
    row = next(r for r in rows if r.startswith("6,Administration,") and ",6.1," in r)
    assert "not applicable" in row and "Ana" in row and "we host it ourselves" in row


def _who():
    from bot.who import Who

    return Who(team_id="T0LOCAL", channel_id="C0LOCAL", user_id="U0LOCAL")


def test_skipping_a_signoff_item_is_a_signoff_request_its_approvers_decide(started):
    started.slack.command("contact security <@UCARA|cara> <@UDAN|dan>")
    reply = started.slack.command("skip 5.2 nothing is logged in this integration", user="UALICE")
    assert reply.response_type == "ephemeral" and "needs a sign-off" in reply.text
    started.settle()
    assert item(started, "5.2").status == "open"  # not yet: the approvers decide
    [dm] = dms(started, "UCARA")
    assert "Not applicable?" in str(dm.args["blocks"]) and "nothing is logged" in str(dm.args["blocks"])
    # the pending request locks the item; the requester cannot decide
    assert "pending sign-off" in started.slack.command("skip 5.2 again").text
    refused = click(started, dm, Action.SIGNOFF_APPROVE, "UALICE")
    assert refused.status == 200 and item(started, "5.2").status == "open"
    click(started, dm, Action.SIGNOFF_APPROVE, "UCARA")
    assert item(started, "5.2").status == "open"  # dan has not decided
    [dm_dan] = dms(started, "UDAN")
    click(started, dm_dan, Action.SIGNOFF_APPROVE, "UDAN")
    skipped = item(started, "5.2")
    assert skipped.status == "skipped" and skipped.skipped_by == "UALICE"
    assert skipped.skip_reason == "nothing is logged in this integration"
    with started.rt.db.read() as s:
        [request] = s.exec(select(sq.SignoffRequest).where(sq.SignoffRequest.item_number == "5.2")).all()
    assert request.purpose == "skip" and request.status == "approved"
    notices = [c for c in started.fake.calls_to("chat.postMessage") if c.args.get("channel") == "C0LOCAL"]
    assert any("is not applicable" in c.args.get("text", "") for c in notices)
    assert "0/24 done" in started.slack.command("status").text


def test_a_rejected_skip_leaves_the_item_open(started):
    started.slack.command("contact security <@UCARA|cara>")
    started.slack.command("skip 5.1 out of scope", user="UALICE")
    started.settle()
    [dm] = dms(started, "UCARA")
    reply = started.slack.click(dm.args, Action.SIGNOFF_REJECT, user="UCARA", channel="DCARA")
    assert reply.status == 200
    started.settle()
    [modal] = started.fake.calls_to("views.open")
    reason = {Input.REASON: {Input.REASON: {"type": "plain_text_input", "value": "it is in scope"}}}
    started.slack.submit(modal.args["view"], reason, user="UCARA")
    started.settle()
    assert item(started, "5.1").status == "open"


# -- several owners ----------------------------------------------------------------------------------------------


def test_several_owners_add_remove_and_clear(started):
    reply = started.slack.command("assign 3.4 <@UBOB|bob> <@UEVE|eve>")
    assert reply.response_type == "in_channel" and "<@UBOB>, <@UEVE>" in reply.text
    assert (item(started, "3.4").owner_id, item(started, "3.4").co_owners) == ("UBOB", "UEVE")
    started.slack.command("assign 3.4 +<@UCARA|cara>")
    started.slack.command("assign 3.4 -<@UBOB|bob>")
    assert (item(started, "3.4").owner_id, item(started, "3.4").co_owners) == ("UEVE", "UCARA")
    assert "<@UEVE>, <@UCARA>" in started.slack.command("status").content
    show = started.slack.command("show 3.4").content
    assert "owners <@UEVE>, <@UCARA>" in show and "assigned *3.4* to <@UEVE>, <@UCARA>" in show
    started.slack.command("assign 3.4 none")
    assert item(started, "3.4").owner_id is None and item(started, "3.4").co_owners is None


@pytest.mark.parametrize(
    "text, expect",
    [
        ("assign 3.4 " + " ".join(f"<@U{n}>" for n in range(1, 7)), "at most 5 owners"),
        ("assign 3.4 -<@UNOBODY>", "does not own 3.4"),
        ("assign 3.4 <@UBOB> +<@UEVE>", "not both at once"),
        ("assign 3.4 +<#C123|general>", "is not a person"),
        ("assign 3.4 <@UBOB> <!here>", "is not a person"),
    ],
)
def test_bad_owner_input_is_answered_privately_and_changes_nothing(started, text, expect):
    before = snapshot(started)
    reply = started.slack.command(text)
    assert reply.response_type == "ephemeral" and expect in reply.text, reply.text
    assert snapshot(started) == before


def test_adding_a_sixth_owner_is_refused(started):
    started.slack.command("assign 3.4 <@UA> <@UB> <@UC> <@UD> <@UE>")
    before = snapshot(started)
    reply = started.slack.command("assign 3.4 +<@UF>")
    assert reply.response_type == "ephemeral" and "at most 5 owners" in reply.text
    assert snapshot(started) == before


def test_the_assign_modal_takes_several_people(started):
    started.slack.command("assign 3.4 <@UCARA|cara>")
    started.slack.choose(started.slack.command("status").json, "assign|1|3.4")
    [opened] = started.fake.wait_for("views.open")
    view = opened.args["view"]
    assert view["blocks"][1]["element"]["initial_users"] == ["UCARA"]
    element = view["blocks"][1]["element"]
    assert element["type"] == "multi_users_select" and element["max_selected_items"] == 5
    values = {Input.OWNER: {Input.OWNER: {"type": "multi_users_select", "selected_users": ["UBOB", "UEVE"]}}}
    reply = started.slack.submit(view, values)
    assert reply.status == 200 and reply.body in ("", "{}")
    assert (item(started, "3.4").owner_id, item(started, "3.4").co_owners) == ("UBOB", "UEVE")
    assert view["callback_id"] == View.ASSIGN
    six = {Input.OWNER: {Input.OWNER: {"type": "multi_users_select", "selected_users": [f"U{n}" for n in range(6)]}}}
    refused = started.slack.submit(view, six)
    assert refused.json["response_action"] == "errors" and "at most 5" in refused.json["errors"][Input.OWNER]
    cleared = {Input.OWNER: {Input.OWNER: {"type": "multi_users_select", "selected_users": []}}}
    started.slack.submit(view, cleared)
    assert item(started, "3.4").owner_id is None


def test_every_owner_sees_the_item_at_home_and_is_nudged(started):
    from tests.test_home import open_home
    from tests.test_reminders import MONDAY

    started.fake.add_user("UBOB", tz="Europe/Berlin")
    started.fake.add_user("UEVE", tz="Europe/Berlin")
    started.slack.command("assign 3.4 <@UBOB|bob> <@UEVE|eve>")
    started.slack.command("due 3.4 2026-11-20")
    started.slack.command("skip 3.5 no endpoints to choose")
    for user in ("UBOB", "UEVE"):
        home = str(open_home(started, user))
        assert "3.4" in home and "Authentication via the API tested" in home, user
    assert "with <@UEVE>" in str(open_home(started, "UBOB"))
    started.clock.set(MONDAY)
    report = started.rt.reminders.run_due(MONDAY)
    assert sorted(report.nudged) == ["UBOB", "UEVE"]


def test_lead_items_go_to_the_starter_when_no_lead_contact_is_named(bot):
    """The starter is the checklist's lead (rules.leads), so a plan never says `lead` has nobody."""
    reply = bot.slack.command("start interop kickoff 2026-12-07")
    assert reply.response_type == "in_channel", reply.text
    assert "*lead* has no contacts" not in reply.text
    assert "*lead* (<@U0LOCAL>) own" in reply.text
    assert item(bot, "1.1").owner_id == "U0LOCAL"
    assert "*security* has no contacts, so 5.3 stays unassigned" in reply.text
