"""`checklist-bot`: serve (HTTP), socket (Socket Mode), console (local, no Slack needed).

Bare `checklist-bot` picks the mode from the variables that are set and says which.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from bot.config import ConfigError, Settings, configure_logging, load_settings

if TYPE_CHECKING:
    from slack_sdk.socket_mode.client import BaseSocketModeClient as SocketModeClient
    from slack_sdk.socket_mode.request import SocketModeRequest

    from bot.app import Runtime
    from bot.lifecycle import Lifecycle
    from storage.db import Database

T = TypeVar("T")

log = logging.getLogger("checklist-bot")


def check_templates(settings: Settings) -> None:
    """Validate the team's templates before anything starts: one line (file, line, what is wrong) and exit 2."""
    if settings.templates_dir:
        from bot.checklists.templates import TemplateError, load_templates

        try:
            load_templates(settings.templates_dir)
        except TemplateError as exc:  # one line per bad file, each read as main() prints the first
            lines = [f"TEMPLATES_DIR: {line}" for line in str(exc).splitlines()]
            raise ConfigError("\nchecklist-bot: ".join(lines)) from None


def _runtime(settings: Settings) -> Runtime:
    from slack_bolt.error import BoltError

    from bot.app import create_runtime

    try:
        return create_runtime(settings)
    except BoltError as exc:
        raise ConfigError(f"SLACK_BOT_TOKEN was refused by Slack: {exc}") from None


def check_slack(settings: Settings) -> None:
    """`auth.test` with SLACK_BOT_TOKEN before any worker starts: a refused token or an unreachable Slack is one
    line and exit code 2, not a traceback per worker."""
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError
    from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler

    quiet = logging.getLogger("checklist-bot.startup")  # the one line below says it all; no retry chatter
    quiet.setLevel(logging.CRITICAL)
    client = WebClient(
        token=settings.bot_token,
        base_url=settings.api_url,
        timeout=10,
        retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=1)],
        logger=quiet,
    )
    try:
        client.auth_test()
    except SlackApiError as exc:
        status = exc.response.status_code
        if status != 200:
            raise ConfigError(f"SLACK_API_URL: Slack answered HTTP {status} at {settings.api_url}; try again") from None
        error = exc.response.get("error") or "refused"
        raise ConfigError(
            f"SLACK_BOT_TOKEN was refused by Slack ({error}); copy it again from OAuth & Permissions"
        ) from None
    except Exception as exc:  # noqa: BLE001  (DNS, refused or timed-out connections, TLS: Slack is unreachable)
        reason = getattr(exc, "reason", None) or exc
        raise ConfigError(f"SLACK_API_URL: Slack does not answer at {settings.api_url} ({_one_line(reason)})") from None


def _one_line(value: object) -> str:
    lines = str(value).strip().splitlines()
    return (lines[0] if lines else type(value).__name__)[:200]


def cmd_serve(settings: Settings, host: str, port: int) -> int:
    from sqlalchemy.exc import OperationalError

    from bot import schema
    from storage.db import Database

    if settings.oauth:
        settings.require("SLACK_SIGNING_SECRET")
    else:
        settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
        check_slack(settings)
    # Migrate (or check the schema) once before the workers start, so a refusal is one line and exit code 2.
    db = Database(settings.database_url)
    try:
        try:
            schema.prepare_now(db, upgrade=settings.db_upgrade_on_start)
        except OperationalError as exc:
            raise ConfigError(f"DATABASE_URL: the database does not answer ({_one_line(exc.orig or exc)})") from None
    finally:
        db.dispose()

    # Metrics: each worker writes its values to files in this folder, so /metrics adds the workers up. It must be
    # set before prometheus_client is first imported (by .server below).
    metrics_dir, cleanup = _metrics_dir()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    from bot.slack.server import serve

    say = _announcer(settings)
    say(f"serving HTTP on http://{host}:{port}/slack/events (health: /healthz, metrics: /metrics)")
    if settings.oauth:
        say(f"workspaces install the app at http://{host}:{port}/slack/install")
    try:
        # The reminder scheduler starts in the worker once the app is loaded and stops with it.
        serve(
            lambda: _runtime(settings),
            host,
            port,
            workers=settings.web_concurrency,
            on_ready=lambda rt: rt.start_scheduler(),
            log_format=settings.log_format,
        )
    finally:
        cleanup()
    return 0


def _announcer(settings: Settings) -> Callable[[str], None]:
    """Start-up announcements: a plain line for people, or a log record when the log is JSON (one object a line)."""
    if settings.log_format == "json":
        return log.info
    return lambda text: print(f"checklist-bot: {text}", file=sys.stderr)


def _metrics_dir() -> tuple[str, Callable[[], None]]:
    """A folder for this serve run's metric files, and how to clean it up: PROMETHEUS_MULTIPROC_DIR if the operator
    set one (emptied now), else a new temporary folder (removed when serve ends). Imports nothing of
    prometheus_client, which must first be imported after the variable is set."""
    if "prometheus_client" in sys.modules:  # too late for multiprocess mode: a bug, say so
        log.warning("metrics: prometheus_client was imported before serve set PROMETHEUS_MULTIPROC_DIR")
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
    if given:
        os.makedirs(given, exist_ok=True)
        for name in os.listdir(given):
            if name.endswith(".db"):
                os.unlink(os.path.join(given, name))
        return given, lambda: None
    path = tempfile.mkdtemp(prefix="checklist-bot-metrics-")
    owner = os.getpid()

    def cleanup() -> None:
        if os.getpid() == owner:  # gunicorn's workers unwind through here too: only the master removes it
            shutil.rmtree(path, ignore_errors=True)
            os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)

    return path, cleanup


def cmd_socket(settings: Settings) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    if settings.oauth:
        raise ConfigError(
            "SLACK_CLIENT_ID is set, but Socket Mode serves only SLACK_BOT_TOKEN's workspace; "
            "many workspaces install over HTTP (`checklist-bot serve`)"
        )
    settings.require("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")
    rt = _runtime(settings)
    _announcer(settings)("connecting to Slack in Socket Mode")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop cleanly: finish, close the pool and DB
    rt.start_scheduler()
    try:
        observed_socket_mode(SocketModeHandler)(rt.app, settings.app_token).start()
    finally:
        rt.close()
    return 0


def observed_socket_mode(handler_class: type) -> type:
    """Bolt's Socket Mode handler, each request timed and logged as `serve`'s WSGI layer does it."""
    from bot import metrics

    class Observed(handler_class):  # type: ignore[misc]  # a class given at run time
        def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:
            record = metrics.begin()
            try:
                super().handle(client, req)
            finally:
                metrics.finish(record)

    return Observed


def cmd_console(settings: Settings, args: argparse.Namespace) -> int:
    from bot.console import run_console

    return run_console(settings, user=args.user, channel=args.channel, now=args.now)


def effects_summary(db: Database) -> str:
    """Side effects by state, the unknown ones first: what an operator checks after timeouts or crashes."""
    from sqlalchemy import func
    from sqlmodel import select

    from storage import outbox as oq
    from storage import schedules as sq

    with db.read() as session:
        effects = oq.counts(session)
        runs = dict(
            session.execute(select(sq.ReminderRun.status, func.count()).group_by(sq.ReminderRun.status)).all()
        )
    unknown = effects.get(oq.UNKNOWN, 0) + runs.get(sq.UNKNOWN, 0)
    parts = ", ".join(f"{n} {status}" for status, n in sorted(effects.items())) or "none"
    return (
        f"{unknown} side effect(s) of unknown outcome; outbox: {parts}; digests and nudges: "
        + (", ".join(f"{n} {status}" for status, n in sorted(runs.items())) or "none")
    )


def cmd_db(settings: Settings, action: str) -> int:
    from storage import migrate
    from storage.db import Database

    db = Database(settings.database_url)
    try:
        if action == "upgrade":
            migrate.upgrade(db)
        current, head = migrate.current(db), migrate.head()
        print(f"checklist-bot: database schema at revision {current or 'none'} (newest: {head})")
        if current == head:
            print(f"checklist-bot: {effects_summary(db)}")
        return 0 if current == head else 1
    except Exception as exc:  # noqa: BLE001  (one line, no traceback, for the operator)
        raise ConfigError(f"DATABASE_URL: {type(exc).__name__}: {str(exc).splitlines()[0]}") from None
    finally:
        db.dispose()


def cmd_forget_user(settings: Settings, user_id: str) -> int:
    """Replace a person's id everywhere with a pseudonym and drop their preferences (one line; exit 0)."""
    from storage.lifecycle import USER_ID

    if not USER_ID.fullmatch(user_id):
        raise ConfigError(f"forget-user: {user_id!r} is not a Slack user id (U… or W…, as in their profile's link)")
    done = _lifecycle(settings, lambda lc: lc.forget_user(user_id))
    if not done.rows:
        print(f"checklist-bot: forget-user: nothing is stored about {user_id}; nothing changed")
    else:
        where = ", ".join(f"{table} {n}" for table, n in sorted(done.tables.items()))
        print(
            f"checklist-bot: forget-user: {user_id} is now {done.pseudonym} in {done.rows} rows ({where}); "
            f"{len(done.checklists)} checklists record the erasure"
        )
    return 0


def cmd_purge_workspace(settings: Settings, team_id: str) -> int:
    """Delete everything kept about one workspace now (one line; exit 0)."""
    from storage.lifecycle import TEAM_ID

    if not TEAM_ID.fullmatch(team_id):
        raise ConfigError(f"purge-workspace: {team_id!r} is not a Slack workspace id (T… or E…)")
    rows = _lifecycle(settings, lambda lc: lc.purge_workspace(team_id))
    print(f"checklist-bot: purge-workspace: deleted {rows} rows of workspace {team_id}")
    return 0


def _lifecycle(settings: Settings, work: Callable[[Lifecycle], T]) -> T:
    from bot import schema
    from bot.clock import Clock
    from bot.lifecycle import Lifecycle
    from storage.db import Database

    db = Database(settings.database_url)
    try:
        schema._prepare(db, upgrade=settings.db_upgrade_on_start)  # fails at once, no retrying in the background
        return work(Lifecycle(db, Clock()))
    except ConfigError:
        raise
    except Exception as exc:  # noqa: BLE001  (one line, no traceback, for the operator)
        raise ConfigError(f"DATABASE_URL: {type(exc).__name__}: {str(exc).splitlines()[0]}") from None
    finally:
        db.dispose()


def cmd_audit(settings: Settings, args: argparse.Namespace) -> int:
    """`audit verify [--hash H]`: check every checklist's event chain; name the first broken link of each.
    Exit 0 when all are intact, 1 when one is broken (or the hash is not found)."""
    from storage import audit
    from storage.db import Database

    db = Database(settings.database_url)
    try:
        with db.read() as session:
            chains = audit.verify(session)
            found = audit.find(session, args.hash) if args.hash else None
    except Exception as exc:  # noqa: BLE001  (one line, no traceback, for the operator)
        raise ConfigError(f"DATABASE_URL: {type(exc).__name__}: {str(exc).splitlines()[0]}") from None
    finally:
        db.dispose()
    broken = [c.broken for c in chains if c.broken is not None]
    events = sum(c.events for c in chains)
    for link in broken:
        print(f"checklist-bot: audit: BROKEN {link.describe()}")
    if args.verbose:
        for c in chains:
            print(f"checklist-bot: audit: checklist {c.checklist_id}: {c.events} events, head {c.head}")
    status = 0 if not broken else 1
    if args.hash:
        if found is None:
            print(f"checklist-bot: audit: no event has the hash {args.hash}")
            status = 1
        else:
            print(
                f"checklist-bot: audit: {args.hash} is event {found.id} of checklist {found.checklist_id} "
                f"({found.action}, {found.at.isoformat()})"
            )
    print(
        f"checklist-bot: audit: {len(chains)} chains, {events} events: "
        + ("all intact" if not broken else f"{len(broken)} broken")
    )
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="checklist-bot", description=__doc__)
    sub = parser.add_subparsers(dest="mode")
    serve = sub.add_parser("serve", help="serve Slack's requests over HTTP at /slack/events")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=None, help="default: $PORT or 3000")
    sub.add_parser("socket", help="connect to Slack in Socket Mode (needs SLACK_APP_TOKEN)")
    db = sub.add_parser("db", help="database schema: `db upgrade` migrates to the newest revision")
    db.add_argument("action", choices=["upgrade", "status"])
    audit = sub.add_parser("audit", help="`audit verify`: check the hash chain of every checklist's record")
    audit.add_argument("action", choices=["verify"])
    audit.add_argument("--hash", default=None, help="also say which event has this hash (an export's head)")
    audit.add_argument("--verbose", "-v", action="store_true", help="print each chain's length and head hash")
    forget = sub.add_parser("forget-user", help="erase a person: their id becomes a pseudonym everywhere")
    forget.add_argument("user_id", metavar="U…")
    purge = sub.add_parser("purge-workspace", help="delete everything kept about one workspace, now")
    purge.add_argument("team_id", metavar="T…")
    console = sub.add_parser("console", help="try it locally: Slack's side is played in this terminal")
    for p in (parser, console):
        p.add_argument("--user", default="U0LOCAL", help=argparse.SUPPRESS if p is parser else "acting user")
        p.add_argument("--channel", default="C0LOCAL", help=argparse.SUPPRESS if p is parser else "channel")
        p.add_argument(
            "--now", default=None, help=argparse.SUPPRESS if p is parser else "pretend it is this ISO date/time (UTC)"
        )
    args = parser.parse_args(argv)

    try:
        settings = load_settings()
        configure_logging(settings.log_level, settings.log_format)
        check_templates(settings)
        mode = args.mode
        if mode is None:
            mode = {"http": "serve", "socket": "socket", "console": "console"}[settings.mode]
            why = {
                "serve": "SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_SIGNING_SECRET are set: many workspaces"
                if settings.oauth
                else "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are set",
                "socket": "SLACK_BOT_TOKEN and SLACK_APP_TOKEN are set",
                "console": "no Slack tokens are set",
            }[mode]
            _announcer(settings)(f"starting {mode} mode ({why})")
        if mode == "serve":
            return cmd_serve(settings, getattr(args, "host", "0.0.0.0"), getattr(args, "port", None) or settings.port)
        if mode == "socket":
            return cmd_socket(settings)
        if mode == "db":
            return cmd_db(settings, args.action)
        if mode == "audit":
            return cmd_audit(settings, args)
        if mode == "forget-user":
            return cmd_forget_user(settings, args.user_id)
        if mode == "purge-workspace":
            return cmd_purge_workspace(settings, args.team_id)
        return cmd_console(settings, args)
    except ConfigError as exc:
        print(f"checklist-bot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
