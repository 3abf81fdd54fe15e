"""Settings from the environment (and `.env`). A missing or malformed variable stops start-up with one line.

`Settings` is a pydantic-settings model: each field reads the variable named by its alias (the names are a
contract, listed in .env.example). A blank variable means "not set". Each check raises a `ConfigError` naming the
variable; `load_settings` turns pydantic's error into that one line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, MutableMapping
from typing import Any

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

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


def _text(value: object) -> str:
    """The variable's value, stripped; "" when it is not set or blank."""
    return "" if value is None else str(value).strip()


def _is_http_url(url: str) -> bool:
    from urllib.parse import urlparse

    parsed = urlparse(url)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


def _seconds(raw: str, name: str, default: str, low: float, high: float) -> float:
    """A duration in seconds between low and high, or a one-line ConfigError naming the variable."""
    raw = raw or default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not low <= value <= high:
        raise ConfigError(f"{name} is malformed: {raw!r}; use seconds ({low:g}-{high:g})")
    return value


def _token(raw: str, name: str, prefix: str) -> str | None:
    if not raw:
        return None
    if not raw.startswith(prefix) or any(c.isspace() for c in raw):
        raise ConfigError(f"{name} is malformed: expected a token starting with {prefix!r}")
    return raw


def _secret(raw: str, name: str) -> str | None:
    if raw and (len(raw) < 8 or any(c.isspace() for c in raw)):
        raise ConfigError(f"{name} is malformed: copy it from Basic Information → App Credentials")
    return raw or None


class Settings(BaseSettings):
    """The app's settings. Fields are checked in the order below; the first malformed one is reported."""

    model_config = SettingsConfigDict(
        frozen=True,
        case_sensitive=True,
        extra="ignore",
        enable_decoding=False,  # every variable is plain text (SLACK_SCOPES is comma-separated, not JSON)
    )

    signing_secret: str | None = Field(default=None, validation_alias="SLACK_SIGNING_SECRET", repr=False)
    api_url: str = Field(default=DEFAULT_API_URL, validation_alias="SLACK_API_URL")
    database_url: str = Field(default=DEFAULT_DATABASE_URL, validation_alias="DATABASE_URL", repr=False)
    port: int = Field(default=3000, validation_alias="PORT")
    log_level: str = Field(default="INFO", validation_alias="LOG_LEVEL")
    log_format: str = Field(default="text", validation_alias="LOG_FORMAT")  # text | json (one object per line)
    templates_dir: str | None = Field(default=None, validation_alias="TEMPLATES_DIR")
    # Working days a sign-off may wait before it is re-sent and escalated.
    signoff_escalation_days: int = Field(default=3, validation_alias="SIGNOFF_ESCALATION_DAYS")
    web_concurrency: int = Field(default=2, validation_alias="WEB_CONCURRENCY")
    # With client_secret: many workspaces, installed through OAuth.
    client_id: str | None = Field(default=None, validation_alias="SLACK_CLIENT_ID")
    # Checked even when unset: SLACK_CLIENT_ID alone is an error.
    client_secret: str | None = Field(
        default=None, validation_alias="SLACK_CLIENT_SECRET", validate_default=True, repr=False
    )
    scopes: tuple[str, ...] = Field(default=DEFAULT_SCOPES, validation_alias="SLACK_SCOPES")
    # Only needed when the manifest lists several redirect URLs.
    redirect_uri: str | None = Field(default=None, validation_alias="SLACK_REDIRECT_URI")
    # Seconds the Web API client waits for an answer (tests use less).
    api_timeout: float = Field(default=10.0, validation_alias="SLACK_API_TIMEOUT")
    # Seconds the database may take for one request, in all (storage/deadline.py).
    db_request_timeout: float = Field(default=2.5, validation_alias="DB_REQUEST_TIMEOUT")
    # An uninstalled workspace's data is deleted this long after, unless it returns.
    uninstall_retention_days: int = Field(default=30, validation_alias="UNINSTALL_RETENTION_DAYS")
    # Archived checklists older than this are deleted; None keeps them.
    archive_retention_days: int | None = Field(default=None, validation_alias="ARCHIVE_RETENTION_DAYS")
    db_upgrade_on_start: bool = Field(default=True, validation_alias="DB_UPGRADE_ON_START")
    bot_token: str | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN", repr=False)
    app_token: str | None = Field(default=None, validation_alias="SLACK_APP_TOKEN", repr=False)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The process environment only: `.env` is loaded into it first (load_settings), for the libraries too."""
        return (init_settings, env_settings)

    @field_validator("signing_secret", mode="before")
    @classmethod
    def _signing_secret(cls, value: object) -> str | None:
        return _secret(_text(value), "SLACK_SIGNING_SECRET")

    @field_validator("api_url", mode="before")
    @classmethod
    def _api_url(cls, value: object) -> str:
        api_url = _text(value) or DEFAULT_API_URL
        if not _is_http_url(api_url):
            raise ConfigError(f"SLACK_API_URL is malformed: {api_url!r} is not an http(s) URL")
        return api_url if api_url.endswith("/") else api_url + "/"

    @field_validator("database_url", mode="before")
    @classmethod
    def _database_url(cls, value: object) -> str:
        database_url = _text(value) or DEFAULT_DATABASE_URL
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
        return database_url

    @field_validator("port", mode="before")
    @classmethod
    def _port(cls, value: object) -> int:
        raw = _text(value) or "3000"
        if not raw.isdecimal() or not 0 < int(raw) < 65536:
            raise ConfigError(f"PORT is malformed: {raw!r} is not a port number (1-65535)")
        return int(raw)

    @field_validator("log_level", mode="before")
    @classmethod
    def _log_level(cls, value: object) -> str:
        level = (_text(value) or "INFO").upper()
        if level not in LOG_LEVELS:
            raise ConfigError(f"LOG_LEVEL is malformed: {level!r}; use one of {', '.join(LOG_LEVELS)}")
        return level

    @field_validator("log_format", mode="before")
    @classmethod
    def _log_format(cls, value: object) -> str:
        log_format = (_text(value) or "text").lower()
        if log_format not in ("text", "json"):
            raise ConfigError(f"LOG_FORMAT is malformed: {log_format!r}; use text or json")
        return log_format

    @field_validator("templates_dir", mode="before")
    @classmethod
    def _templates_dir(cls, value: object) -> str | None:
        templates_dir = _text(value) or None
        if templates_dir and not os.path.isdir(templates_dir):
            raise ConfigError(f"TEMPLATES_DIR is malformed: {templates_dir!r} is not a folder")
        return templates_dir

    @field_validator("signoff_escalation_days", mode="before")
    @classmethod
    def _escalation_days(cls, value: object) -> int:
        raw = _text(value) or "3"
        if not raw.isdecimal() or not 0 < int(raw) <= 60:
            raise ConfigError(f"SIGNOFF_ESCALATION_DAYS is malformed: {raw!r} is not a number of days (1-60)")
        return int(raw)

    @field_validator("web_concurrency", mode="before")
    @classmethod
    def _web_concurrency(cls, value: object) -> int:
        raw = _text(value) or "2"
        if not raw.isdecimal() or not 1 <= int(raw) <= 32:
            raise ConfigError(f"WEB_CONCURRENCY is malformed: {raw!r}; use a number of worker processes (1-32)")
        return int(raw)

    @field_validator("client_id", mode="before")
    @classmethod
    def _client_id(cls, value: object) -> str | None:
        client_id = _text(value) or None
        if client_id is not None and not _CLIENT_ID.fullmatch(client_id):
            raise ConfigError(
                "SLACK_CLIENT_ID is malformed: copy it from Basic Information → App Credentials (123.456)"
            )
        return client_id

    @field_validator("client_secret", mode="before")
    @classmethod
    def _client_secret(cls, value: object, info: ValidationInfo) -> str | None:
        client_secret = _secret(_text(value), "SLACK_CLIENT_SECRET")
        if "client_id" not in info.data:
            return client_secret  # SLACK_CLIENT_ID is malformed: that is the error reported
        client_id = info.data["client_id"]
        if bool(client_id) != bool(client_secret):
            missing = "SLACK_CLIENT_SECRET" if client_id else "SLACK_CLIENT_ID"
            raise ConfigError(f"{missing} is not set; SLACK_CLIENT_ID and SLACK_CLIENT_SECRET turn on OAuth together")
        return client_secret

    @field_validator("scopes", mode="before")
    @classmethod
    def _scopes(cls, value: object) -> tuple[str, ...]:
        if isinstance(value, tuple):
            return value
        raw = _text(value)
        scopes = tuple(s.strip() for s in raw.split(",")) if raw else DEFAULT_SCOPES
        bad = [s for s in scopes if not _SCOPE.fullmatch(s)]
        if bad:
            raise ConfigError(
                f"SLACK_SCOPES is malformed: {bad[0]!r}; comma-separated scopes, e.g. commands,chat:write"
            )
        return scopes

    @field_validator("redirect_uri", mode="before")
    @classmethod
    def _redirect_uri(cls, value: object) -> str | None:
        redirect_uri = _text(value) or None
        if redirect_uri is not None and not _is_http_url(redirect_uri):
            raise ConfigError(f"SLACK_REDIRECT_URI is malformed: {redirect_uri!r} is not an http(s) URL")
        return redirect_uri

    @field_validator("api_timeout", mode="before")
    @classmethod
    def _api_timeout(cls, value: object) -> float:
        return _seconds(_text(value), "SLACK_API_TIMEOUT", "10", 0.1, 120)

    @field_validator("db_request_timeout", mode="before")
    @classmethod
    def _db_request_timeout(cls, value: object) -> float:
        return _seconds(_text(value), "DB_REQUEST_TIMEOUT", "2.5", 0.5, 60)

    @field_validator("uninstall_retention_days", mode="before")
    @classmethod
    def _uninstall_retention_days(cls, value: object) -> int:
        raw = _text(value) or "30"
        if not raw.isdecimal() or not int(raw) <= 3650:
            raise ConfigError(f"UNINSTALL_RETENTION_DAYS is malformed: {raw!r} is not a number of days (0-3650)")
        return int(raw)

    @field_validator("archive_retention_days", mode="before")
    @classmethod
    def _archive_retention_days(cls, value: object) -> int | None:
        raw = _text(value).lower()
        if raw in ("", "keep"):
            return None
        if not raw.isdecimal() or not 1 <= int(raw) <= 36500:
            raise ConfigError(
                f"ARCHIVE_RETENTION_DAYS is malformed: {raw!r}; a number of days (1-36500), or empty to keep them"
            )
        return int(raw)

    @field_validator("db_upgrade_on_start", mode="before")
    @classmethod
    def _db_upgrade_on_start(cls, value: object) -> bool:
        raw = (_text(value) or "true").lower()
        if raw not in ("true", "false", "1", "0", "yes", "no"):
            raise ConfigError(f"DB_UPGRADE_ON_START is malformed: {raw!r}; use true or false")
        return raw in ("true", "1", "yes")

    @field_validator("bot_token", mode="before")
    @classmethod
    def _bot_token(cls, value: object) -> str | None:
        return _token(_text(value), "SLACK_BOT_TOKEN", "xoxb-")

    @field_validator("app_token", mode="before")
    @classmethod
    def _app_token(cls, value: object) -> str | None:
        return _token(_text(value), "SLACK_APP_TOKEN", "xapp-")

    @property
    def oauth(self) -> bool:
        """Many workspaces: tokens come from OAuth installations, not from SLACK_BOT_TOKEN."""
        return bool(self.client_id and self.client_secret)

    @property
    def oauth_authorize_url(self) -> str:
        """Slack's authorize page on the host of SLACK_API_URL (https://slack.com/oauth/v2/authorize by default)."""
        from urllib.parse import urljoin

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


def load_settings(env: Mapping[str, str] | None = None, *, dotenv: bool = True) -> Settings:
    """Read the settings from `env`, or from the process environment, which `.env` in the working directory fills
    in where it lacks a variable. Raises a one-line ConfigError for the first malformed variable."""
    try:
        if env is not None:
            return Settings.model_validate(dict(env))
        if dotenv:
            from dotenv import load_dotenv

            load_dotenv(".env", override=False)
        drop_blank_variables(os.environ)
        return Settings()
    except ValidationError as err:
        raise _one_line(err) from None


def _one_line(err: ValidationError) -> ConfigError:
    """The first error, as the ConfigError its check raised (or one naming the variable, for any other)."""
    first: Any = err.errors()[0]
    cause = first.get("ctx", {}).get("error")
    if isinstance(cause, ConfigError):
        return cause
    name = ".".join(str(part) for part in first["loc"]) or "configuration"
    return ConfigError(f"{name} is malformed: {first['msg']}")


def configure_logging(level: str, fmt: str = "text") -> None:
    from bot.logs import configure

    configure(level, fmt)
