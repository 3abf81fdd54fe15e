"""Configuration and the `checklist-bot` entry point: clear one-line errors, exit code 2, mode selection."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.config import ConfigError, load_settings


def run_cli(*args: str, env: dict[str, str], cwd, stdin: str = "") -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "PORT", "LOG_LEVEL"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={**clean, **env},
        cwd=cwd,
    )


@pytest.mark.parametrize(
    "env, names",
    [
        ({"SLACK_BOT_TOKEN": "xoxp-user-token"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_APP_TOKEN": "xoxb-wrong"}, "SLACK_APP_TOKEN"),
        ({"SLACK_SIGNING_SECRET": "short"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"DATABASE_URL": "::::"}, "DATABASE_URL"),
        ({"PORT": "http"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"PORT": "30²"}, "PORT"),  # a digit to str.isdigit(), not a number to int()
        ({"WEB_CONCURRENCY": "²"}, "WEB_CONCURRENCY"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL"),
        ({"TEMPLATES_DIR": "/nonexistent/folder"}, "TEMPLATES_DIR"),
        ({"SLACK_CLIENT_ID": "my-app", "SLACK_CLIENT_SECRET": "0123456789abcdef"}, "SLACK_CLIENT_ID"),
        ({"SLACK_CLIENT_ID": "123.456", "SLACK_CLIENT_SECRET": "short"}, "SLACK_CLIENT_SECRET"),
        ({"SLACK_CLIENT_ID": "123.456"}, "SLACK_CLIENT_SECRET"),
        ({"SLACK_CLIENT_SECRET": "0123456789abcdef"}, "SLACK_CLIENT_ID"),
        ({"SLACK_SCOPES": "commands, chat write"}, "SLACK_SCOPES"),
        ({"SLACK_REDIRECT_URI": "example.com/slack/oauth_redirect"}, "SLACK_REDIRECT_URI"),
    ],
)
def test_malformed_variables_are_named(env, names):
    with pytest.raises(ConfigError) as err:
        load_settings(env)
    assert str(err.value).startswith(names)


def test_defaults_and_mode_selection():
    s = load_settings({})
    assert s.mode == "console" and s.api_url == "https://slack.com/api/" and s.database_url.startswith("sqlite:///")
    assert load_settings({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s3cret-value"}).mode == "http"
    assert load_settings({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}).mode == "socket"
    assert load_settings({"SLACK_API_URL": "http://127.0.0.1:9/api"}).api_url == "http://127.0.0.1:9/api/"
    pg = load_settings({"DATABASE_URL": "postgresql://u@h/db"}).database_url
    assert pg.startswith("postgresql+psycopg://")


def test_oauth_settings_and_mode():
    oauth = {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "0123456789abcdef", "SLACK_SIGNING_SECRET": "s3cret-v"}
    s = load_settings(oauth)
    assert s.oauth and s.mode == "http" and s.bot_token is None
    assert s.scopes == (
        "commands", "chat:write", "im:write", "im:history", "users:read", "files:write",
        "channels:history", "groups:history",
    )
    assert s.oauth_authorize_url == "https://slack.com/oauth/v2/authorize"
    gov = load_settings({**oauth, "SLACK_API_URL": "https://slack-gov.com/api/", "SLACK_SCOPES": "commands,chat:write"})
    assert gov.oauth_authorize_url == "https://slack-gov.com/oauth/v2/authorize"
    assert gov.scopes == ("commands", "chat:write")
    assert not load_settings({"SLACK_BOT_TOKEN": "xoxb-1"}).oauth


def test_cli_oauth_needs_the_signing_secret_and_not_socket_mode(tmp_path):
    oauth = {"SLACK_CLIENT_ID": "123.456", "SLACK_CLIENT_SECRET": "0123456789abcdef"}
    result = run_cli("serve", env=oauth, cwd=tmp_path)
    assert result.returncode == 2 and "SLACK_SIGNING_SECRET is not set" in result.stderr
    sock = run_cli("socket", env={**oauth, "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}, cwd=tmp_path)
    assert sock.returncode == 2 and sock.stderr.startswith("checklist-bot: SLACK_CLIENT_ID is set, but Socket Mode")


def test_cli_exits_2_with_one_line_and_no_traceback(tmp_path):
    result = run_cli("serve", env={"SLACK_BOT_TOKEN": "xoxb-1"}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "checklist-bot: SLACK_SIGNING_SECRET is not set; it is needed for this mode (see .env.example)"
    ]
    bad = run_cli(env={"PORT": "eighty"}, cwd=tmp_path)
    assert bad.returncode == 2 and "PORT is malformed" in bad.stderr and "Traceback" not in bad.stderr
    sock = run_cli("socket", env={"SLACK_BOT_TOKEN": "xoxb-1"}, cwd=tmp_path)
    assert sock.returncode == 2 and "SLACK_APP_TOKEN is not set" in sock.stderr


def test_dotenv_is_read_from_the_working_directory(tmp_path):
    (tmp_path / ".env").write_text("LOG_LEVEL=verbose\n")
    result = run_cli(env={}, cwd=tmp_path)
    assert result.returncode == 2 and "LOG_LEVEL is malformed" in result.stderr


def test_bare_command_without_tokens_opens_the_console_and_reads_pipes(tmp_path):
    script = "/checklist start\n/checklist done 1.1 kickoff held\n/checklist status\n1a\n/checklist done 9.9\n"
    result = run_cli(env={"DATABASE_URL": f"sqlite:///{tmp_path}/c.db"}, cwd=tmp_path, stdin=script)
    assert result.returncode == 0, result.stderr
    assert "starting console mode (no Slack tokens are set)" in result.stderr
    out = result.stdout
    assert "started *Interoperability implementation*" in out
    assert "1/25 done" in out and "2/25 done" in out  # the menu press updated the message in place
    assert "replaces the message" in out
    assert "No item 9.9 here" in out
    # The console keeps its state in the same database as the bot would.
    again = run_cli(
        "console", env={"DATABASE_URL": f"sqlite:///{tmp_path}/c.db"}, cwd=tmp_path, stdin="/checklist status\n"
    )
    assert "2/25 done" in again.stdout


def _serve_env(fake, **extra: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": "xoxb-refused",
        "SLACK_SIGNING_SECRET": "serve-test-secret",
        "SLACK_API_URL": fake.api_url,
        **extra,
    }


def test_serve_with_a_token_slack_refuses_is_one_line_and_exit_2(fake_slack, tmp_path):
    fake_slack.fail("auth.test", error="invalid_auth", times=5)
    result = run_cli("serve", "--port", "1", env=_serve_env(fake_slack), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "checklist-bot: SLACK_BOT_TOKEN was refused by Slack (invalid_auth); copy it again from OAuth & Permissions"
    ]
    assert [c.token for c in fake_slack.calls_to("auth.test")] == ["xoxb-refused"]  # checked once, before any worker


def test_serve_with_slack_unreachable_is_one_line_and_exit_2(fake_slack, tmp_path):
    result = run_cli("serve", env=_serve_env(fake_slack, SLACK_API_URL="http://127.0.0.1:1/api/"), cwd=tmp_path)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("checklist-bot: SLACK_API_URL: Slack does not answer at http://127.0.0.1:1/api/ (")
    fake_slack.fail("auth.test", status=503, times=5)
    busy = run_cli("serve", env=_serve_env(fake_slack), cwd=tmp_path)
    assert busy.returncode == 2 and busy.stderr.strip().splitlines() == [
        f"checklist-bot: SLACK_API_URL: Slack answered HTTP 503 at {fake_slack.api_url}; try again"
    ]


def test_serve_with_the_database_unreachable_is_one_line_and_exit_2(fake_slack, tmp_path):
    # Nothing listens on port 1: the connection is refused at once.
    env = _serve_env(fake_slack, DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:1/test")
    result = run_cli("serve", env=env, cwd=tmp_path)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("checklist-bot: DATABASE_URL: the database does not answer (") and "Traceback" not in line


@pytest.mark.parametrize(
    "env, line",
    [
        (
            {"SLACK_BOT_TOKEN": "xoxb-1"},
            "SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode) is not set; SLACK_BOT_TOKEN alone runs no "
            "mode (unset it for the local console)",
        ),
        (
            {"SLACK_SIGNING_SECRET": "s3cret-value"},
            "SLACK_BOT_TOKEN is not set; SLACK_SIGNING_SECRET is, and needs it (unset both for the local console)",
        ),
        (
            {"SLACK_APP_TOKEN": "xapp-1"},
            "SLACK_BOT_TOKEN is not set; SLACK_APP_TOKEN is, and needs it (unset both for the local console)",
        ),
        (
            {"SLACK_CLIENT_ID": "123.456", "SLACK_CLIENT_SECRET": "0123456789abcdef"},
            "SLACK_SIGNING_SECRET is not set; SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (many workspaces) need it",
        ),
    ],
)
def test_a_half_configured_environment_names_the_missing_variable(env, line, tmp_path):
    result = run_cli(env=env, cwd=tmp_path, stdin="/checklist status\n")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"checklist-bot: {line}"]
    assert "console" not in result.stdout
    # Asking for the console by name still opens it.
    console = run_cli("console", env={**env, "DATABASE_URL": f"sqlite:///{tmp_path}/c.db"}, cwd=tmp_path, stdin="")
    assert console.returncode == 0, console.stderr


def test_env_example_lists_every_variable_the_settings_read():
    from pathlib import Path

    from bot.config import Settings

    example = (Path(__file__).parent.parent / ".env.example").read_text()
    listed = {line.split("=", 1)[0] for line in example.splitlines() if line and not line.startswith("#")}
    read = {str(field.validation_alias) for field in Settings.model_fields.values()}
    assert read and read <= listed, f"not in .env.example: {sorted(read - listed)}"
