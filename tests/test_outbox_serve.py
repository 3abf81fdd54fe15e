"""A real `checklist-bot serve` (gunicorn) stopped with SIGTERM, or killed with kill -9, while sign-off requests
are queued behind a slow Slack: the next process sends what is left, and every approver gets one DM."""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlmodel import col, select

from storage import outbox as oq
from storage import signoffs as sq
from storage.db import Database
from tests.conftest import fresh_database
from tests.fake.driver import SlackDriver, http_transport
from tests.fake.signed import Signer
from tests.test_serve import SECRET, free_port, start_serve, stop

N = 16


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _queue_requests(fake, url: str, port: int, env: dict) -> tuple:
    proc = start_serve(fake, url, port, env)
    driver = SlackDriver(http_transport(f"http://127.0.0.1:{port}/slack/events"), Signer(SECRET), fake)
    users = [f"UA{n:03d}" for n in range(N)]
    for user in users:
        fake.add_user(user)
    with ThreadPoolExecutor(max_workers=4) as pool:
        starts = list(pool.map(lambda n: driver.command("start", channel=f"C{n:03d}"), range(N)))
    assert all(r.response_type == "in_channel" for r in starts)
    with ThreadPoolExecutor(max_workers=4) as pool:
        named = list(
            pool.map(lambda n: driver.command(f"contact security <@{users[n]}>", channel=f"C{n:03d}"), range(N))
        )
    assert all(r.response_type == "in_channel" for r in named), [r.text for r in named]
    return proc, driver, users


def _ask_all(driver, users) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(
            pool.map(lambda n: driver.command("signoff 5.1", channel=f"C{n:03d}"), range(N))
        )
    assert all(r.status == 200 and "Asking" in r.text for r in replies), [r.text for r in replies]


def _settled(fake, url: str, users: list[str], timeout: float = 60) -> None:
    """Wait until every request has its DM ts and no effect is left; then check nobody got two DMs."""
    db = Database(url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            with db.read() as s:
                approvals = s.exec(select(sq.SignoffApproval)).all()
                open_effects = s.exec(
                    select(oq.OutboxEffect).where(col(oq.OutboxEffect.status).in_([oq.PENDING, oq.SENDING]))
                ).all()
            if len(approvals) == N and all(a.dm_ts for a in approvals) and not open_effects:
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"not settled: {sum(bool(a.dm_ts) for a in approvals)} DMs recorded, "
                                     f"{len(open_effects)} effects open")
            time.sleep(0.3)
        time.sleep(1.0)  # anything (wrongly) sent twice would arrive now
        with db.read() as s:
            statuses = {e.status for e in s.exec(select(oq.OutboxEffect)).all()}
    finally:
        db.dispose()
    assert statuses == {oq.SENT}, statuses
    counts = {u: len(fake.posted("D" + u[1:])) for u in users}
    assert set(counts.values()) == {1}, f"DMs per approver: {counts}"


def _no_faults(fake) -> None:
    with fake._cond:
        fake.faults.clear()


@pytest.mark.parametrize("how", ["sigterm", "kill-9"])
def test_queued_effects_survive_the_process(fake_slack, tmp_path, how) -> None:
    url = f"sqlite:///{tmp_path}/serve.db"
    fresh_database(url).dispose()
    if how == "sigterm":
        # Slow but answering: 8 requests in flight when SIGTERM comes (they finish), 8 still queued (left for the
        # next process: a stopping process starts no new effects).
        env, delays = {"SLACK_API_TIMEOUT": "4", "WEB_CONCURRENCY": "1"}, (0.5, 2.0)
    else:
        env, delays = {"SLACK_API_TIMEOUT": "0.5", "WEB_CONCURRENCY": "1"}, (0.3, 0.3)
    proc, driver, users = _queue_requests(fake_slack, url, free_port(), env)
    for method, delay in zip(("conversations.open", "chat.postMessage"), delays, strict=True):
        fake_slack.act_then_fail(method, "late", times=10_000, delay=delay)
    _ask_all(driver, users)
    fake_slack.wait_for("chat.postMessage", count=2, timeout=30)
    if how == "sigterm":
        out = stop(proc)
        assert "Traceback" not in out, out
    else:
        for pid in [*_children(proc.pid), proc.pid]:
            os.kill(pid, signal.SIGKILL)
        proc.wait(10)
    sent_before = sum(len(fake_slack.posted("D" + u[1:])) for u in users)
    assert sent_before < N, "the first process should not have finished the queue"
    _no_faults(fake_slack)
    again = start_serve(fake_slack, url, free_port(), env)
    try:
        _settled(fake_slack, url, users)
    finally:
        out = stop(again)
    assert "Traceback" not in out, out
