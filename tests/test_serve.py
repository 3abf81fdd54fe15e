"""`checklist-bot serve` as a real process (gunicorn), and state kept across a restart with a file database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from tests.fake.driver import SlackDriver, http_transport
from tests.fake.signed import Signer

SECRET = "serve-test-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_serve(fake, db_url: str, port: int, extra_env: dict[str, str] | None = None) -> subprocess.Popen:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SLACK_")},
        "SLACK_BOT_TOKEN": "xoxb-serve-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.api_url,
        "DATABASE_URL": db_url,
        "LOG_LEVEL": "WARNING",
        # As start_bot's: a loaded test machine must not turn a slow request into "temporarily unavailable" (the
        # tests of the 2.5 s default give it themselves).
        "DB_REQUEST_TIMEOUT": "10",
        **(extra_env or {}),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200:
                    return proc
        except OSError:
            if proc.poll() is not None:
                raise AssertionError(proc.stdout.read() if proc.stdout else "") from None
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("serve did not become healthy")


def stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=30)
    return out


def test_state_survives_a_restart(fake_slack, tmp_path):
    db_url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path}/restart.db"
    if os.environ.get("TEST_DATABASE_URL"):
        from tests.conftest import fresh_database

        fresh_database(db_url).dispose()
    port = free_port()
    driver = SlackDriver(http_transport(f"http://127.0.0.1:{port}/slack/events"), Signer(SECRET), fake_slack)

    proc = start_serve(fake_slack, db_url, port)
    try:
        assert driver.command("start").response_type == "in_channel"
        driver.command("assign 3.3 <@UBOB|bob>")
        driver.command("done 1.1 agreed")
        assert "2/25" not in driver.command("status").content
    finally:
        out = stop(proc)
    assert proc.returncode == 0, out
    assert "Traceback" not in out

    proc = start_serve(fake_slack, db_url, port)
    try:
        status = driver.command("status")
        assert "1/25 done" in status.content and "<@UBOB>" in status.content
        assert "marked *1.1* done" in driver.command("history").content
        assert "already has a checklist" in driver.command("start").text
    finally:
        stop(proc)
    assert not driver.violations


def test_sigterm_finishes_requests_in_flight(fake_slack, tmp_path):
    import threading

    db_url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path}/term.db"
    if os.environ.get("TEST_DATABASE_URL"):
        from tests.conftest import fresh_database

        fresh_database(db_url).dispose()
    port = free_port()
    url = f"http://127.0.0.1:{port}/slack/events"
    proc = start_serve(fake_slack, db_url, port)
    SlackDriver(http_transport(url), Signer(SECRET), fake_slack).command("start")
    statuses: list[int | str] = []

    def client() -> None:
        driver = SlackDriver(http_transport(url), Signer(SECRET), fake_slack)
        for _ in range(40):
            try:
                statuses.append(driver.command("status").status)
            except OSError:
                statuses.append("refused")  # after the listener closed: Slack would retry elsewhere
                return

    threads = [threading.Thread(target=client) for _ in range(8)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    out = stop(proc)
    for t in threads:
        t.join()
    assert proc.returncode == 0, out
    assert 200 in statuses and all(s in (200, "refused") for s in statuses), statuses
    assert "Traceback" not in out


def test_metrics_add_up_across_gunicorn_workers(fake_slack, tmp_path):
    """Two worker processes answer the commands; whichever is scraped, /metrics counts them all."""
    import threading

    from prometheus_client.parser import text_string_to_metric_families

    db_url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path}/metrics.db"
    if os.environ.get("TEST_DATABASE_URL"):
        from tests.conftest import fresh_database

        fresh_database(db_url).dispose()
    port = free_port()
    metrics_dir = tmp_path / "metrics"
    url = f"http://127.0.0.1:{port}/slack/events"
    proc = start_serve(
        fake_slack, db_url, port, {"WEB_CONCURRENCY": "2", "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    )
    try:
        SlackDriver(http_transport(url), Signer(SECRET), fake_slack).command("start")

        def client() -> None:  # a connection per thread, so both workers get some
            driver = SlackDriver(http_transport(url), Signer(SECRET), fake_slack)
            for _ in range(10):
                assert driver.command("status").status == 200

        sent = 0
        for _ in range(10):  # rounds of fresh connections until both workers have answered some
            threads = [threading.Thread(target=client) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            sent += 40
            pids = {f.name.split("_")[-1] for f in metrics_dir.glob("counter_*.db")}
            if len(pids) == 2:
                break
        assert len(pids) == 2, f"expected both workers to have answered: {sorted(pids)}"
        for _ in range(4):  # each scrape may land on either worker: all of them add up
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
                samples = {
                    (s.name, tuple(sorted(s.labels.items()))): s.value
                    for f in text_string_to_metric_families(r.read().decode())
                    for s in f.samples
                }
            assert samples[("checklist_commands_total", (("outcome", "ok"), ("subcommand", "status")))] == sent
            assert samples[("checklist_commands_total", (("outcome", "ok"), ("subcommand", "start")))] == 1
            assert samples[("checklist_ack_seconds_count", (("kind", "command"),))] == sent + 1
    finally:
        out = stop(proc)
    assert proc.returncode == 0, out
    assert "Traceback" not in out


def test_a_dotenv_copied_from_the_example_with_blanks_serves(fake_slack, tmp_path):
    """Every variable of .env.example present and blank (as in a copied .env, or compose's env_file) but the ones
    HTTP needs: serve starts and answers."""
    from pathlib import Path

    example = (Path(__file__).resolve().parent.parent / ".env.example").read_text()
    blanks = {line.split("=")[0]: "" for line in example.splitlines() if line and not line.startswith("#")}
    for given in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL", "DATABASE_URL", "LOG_LEVEL"):
        del blanks[given]
    assert "WEB_CONCURRENCY" in blanks and "PORT" in blanks
    port = free_port()
    proc = start_serve(fake_slack, f"sqlite:///{tmp_path}/blank.db", port, blanks)
    try:
        driver = SlackDriver(http_transport(f"http://127.0.0.1:{port}/slack/events"), Signer(SECRET), fake_slack)
        assert driver.command("start").response_type == "in_channel"
    finally:
        out = stop(proc)
    assert proc.returncode == 0 and "Traceback" not in out, out

