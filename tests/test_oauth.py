"""Many workspaces: the OAuth install flow walked over real HTTP (app ⇄ browser ⇄ fake Slack), signed requests
from two workspaces, each answered with its own bot token, uninstall events, forged payloads that try to reach
another workspace's checklist, and scheduled work posted with each workspace's token."""

from __future__ import annotations

import http.client
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select

from bot.config import DEFAULT_SCOPES
from bot.reminders.runner import NOT_INSTALLED
from bot.signoffs.messages import GONE
from bot.slack.ids import Action, Input, MenuChoice, View
from bot.slack.payloads import ItemForm, encode
from storage import schedules as sched
from storage import signoffs as sq
from storage.models import Checklist, Item
from tests.conftest import NOW, Bot, fresh_database, start_bot
from tests.fake.driver import SlackDriver, http_transport
from tests.fake.server import FakeSlack
from tests.fake.signed import Signer
from tests.test_serve import SECRET as SERVE_SECRET
from tests.test_serve import free_port, start_serve, stop

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "0123456789abcdef0123456789abcdef"
OAUTH_ENV = {"SLACK_BOT_TOKEN": "", "SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": CLIENT_SECRET}
CHANNEL = "C0LOCAL"  # the same channel id in both workspaces


@pytest.fixture
def oauth(fake_slack: FakeSlack, database_url: str) -> Iterator[Bot]:
    bot, stop_bot = start_bot(fake_slack, database_url, env=OAUTH_ENV, db=fresh_database(database_url))
    fake_slack.register_app(CLIENT_ID, CLIENT_SECRET, base(bot) + "/slack/oauth_redirect")
    fake_slack.add_workspace("TAAA", "Alpha", installer="UALICE")
    fake_slack.add_workspace("TBBB", "Beta", installer="UBOB")
    yield bot
    stop_bot()
    assert not fake_slack.violations() and not bot.slack.violations


def base(bot: Bot) -> str:
    return bot.url.removesuffix("/slack/events")


@dataclass(frozen=True)
class Page:
    """What a browser got: the status, the headers and the body."""

    status: int
    headers: http.client.HTTPMessage
    body: str

    def getheader(self, name: str) -> str:
        """The header's value; "" when it was not sent."""
        return self.headers.get(name, "")


def get(url: str, headers: dict[str, str] | None = None) -> Page:
    """One GET, redirects not followed (the test plays the browser)."""
    u = urlparse(url)
    conn = http.client.HTTPConnection(u.hostname or "", u.port, timeout=10)
    conn.request("GET", u.path + (f"?{u.query}" if u.query else ""), headers=headers or {})
    resp = conn.getresponse()
    page = Page(resp.status, resp.headers, resp.read().decode())
    conn.close()
    return page


def install(bot: Bot, team_id: str) -> str:
    return install_at(base(bot), bot.fake, team_id)


def install_at(app_url: str, fake: FakeSlack, team_id: str) -> str:
    """Walk the install flow in a browser's shoes; returns the bot token Slack issued to `team_id`."""
    page = get(app_url + "/slack/install")
    assert page.status == 200, page.body
    cookie = page.getheader("Set-Cookie").split(";")[0]  # slack-app-oauth-state=<state>
    link = re.search(r'<a href="([^"]+)"', page.body)
    assert link is not None, page.body
    authorize = unescape(link.group(1))
    query = parse_qs(urlparse(authorize).query)
    assert authorize.startswith(fake.base_url + "oauth/v2/authorize?")  # SLACK_API_URL's host, not slack.com
    assert query["client_id"] == [CLIENT_ID] and query["scope"] == [",".join(DEFAULT_SCOPES)]
    assert cookie == f"slack-app-oauth-state={query['state'][0]}"

    fake.installing = team_id
    slack = get(authorize)
    assert slack.status == 302
    back = slack.getheader("Location")
    assert back.startswith(app_url + "/slack/oauth_redirect?") and f"state={query['state'][0]}" in back

    done = get(back, {"Cookie": cookie})
    assert done.status == 200 and "Thank you!" in done.body, done.body
    token = fake.workspaces[team_id].token
    assert token and token.split("-")[:2] in (["xoxb", team_id], ["xoxe.xoxb", team_id])
    return token


def bots(bot: Bot) -> dict[str, str]:
    with bot.rt.db.read() as session:
        rows = session.execute(text("SELECT team_id, bot_token FROM slack_bots")).all()
    return dict(rows)


def web_calls(fake: FakeSlack) -> list:
    """Web API calls (not response_url posts, not the pre-signed file upload, not the OAuth exchange)."""
    tokenless = ("response_url", "upload_url", "oauth.authorize", "oauth.v2.access")
    return [c for c in fake.calls if c.method not in tokenless]


def checklist_of(bot: Bot, team_id: str) -> Checklist | None:
    with bot.rt.db.read() as session:
        return session.exec(
            select(Checklist).where(Checklist.team_id == team_id, Checklist.channel_id == CHANNEL)
        ).first()


def checklist_id(bot: Bot, team_id: str) -> int:
    checklist = checklist_of(bot, team_id)
    assert checklist is not None, f"{team_id} has no checklist"
    return checklist.pk


def item(bot: Bot, team_id: str, number: str) -> Item:
    with bot.rt.db.read() as session:
        return session.exec(
            select(Item)
            .join(Checklist)
            .where(Checklist.team_id == team_id, Checklist.channel_id == CHANNEL, Item.number == number)
        ).one()


def responses(bot: Bot, reply) -> list:
    return [c for c in bot.fake.calls_to("response_url") if reply.response_url.endswith(c.path)]


# -- the install flow ------------------------------------------------------------------------------------------


def test_install_flow_stores_the_workspace_and_its_commands_use_its_token(oauth: Bot) -> None:
    bot = oauth
    assert bot.rt.settings.mode == "http" and bot.rt.app.client.token is None
    token = install(bot, "TAAA")
    (exchange,) = bot.fake.calls_to("oauth.v2.access")
    assert exchange.ok and exchange.args.get("code")
    assert bots(bot) == {"TAAA": token}
    # The authorize step read the installation from the database: no auth.test per request.
    before = len(bot.fake.calls_to("auth.test"))

    reply = bot.slack.command("start", team_id="TAAA")
    assert reply.response_type == "in_channel" and "started" in reply.text, reply.body
    assert bot.slack.command("contact security <@UCARA>", team_id="TAAA").response_type == "in_channel"
    reply = bot.slack.command("signoff 5.1", team_id="TAAA", user="UALICE")
    assert reply.status == 200 and "UCARA" in reply.body
    bot.settle()
    dm = bot.fake.wait_for("chat.postMessage")[0]
    assert dm.args["channel"] == "DCARA" and dm.token == token
    calls = web_calls(bot.fake)
    assert {c.method for c in calls} >= {"conversations.open", "chat.postMessage"}
    assert all(c.token == token for c in calls if c.method != "auth.test")
    assert len(bot.fake.calls_to("auth.test")) == before

    # A second code or a replayed redirect is refused: the state is used up.
    again = get(base(bot) + "/slack/oauth_redirect?code=abc&state=" + "x" * 36, {"Cookie": "slack-app-oauth-state=x"})
    assert again.status in (400, 401) and bots(bot) == {"TAAA": token}
    # Only GET reaches the install pages; /slack/events stays POST-only.
    assert get(base(bot) + "/slack/events").status == 405


def test_a_workspace_without_an_installation_is_asked_to_reinstall(oauth: Bot) -> None:
    bot = oauth
    install(bot, "TAAA")
    reply = bot.slack.command("start", team_id="TBBB")
    assert reply.status == 200 and reply.body == ""
    (answer,) = responses(bot, reply)
    assert "reinstall" in answer.args["text"]
    assert checklist_of(bot, "TBBB") is None


def test_abandoned_install_states_are_pruned(oauth: Bot) -> None:
    bot = oauth
    with bot.rt.db.write() as session:
        session.execute(text("INSERT INTO slack_oauth_states (state, expire_at) VALUES ('old', '2020-01-01 00:00:00')"))
    for _ in range(3):
        assert get(base(bot) + "/slack/install").status == 200
    with bot.rt.db.read() as session:
        states = session.execute(text("SELECT state FROM slack_oauth_states")).scalars().all()
    assert len(states) == 3 and "old" not in states


def test_rotating_tokens_are_refreshed_before_they_expire(oauth: Bot) -> None:
    """With token rotation on, a token near its expiry is refreshed on use and saved; the old one stops working."""
    bot = oauth
    bot.fake.add_workspace("TROT", "Rotating", rotating=True)
    first = install(bot, "TROT")

    def expire() -> None:
        with bot.rt.db.write() as session:
            session.execute(text("UPDATE slack_bots SET bot_token_expires_at = '2000-01-01 00:00:00'"))

    expire()
    # `start` reads the starter's Slack timezone after the answer, with the refreshed token.
    assert bot.slack.command("start", team_id="TROT", user="UDAN").response_type == "in_channel"
    second = bot.fake.workspaces["TROT"].token
    assert second != first and bots(bot) == {"TROT": second}
    (lookup,) = bot.fake.wait_for("users.info")
    assert lookup.ok and lookup.token == second

    expire()  # the scheduler's clients refresh the same way
    client = bot.rt.workspaces.client_for("TROT")
    assert client is not None and client.token == bot.fake.workspaces["TROT"].token != second
    assert bots(bot) == {"TROT": client.token}


def test_install_page_answers_503_when_the_database_is_down(oauth: Bot, monkeypatch) -> None:
    def down() -> str:
        raise OperationalError("INSERT", {}, Exception("connection refused"))

    monkeypatch.setattr(bot_state_store(oauth), "issue", down)
    reply = get(base(oauth) + "/slack/install")
    assert reply.status == 503 and "temporarily unavailable" in reply.body


def bot_state_store(bot: Bot):
    flow = bot.rt.app.oauth_flow
    assert flow is not None
    return flow.settings.state_store


# -- two workspaces ---------------------------------------------------------------------------------------------


def test_two_workspaces_with_the_same_channel_id_have_separate_checklists_and_tokens(oauth: Bot) -> None:
    bot = oauth
    alpha, beta = install(bot, "TAAA"), install(bot, "TBBB")
    assert bots(bot) == {"TAAA": alpha, "TBBB": beta}

    for team in ("TAAA", "TBBB"):
        assert bot.slack.command("start", team_id=team).response_type == "in_channel"
    assert bot.slack.command("done 1.1 kickoff held", team_id="TAAA").response_type == "in_channel"
    assert bot.slack.command("note 2.1 beta's secret plan", team_id="TBBB").response_type == "in_channel"
    assert checklist_id(bot, "TAAA") != checklist_id(bot, "TBBB")

    a, b = bot.slack.command("status", team_id="TAAA"), bot.slack.command("status", team_id="TBBB")
    assert "1/25 done" in a.content and "0/25 done" in b.content
    assert "beta's secret plan" not in bot.slack.command("show 2.1", team_id="TAAA").content
    assert "beta's secret plan" in bot.slack.command("show 2.1", team_id="TBBB").content
    assert "kickoff held" not in bot.slack.command("history", team_id="TBBB").content

    # Background work answers with the requesting workspace's token.
    for team, token in (("TAAA", alpha), ("TBBB", beta)):
        bot.fake.reset()
        bot.slack.command("contact security <@UCARA>", team_id=team)
        bot.slack.command("signoff 5.1", team_id=team)
        bot.slack.command("export csv", team_id=team)
        bot.settle()
        calls = web_calls(bot.fake)
        assert {"conversations.open", "files.completeUploadExternal"} <= {c.method for c in calls}
        assert {c.token for c in calls} == {token}, [(c.method, c.token) for c in calls]


# -- forged payloads --------------------------------------------------------------------------------------------


@pytest.fixture
def two(oauth: Bot) -> Bot:
    """Alpha and Beta installed, each with a checklist in channel C0LOCAL; Alpha's 5.1 waits on UCARA's sign-off."""
    bot = oauth
    install(bot, "TAAA")
    install(bot, "TBBB")
    for team in ("TAAA", "TBBB"):
        assert bot.slack.command("start", team_id=team).response_type == "in_channel"
    bot.slack.command("contact security <@UCARA>", team_id="TAAA")
    bot.slack.command("signoff 5.1", team_id="TAAA", user="UALICE")
    bot.settle()
    return bot


def test_forged_menu_clicks_from_another_workspace_change_and_show_nothing(two: Bot) -> None:
    bot = two
    alpha = bot.slack.command("status", team_id="TAAA").json  # its menus carry Alpha's checklist id
    alpha_id = checklist_id(bot, "TAAA")
    done = f"{MenuChoice.DONE}|{alpha_id}|1.1"
    show = f"{MenuChoice.SHOW}|{alpha_id}|1.1"
    bot.slack.command("note 1.1 alpha only", team_id="TAAA")

    for team in ("TBBB", "TCCC"):  # Beta (has its own checklist in C0LOCAL) and an unknown team
        reply = bot.slack.choose(alpha, done, user="UBOB", team_id=team)
        assert reply.status == 200
    bot.settle()
    assert item(bot, "TAAA", "1.1").status == "open" and item(bot, "TBBB", "1.1").status == "open"

    bot.fake.reset()
    reply = bot.slack.choose(alpha, show, user="UBOB", team_id="TBBB")
    bot.settle()
    (answer,) = responses(bot, reply)
    assert "alpha only" not in str(answer.args) and "archived" in answer.args["text"]
    assert not bot.fake.calls_to("views.open")

    # A form whose private_metadata names Alpha's checklist, submitted from Beta.
    ref = ItemForm(alpha_id, CHANNEL, "1.2", None, None)
    note_input = {"type": "input", "block_id": Input.NOTE, "element": {"type": "plain_text_input"}}
    view = {"type": "modal", "callback_id": View.NOTE, "private_metadata": encode(ref), "blocks": [note_input]}
    values = {Input.NOTE: {Input.NOTE: {"type": "plain_text_input", "value": "forged"}}}
    reply = bot.slack.submit(view, values, user="UBOB", team_id="TBBB")
    assert reply.json["response_action"] == "errors" and "archived" in reply.json["errors"][Input.NOTE]
    with bot.rt.db.read() as session:
        assert "forged" not in str(session.execute(text("SELECT text FROM note")).all())


def test_forged_sign_off_decisions_from_another_workspace_are_refused(two: Bot) -> None:
    bot = two
    (request,) = [r for r in requests(bot) if r.status == sq.PENDING]
    rid = str(request.id)
    dm = bot.fake.calls_to("chat.postMessage")[0].args  # Alpha's DM to UCARA, with its buttons

    # "UCARA" in Beta (the same id, as in an Enterprise Grid org) presses Alpha's buttons.
    bot.fake.reset()
    for action in (Action.SIGNOFF_APPROVE, Action.SIGNOFF_REJECT):
        reply = bot.slack.click(dm, action, user="UCARA", channel="DCARA", team_id="TBBB")
        assert reply.status == 200
    bot.settle()
    texts = [c.args["text"] for c in bot.fake.calls_to("response_url")]
    assert texts == [GONE, GONE]
    assert not bot.fake.calls_to("views.open") and not bot.fake.calls_to("chat.update")

    view = {"type": "modal", "callback_id": View.SIGNOFF_REASON, "private_metadata": rid, "blocks": []}
    values = {Input.REASON: {Input.REASON: {"type": "plain_text_input", "value": "forged no"}}}
    reply = bot.slack.submit(view, values, user="UCARA", team_id="TBBB")
    assert reply.json["response_action"] == "errors" and GONE in reply.json["errors"][Input.REASON]
    assert [r.status for r in requests(bot)] == [sq.PENDING]

    # The same click from Alpha counts.
    reply = bot.slack.click(dm, Action.SIGNOFF_APPROVE, user="UCARA", channel="DCARA", team_id="TAAA")
    bot.settle()
    assert [r.status for r in requests(bot)] == [sq.APPROVED] and item(bot, "TAAA", "5.1").status == "done"


def requests(bot: Bot) -> list[sq.SignoffRequest]:
    with bot.rt.db.read() as session:
        return list(session.exec(select(sq.SignoffRequest).order_by(col(sq.SignoffRequest.id))).all())


def test_app_home_shows_only_the_workspace_it_is_opened_in(two: Bot) -> None:
    bot = two
    tokens = bots(bot)
    assert bot.slack.command("assign 1.1 <@UBOB>", team_id="TAAA").response_type == "in_channel"
    title = item(bot, "TAAA", "1.1").title.replace("&", "&amp;")

    def home(team: str, n: int):
        event = {"type": "app_home_opened", "user": "UBOB", "channel": "DBOB", "tab": "home", "event_ts": "1.1"}
        assert bot.slack.event(event, event_id=f"EvHome{n}", team_id=team).status == 200
        bot.settle()
        return bot.fake.calls_to("views.publish")[-1]

    alpha, beta = home("TAAA", 1), home("TBBB", 2)
    assert alpha.token == tokens["TAAA"] and title in str(alpha.args["view"])
    assert beta.token == tokens["TBBB"] and title not in str(beta.args["view"])

    # Alpha's Home button, pressed with Beta's team id, changes nothing.
    alpha_id = checklist_id(bot, "TAAA")
    bot.slack.click_in_view(
        alpha.args["view"], Action.HOME_DONE, value=f"{alpha_id}|{CHANNEL}|1.1", user="UBOB", team_id="TBBB"
    )
    bot.settle()
    assert item(bot, "TAAA", "1.1").status == "open" and item(bot, "TBBB", "1.1").status == "open"


# -- uninstall ----------------------------------------------------------------------------------------------------


def test_uninstall_and_revoked_tokens_delete_the_installation(oauth: Bot) -> None:
    bot = oauth
    install(bot, "TAAA")
    install(bot, "TBBB")
    bot.slack.command("start", team_id="TAAA")

    event = {"type": "app_uninstalled", "event_ts": "1.1"}
    assert bot.slack.event(event, event_id="Ev1", team_id="TAAA").status == 200
    assert set(bots(bot)) == {"TBBB"}
    with bot.rt.db.read() as session:
        assert session.execute(text("SELECT count(*) FROM slack_installations WHERE team_id='TAAA'")).scalar() == 0
    # Slack's retry of the same event is answered once more and changes nothing (de-duplicated by event_id).
    assert bot.slack.event(event, event_id="Ev1", team_id="TAAA", retry_num=1).status == 200
    reply = bot.slack.command("status", team_id="TAAA")
    assert reply.body == "" and "reinstall" in responses(bot, reply)[0].args["text"]
    assert checklist_of(bot, "TAAA") is not None  # the data is kept for a reinstall

    revoked = {"type": "tokens_revoked", "tokens": {"bot": ["UBOT0002"]}, "event_ts": "1.2"}
    assert bot.slack.event(revoked, event_id="Ev2", team_id="TBBB").status == 200
    assert bots(bot) == {}

    token = install(bot, "TAAA")  # a reinstall picks the kept checklist up again
    assert bots(bot) == {"TAAA": token}
    assert "0/25 done" in bot.slack.command("status", team_id="TAAA").content


# -- scheduled work -----------------------------------------------------------------------------------------------


def test_scheduler_posts_with_each_workspaces_token_and_skips_uninstalled_ones(oauth: Bot) -> None:
    bot = oauth
    alpha, beta = install(bot, "TAAA"), install(bot, "TBBB")
    bot.fake.add_workspace("TCCC", "Gamma")
    gamma = install(bot, "TCCC")
    owned = {"TAAA": "1.1", "TBBB": "2.1", "TCCC": "3.1"}  # UBOB owns a different overdue item in each
    for team, number in owned.items():
        assert bot.slack.command("start", team_id=team).response_type == "in_channel"
        assert bot.slack.command("remind weekly monday 09:00 UTC", team_id=team).response_type == "in_channel"
        assert bot.slack.command(f"assign {number} <@UBOB>", team_id=team).response_type == "in_channel"
        assert bot.slack.command(f"due {number} 2026-11-20", team_id=team).response_type == "in_channel"
    bot.slack.command("contact security <@UCARA>", team_id="TAAA")
    bot.slack.command("signoff 5.1", team_id="TAAA")
    bot.settle()
    bot.slack.event({"type": "app_uninstalled", "event_ts": "1.1"}, event_id="EvC", team_id="TCCC")
    bot.fake.revoke("TCCC")

    bot.fake.reset()
    monday = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    bot.clock.set(monday)
    report = bot.rt.reminders.run_due(monday)
    assert sorted(report.posted) == [f"TAAA:{CHANNEL}", f"TBBB:{CHANNEL}"]
    assert report.skipped == [f"TCCC:{CHANNEL}"]
    assert sorted(report.nudged) == ["TAAA:UBOB", "TBBB:UBOB"]  # one DM per workspace
    with bot.rt.db.read() as session:
        skipped = session.exec(select(sched.ReminderRun).where(sched.ReminderRun.key == f"TCCC:{CHANNEL}")).one()
    assert skipped.status == sched.SKIPPED and skipped.error == NOT_INSTALLED

    posts = bot.fake.calls_to("chat.postMessage")
    channel_posts = sorted((c.token for c in posts if c.args["channel"] == CHANNEL), key=str)
    assert channel_posts == sorted([alpha, beta])
    nudges = {c.token: str(c.args) for c in posts if c.args["channel"] == "DBOB"}
    assert set(nudges) == {alpha, beta}
    titles = {team: item(bot, team, number).title.replace("&", "&amp;") for team, number in owned.items()}
    assert titles["TAAA"] in nudges[alpha] and titles["TBBB"] not in nudges[alpha]
    assert titles["TBBB"] in nudges[beta] and titles["TAAA"] not in nudges[beta]
    assert all(c.token in (alpha, beta) for c in web_calls(bot.fake)) and gamma not in {c.token for c in bot.fake.calls}

    bot.fake.reset()
    later = NOW + timedelta(days=7)
    bot.clock.set(later)
    assert bot.rt.escalate_stale_signoffs(later) == 1
    calls = web_calls(bot.fake)
    assert calls and {c.token for c in calls} == {alpha}


# -- the real server ----------------------------------------------------------------------------------------------


def test_serve_in_oauth_mode_installs_and_answers_two_workspaces(fake_slack: FakeSlack, tmp_path) -> None:
    """`checklist-bot serve` (gunicorn) routes the install pages to Bolt and answers each workspace."""
    db_url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path}/oauth.db"
    fresh_database(db_url).dispose()
    port = free_port()
    app_url = f"http://127.0.0.1:{port}"
    fake_slack.register_app(CLIENT_ID, CLIENT_SECRET, app_url + "/slack/oauth_redirect")
    fake_slack.add_workspace("TAAA", "Alpha")
    fake_slack.add_workspace("TBBB", "Beta")
    proc = start_serve(fake_slack, db_url, port, {**OAUTH_ENV, "SLACK_BOT_TOKEN": ""})
    try:
        alpha, beta = install_at(app_url, fake_slack, "TAAA"), install_at(app_url, fake_slack, "TBBB")
        driver = SlackDriver(http_transport(app_url + "/slack/events"), Signer(SERVE_SECRET), fake_slack)
        for team, token, user in (("TAAA", alpha, "UALICE"), ("TBBB", beta, "UBOB")):
            fake_slack.reset()
            # The checklist takes the starter's profile timezone, looked up after the answer with their token.
            assert driver.command("start", team_id=team, user=user).response_type == "in_channel"
            (lookup,) = fake_slack.wait_for("users.info")
            assert lookup.token == token
            reply = driver.command("remind weekly monday 09:00", team_id=team, user=user)
            assert reply.response_type == "in_channel", reply.body
        assert driver.command("start", team_id="TCCC").body == ""  # not installed: asked to reinstall
    finally:
        out = stop(proc)
    assert "Traceback" not in out, out


def test_single_workspace_mode_has_no_install_pages(bot: Bot) -> None:
    assert bot.rt.app.oauth_flow is None and not bot.rt.workspaces.oauth
    assert get(base(bot) + "/slack/install").status == 404
    assert get(base(bot) + "/slack/oauth_redirect?code=x&state=y").status == 404
    assert bot.rt.workspaces.client_for("TANY") is bot.rt.app.client  # SLACK_BOT_TOKEN speaks for every team


def test_single_workspace_nudges_stay_one_dm_per_person(bot: Bot) -> None:
    """With one bot token, a person's overdue items from every team id are one DM under the old claim key."""
    for team, number in (("T0LOCAL", "1.1"), ("TOTHER", "2.1")):
        assert bot.slack.command("start", team_id=team).response_type == "in_channel"
        bot.slack.command(f"assign {number} <@UBOB>", team_id=team)
        bot.slack.command(f"due {number} 2026-11-20", team_id=team)
    assert bot.rt.reminders.run_due(NOW).nudged == ["UBOB"]
    (dm,) = [c for c in bot.fake.calls_to("chat.postMessage") if c.args["channel"] == "DBOB"]
    assert "2 overdue" in dm.args["text"]
