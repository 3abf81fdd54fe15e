"""Exit 0 when the PostgreSQL URL given answers within 3 seconds (used by `make test`)."""

import sys

import psycopg


def main(url: str) -> int:
    try:
        psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3).close()
        return 0
    except Exception:  # noqa: BLE001
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
