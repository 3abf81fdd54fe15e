"""Logging set-up: plain lines for people (the default), or `LOG_FORMAT=json` for a log pipeline.

JSON is one object per line: `time` (UTC, ISO 8601), `level`, `logger`, `message`, and for each request to
`/slack/events` also `team`, `channel`, `kind`, `subcommand`, `latency_ms`, `outcome` and `status`. No user's text
goes into a record: the request line carries ids and names from a bounded set, and an exception is logged as its
class and stack (file, line, function), never its message, which may quote what someone typed.
"""

from __future__ import annotations

import json
import logging
import traceback
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

REQUEST_FIELDS = ("team", "channel", "kind", "subcommand", "latency_ms", "outcome", "status")
NOISY = ("alembic", "apscheduler")  # they announce every step at INFO; their warnings are what counts


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace(
                "+00:00", "Z"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in REQUEST_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                out[name] = value
        if record.exc_info and record.exc_info[0] is not None:
            out["error"] = record.exc_info[0].__name__
            out["stack"] = "".join(traceback.format_tb(record.exc_info[2])).rstrip()
        return json.dumps(out, ensure_ascii=False, default=str)


def formatter(fmt: str) -> logging.Formatter:
    if fmt == "json":
        return JsonFormatter()
    return logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")


def configure(level: str, fmt: str = "text") -> None:
    """The root logger writes to stderr at `level`, as plain lines or JSON."""
    root = logging.getLogger()
    handler = logging.StreamHandler()
    handler.setFormatter(formatter(fmt))
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(getattr(logging, level))
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(max(getattr(logging, level), logging.WARNING))


def gunicorn_logger_class(fmt: str) -> type[Logger]:
    """gunicorn's own log lines (start, workers, signals) in the same format as ours."""
    from gunicorn.glogging import Logger

    class GunicornLogger(Logger):
        def setup(self, cfg: Config) -> None:
            super().setup(cfg)
            for handler in self.error_log.handlers:
                handler.setFormatter(formatter(fmt))

    return GunicornLogger
