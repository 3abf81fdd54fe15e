"""`make bench`: every benchmark in this folder, one after the other."""

from __future__ import annotations

import sys

from . import ack_latency, digest_bench


def main() -> int:
    ack_latency.run()
    digest_bench.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
