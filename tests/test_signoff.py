"""Sign-offs, driven as Slack does: the signed slash command, then block_actions from the DM's own buttons (taken
from what the fake Web API received) and a view_submission for the reason modal."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlmodel import col, select

from bot.errors import UserError
from bot.slack.ids import Action, Input
from storage import signoffs as sq
from storage.models import Event
from tests.conftest import NOW
from tests.fake.server import Call

CHANNEL = "C0LOCAL"


# -- helpers -----------------------------------------------------------------------------------------------


def responses(bot, reply) -> list[Call]:
    """What the app posted to the response_url of this command or click."""
    return [c for c in bot.fake.calls_to("response_url") if reply.response_url.endswith(c.path)]


def dms(bot, user: str) -> list[Call]:
    return [c for c in bot.fake.calls_to("chat.postMessage") if c.args.get("channel") == "D" + user[1:]]


def updates(bot, user: str) -> list[Call]:
    return [c for c in bot.fake.calls_to("chat.update") if c.args.get("channel") == "D" + user[1:]]


def channel_posts(bot) -> list[Call]:
    return [c for c in bot.fake.calls_to("chat.postMessage") if c.args.get("channel") == CHANNEL]


def buttons(message: dict) -> list[dict]:
    return [e for b in message.get("blocks", []) if b.get("type") == "actions" for e in b["elements"]]


def click(bot, dm: Call, action: Action, user: str):
    reply = bot.slack.click(dm.args, action, user=user, channel="D" + user[1:])
    bot.settle()
    return reply


def text_of(payload: dict) -> str:
    parts = [payload.get("text", "")]
    for block in payload.get("blocks", []):
        if isinstance(block.get("text"), dict):
            parts.append(block["text"]["text"])
        parts += [e.get("text", "") for e in block.get("elements", []) if isinstance(e.get("text"), str)]
    return "\n".join(parts)


def ask(bot, text: str = "signoff 5.1", user: str = "UALICE"):
    reply = bot.slack.command(text, user=user)
    assert reply.status == 200, reply.body
    bot.settle()
    return reply


def contacts(bot, role: str = "security", *users: str) -> None:
    reply = bot.slack.command(f"contact {role} " + " ".join(f"<@{u}>" for u in users))
    assert reply.response_type == "in_channel", reply.body


def requests(bot) -> list[sq.SignoffRequest]:
    with bot.rt.db.read() as session:
        return list(session.exec(select(sq.SignoffRequest).order_by(col(sq.SignoffRequest.id))).all())


def item_status(bot, number: str) -> str:
    from storage import queries as q

    with bot.rt.db.read() as session:
        checklist = q.active_checklist(session, "T0LOCAL", CHANNEL)
        assert checklist is not None
        item = q.item_by_number(session, checklist.pk, number)
        assert item is not None, number
        return item.status


LIMITS = {"button": 75, "value": 2000, "id": 255, "section": 3000, "header": 150, "context": 10}


def limit_problems(payload: dict, *, max_blocks: int = 50) -> list[str]:
    """The Block Kit limits (docs/slack-platform.md) a message or view breaks."""
    problems = []
    blocks = payload.get("blocks", [])
    if len(blocks) > max_blocks:
        problems.append(f"{len(blocks)} blocks")
    if len(payload.get("text") or "") > 40000:
        problems.append("text")
    for b in blocks:
        if len(b.get("block_id", "")) > LIMITS["id"]:
            problems.append("block_id")
        if b["type"] == "section" and len(b["text"]["text"]) > LIMITS["section"]:
            problems.append("section text")
        if b["type"] == "header" and len(b["text"]["text"]) > LIMITS["header"]:
            problems.append("header")
        if b["type"] == "context" and len(b["elements"]) > LIMITS["context"]:
            problems.append("context elements")
        for e in b.get("elements", []) if b["type"] == "actions" else []:
            if len(e["text"]["text"]) > LIMITS["button"] or len(e.get("value", "")) > LIMITS["value"]:
                problems.append("button")
            if len(e["action_id"]) > LIMITS["id"]:
                problems.append("action_id")
        if b["type"] == "input" and len(b["label"]["text"]) > 2000:
            problems.append("label")
    return problems


def assert_within_limits(bot) -> None:
    for call in bot.fake.calls:
        if call.method in ("chat.postMessage", "chat.update", "response_url"):
            assert not limit_problems(call.args), (call.method, limit_problems(call.args))
        if call.method == "views.open":
            view = call.args["view"]
            assert not limit_problems(view, max_blocks=100)
            for key in ("title", "submit", "close"):
                assert len(view[key]["text"]) <= 24
            assert len(view.get("private_metadata", "")) <= 3000


@pytest.fixture
def security(started):
    contacts(started, "security", "UCARA", "UDAN")
    return started


# -- the flow ----------------------------------------------------------------------------------------------


def test_two_approvers_sign_off_and_the_item_is_done(security):
    bot = security
    reply = ask(bot, "signoff 5.1 specs v3 attached <!channel>")
    assert reply.response_type == "ephemeral" and "Asking" in reply.text and "<@UCARA>" in reply.text

    assert [c.args["users"] for c in bot.fake.calls_to("conversations.open")] == ["UCARA", "UDAN"]
    (cara,) = dms(bot, "UCARA")
    (dan,) = dms(bot, "UDAN")
    body = text_of(cara.args)
    assert "<@UALICE>" in body and "<#C0LOCAL>" in body and "5.1" in body and "specs v3 attached" in body
    assert "<!channel>" not in body and "&lt;!channel&gt;" in body
    assert "<@UDAN>" in body  # also asked
    assert [b["text"]["text"] for b in buttons(cara.args)] == ["Approve", "Reject…"]
    told = [c for c in responses(bot, reply) if c.args.get("response_type") == "in_channel"]
    assert len(told) == 1 and "<@UCARA>" in told[0].args["text"] and "<@UDAN>" in told[0].args["text"]

    click(bot, cara, Action.SIGNOFF_APPROVE, "UCARA")
    (update,) = updates(bot, "UCARA")
    assert not buttons(update.args) and "You approved" in text_of(update.args)
    assert item_status(bot, "5.1") == "open" and not channel_posts(bot)

    status = bot.slack.command("status 5")
    assert "<@UCARA> approved" in status.body and "waiting on" in status.body

    click(bot, dan, Action.SIGNOFF_APPROVE, "UDAN")
    assert item_status(bot, "5.1") == "done"
    (post,) = channel_posts(bot)
    assert "signed off by <@UCARA>, <@UDAN>" in post.args["text"]
    assert all(not buttons(u.args) for u in bot.fake.calls_to("chat.update"))
    assert updates(bot, "UDAN")

    history = bot.slack.command("history 5.1").body
    assert "asked <@UCARA>, <@UDAN> to sign off" in history and "approved the sign-off" in history
    assert "completed" in history
    show = bot.slack.command("show 5.1").body
    assert "Sign-offs" in show and "approved" in show
    assert_within_limits(bot)


def checklist_version(bot) -> int:
    from storage import queries as q

    with bot.rt.db.read() as session:
        checklist = q.active_checklist(session, "T0LOCAL", CHANNEL)
        assert checklist is not None
        return checklist.version


def test_every_decision_bumps_the_checklist_version(security):
    bot = security
    ask(bot)
    before = checklist_version(bot)
    click(bot, dms(bot, "UCARA")[0], Action.SIGNOFF_APPROVE, "UCARA")
    assert checklist_version(bot) == before + 1


def test_dm_updates_use_the_posted_ts(security):
    bot = security
    ask(bot)
    cara = dms(bot, "UCARA")[0]
    click(bot, cara, Action.SIGNOFF_APPROVE, "UCARA")
    with bot.rt.db.read() as session:
        approval = session.exec(select(sq.SignoffApproval).where(sq.SignoffApproval.user_id == "UCARA")).one()
    (update,) = updates(bot, "UCARA")
    assert approval.dm_ts and update.args["ts"] == approval.dm_ts
    assert update.args["channel"] == approval.dm_channel == "DCARA"


def test_a_stranger_is_refused_and_nothing_changes(security):
    bot = security
    ask(bot)
    cara = dms(bot, "UCARA")[0]
    reply = click(bot, cara, Action.SIGNOFF_APPROVE, "UEVE")
    (answer,) = responses(bot, reply)
    assert answer.args["response_type"] == "ephemeral"
    assert "Only <@UCARA>, <@UDAN>" in answer.args["text"]
    reply = click(bot, cara, Action.SIGNOFF_REJECT, "UEVE")
    assert "Only <@UCARA>" in responses(bot, reply)[0].args["text"]
    assert not bot.fake.calls_to("views.open") and not bot.fake.calls_to("chat.update")
    (request,) = requests(bot)
    assert request.status == "pending"
    with bot.rt.db.read() as session:
        assert all(a.decision is None for a in sq.approvals(session, request.pk))


def test_double_click_and_replayed_payload_count_once(security):
    bot = security
    ask(bot)
    cara = dms(bot, "UCARA")[0]
    click(bot, cara, Action.SIGNOFF_APPROVE, "UCARA")
    reply = click(bot, cara, Action.SIGNOFF_APPROVE, "UCARA")
    assert "You already approved" in responses(bot, reply)[0].args["text"]

    # The very same signed payload sent twice (Slack retry, a proxy replay).
    dan = dms(bot, "UDAN")[0]
    action = {
        "type": "button",
        "action_id": Action.SIGNOFF_APPROVE,
        "block_id": "b",
        "value": buttons(dan.args)[0]["value"],
    }
    url = bot.fake.new_response_url()
    req = bot.slack.signer.block_action(
        user_id="UDAN", channel_id="DDAN", message=dan.args, action=action, response_url=url
    )
    assert bot.slack.send(req, url).status == 200
    assert bot.slack.send(req, url).status == 200
    bot.settle()
    said = [c.args["text"] for c in bot.fake.calls_to("response_url") if url.endswith(c.path)]
    assert said == []  # the replay is acknowledged without running again (see tests/test_replay.py)
    events = bot.slack.command("history 5.1").body
    assert events.count("approved the sign-off") == 2  # cara once, dan once
    assert len(channel_posts(bot)) == 1
    assert item_status(bot, "5.1") == "done"


def test_concurrent_clicks_from_replicas_count_once(security):
    bot = security
    ask(bot, "signoff 5.1 <@UCARA>")
    cara = dms(bot, "UCARA")[0]
    value = int(buttons(cara.args)[0]["value"])
    results: list[str] = []

    def approve() -> None:
        try:
            bot.rt.signoffs.approve("T0LOCAL", "UCARA", value)
            results.append("ok")
        except Exception as exc:  # noqa: BLE001
            # A refusal is a UserError subclass (bot.errors.Refusal): the losers are refused, nothing else fails.
            results.append("UserError" if isinstance(exc, UserError) else type(exc).__name__)

    threads = [threading.Thread(target=approve) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1 and results.count("UserError") == 5
    assert item_status(bot, "5.1") == "done"


def test_reject_with_a_reason(security):
    bot = security
    reply = ask(bot)
    cara = dms(bot, "UCARA")[0]
    click(bot, cara, Action.SIGNOFF_REJECT, "UCARA")
    (opened,) = bot.fake.calls_to("views.open")
    view = opened.args["view"]
    assert view["blocks"][-1]["element"]["max_length"] == 500

    empty = bot.slack.submit(
        view, {Input.REASON: {Input.REASON: {"type": "plain_text_input", "value": "  "}}}, user="UCARA"
    )
    assert empty.json["response_action"] == "errors" and Input.REASON in empty.json["errors"]
    long = bot.slack.submit(
        view, {Input.REASON: {Input.REASON: {"type": "plain_text_input", "value": "x" * 501}}}, user="UCARA"
    )
    assert long.json["response_action"] == "errors"
    stranger = bot.slack.submit(
        view, {Input.REASON: {Input.REASON: {"type": "plain_text_input", "value": "no"}}}, user="UEVE"
    )
    assert stranger.json["response_action"] == "errors"

    reason = "DPIA pending legal review <!here>"
    ok = bot.slack.submit(
        view, {Input.REASON: {Input.REASON: {"type": "plain_text_input", "value": reason}}}, user="UCARA"
    )
    assert ok.status == 200 and not ok.body
    bot.settle()
    again = bot.slack.submit(
        view, {Input.REASON: {Input.REASON: {"type": "plain_text_input", "value": reason}}}, user="UCARA"
    )
    assert "You already rejected" in again.json["errors"][Input.REASON]
    assert item_status(bot, "5.1") == "open"
    (post,) = channel_posts(bot)
    assert "<@UCARA> rejected" in post.args["text"] and "DPIA pending legal review &lt;!here&gt;" in post.args["text"]
    assert "<@UALICE>" in post.args["text"]  # the requester is told
    assert not buttons(updates(bot, "UCARA")[-1].args) and "You rejected" in text_of(updates(bot, "UCARA")[-1].args)
    assert not buttons(updates(bot, "UDAN")[-1].args) and "Rejected by <@UCARA>" in text_of(
        updates(bot, "UDAN")[-1].args
    )

    status = bot.slack.command("status").body
    assert "rejected by <@UCARA>" in status and "DPIA pending" in status
    assert "rejected the sign-off" in bot.slack.command("history 5.1").body

    # Dan's old buttons now say why nothing happens; a new request can follow.
    late = click(bot, dms(bot, "UDAN")[0], Action.SIGNOFF_APPROVE, "UDAN")
    assert "already rejected by <@UCARA>" in responses(bot, late)[0].args["text"]
    ask(bot)
    assert len(dms(bot, "UCARA")) == 2
    assert [r.status for r in requests(bot)] == ["rejected", "pending"]
    assert responses(bot, reply)


def test_cancel_withdraws_and_updates_the_dms(security):
    bot = security
    ask(bot)
    reply = bot.slack.command("signoff cancel 5.1", user="UALICE")
    assert reply.response_type == "in_channel" and "withdrew" in reply.text
    bot.settle()
    for user in ("UCARA", "UDAN"):
        (update,) = updates(bot, user)
        assert not buttons(update.args) and "Withdrawn by <@UALICE>" in text_of(update.args)
    late = click(bot, dms(bot, "UCARA")[0], Action.SIGNOFF_APPROVE, "UCARA")
    assert "withdrawn" in responses(bot, late)[0].args["text"]
    assert bot.slack.command("signoff cancel 5.1").text.startswith("There is no pending sign-off")
    assert "withdrew the sign-off request" in bot.slack.command("history 5.1").body


def test_a_new_request_supersedes_the_pending_one(security):
    bot = security
    ask(bot)
    ask(bot, "signoff 5.1 <@UDAN>")
    old_cara = dms(bot, "UCARA")[0]
    assert "Replaced by a newer request" in text_of(updates(bot, "UCARA")[0].args)
    late = click(bot, old_cara, Action.SIGNOFF_APPROVE, "UCARA")
    assert "newer sign-off request" in responses(bot, late)[0].args["text"]
    assert [r.status for r in requests(bot)] == ["superseded", "pending"]
    click(bot, dms(bot, "UDAN")[-1], Action.SIGNOFF_APPROVE, "UDAN")
    assert item_status(bot, "5.1") == "done"


@pytest.mark.parametrize(
    ("user", "kind", "expect"),
    [
        ("UGHOST", {}, "is not a member"),
        ("UROBOT", {"is_bot": True}, "is a bot"),
        ("UGONE", {"deleted": True}, "is deactivated"),
    ],
)
def test_failed_dm_open_records_nothing(security, user, kind, expect):
    bot = security
    if kind:
        bot.fake.add_user(user, **kind)
    contacts(bot, "security", "UCARA", "UDAN", user)  # only the role's contacts can be asked
    reply = ask(bot, f"signoff 5.1 <@UCARA> <@{user}>")
    assert reply.response_type == "ephemeral"
    (answer,) = responses(bot, reply)
    assert answer.args["response_type"] == "ephemeral"
    assert f"<@{user}> {expect}" in answer.args["text"] and "Nothing was recorded" in answer.args["text"]
    assert not bot.fake.calls_to("chat.postMessage") and not requests(bot)
    with bot.rt.db.read() as session:
        actions = [e.action for e in session.exec(select(Event)).all()]
    assert not [a for a in actions if a.startswith("signoff")]


def test_failed_dm_post_withdraws_the_request(security):
    bot = security
    bot.fake.fail("chat.postMessage", error="channel_not_found", times=1)
    reply = ask(bot)
    assert "could not" in responses(bot, reply)[0].args["text"]
    assert [r.status for r in requests(bot)] == ["cancelled"]


def test_no_contacts_says_how_to_set_them(started):
    reply = started.slack.command("signoff 5.1")
    assert reply.response_type == "ephemeral" and "`/checklist contact security" in reply.text
    assert "no sign-off role" in started.slack.command("signoff 3.4").text
    assert "not an item" in started.slack.command("signoff x").text


def test_done_on_a_signoff_item_points_to_the_command(started):
    reply = started.slack.command("done 5.1")
    assert "/checklist signoff 5.1" in reply.text


def test_signoffs_and_status_list_the_pending_ones(security):
    bot = security
    assert "No sign-offs are pending" in bot.slack.command("signoffs").text
    ask(bot)
    bot.clock.set(NOW + timedelta(days=3))
    listing = bot.slack.command("signoffs").body
    assert "5.1" in listing and "<@UCARA> (3 d)" in listing
    status = bot.slack.command("status").body
    assert "waiting on <@UCARA> (3 d), <@UDAN> (3 d)" in status
    assert "signoff" in bot.slack.command("help").body


def test_menu_request_signoff_asks_the_role_contacts(security):
    bot = security
    status = bot.slack.command("status 5")
    value = next(
        o["value"]
        for b in status.blocks
        if b.get("accessory", {}).get("type") == "overflow"
        for o in b["accessory"]["options"]
        if o["value"].startswith("signoff|") and o["value"].endswith("|5.2")
    )
    reply = bot.slack.choose(status.json, value, user="UALICE")
    assert reply.status == 200
    bot.settle()
    assert len(dms(bot, "UCARA")) == 1 and len(dms(bot, "UDAN")) == 1
    said = [c.args for c in responses(bot, reply)]
    assert any("Asking" in a["text"] for a in said) and any(a.get("response_type") == "in_channel" for a in said)


# -- escalation --------------------------------------------------------------------------------------------


def test_escalation_after_three_working_days_with_a_backup(security):
    bot = security
    contacts(bot, "security-backup", "UEVE")
    ask(bot)  # Wednesday 10:00
    click(bot, dms(bot, "UCARA")[0], Action.SIGNOFF_APPROVE, "UCARA")

    bot.clock.set(NOW + timedelta(days=4, hours=23))  # Monday 09:00: 2 working days and 23 h
    assert bot.rt.escalate_stale_signoffs(bot.clock.now()) == 0
    bot.clock.set(NOW + timedelta(days=5))  # Monday 10:00: 3 working days
    assert bot.rt.escalate_stale_signoffs(bot.clock.now()) == 1
    assert bot.rt.escalate_stale_signoffs(bot.clock.now()) == 0
    bot.clock.set(NOW + timedelta(days=12))
    assert bot.rt.escalate_stale_signoffs(bot.clock.now()) == 0  # re-sent once, not every day

    assert len(dms(bot, "UCARA")) == 1  # cara has decided: not reminded
    assert len(dms(bot, "UDAN")) == 2 and "Reminder" in text_of(dms(bot, "UDAN")[1].args)
    assert not buttons(updates(bot, "UDAN")[0].args)  # the first DM no longer has live buttons
    (eve,) = dms(bot, "UEVE")
    assert buttons(eve.args) and "backup" in text_of(eve.args)
    (post,) = channel_posts(bot)
    assert "waited 3 working days" in post.args["text"] and "<@UDAN>" in post.args["text"]
    assert "<@UEVE>" in post.args["text"]
    assert "escalated" in bot.slack.command("history 5.1").body

    click(bot, eve, Action.SIGNOFF_APPROVE, "UEVE")
    assert item_status(bot, "5.1") == "done"
    assert "signed off by <@UCARA>, <@UEVE>" in channel_posts(bot)[-1].args["text"]
    assert_within_limits(bot)


def test_escalation_happens_once_across_concurrent_callers(security):
    bot = security
    ask(bot)
    bot.clock.set(NOW + timedelta(days=7))
    counts: list[int] = []
    threads = [
        threading.Thread(target=lambda: counts.append(bot.rt.escalate_stale_signoffs(bot.clock.now())))
        for _ in range(5)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(counts) == 1
    assert len(dms(bot, "UCARA")) == 2 and len(channel_posts(bot)) == 1


def test_escalation_days_is_a_setting():
    from bot.config import ConfigError, load_settings

    assert load_settings({}).signoff_escalation_days == 3
    assert load_settings({"SIGNOFF_ESCALATION_DAYS": "5"}).signoff_escalation_days == 5
    with pytest.raises(ConfigError):
        load_settings({"SIGNOFF_ESCALATION_DAYS": "soon"})


def test_working_days_skip_weekends():
    from bot.checklists import rules

    friday = NOW + timedelta(days=2)
    assert rules.add_working_days(friday, 1) == friday + timedelta(days=3)
    assert rules.add_working_days(NOW, 3) == NOW + timedelta(days=5)
    assert not rules.is_stale(NOW, NOW + timedelta(days=4), 3)


# -- limits ------------------------------------------------------------------------------------------------


def test_long_titles_notes_and_reasons_stay_inside_block_kit_limits(security):
    bot = security
    ask(bot, "signoff 5.1 " + "n" * 2000)
    cara = dms(bot, "UCARA")[0]
    click(bot, cara, Action.SIGNOFF_REJECT, "UCARA")
    view = bot.fake.calls_to("views.open")[0].args["view"]
    bot.slack.submit(
        view, {Input.REASON: {Input.REASON: {"type": "plain_text_input", "value": "r" * 500}}}, user="UCARA"
    )
    bot.settle()
    bot.slack.command("show 5.1")
    assert_within_limits(bot)
    assert limit_problems(bot.slack.command("show 5.1").json) == []
    assert limit_problems(bot.slack.command("history 5.1").json) == []


# -- console -----------------------------------------------------------------------------------------------


def test_console_plays_the_whole_flow(tmp_path, monkeypatch):
    import io

    from bot.clock import FixedClock
    from bot.config import load_settings
    from bot.console import Console

    out = io.StringIO()
    settings = load_settings({"DATABASE_URL": f"sqlite:///{tmp_path}/console.db"})
    console = Console(settings, user="UALICE", channel="CPROJECT", clock=FixedClock(NOW), out=out)
    monkeypatch.setattr("sys.stdin", io.StringIO("specs are outdated\n"))
    try:
        lines = [
            "/checklist start",
            "/checklist contact security @cara @dan",
            "/checklist contact security-backup @eve",
            "/checklist signoff 5.1 specs v3 attached",
            "/checklist status 5",  # the DM buttons stay pressable after other commands
            ":user eve",
            "1",  # not an approver (yet)
            ":user cara",
            "1",  # approve
            "1",  # that DM was updated: its button is gone
            ":now 2026-12-02T10:00",
            ":escalate",
            ":user dan",
            "6",  # Reject… on dan's reminder DM, reason read from stdin
            "/checklist status 5",
        ]
        for line in lines:
            assert console.handle(line)
    finally:
        console.close()
    text = out.getvalue()
    assert "posted to DCARA" in text and "[1: Approve]" in text and "[2: Reject…]" in text
    assert "Only @UCARA, @UDAN can decide" in text
    assert "You approved this" in text and "Button [1] is gone" in text
    assert "Reminder" in text and "posted to DEVE" in text and "(1 stale sign-off escalated)" in text
    assert "form: Reject sign-off" in text and "@UDAN rejected the sign-off" in text
    assert "rejected by @UDAN: “specs are outdated”" in text


def test_a_click_before_the_dm_ts_is_kept_still_clears_the_buttons(security):
    """A fast approver (or a busy database) decides before the app has stored the DM's ts: the DM is still updated."""
    bot = security
    real = bot.rt.signoffs.set_dm
    clicked: dict[str, bool] = {}

    def slow_set_dm(request_id, user_id, dm_channel, dm_ts):
        if user_id == "UCARA" and not clicked:
            clicked["yes"] = True
            bot.rt.signoffs.approve("T0LOCAL", "UCARA", request_id)  # the click lands first
        return real(request_id, user_id, dm_channel, dm_ts)

    bot.rt.signoffs.set_dm = slow_set_dm
    try:
        ask(bot)
    finally:
        bot.rt.signoffs.set_dm = real
    (update,) = updates(bot, "UCARA")
    assert not buttons(update.args) and "You approved" in text_of(update.args)
    assert not updates(bot, "UDAN")
