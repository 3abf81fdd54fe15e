"""Acknowledgement latency of `/checklist status` on a planned 25-item checklist (several owners on most items,
two not applicable), beside a default bare Bolt app and a plain WSGI app, all under the same gunicorn settings
(1 worker, gthread, 8 threads), on loopback.

Run with `make bench`. Prints p50/p99 per app and concurrency, ratios to the bare Bolt app, and RSS.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from tests.fake.driver import http_transport
from tests.fake.server import FakeSlack
from tests.fake.signed import Signer

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"
WORKERS = os.environ.get("WEB_CONCURRENCY", "2")  # the same for all three apps; 2 is serve's default
GUNICORN = ["--workers", WORKERS, "--worker-class", "gthread", "--threads", "8", "--log-level", "warning"]


@dataclass
class Target:
    name: str
    proc: subprocess.Popen
    url: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120  # a loaded machine starts slowly
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stdout.read() if proc.stdout else ''}")
        try:
            with socket.create_connection(("127.0.0.1", int(url.split(":")[2].split("/")[0])), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


def _start(name: str, cmd: list[str], env: dict[str, str], port: int) -> Target:
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/slack/events"
    _wait(url, proc)
    return Target(name, proc, url)


def _worker_rss_mb(master: int) -> float:
    """RSS of the gunicorn worker (the process that holds the app)."""
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        pid = int(children[0]) if children else master
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return float("nan")


TICK = os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    """`pid` and its children (gunicorn's master and its workers)."""
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return [pid]
    return [pid, *(p for k in kids for p in _tree(int(k)))]


def cpu_seconds(pid: int) -> float:
    """User + system CPU of `pid` and its children so far (the threads of each included)."""
    total = 0
    for p in _tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat(5))
    return total / TICK


def _client_process(url: str, secret: str, response_url: str, threads: int, per_thread: int) -> list[float]:
    """One load-generating process: `threads` keep-alive clients sending the same command, each request signed
    afresh with its own trigger_id as Slack does (the app acknowledges a replayed request without running it)."""
    send = http_transport(url)
    times: list[float] = []
    lock = threading.Lock()
    signer = Signer(secret)

    def client() -> None:
        local = []
        for _ in range(per_thread):
            req = signer.command("status", user_id="UBENCH", channel_id="CBENCH", response_url=response_url)
            t0 = time.perf_counter()
            try:
                status, _ = send(req)
            except OSError:
                status = 0
            elapsed = time.perf_counter() - t0
            # An error is recorded as a negative time: counted apart, never mixed into the latencies.
            local.append(elapsed if status == 200 else -elapsed)
        with lock:
            times.extend(local)

    pool = [threading.Thread(target=client) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return times


SEED = (
    "contact technical <@UBENCH1> <@UBENCH2> <@UBENCH3>",
    "contact lead <@UBENCH4> <@UBENCH5>",
    "contact support <@UBENCH6>",
    "contact security <@UBENCH7> <@UBENCH8>",
    "plan 2026-12-07",
    "assign 3.4 <@UBENCH1> <@UBENCH2> <@UBENCH3> <@UBENCH4> <@UBENCH5>",
    "skip 6.1 hosted by the ministry",
    "skip 3.6 no endpoints beyond authentication",
    "done 1.1",
)


def _measure(url: str, signer: Signer, fake: FakeSlack, n: int, clients: int) -> list[float]:
    """`clients` concurrent clients, spread over up to 4 processes so the load generator's own GIL does
    not add to the latencies it measures."""
    response_url = fake.new_response_url()
    secret = signer.verifier.signing_secret
    procs = min(clients, 4)
    per_thread = max(n // clients, 1)
    if procs == 1:
        return _client_process(url, secret, response_url, clients, per_thread)
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(procs) as pool:
        parts = pool.starmap(
            _client_process, [(url, secret, response_url, clients // procs, per_thread) for _ in range(procs)]
        )
    return [t for part in parts for t in part]


def _pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] * 1000 if len(values) > 1 else 0.0


def stop_all(targets: list[Target], fake: FakeSlack) -> None:
    """SIGTERM every served app, wait for each (kill what does not stop in 20 s), then stop the fake Slack."""
    for t in targets:
        t.proc.send_signal(signal.SIGTERM)
    for t in targets:
        try:
            t.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            t.proc.kill()
    fake.stop()


def server_env(fake: FakeSlack, database_url: str | None, prefix: str) -> dict[str, str]:
    """The environment the served apps get: the fake Slack, a fresh SQLite file unless a database is given, and
    warnings only in the log (production's INFO writes a line a request)."""
    tmp = tempfile.mkdtemp(prefix=prefix)
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.api_url,
        "DATABASE_URL": database_url or f"sqlite:///{tmp}/bench.db",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("SLACK_APP_TOKEN", None)
    return env


def run(
    n: int = 2000, rounds: int = 4, concurrency: tuple[int, ...] = (1, 16), database_url: str | None = None
) -> dict:
    fake = FakeSlack().start()
    env = server_env(fake, database_url, "checklist-bench-")
    py = sys.executable
    targets = []
    try:
        p = _free_port()
        targets.append(
            _start(
                "plain WSGI (floor)",
                [py, "-m", "gunicorn", *GUNICORN, "-b", f"127.0.0.1:{p}", "bench.apps:plain"],
                env,
                p,
            )
        )
        p = _free_port()
        targets.append(
            _start(
                "bare Bolt (default)",
                [py, "-m", "gunicorn", *GUNICORN, "-b", f"127.0.0.1:{p}", "bench.apps:bare_bolt"],
                env,
                p,
            )
        )
        p = _free_port()
        ours = _start("checklist-bot", [py, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(p)], env, p)
        targets.append(ours)
        signer = Signer(SECRET)
        seed = http_transport(ours.url)(
            signer.command("start", user_id="UBENCH", channel_id="CBENCH", response_url=fake.new_response_url())
        )
        if seed[0] != 200 or "started" not in seed[1] and "already" not in seed[1]:
            raise SystemExit(f"could not start the checklist: {seed}")
        # A planned checklist as teams run it: several owners on most items, two not applicable, due dates.
        for text in SEED:
            http_transport(ours.url)(
                signer.command(text, user_id="UBENCH", channel_id="CBENCH", response_url=fake.new_response_url())
            )
        for t in targets:  # warm up
            _measure(t.url, signer, fake, 200, 1)

        results: dict[tuple[str, int], list[float]] = {}
        wall: dict[tuple[str, int], float] = {}
        cpu: dict[tuple[str, int], float] = {}  # CPU seconds of the serving processes (steady on a busy machine)
        for clients in concurrency:
            for _ in range(rounds):  # interleave the apps so machine noise hits all alike
                for t in targets:
                    t0, c0 = time.perf_counter(), cpu_seconds(t.proc.pid)
                    results.setdefault((t.name, clients), []).extend(
                        _measure(t.url, signer, fake, n // rounds, clients)
                    )
                    wall[(t.name, clients)] = wall.get((t.name, clients), 0.0) + time.perf_counter() - t0
                    cpu[(t.name, clients)] = cpu.get((t.name, clients), 0.0) + cpu_seconds(t.proc.pid) - c0

        rows = []
        for clients in concurrency:
            base = [x for x in results[("bare Bolt (default)", clients)] if x >= 0]
            b50, b99 = _pct(base, 50), _pct(base, 99)
            for t in targets:
                everything = results[(t.name, clients)]
                v = [x for x in everything if x >= 0]
                p50, p99 = _pct(v, 50), _pct(v, 99)
                rows.append(
                    {
                        "app": t.name,
                        "clients": clients,
                        "p50": p50,
                        "p99": p99,
                        "r50": p50 / b50,
                        "r99": p99 / b99,
                        "rate": len(everything) / wall[(t.name, clients)],
                        "cpu": cpu[(t.name, clients)] / len(everything) * 1000,
                        "requests": len(everything),
                        "errors": len(everything) - len(v),
                    }
                )
        rss = {t.name: _worker_rss_mb(t.proc.pid) for t in targets}
        label = "PostgreSQL" if env["DATABASE_URL"].startswith("postgresql") else "SQLite"
        print(
            f"\nAck latency of a signed `/checklist status` (25-item checklist) on {label}: gunicorn {WORKERS} "
            f"worker(s) × gthread 8, loopback, {os.cpu_count()} cores, {n} requests per app and concurrency"
        )
        print(
            f"{'app':<22}{'clients':>8}{'p50 ms':>9}{'p99 ms':>9}{'p50/bare':>10}{'p99/bare':>10}{'req/s':>8}"
            f"{'cpu ms':>8}{'errors':>8}"
        )
        for r in rows:
            print(
                f"{r['app']:<22}{r['clients']:>8}{r['p50']:>9.2f}{r['p99']:>9.2f}{r['r50']:>9.2f}x"
                f"{r['r99']:>9.2f}x{r['rate']:>8.0f}{r['cpu']:>8.2f}{r['errors']:>8}"
            )
        for name, mb in rss.items():
            print(f"RSS of the serving worker, {name}: {mb:.0f} MB")
        return {"database": label, "workers": WORKERS, "rows": rows, "rss": rss, "requests": n}
    finally:
        stop_all(targets, fake)


if __name__ == "__main__":
    run()
