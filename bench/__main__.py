"""`make bench`: acknowledgement latency (SQLite, and PostgreSQL when it answers) beside a bare Bolt app and a
plain WSGI app, then digest building for 10,000 channels. Prints the figures and writes docs/benchmarks.md."""

from __future__ import annotations

import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import ack_latency, digest_bench

PG_URL = os.environ.get("BENCH_DATABASE_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _pg_reachable(url: str) -> bool:
    from tests.pg_probe import main as probe

    return probe(url) == 0


def _machine() -> str:
    model = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor() or "unknown CPU",
        )
        if Path("/proc/cpuinfo").exists()
        else platform.processor()
    )
    mem = ""
    if Path("/proc/meminfo").exists():
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB"
    return f"{os.cpu_count()} cores ({model}){mem}, Linux {platform.release()}, Python {platform.python_version()}"


def _markdown(acks: list[dict], digest: dict) -> str:
    out = [
        "# Benchmarks",
        "",
        f"Written by `make bench` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, on {_machine()}.",
        "",
        "## Acknowledgement latency",
        "",
        "A signed `/checklist status` on a 25-item checklist, sent over loopback to three apps served by the same",
        "gunicorn settings (gthread, 8 threads per worker): a plain WSGI app returning fixed JSON (the floor), a",
        "default bare Bolt app acknowledging the same command, and checklist-bot. The apps are measured in turns",
        "in the same run; the load comes from up to 4 client processes with keep-alive connections.",
        "checklist-bot is served by `checklist-bot serve` itself (its gunicorn worker class and settings), with",
        'LOG_LEVEL=WARNING (at the default INFO it also writes one log line per request). "CPU ms" is the CPU',
        "time (user + system) the serving processes spent per request: unlike latency and requests/s it hardly",
        "moves when other work shares the machine (`python -m bench.cpu` measures only that, quickly).",
        "",
    ]
    for ack in acks:
        out += [
            f"### {ack['database']}, {ack['workers']} worker(s), {ack['requests']} requests per app and concurrency",
            "",
            "| app | clients | p50 ms | p99 ms | p50 vs bare Bolt | p99 vs bare Bolt | requests/s | CPU ms | errors |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        out += [
            f"| {r['app']} | {r['clients']} | {r['p50']:.2f} | {r['p99']:.2f} | {r['r50']:.2f}x | {r['r99']:.2f}x "
            f"| {r['rate']:.0f} | {r['cpu']:.2f} | {r['errors']} |"
            for r in ack["rows"]
        ]
        out += ["", "RSS of the serving worker: " + ", ".join(f"{k} {v:.0f} MB" for k, v in ack["rss"].items()), ""]
    out += [
        "## Digest building",
        "",
        f"{digest['channels']:,} channels × 25 items, pending sign-offs included: built in {digest['seconds']:.2f} s "
        f"with {digest['sql_statements']} SQL statements, peak RSS {digest['peak_rss_mb']:.0f} MB.",
        "",
        "Targets: ack p50 at most 0.3x the bare Bolt app at 1 client; at 16 clients at least the bare Bolt app's",
        "requests/s and p99 under 30 ms (issue 12); no error under load (a non-200 answer stops the run); digests",
        "under 5 s and 300 MB.",
        "",
        *verdict(acks, digest),
        "",
    ]
    return "\n".join(out)


P99_AT_16_MS = 30.0


def verdict(acks: list[dict], digest: dict) -> list[str]:
    """One line per target: met, or missed with the figures (a run on a busy machine can miss; say so)."""
    lines = []
    for ack in acks:
        rows = {(r["app"], r["clients"]): r for r in ack["rows"]}
        for clients in sorted({c for _, c in rows}):
            ours, bare = rows[("checklist-bot", clients)], rows[("bare Bolt (default)", clients)]
            if clients == 1:
                checks = [(f"p50 {ours['r50']:.2f}x bare Bolt", ours["r50"] <= 0.3)]
            else:
                checks = [
                    (f"{ours['rate']:.0f} vs {bare['rate']:.0f} requests/s", ours["rate"] >= bare["rate"]),
                    (f"p99 {ours['p99']:.1f} ms", ours["p99"] < P99_AT_16_MS),
                ]
            checks.append((f"{ours['errors']} errors", ours["errors"] == 0))
            said = "; ".join(f"{text} {'met' if ok else 'MISSED'}" for text, ok in checks)
            lines.append(f"- {ack['database']}, {clients} client(s): {said}")
    said = "met" if digest_bench.met(digest) else "MISSED"
    lines.append(f"- digests: {digest['seconds']:.2f} s, {digest['peak_rss_mb']:.0f} MB {said}")
    return lines


def _fresh_pg_database(url: str) -> str:
    """A new, empty database beside the one in `url` (nothing left by the tests ticks in the background)."""
    import psycopg
    from sqlalchemy import make_url

    target = make_url(url).set(database="checklist_bench")
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS checklist_bench WITH (FORCE)")
        conn.execute("CREATE DATABASE checklist_bench")
    return target.render_as_string(hide_password=False)


def main() -> int:
    acks = [ack_latency.run()]
    if _pg_reachable(PG_URL):
        acks.append(ack_latency.run(database_url=_fresh_pg_database(PG_URL)))
    else:
        print(f"\nPostgreSQL does not answer at {PG_URL}: ack latency measured on SQLite only")
    digest = digest_bench.run()
    path = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
    path.parent.mkdir(exist_ok=True)
    path.write_text(_markdown(acks, digest))
    print("\nTargets:\n" + "\n".join(verdict(acks, digest)))
    print(f"\nwritten to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
