"""`python -m bench`: run every benchmark in turn."""

from __future__ import annotations

import sys

from . import digest_bench


def main() -> int:
    digest_bench.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
