"""Prometheus metrics, served at `/metrics` by `checklist-bot serve`, and the record of the request being answered,
which the metrics and the request log line share.

gunicorn runs several worker processes: `serve` points PROMETHEUS_MULTIPROC_DIR at a fresh folder before the
workers fork (see `multiprocess_dir`), so prometheus_client keeps each worker's values in files there and a scrape
of any worker adds them all up. Elsewhere (tests, Socket Mode, the console) the values live in this process and
nothing serves them. Labels are bounded sets (subcommands, Web API methods, outcomes): never ids or user text.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from sqlalchemy import event

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

COMMANDS = Counter(
    "checklist_commands", "Slash commands answered, by subcommand and outcome", ["subcommand", "outcome"]
)
ACK_SECONDS = Histogram(
    "checklist_ack_seconds",
    "Time from receiving a Slack request to answering it (Slack allows 3 s), by kind of request",
    ["kind"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0),
)
SLACK_API_CALLS = Counter(
    "checklist_slack_api_calls",
    "Web API requests (each attempt), by method and outcome: ok, ratelimited (HTTP 429), http_5xx, "
    "connection_error, or Slack's error code",
    ["method", "outcome"],
)
SLACK_API_RETRIES = Counter("checklist_slack_api_retries", "Web API requests that were retries, by method", ["method"])
DIGESTS = Counter("checklist_digests", "Scheduled digests by outcome: posted, failed, paused, skipped", ["outcome"])
NUDGES = Counter("checklist_nudges", "Overdue-item DMs by outcome: posted, failed", ["outcome"])
SCHEDULER_LAG = Gauge(
    "checklist_scheduler_lag_seconds",
    "How late the last scheduler tick started after its scheduled time",
    multiprocess_mode="livemax",
)
SCHEDULER_LAST_TICK = Gauge(
    "checklist_scheduler_last_tick_timestamp_seconds",
    "When the scheduler last ticked (Unix time)",
    multiprocess_mode="max",
)
DATABASE_ERRORS = Counter(
    "checklist_database_errors", "Errors from the database driver, by kind (disconnect or the error's class)", ["kind"]
)

_METHOD = re.compile(r"[a-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)+")
_children: dict[tuple[Any, ...], Any] = {}


def child(metric: Any, *labels: str) -> Any:
    """`metric.labels(*labels)`, remembered: `labels()` takes a lock and builds keys on every call, which is most
    of a metric's cost on the acknowledgement path. Label sets are bounded, so this stays small."""
    key = (metric, *labels)
    found = _children.get(key)
    if found is None:
        found = _children[key] = metric.labels(*labels)
    return found


# -- the request being answered ---------------------------------------------------------------------------------


@dataclass
class RequestRecord:
    """What is known about the request this thread is answering; the log line and the metrics are made from it.

    Only ids and bounded names go in here, never what anyone typed."""

    start: float
    kind: str = "other"  # command | block_actions | view_submission | event | … | unverified
    team: str | None = None
    channel: str | None = None
    subcommand: str | None = None
    outcome: str = "ok"


_local = threading.local()
request_log = logging.getLogger("checklist-bot.requests")


def begin() -> RequestRecord:
    record = RequestRecord(start=time.perf_counter())
    _local.record = record
    return record


def current() -> RequestRecord | None:
    return getattr(_local, "record", None)


def finish(record: RequestRecord, status: int | None = None) -> None:
    """Observe the acknowledgement time and write the request's one log line."""
    _local.record = None
    latency = time.perf_counter() - record.start
    if status is not None and status >= 400 and record.outcome == "ok":
        record.outcome = "rejected" if status in (400, 401, 403, 404, 405, 413) else "error"
        if record.kind == "other" and status == 401:
            record.kind = "unverified"  # Bolt refused the signature: nothing in the body is believed
    child(ACK_SECONDS, record.kind).observe(latency)
    if request_log.isEnabledFor(logging.INFO):
        request_log.info(
            "%s%s %s in %.1f ms",
            record.kind,
            f" {record.subcommand}" if record.subcommand else "",
            record.outcome,
            latency * 1000,
            extra={
                "team": record.team,
                "channel": record.channel,
                "subcommand": record.subcommand,
                "kind": record.kind,
                "latency_ms": round(latency * 1000, 2),
                "outcome": record.outcome,
                "status": status,
            },
        )


def note_request(body: dict[str, Any]) -> None:
    """Fill in the current record from a verified request's body (`VerifiedOnce` calls this)."""
    record = current()
    if record is None or not isinstance(body, dict):
        return
    if body.get("command"):
        record.kind = "command"
        record.team, record.channel = body.get("team_id"), body.get("channel_id")
        return
    kind = body.get("type")
    if kind == "event_callback":
        record.kind = "event"
        ev = body["event"] if isinstance(body.get("event"), dict) else {}
        record.team, record.channel = body.get("team_id"), ev.get("channel")
        return
    if kind in ("block_actions", "view_submission", "view_closed", "block_suggestion", "shortcut", "message_action"):
        record.kind = kind
        team, channel = body.get("team"), body.get("channel")
        record.team = team.get("id") if isinstance(team, dict) else None
        record.channel = channel.get("id") if isinstance(channel, dict) else None


def note_outcome(outcome: str) -> None:
    record = current()
    if record is not None:
        record.outcome = outcome


def command_done(subcommand: str, outcome: str) -> None:
    child(COMMANDS, subcommand, outcome).inc()
    record = current()
    if record is not None:
        record.subcommand, record.outcome = subcommand, outcome


# -- the Web API ----------------------------------------------------------------------------------------------


class WebApiObserver(RetryHandler):
    """Counts every Web API attempt and retry; never retries itself.

    slack_sdk asks each retry handler about every response (200s included, with the parsed body) and every
    connection error, in order, until one retries: placed first, this sees them all. Bolt copies the handlers
    into the client it makes for each request, so listeners' calls are counted too."""

    def __init__(self) -> None:
        super().__init__(max_retry_count=0)

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        method = request.url.rstrip("/").rsplit("/", 1)[-1].split("?")[0]
        method = method if _METHOD.fullmatch(method) and len(method) <= 60 else "other"
        if state.current_attempt > 0:
            child(SLACK_API_RETRIES, method).inc()
        child(SLACK_API_CALLS, method, _api_outcome(response)).inc()
        return False


def _api_outcome(response: Any) -> str:
    if response is None:
        return "connection_error"
    status = response.status_code
    if status == 429:
        return "ratelimited"
    if status >= 500:
        return "http_5xx"
    if status != 200:
        return f"http_{status}" if status in (400, 401, 403, 404, 410) else "http_other"
    body = response.body if isinstance(response.body, dict) else {}
    if body.get("ok", True):
        return "ok"
    error = str(body.get("error") or "error")
    return error if re.fullmatch(r"[a-z_]{1,40}", error) else "error"


# -- the scheduler and the database ---------------------------------------------------------------------------


def tick_started(scheduled: float | None, now: float | None = None) -> None:
    now = time.time() if now is None else now
    SCHEDULER_LAST_TICK.set(now)
    if scheduled is not None:
        SCHEDULER_LAG.set(max(0.0, now - scheduled))


def count_reminders(report: Any) -> None:
    """Count what one reminders run did (a `RunReport`). Its `failed` holds both kinds: a digest's key is
    "team:channel" (C…, G…), a nudge's a user id (U…, W…), or "team:user" with OAuth; a paused digest is also
    in `failed` and is counted as paused only."""
    paused = set(report.paused)
    failed_nudges = [k for k in report.failed if k.rsplit(":", 1)[-1][:1] in ("U", "W")]
    failed_digests = [k for k in report.failed if k not in paused and k not in failed_nudges]
    for counter, outcome, keys in (
        (DIGESTS, "posted", report.posted),
        (DIGESTS, "paused", report.paused),
        (DIGESTS, "skipped", report.skipped),
        (DIGESTS, "failed", failed_digests),
        (NUDGES, "posted", report.nudged),
        (NUDGES, "failed", failed_nudges),
    ):
        if keys:
            counter.labels(outcome).inc(len(keys))


def watch_database(engines: Iterator[Any] | list[Any]) -> None:
    """Count the driver's errors on these SQLAlchemy engines (connection refused, dropped, timeouts, …)."""

    def on_error(context: Any) -> None:
        if context.is_disconnect:
            kind = "disconnect"
        else:
            kind = type(context.original_exception).__name__[:40]
        DATABASE_ERRORS.labels(kind).inc()

    for engine in engines:
        if not event.contains(engine, "handle_error", on_error):
            event.listen(engine, "handle_error", on_error)


class UnknownClaims:
    """At scrape time: digests and nudges whose claim was left `unknown` (a process died while posting, so they
    are never retried). One small query per scrape, from whichever worker is scraped."""

    def __init__(self, count: Callable[[], dict[str, int]]) -> None:
        self.count = count

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "checklist_claims_unknown",
            "Side effects of unknown outcome (uncertain and impossible to look up; never retried), by kind: "
            "digest, nudge, effect (the outbox)",
            labels=["kind"],
        )
        try:
            counts = self.count()
        except Exception:  # noqa: BLE001  (the database is down: database_errors says so; no value now)
            return
        for kind, n in sorted(counts.items()):
            family.add_metric([kind], n)
        yield family


# -- exposition ------------------------------------------------------------------------------------------------


def exposition(extra: Sequence[Collector] = ()) -> tuple[bytes, str]:
    """The text format of every metric: added up over the workers' files under gunicorn, else this process's."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # prometheus_client has no hints here
    else:
        registry = CollectorRegistry()
        registry.register(_Default())
    for collector in extra:
        registry.register(collector)
    return generate_latest(registry), CONTENT_TYPE_PLAIN_0_0_4  # every Prometheus reads 0.0.4


class _Default(Collector):
    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def worker_gone(pid: int) -> None:
    """gunicorn's child_exit: drop the live gauges of a worker that exited."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]  # prometheus_client has no hints here
