"""Settings from the environment (and `.env`). A missing or malformed variable stops start-up with one line."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from urllib.parse import urljoin, urlparse

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///checklist.db"
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
# The manifest's bot scopes: what an OAuth install asks for unless SLACK_SCOPES says otherwise.
DEFAULT_SCOPES = (
    "commands", "chat:write", "im:write", "im:history", "users:read", "files:write",
    "channels:history", "groups:history",
)
_CLIENT_ID = re.compile(r"\d+\.\d+")
_SCOPE = re.compile(r"[a-z][a-z0-9_.-]*(:[a-z0-9_.-]+)*")


class ConfigError(ValueError):
    """One line naming the variable and what is wrong with it."""


@dataclass(frozen=True)
class Settings:
    bot_token: str | None = None
    signing_secret: str | None = None
    app_token: str | None = None
    api_url: str = DEFAULT_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    port: int = 3000
    log_level: str = "INFO"
    log_format: str = "text"  # text | json (one object per line)
    templates_dir: str | None = None
    web_concurrency: int = 2
    db_upgrade_on_start: bool = True
    signoff_escalation_days: int = 3  # working days a sign-off may wait before it is re-sent and escalated
    client_id: str | None = None  # with client_secret: many workspaces, installed through OAuth
    client_secret: str | None = None
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    redirect_uri: str | None = None  # only needed when the manifest lists several redirect URLs
    api_timeout: float = 10.0  # seconds the Web API client waits for an answer (tests use less)
    db_request_timeout: float = 2.5  # seconds the database may take for one request, in all (storage/deadline.py)
    uninstall_retention_days: int = 30  # an uninstalled workspace's data is deleted this long after, unless it returns
    archive_retention_days: int | None = None  # archived checklists older than this are deleted; None keeps them

    @property
    def oauth(self) -> bool:
        """Many workspaces: tokens come from OAuth installations, not from SLACK_BOT_TOKEN."""
        return bool(self.client_id and self.client_secret)

    @property
    def oauth_authorize_url(self) -> str:
        """Slack's authorize page on the host of SLACK_API_URL (https://slack.com/oauth/v2/authorize by default)."""
        return urljoin(self.api_url, "../oauth/v2/authorize")

    @property
    def mode(self) -> str:
        """What bare `checklist-bot` runs: socket, http or console, from the variables that are set."""
        if self.oauth and self.signing_secret:
            return "http"
        if self.bot_token and self.app_token:
            return "socket"
        if self.bot_token and self.signing_secret:
            return "http"
        self._refuse_half_configured()
        return "console"

    def _refuse_half_configured(self) -> None:
        """Some Slack variables set, but not a whole mode: name what is missing instead of opening the console."""
        if self.oauth:
            raise ConfigError(
                "SLACK_SIGNING_SECRET is not set; SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (many workspaces) need it"
            )
        if self.bot_token:
            raise ConfigError(
                "SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode) is not set; SLACK_BOT_TOKEN alone "
                "runs no mode (unset it for the local console)"
            )
        given = [name for name in ("SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN") if getattr(self, _ATTRS[name])]
        if given:
            raise ConfigError(
                f"SLACK_BOT_TOKEN is not set; {given[0]} is, and needs it (unset both for the local console)"
            )

    def require(self, *names: str) -> None:
        for name in names:
            attr = _ATTRS[name]
            if not getattr(self, attr):
                raise ConfigError(f"{name} is not set; it is needed for this mode (see .env.example)")


_ATTRS = {
    "SLACK_BOT_TOKEN": "bot_token",
    "SLACK_SIGNING_SECRET": "signing_secret",
    "SLACK_APP_TOKEN": "app_token",
    "SLACK_CLIENT_ID": "client_id",
    "SLACK_CLIENT_SECRET": "client_secret",
}


def drop_blank_variables(environ: MutableMapping[str, str]) -> None:
    """A blank variable means "not set" here (a .env copied from .env.example is full of them), but libraries read
    the environment too: Bolt turns OAuth on when SLACK_CLIENT_ID is present at all, even empty, and gunicorn
    fails on an empty WEB_CONCURRENCY. So blank ones are removed from this process's environment."""
    for name in [n for n, value in environ.items() if not value.strip()]:
        if name.startswith("SLACK_") or name in BLANK_MEANS_UNSET:
            del environ[name]


BLANK_MEANS_UNSET = frozenset(
    {"DATABASE_URL", "PORT", "WEB_CONCURRENCY", "LOG_LEVEL", "LOG_FORMAT", "TEMPLATES_DIR", "DB_UPGRADE_ON_START"}
    | {"SIGNOFF_ESCALATION_DAYS", "PROMETHEUS_MULTIPROC_DIR", "DB_REQUEST_TIMEOUT"}
)


def _token(env: Mapping[str, str], name: str, prefix: str) -> str | None:
    value = env.get(name, "").strip()
    if not value:
        return None
    if not value.startswith(prefix) or any(c.isspace() for c in value):
        raise ConfigError(f"{name} is malformed: expected a token starting with {prefix!r}")
    return value


def load_settings(env: Mapping[str, str] | None = None, *, dotenv: bool = True) -> Settings:
    """Read the settings; `.env` in the working directory fills in what the environment lacks."""
    if env is None:
        if dotenv:
            from dotenv import load_dotenv

            load_dotenv(".env", override=False)
        drop_blank_variables(os.environ)
        env = os.environ

    secret = env.get("SLACK_SIGNING_SECRET", "").strip() or None
    if secret is not None and (len(secret) < 8 or any(c.isspace() for c in secret)):
        raise ConfigError("SLACK_SIGNING_SECRET is malformed: copy it from Basic Information → App Credentials")

    api_url = env.get("SLACK_API_URL", "").strip() or DEFAULT_API_URL
    parsed = urlparse(api_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(f"SLACK_API_URL is malformed: {api_url!r} is not an http(s) URL")
    if not api_url.endswith("/"):
        api_url += "/"

    database_url = env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
    try:
        from sqlalchemy import make_url

        url = make_url(database_url)
        backend = url.get_backend_name()
    except Exception:  # noqa: BLE001  (any parse failure is a malformed value)
        raise ConfigError("DATABASE_URL is malformed: use sqlite:///path.db or postgresql+psycopg://…") from None
    if backend not in ("sqlite", "postgresql"):
        raise ConfigError(f"DATABASE_URL uses {backend!r}: only sqlite and postgresql are supported")
    if url.drivername == "postgresql":  # no driver named: use psycopg 3, which we install
        database_url = url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if backend == "sqlite" and (not url.database or url.database == ":memory:"):
        raise ConfigError("DATABASE_URL: SQLite needs a file, e.g. sqlite:///checklist.db")

    port_raw = env.get("PORT", "").strip() or "3000"
    if not port_raw.isdigit() or not 0 < int(port_raw) < 65536:
        raise ConfigError(f"PORT is malformed: {port_raw!r} is not a port number (1-65535)")

    level = (env.get("LOG_LEVEL", "").strip() or "INFO").upper()
    if level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL is malformed: {level!r}; use one of {', '.join(LOG_LEVELS)}")

    log_format = (env.get("LOG_FORMAT", "").strip() or "text").lower()
    if log_format not in ("text", "json"):
        raise ConfigError(f"LOG_FORMAT is malformed: {log_format!r}; use text or json")

    templates_dir = env.get("TEMPLATES_DIR", "").strip() or None
    if templates_dir and not os.path.isdir(templates_dir):
        raise ConfigError(f"TEMPLATES_DIR is malformed: {templates_dir!r} is not a folder")

    escalation_raw = env.get("SIGNOFF_ESCALATION_DAYS", "").strip() or "3"
    if not escalation_raw.isdigit() or not 0 < int(escalation_raw) <= 60:
        raise ConfigError(f"SIGNOFF_ESCALATION_DAYS is malformed: {escalation_raw!r} is not a number of days (1-60)")

    workers_raw = env.get("WEB_CONCURRENCY", "").strip() or "2"
    if not workers_raw.isdigit() or not 1 <= int(workers_raw) <= 32:
        raise ConfigError(f"WEB_CONCURRENCY is malformed: {workers_raw!r}; use a number of worker processes (1-32)")

    client_id = env.get("SLACK_CLIENT_ID", "").strip() or None
    if client_id is not None and not _CLIENT_ID.fullmatch(client_id):
        raise ConfigError("SLACK_CLIENT_ID is malformed: copy it from Basic Information → App Credentials (123.456)")
    client_secret = env.get("SLACK_CLIENT_SECRET", "").strip() or None
    if client_secret is not None and (len(client_secret) < 8 or any(c.isspace() for c in client_secret)):
        raise ConfigError("SLACK_CLIENT_SECRET is malformed: copy it from Basic Information → App Credentials")
    if bool(client_id) != bool(client_secret):
        missing = "SLACK_CLIENT_SECRET" if client_id else "SLACK_CLIENT_ID"
        raise ConfigError(f"{missing} is not set; SLACK_CLIENT_ID and SLACK_CLIENT_SECRET turn on OAuth together")
    scopes_raw = env.get("SLACK_SCOPES", "").strip()
    scopes = tuple(s.strip() for s in scopes_raw.split(",")) if scopes_raw else DEFAULT_SCOPES
    bad = [s for s in scopes if not _SCOPE.fullmatch(s)]
    if bad:
        raise ConfigError(f"SLACK_SCOPES is malformed: {bad[0]!r}; comma-separated scopes, e.g. commands,chat:write")

    redirect_uri = env.get("SLACK_REDIRECT_URI", "").strip() or None
    if redirect_uri is not None:
        parsed_redirect = urlparse(redirect_uri)
        if parsed_redirect.scheme not in ("http", "https") or not parsed_redirect.netloc:
            raise ConfigError(f"SLACK_REDIRECT_URI is malformed: {redirect_uri!r} is not an http(s) URL")

    api_timeout = _seconds(env, "SLACK_API_TIMEOUT", "10", 0.1, 120)
    db_request_timeout = _seconds(env, "DB_REQUEST_TIMEOUT", "2.5", 0.5, 60)

    uninstall_raw = env.get("UNINSTALL_RETENTION_DAYS", "").strip() or "30"
    if not uninstall_raw.isdigit() or not int(uninstall_raw) <= 3650:
        raise ConfigError(f"UNINSTALL_RETENTION_DAYS is malformed: {uninstall_raw!r} is not a number of days (0-3650)")
    archive_raw = env.get("ARCHIVE_RETENTION_DAYS", "").strip().lower()
    if archive_raw not in ("", "keep") and (not archive_raw.isdigit() or not 1 <= int(archive_raw) <= 36500):
        raise ConfigError(
            f"ARCHIVE_RETENTION_DAYS is malformed: {archive_raw!r}; a number of days (1-36500), or empty to keep them"
        )

    upgrade_raw = (env.get("DB_UPGRADE_ON_START", "").strip() or "true").lower()
    if upgrade_raw not in ("true", "false", "1", "0", "yes", "no"):
        raise ConfigError(f"DB_UPGRADE_ON_START is malformed: {upgrade_raw!r}; use true or false")

    return Settings(
        client_id=client_id,
        redirect_uri=redirect_uri,
        client_secret=client_secret,
        scopes=scopes,
        bot_token=_token(env, "SLACK_BOT_TOKEN", "xoxb-"),
        signing_secret=secret,
        app_token=_token(env, "SLACK_APP_TOKEN", "xapp-"),
        api_url=api_url,
        database_url=database_url,
        port=int(port_raw),
        log_level=level,
        log_format=log_format,
        templates_dir=templates_dir,
        web_concurrency=int(workers_raw),
        db_upgrade_on_start=upgrade_raw in ("true", "1", "yes"),
        signoff_escalation_days=int(escalation_raw),
        api_timeout=api_timeout,
        db_request_timeout=db_request_timeout,
        uninstall_retention_days=int(uninstall_raw),
        archive_retention_days=int(archive_raw) if archive_raw.isdigit() else None,
    )


def configure_logging(level: str, fmt: str = "text") -> None:
    from bot.logs import configure

    configure(level, fmt)


def _seconds(env: Mapping[str, str], name: str, default: str, low: float, high: float) -> float:
    """A duration in seconds between low and high, or a one-line ConfigError naming the variable."""
    raw = env.get(name, "").strip() or default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not low <= value <= high:
        raise ConfigError(f"{name} is malformed: {raw!r}; use seconds ({low:g}-{high:g})")
    return value
