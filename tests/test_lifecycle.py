"""The data lifecycle: `forget-user` leaves no trace of a person's id in any table; an uninstalled workspace's data
is deleted after UNINSTALL_RETENTION_DAYS by the scheduler, exactly once, unless it comes back;
`purge-workspace` does it now; ARCHIVE_RETENTION_DAYS deletes old archived checklists."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import MetaData, select, text
from sqlmodel import col

from bot import cli
from bot.lifecycle import Lifecycle
from bot.slack.ids import Action
from storage import audit
from storage import lifecycle as lq
from storage import schedules as sq
from storage.models import Checklist, Event, Item
from storage.signoffs import SignoffApproval
from tests.conftest import NOW, fresh_database, start_bot
from tests.test_oauth import CLIENT_ID, CLIENT_SECRET, OAUTH_ENV, base, install

TEAM = "T0LOCAL"


@pytest.fixture
def oauth(fake_slack, database_url):
    """The app in OAuth mode (many workspaces), with two workspaces that may install it."""
    bot, stop = start_bot(fake_slack, database_url, env=OAUTH_ENV, db=fresh_database(database_url))
    fake_slack.register_app(CLIENT_ID, CLIENT_SECRET, base(bot) + "/slack/oauth_redirect")
    fake_slack.add_workspace("TAAA", "Alpha", installer="UALICE")
    fake_slack.add_workspace("TBBB", "Beta", installer="UBOB")
    yield bot
    stop()


def every_value(db) -> list[tuple[str, str, object]]:
    """(table, column, value) for every column of every row of every table in the database."""
    meta = MetaData()
    with db.reader.connect() as conn:
        meta.reflect(bind=conn)
        out: list[tuple[str, str, object]] = []
        for table in meta.sorted_tables:
            for row in conn.execute(select(table)).mappings():
                out.extend((table.name, column, value) for column, value in row.items())
    return out


def traces(db, user_id: str) -> list[tuple[str, str, object]]:
    word = re.compile(rf"(?<![A-Za-z0-9]){user_id}(?![A-Za-z0-9])")
    return [(t, c, v) for t, c, v in every_value(db) if v is not None and word.search(str(v))]


def run_cli(monkeypatch, tmp_path, capsys, database_url: str, *args: str) -> tuple[int, str]:
    monkeypatch.chdir(tmp_path)  # no .env from the repository
    monkeypatch.setattr(cli, "configure_logging", lambda *a, **kw: None)  # the test run's logging stays as it is
    monkeypatch.setenv("DATABASE_URL", database_url)
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)
    code = cli.main(list(args))
    captured = capsys.readouterr()
    # What the command itself printed (other tests' log handlers may also write to the captured stderr).
    lines = [line for line in (captured.out + captured.err).splitlines() if line.startswith("checklist-bot:")]
    return code, "".join(line + "\n" for line in lines)


def bob_everywhere(bot) -> None:
    """UBOB in every place a person's id is kept; UBOBBY (whose id starts with Bob's) alongside."""
    slack = bot.slack
    bot.fake.add_user("UBOBBY")
    assert slack.command("start", user="UBOB").response_type == "in_channel"  # created_by
    slack.command("assign 3.3 <@UBOB>", user="UALICE")  # owner, event old/new
    slack.command("assign 3.4 <@UBOBBY>", user="UALICE")
    slack.command("assign 4.1 <@UCARA> <@UBOB>", user="UALICE")  # a co-owner (item.co_owners)
    slack.command("skip 6.1 hosted by <@UBOB>'s team", user="UBOB")  # skipped_by, skip_reason
    slack.command("due 3.3 2026-11-20", user="UBOB")  # overdue: Bob gets a nudge (reminder_run key)
    slack.command("done 1.1 agreed", user="UBOB")  # done_by, event actor
    slack.command("note 3.3 ask <@UBOB> and <@UBOBBY> about it", user="UALICE")  # note text
    slack.command("note 3.4 on it", user="UBOB")  # note author
    slack.command("contact technical <@UBOB>", user="UALICE")  # contact, added_by
    slack.command("contact security <@UCARA> <@UBOB>", user="UBOB")  # Bob started it: he is a lead
    slack.command("signoff 5.1 please check", user="UALICE")  # approvals, request events
    bot.settle()
    [dm] = bot.fake.wait_for("chat.postMessage", lambda c: c.args.get("channel") == "DBOB")
    assert slack.click(dm.args, Action.SIGNOFF_APPROVE, user="UBOB", channel="DBOB").status == 200
    bot.settle()
    slack.command("signoff 5.2", user="UBOB")  # requested_by
    bot.settle()
    assert bot.rt.reminders.run_due(NOW).nudged == ["UBOB"]
    slack.command("remind dm snooze 3", user="UBOB")  # preferences
    slack.command("remind weekly monday 09:00 Europe/Berlin", user="UBOB")  # schedule created_by
    slack.command("start", user="UBOB", channel="C0OTHER")
    slack.command("archive", user="UBOB", channel="C0OTHER")  # archived_by
    bot.settle()


def test_forget_user_leaves_no_trace_and_keeps_the_records_shape(bot, monkeypatch, tmp_path, capsys) -> None:
    bob_everywhere(bot)
    db = bot.rt.db
    before = traces(db, "UBOB")
    assert {t for t, _, _ in before} >= {
        "checklist", "item", "note", "contact", "event", "signoffrequest", "signoffapproval", "user_pref",
        "digest_schedule", "reminder_run",
    }, before
    bobby_before = len(traces(db, "UBOBBY"))
    url = db.url.render_as_string(False)
    code, out = run_cli(monkeypatch, tmp_path, capsys, url, "audit", "verify")
    assert code == 0 and "all intact" in out, out
    with db.read() as s:
        heads_before = {c: audit.head(s, c)[0] for c in (1, 2)}

    code, out = run_cli(monkeypatch, tmp_path, capsys, url, "forget-user", "UBOB")
    assert code == 0, out
    assert out.count("\n") == 1 and "UBOB is now UERASED" in out, out

    # The hash chain was re-anchored: every chain verifies, and each erase event keeps the head it replaced.
    code, verified = run_cli(monkeypatch, tmp_path, capsys, url, "audit", "verify")
    assert code == 0 and "all intact" in verified, verified
    with db.read() as s:
        for checklist_id, head in heads_before.items():
            erase = s.exec(
                select(Event).where(col(Event.checklist_id) == checklist_id, col(Event.action) == lq.ERASE)
            ).scalar_one()
            assert erase.old == head and audit.head(s, checklist_id)[0] == erase.hash != head

    assert traces(db, "UBOB") == []  # not one column of one row of one table
    assert len(traces(db, "UBOBBY")) == bobby_before  # a longer id that starts with Bob's is untouched
    [pseudonym] = set(re.findall(r"UERASED[0-9A-F]{10}", out))
    with db.read() as s:
        # The same stand-in everywhere, so "the same person did both" is still true.
        assert {v for _, _, v in every_value(db) if isinstance(v, str) and "UERASED" in v} >= {pseudonym}
        assert set(re.findall(r"UERASED[0-9A-F]{10}", " ".join(str(v) for _, _, v in every_value(db)))) == {
            pseudonym
        }
        item = s.exec(select(Item).where(col(Item.number) == "3.3", col(Item.checklist_id) == 1)).scalar_one()
        assert item.owner_id == pseudonym  # the item still has an owner
        shared = s.exec(select(Item).where(col(Item.number) == "4.1", col(Item.checklist_id) == 1)).scalar_one()
        assert (shared.owner_id, shared.co_owners) == ("UCARA", pseudonym)  # and a co-owner stays one
        approvals = s.exec(select(SignoffApproval).where(SignoffApproval.user_id == pseudonym)).scalars().all()
        assert "approved" in [a.decision for a in approvals]  # Bob's decision on 5.1 is kept, under the pseudonym
        assert s.get(sq.UserPref, "UBOB") is None and s.get(sq.UserPref, pseudonym) is None  # preferences dropped
        [record] = s.exec(select(lq.Erasure)).scalars().all()
        assert (record.kind, record.subject, record.reason) == ("user", pseudonym, "forget-user") and record.rows > 10
        erased_in = s.exec(select(col(Event.checklist_id)).where(col(Event.action) == lq.ERASE)).scalars().all()
    assert sorted(erased_in) == [1, 2]  # the active and the archived checklist both say so

    # What Slack sees afterwards: the pseudonym, never Bob; history says what happened.
    status = bot.slack.command("status").content
    assert "UBOB>" not in status and f"<@{pseudonym}>" in status
    history = bot.slack.command("history").content
    assert "erased a person's data on request" in history and "UBOB>" not in history

    # Again: nothing is left to erase.
    code, out = run_cli(monkeypatch, tmp_path, capsys, str(db.url.render_as_string(False)), "forget-user", "UBOB")
    assert code == 0 and "nothing is stored about UBOB" in out


def test_forget_user_refuses_what_is_not_a_user_id(bot, monkeypatch, tmp_path, capsys) -> None:
    bot.slack.command("start")
    url = bot.rt.db.url.render_as_string(False)
    for bad in ("bob", "U", "u123", "UBOB%", "C0LOCAL", "UBOB' OR 1=1"):
        code, out = run_cli(monkeypatch, tmp_path, capsys, url, "forget-user", bad)
        assert code == 2 and out.count("\n") == 1 and "not a Slack user id" in out, out
    code, out = run_cli(monkeypatch, tmp_path, capsys, url, "purge-workspace", "C0LOCAL")
    assert code == 2 and "not a Slack workspace id" in out
    with bot.rt.db.read() as s:
        assert s.exec(select(lq.Erasure)).first() is None


def test_forget_user_reaches_the_oauth_stores(oauth) -> None:
    install(oauth, "TAAA")  # Alice installed it: slack_installations keeps the installer's id
    with_data(oauth, "TAAA")
    oauth.slack.command("assign 3.4 <@UALICE>", team_id="TAAA")
    assert {t for t, _, _ in traces(oauth.rt.db, "UALICE")} >= {"slack_installations", "item"}
    done = oauth.rt.lifecycle.forget_user("UALICE")
    assert done.tables.get("slack_installations") == 1
    assert traces(oauth.rt.db, "UALICE") == []
    # The installation itself still works: its token and team are untouched.
    assert oauth.slack.command("status", team_id="TAAA").response_type == "in_channel"


# -- uninstall retention --------------------------------------------------------------------------------------


def uninstall(bot, team: str = TEAM, event_id: str = "EvU1"):
    reply = bot.slack.event({"type": "app_uninstalled", "event_ts": "1.1"}, event_id=event_id, team_id=team)
    assert reply.status == 200


def rows_of(bot, team: str) -> int:
    with bot.rt.db.read() as s:
        checklists = s.exec(select(Checklist).where(col(Checklist.team_id) == team)).scalars().all()
        schedules = s.exec(select(sq.DigestSchedule).where(col(sq.DigestSchedule.team_id) == team)).scalars().all()
    return len(checklists) + len(schedules)


def with_data(bot, team: str = TEAM) -> None:
    bot.slack.command("start", team_id=team)
    bot.slack.command("assign 3.3 <@UBOB>", team_id=team)
    bot.slack.command("remind weekly monday 09:00 UTC", team_id=team)
    bot.settle()


def test_uninstalled_workspace_is_deleted_after_30_days_not_before(bot) -> None:
    with_data(bot)
    with_data(bot, "TKEEP")
    bot.slack.command("remind dm off", user="UBOB", team_id="TKEEP")  # Bob's preferences
    uninstall(bot)
    assert rows_of(bot, TEAM) == 2

    bot.clock.set(NOW + timedelta(days=29, hours=23))
    assert bot.rt.lifecycle.run_due() == []
    assert rows_of(bot, TEAM) == 2

    bot.clock.set(NOW + timedelta(days=30))
    bot.rt.tick()  # what the scheduler runs every minute
    assert rows_of(bot, TEAM) == 0
    assert rows_of(bot, "TKEEP") == 2  # another workspace is untouched
    with bot.rt.db.read() as s:
        assert s.get(lq.WorkspaceUninstall, TEAM) is None
        [record] = s.exec(select(lq.Erasure)).scalars().all()
        assert (record.kind, record.subject, record.reason) == ("workspace", TEAM, "uninstall retention")
        assert s.get(sq.UserPref, "UBOB") is not None  # still named in TKEEP's checklist
        claim = s.exec(select(sq.ReminderRun).where(col(sq.ReminderRun.kind) == "purge")).scalar_one()
        assert claim.key == TEAM and claim.status == "done"
    assert bot.rt.lifecycle.run_due() == []  # nothing left to do


def test_reinstall_or_a_request_from_the_workspace_cancels_the_deletion(bot) -> None:
    with_data(bot)
    uninstall(bot)
    bot.clock.set(NOW + timedelta(days=10))
    assert bot.slack.command("status").status == 200  # the workspace talks to the app again: it is back
    bot.clock.set(NOW + timedelta(days=40))
    assert bot.rt.lifecycle.run_due() == []
    assert rows_of(bot, TEAM) == 2

    uninstall(bot, event_id="EvU2")  # a second uninstall starts a new 30 days from now
    bot.clock.set(NOW + timedelta(days=69))
    assert bot.rt.lifecycle.run_due() == [] and rows_of(bot, TEAM) == 2
    bot.clock.set(NOW + timedelta(days=70))
    assert bot.rt.lifecycle.run_due() == [TEAM] and rows_of(bot, TEAM) == 0


def test_reinstall_through_oauth_cancels_the_deletion(oauth) -> None:
    install(oauth, "TAAA")
    with_data(oauth, "TAAA")
    uninstall(oauth, "TAAA")
    with oauth.rt.db.read() as s:
        assert s.get(lq.WorkspaceUninstall, "TAAA") is not None
    oauth.clock.set(NOW + timedelta(days=3))
    install(oauth, "TAAA")  # installed again
    with oauth.rt.db.read() as s:
        assert s.get(lq.WorkspaceUninstall, "TAAA") is None
    oauth.clock.set(NOW + timedelta(days=31))
    assert oauth.rt.lifecycle.run_due() == []
    assert rows_of(oauth, "TAAA") == 2


def test_retention_days_come_from_the_environment(fake_slack, database_url) -> None:
    env = {"UNINSTALL_RETENTION_DAYS": "7"}
    b, stop = start_bot(fake_slack, database_url, db=fresh_database(database_url), env=env)
    try:
        with_data(b)
        uninstall(b)
        b.clock.set(NOW + timedelta(days=6, hours=23))
        assert b.rt.lifecycle.run_due() == []
        b.clock.set(NOW + timedelta(days=7))
        assert b.rt.lifecycle.run_due() == [TEAM]
    finally:
        stop()


def test_two_schedulers_delete_once(fake_slack, database_url) -> None:
    first, stop_a = start_bot(fake_slack, database_url, db=fresh_database(database_url))
    second, stop_b = start_bot(fake_slack, database_url, clock=first.clock)
    try:
        for team in ("TONE", "TTWO", "TTHREE"):
            with_data(first, team)
            uninstall(first, team, event_id=f"Ev{team}")
        later = NOW + timedelta(days=31)
        first.clock.set(later)
        barrier = threading.Barrier(2)
        results: list[list[str]] = [[], []]

        def run(i: int, bot) -> None:
            barrier.wait()
            results[i] = bot.rt.lifecycle.run_due(later)

        threads = [threading.Thread(target=run, args=(i, b)) for i, b in enumerate((first, second))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(results[0] + results[1]) == ["TONE", "TTHREE", "TTWO"]  # each purged by exactly one
        with first.rt.db.read() as s:
            records = s.exec(select(lq.Erasure)).scalars().all()
            claims = s.exec(select(sq.ReminderRun).where(col(sq.ReminderRun.kind) == "purge")).scalars().all()
        assert sorted(r.subject for r in records) == ["TONE", "TTHREE", "TTWO"]
        assert len(claims) == 3
    finally:
        stop_b()
        stop_a()


def test_purge_workspace_now(bot, monkeypatch, tmp_path, capsys) -> None:
    with_data(bot)
    with_data(bot, "TKEEP")
    bot.slack.command("assign 3.4 <@UCARA>")  # Cara is named only in T0LOCAL
    bot.slack.command("remind dm off", user="UCARA")
    url = bot.rt.db.url.render_as_string(False)
    code, out = run_cli(monkeypatch, tmp_path, capsys, url, "purge-workspace", TEAM)
    assert code == 0 and out.count("\n") == 1 and f"of workspace {TEAM}" in out, out
    assert rows_of(bot, TEAM) == 0 and rows_of(bot, "TKEEP") == 2
    with bot.rt.db.read() as s:
        assert s.get(sq.UserPref, "UCARA") is None  # nobody names her any more
        [record] = s.exec(select(lq.Erasure)).scalars().all()
        assert (record.kind, record.subject, record.reason) == ("workspace", TEAM, "purge-workspace")
    assert "start one" in bot.slack.command("status").text.lower() or "no checklist" in bot.slack.command(
        "status"
    ).text.lower()


def test_purge_workspace_deletes_its_oauth_rows(oauth) -> None:
    install(oauth, "TAAA")
    install(oauth, "TBBB")
    with_data(oauth, "TAAA")
    assert oauth.rt.lifecycle.purge_workspace("TAAA") > 0
    with oauth.rt.db.read() as s:
        left = s.execute(text("SELECT DISTINCT team_id FROM slack_installations")).scalars().all()
        bots_left = s.execute(text("SELECT DISTINCT team_id FROM slack_bots")).scalars().all()
    assert left == ["TBBB"] and bots_left == ["TBBB"]
    assert rows_of(oauth, "TAAA") == 0


# -- archive retention ----------------------------------------------------------------------------------------


def test_archived_checklists_are_deleted_after_archive_retention_days(fake_slack, database_url) -> None:
    env = {"ARCHIVE_RETENTION_DAYS": "90"}
    b, stop = start_bot(fake_slack, database_url, db=fresh_database(database_url), env=env)
    try:
        b.slack.command("start", channel="COLD")
        b.slack.command("archive", channel="COLD")
        b.clock.set(NOW + timedelta(days=10))
        b.slack.command("start", channel="CNEW")
        b.slack.command("archive", channel="CNEW")
        b.slack.command("start", channel="CLIVE")
        b.clock.set(NOW + timedelta(days=89, hours=23))
        b.rt.lifecycle.run_due()
        with b.rt.db.read() as s:
            assert len(s.exec(select(Checklist)).scalars().all()) == 3
        b.clock.set(NOW + timedelta(days=95))
        b.rt.lifecycle._archives_checked_at = None  # an hour has passed
        b.rt.lifecycle.run_due()
        with b.rt.db.read() as s:
            left = sorted(c.channel_id for c in s.exec(select(Checklist)).scalars().all())
            records = s.exec(select(lq.Erasure)).scalars().all()
        assert left == ["CLIVE", "CNEW"]  # the active one is never touched; the newer archive is kept
        assert [(r.kind, r.reason) for r in records] == [("archive", "archive retention")]
    finally:
        stop()


def test_archives_are_kept_by_default(bot) -> None:
    bot.slack.command("start")
    bot.slack.command("archive")
    bot.clock.set(NOW + timedelta(days=3650))
    bot.rt.lifecycle.run_due()
    with bot.rt.db.read() as s:
        assert len(s.exec(select(Checklist)).scalars().all()) == 1


@pytest.mark.parametrize(
    ("name", "value"),
    [("UNINSTALL_RETENTION_DAYS", "thirty"), ("UNINSTALL_RETENTION_DAYS", "-1"), ("ARCHIVE_RETENTION_DAYS", "0"),
     ("ARCHIVE_RETENTION_DAYS", "forever")],
)
def test_bad_retention_settings_are_refused(name, value) -> None:
    from bot.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match=name):
        load_settings({name: value})


def test_lifecycle_defaults() -> None:
    from bot.config import load_settings

    settings = load_settings({})
    assert settings.uninstall_retention_days == 30 and settings.archive_retention_days is None
    assert load_settings({"ARCHIVE_RETENTION_DAYS": "keep"}).archive_retention_days is None
    assert callable(Lifecycle)  # the unit of work the scheduler and the command line share
