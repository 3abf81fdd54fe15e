"""Digest building at scale: 10,000 channels × 25 items, in a SQLite file.

The database is filled in a child process (bulk Core inserts), so the peak RSS reported is that of building the
digests alone. Building = `iter_digests` (the runner's bulk reads) + `digest_view` (Block Kit) for every channel.
SQL statements are counted with a `before_cursor_execute` listener. Targets: under 5 s and 300 MB.

    python -m bench.digest_bench [--channels 10000] [--items 25]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, insert

TODAY = date(2026, 11, 30)
TARGET_SECONDS = 5.0
TARGET_MB = 300


def build_database(path: str, channels: int, items: int) -> None:
    """Fill a fresh SQLite file: `channels` checklists with `items` items each, a mix of done, overdue, due
    soon, unowned and later items."""
    from storage.db import Database
    from storage.models import Checklist, Item

    db = Database(f"sqlite:///{path}")
    db.create_all()
    created = datetime(2026, 10, 1, tzinfo=UTC)
    per_chunk = 1000
    with db.writer.begin() as conn:
        for start in range(0, channels, per_chunk):
            ids = range(start + 1, min(start + per_chunk, channels) + 1)
            conn.execute(
                insert(Checklist),
                [
                    {
                        "id": cid,
                        "team_id": "T0BENCH",
                        "channel_id": f"C{cid:08d}",
                        "template": "interop",
                        "title": f"Interoperability implementation #{cid}",
                        "created_by": "UBENCH",
                        "created_at": created,
                        "version": cid % 7,
                    }
                    for cid in ids
                ],
            )
            rows = []
            for cid in ids:
                for n in range(items):
                    phase, pos = divmod(n, 5)
                    kind = (cid + n) % 5  # 0 done, 1 overdue, 2 due soon, 3 later, 4 no date
                    rows.append(
                        {
                            "checklist_id": cid,
                            "phase_number": phase + 1,
                            "position": pos + 1,
                            "number": f"{phase + 1}.{pos + 1}",
                            "title": f"Item {phase + 1}.{pos + 1} of an interoperability workplan",
                            "status": "done" if kind == 0 else "open",
                            "owner_id": None if n % 3 == 0 else f"U{(cid * 7 + n) % 5000:05d}",
                            "due_date": {
                                1: TODAY - timedelta(days=1 + n % 9),
                                2: TODAY + timedelta(days=1 + n % 6),
                                3: TODAY + timedelta(days=30),
                            }.get(kind),
                            "signoff_role": "security" if n == 24 else None,
                        }
                    )
            conn.execute(insert(Item), rows)
    db.dispose()


def measure(path: str, channels: int) -> dict:
    """Build every channel's digest from the file at `path`; time, statements and peak RSS."""
    from bot.reminders.digest import DigestTarget, iter_digests, pending_signoffs
    from bot.reminders.messages import digest_view
    from storage.db import Database

    db = Database(f"sqlite:///{path}")
    statements = 0

    @event.listens_for(db.reader, "before_cursor_execute")
    def _count(*_args) -> None:
        nonlocal statements
        statements += 1

    targets = [
        DigestTarget("T0BENCH", f"C{cid:08d}", TODAY, cid, cid % 7 if cid % 2 else None, 3)
        for cid in range(1, channels + 1)
    ]
    started = time.perf_counter()
    built = blocks = quiet = 0
    for _target, digest in iter_digests(db, targets, signoffs=pending_signoffs):
        assert digest is not None
        view = digest_view(digest)
        built += 1
        blocks += len(view["blocks"])
        quiet += len(view["blocks"]) == 1
    seconds = time.perf_counter() - started
    db.dispose()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {
        "channels": built,
        "seconds": round(seconds, 2),
        "sql_statements": statements,
        "blocks": blocks,
        "quiet_digests": quiet,
        "peak_rss_mb": round(peak_mb, 1),
    }


def run(channels: int = 10_000, items: int = 25) -> dict:
    """Fill a temporary database in a child process, then measure here; print and return the figures."""
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "bench.db")
        t0 = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.digest_bench",
                "--build",
                path,
                "--channels",
                str(channels),
                "--items",
                str(items),
            ],
            check=True,
        )
        fill = time.perf_counter() - t0
        child = subprocess.run(
            [sys.executable, "-m", "bench.digest_bench", "--measure", path, "--channels", str(channels)],
            check=True,
            capture_output=True,
            text=True,
        )
    result = json.loads(child.stdout)
    ok = met(result)
    print(
        f"digests: {result['channels']:,} channels × {items} items (filled in {fill:.1f} s)\n"
        f"  built in {result['seconds']:.2f} s · {result['sql_statements']} SQL statements · "
        f"peak RSS {result['peak_rss_mb']:.0f} MB · {result['blocks']:,} blocks, {result['quiet_digests']:,} quiet\n"
        f"  target: < {TARGET_SECONDS:.0f} s and < {TARGET_MB} MB → {'OK' if ok else 'MISSED'}"
    )
    return result


def met(result: dict) -> bool:
    """Whether a digest run is within its targets (time and peak memory)."""
    return result["seconds"] < TARGET_SECONDS and result["peak_rss_mb"] < TARGET_MB


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--channels", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=25)
    parser.add_argument("--build", metavar="PATH", help=argparse.SUPPRESS)
    parser.add_argument("--measure", metavar="PATH", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.build:
        build_database(args.build, args.channels, args.items)
    elif args.measure:
        print(json.dumps(measure(args.measure, args.channels)))
    else:
        run(args.channels, args.items)
    return 0


if __name__ == "__main__":
    sys.exit(main())
