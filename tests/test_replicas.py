"""Two real `checklist-bot serve` processes on one database (PostgreSQL when reachable), requests spread
over both: every change lands once and a sign-off click delivered to both replicas counts once."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from sqlmodel import func, select

from bot.slack.ids import Action
from storage import signoffs as sq
from storage.db import Database
from storage.models import Event, Item
from tests.conftest import fresh_database, pg_available
from tests.fake.driver import SlackDriver, http_transport
from tests.fake.signed import Signer
from tests.test_serve import SECRET, free_port, start_serve, stop


def wait_for_dm_ts(url: str, user_id: str, timeout: float = 20) -> None:
    db = Database(url)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with db.read() as s:
                ts = s.exec(select(sq.SignoffApproval.dm_ts).where(sq.SignoffApproval.user_id == user_id)).first()
            if ts:
                return
            time.sleep(0.05)
        raise AssertionError(f"the DM to {user_id} was never recorded")
    finally:
        db.dispose()


def test_two_replicas_share_one_database(fake_slack, tmp_path):
    url = pg_available() or f"sqlite:///{tmp_path}/replicas.db"
    fresh_database(url).dispose()
    ports = [free_port(), free_port()]
    procs = [start_serve(fake_slack, url, p) for p in ports]
    drivers = [
        SlackDriver(http_transport(f"http://127.0.0.1:{p}/slack/events"), Signer(SECRET), fake_slack) for p in ports
    ]
    try:
        assert drivers[0].command("start").response_type == "in_channel"
        assert "already has a checklist" in drivers[1].command("start").text

        # 3.3 waits for 1.2: racing both would make the counts depend on which came first
        numbers = ["1.1", "1.2", "2.1", "2.2", "2.3", "3.1", "3.2", "6.1", "3.4", "3.5", "3.6", "4.1"]
        jobs = [(drivers[i % 2], f"done {n}") for i, n in enumerate(numbers)]
        jobs += [(drivers[(i + 1) % 2], f"done {n}") for i, n in enumerate(numbers)]  # the same, on the other one
        jobs += [(drivers[i % 2], f"assign 4.{i % 6 + 1} <@UBOB>") for i in range(12)]
        with ThreadPoolExecutor(max_workers=12) as pool:
            replies = list(pool.map(lambda job: job[0].command(job[1], user="UALICE"), jobs))
        assert all(r.status == 200 for r in replies)
        assert sum("marked" in r.text for r in replies) == len(numbers)  # each done exactly once
        assert sum("already done" in r.text for r in replies) == len(numbers)

        # A sign-off asked on one replica, the same Approve click delivered to both.
        drivers[1].command("contact security <@UCARA>")
        drivers[0].command("signoff 5.1")
        [dm] = fake_slack.wait_for("chat.postMessage", lambda c: c.args.get("channel") == "DCARA")
        # The replica records the DM's ts just after Slack answers; a click before that could not update the DM (a
        # person takes longer than that to click), so wait for it as a person would.
        wait_for_dm_ts(url, "UCARA")
        with ThreadPoolExecutor(max_workers=2) as pool:
            clicks = list(
                pool.map(lambda d: d.click(dm.args, Action.SIGNOFF_APPROVE, user="UCARA", channel="DCARA"), drivers)
            )
        assert all(c.status == 200 for c in clicks)
        fake_slack.wait_for("chat.update", lambda c: c.args.get("channel") == "DCARA")
        time.sleep(0.5)  # let any (wrong) second decision's follow-ups arrive
        status = drivers[1].command("status 5").content
        assert "signed off by <@UCARA>" in status

        db = Database(url)
        with db.read() as s:
            done = s.exec(select(func.count()).select_from(Item).where(Item.status == "done")).one()
            events = s.exec(select(Event.action, func.count()).group_by(Event.action)).all()
            decisions = s.exec(
                select(func.count()).select_from(sq.SignoffApproval).where(sq.SignoffApproval.decision == "approved")
            ).one()
        db.dispose()
        counts = dict(events)
        assert done == len(numbers) + 1 and counts["done"] == len(numbers)
        assert counts["assign"] == 6  # 12 assigns over 6 items: the repeats found it already so
        assert decisions == 1
        assert len(fake_slack.calls_to("chat.update")) == 1
    finally:
        outs = [stop(p) for p in procs]
    for out in outs:
        assert "Traceback" not in out, out
