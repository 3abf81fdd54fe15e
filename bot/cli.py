"""`checklist-bot`: serve (HTTP), socket (Socket Mode), console (local, no Slack needed).

Bare `checklist-bot` picks the mode from the variables that are set and says which.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys

from .config import ConfigError, Settings, configure_logging, load_settings

log = logging.getLogger("checklist-bot")


def check_templates(settings: Settings) -> None:
    """Validate the team's templates before anything starts: one line (file, line, what is wrong) and exit 2."""
    if settings.templates_dir:
        from .templates import TemplateError, load_templates

        try:
            load_templates(settings.templates_dir)
        except TemplateError as exc:
            raise ConfigError(f"TEMPLATES_DIR: {exc}") from None


def _runtime(settings: Settings):
    from slack_bolt.error import BoltError

    from .app import create_runtime

    try:
        return create_runtime(settings)
    except BoltError as exc:
        raise ConfigError(f"SLACK_BOT_TOKEN was refused by Slack: {exc}") from None


def cmd_serve(settings: Settings, host: str, port: int) -> int:
    from .server import serve

    settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    print(f"checklist-bot: serving HTTP on http://{host}:{port}/slack/events (health: /healthz)", file=sys.stderr)
    # The reminder scheduler starts in the worker once the app is loaded and stops with it.
    serve(
        lambda: _runtime(settings),
        host,
        port,
        workers=settings.web_concurrency,
        on_ready=lambda rt: rt.start_scheduler(),
    )
    return 0


def cmd_socket(settings: Settings) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    settings.require("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")
    rt = _runtime(settings)
    print("checklist-bot: connecting to Slack in Socket Mode", file=sys.stderr)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop cleanly: finish, close the pool and DB
    rt.start_scheduler()
    try:
        SocketModeHandler(rt.app, settings.app_token).start()
    finally:
        rt.close()
    return 0


def cmd_console(settings: Settings, args: argparse.Namespace) -> int:
    from .console import run_console

    return run_console(settings, user=args.user, channel=args.channel, now=args.now)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="checklist-bot", description=__doc__)
    sub = parser.add_subparsers(dest="mode")
    serve = sub.add_parser("serve", help="serve Slack's requests over HTTP at /slack/events")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=None, help="default: $PORT or 3000")
    sub.add_parser("socket", help="connect to Slack in Socket Mode (needs SLACK_APP_TOKEN)")
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
        configure_logging(settings.log_level)
        check_templates(settings)
        mode = args.mode
        if mode is None:
            mode = {"http": "serve", "socket": "socket", "console": "console"}[settings.mode]
            why = {
                "serve": "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are set",
                "socket": "SLACK_BOT_TOKEN and SLACK_APP_TOKEN are set",
                "console": "no Slack tokens are set",
            }[mode]
            print(f"checklist-bot: starting {mode} mode ({why})", file=sys.stderr)
        if mode == "serve":
            return cmd_serve(settings, getattr(args, "host", "0.0.0.0"), getattr(args, "port", None) or settings.port)
        if mode == "socket":
            return cmd_socket(settings)
        return cmd_console(settings, args)
    except ConfigError as exc:
        print(f"checklist-bot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
