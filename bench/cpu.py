"""CPU per acknowledged request, measured on the serving processes: a figure that holds on a busy machine.

Wall-clock latency and requests/s move with whatever else runs on the machine; the CPU the server's processes
spend per request barely does. This serves the same three apps as `bench.ack_latency` (same gunicorn settings,
same seeded 25-item checklist, same signed `/checklist status`), sends `n` requests to each, and divides the CPU
time (user + system, from /proc) the server's processes used by the number of requests.

    python -m bench.cpu [--n 2000] [--clients 1 16] [--apps plain bare ours] [--rounds 3]

Prints, per app and concurrency, the median over `rounds` of the CPU milliseconds per request. Linux only.
"""

from __future__ import annotations

import argparse
import statistics
import sys

from bench.ack_latency import GUNICORN, SECRET, SEED, _free_port, _measure, _start, cpu_seconds, server_env, stop_all
from tests.fake.driver import http_transport
from tests.fake.server import FakeSlack
from tests.fake.signed import Signer


def run(n: int, clients: list[int], apps: list[str], rounds: int, database_url: str | None) -> dict:
    fake = FakeSlack().start()
    env = server_env(fake, database_url, "checklist-bench-cpu-")
    py = sys.executable
    commands = {
        "plain": (
            "plain WSGI (floor)",
            lambda p: [py, "-m", "gunicorn", *GUNICORN, "-b", f"127.0.0.1:{p}", "bench.apps:plain"],
        ),
        "bare": (
            "bare Bolt (default)",
            lambda p: [py, "-m", "gunicorn", *GUNICORN, "-b", f"127.0.0.1:{p}", "bench.apps:bare_bolt"],
        ),
        "ours": ("checklist-bot", lambda p: [py, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(p)]),
    }
    targets = []
    signer = Signer(SECRET)
    try:
        for key in apps:
            name, cmd = commands[key]
            port = _free_port()
            target = _start(name, cmd(port), env, port)
            targets.append(target)
            if key == "ours":
                send = http_transport(target.url)
                for text in ("start", *SEED):
                    send(
                        signer.command(
                            text, user_id="UBENCH", channel_id="CBENCH", response_url=fake.new_response_url()
                        )
                    )
            _measure(target.url, signer, fake, 300, 1)  # warm up
        out: dict = {}
        for c in clients:
            for _ in range(rounds):
                for t in targets:
                    before = cpu_seconds(t.proc.pid)
                    times = _measure(t.url, signer, fake, n, c)
                    used = cpu_seconds(t.proc.pid) - before
                    errors = sum(1 for x in times if x < 0)
                    if errors:
                        raise SystemExit(f"{t.name}: {errors} requests failed")
                    out.setdefault((t.name, c), []).append(used / len(times) * 1000)
        print(f"CPU ms per request (server processes, user+system), median of {rounds} x {n} requests")
        print(f"{'app':<22}{'clients':>8}{'cpu ms':>9}   rounds")
        for (name, c), values in out.items():
            print(f"{name:<22}{c:>8}{statistics.median(values):>9.3f}   " + " ".join(f"{v:.3f}" for v in values))
        return out
    finally:
        stop_all(targets, fake)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cpu", description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--apps", nargs="+", choices=["plain", "bare", "ours"], default=["plain", "bare", "ours"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    run(args.n, args.clients, args.apps, args.rounds, args.database_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
