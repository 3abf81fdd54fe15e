"""manifest.yml is a valid Slack app manifest (checked against Slack's JSON schema) and says what we mean."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from bot.config import DEFAULT_SCOPES

REPO = Path(__file__).resolve().parents[1]
MANIFEST = REPO / "manifest.yml"
BOT_SCOPES = {
    "commands", "chat:write", "im:write", "im:history", "users:read", "files:write",
    "channels:history", "groups:history",
}


# Slack's published schema, vendored with its licence (tests/slack/LICENSE) so the check runs on every clone.
SCHEMA = Path(__file__).resolve().parent / "slack" / "manifest.schema.1.0.0.json"


@pytest.fixture(scope="module")
def manifest() -> dict:
    with MANIFEST.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    # Use the validator class for the draft the schema declares (draft-07 for manifest schema 1.0.0); an
    # undeclared or unknown draft fails here rather than being validated under some other draft's rules.
    # types-jsonschema allows only a validator class as `default`; jsonschema returns whatever is given.
    cls = jsonschema.validators.validator_for(schema, default=None)  # type: ignore[arg-type]
    assert cls is not None, f"unknown JSON Schema draft {schema.get('$schema')!r}"
    assert cls.META_SCHEMA.get("$id", cls.META_SCHEMA.get("id")) == schema["$schema"]
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def test_manifest_matches_slacks_schema(manifest: dict, validator: jsonschema.protocols.Validator) -> None:
    errors = sorted(validator.iter_errors(manifest), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors
    )


def test_schema_catches_a_broken_manifest(manifest: dict, validator: jsonschema.protocols.Validator) -> None:
    """Guards the test above: the same validator must reject what Slack rejects."""
    broken = json.loads(json.dumps(manifest))
    broken["display_information"]["description"] = "x" * 141
    broken["features"]["slash_commands"][0]["command"] = "checklist"
    broken["settings"]["surprise"] = True
    messages = [e.message for e in validator.iter_errors(broken)]
    assert len(messages) == 3, messages


def test_background_color_is_a_hex_colour(manifest: dict) -> None:
    # Slack's schema spells this constraint `regex`, which JSON Schema validators ignore, so check it here.
    assert re.fullmatch(
        r"#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?", manifest["display_information"]["background_color"]
    )


def test_display_information(manifest: dict) -> None:
    info = manifest["display_information"]
    assert info["name"] == "Checklist Bot"
    assert 0 < len(info["description"]) <= 140


def test_slash_command(manifest: dict) -> None:
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/checklist"
    assert command["should_escape"] is True
    assert command["url"].endswith("/slack/events")
    assert command["usage_hint"] and command["description"]


def test_bot_scopes_are_exactly_what_the_app_uses(manifest: dict) -> None:
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    assert sorted(scopes) == sorted(BOT_SCOPES)
    assert len(scopes) == len(set(scopes))
    assert set(manifest["oauth_config"]["scopes"]) == {"bot"}
    assert manifest["oauth_config"]["redirect_urls"] == ["https://YOUR-HOST/slack/oauth_redirect"]
    assert sorted(DEFAULT_SCOPES) == sorted(scopes)  # what an OAuth install asks for unless SLACK_SCOPES says


def test_settings(manifest: dict) -> None:
    settings = manifest["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["request_url"].endswith("/slack/events")
    assert settings["event_subscriptions"]["request_url"].endswith("/slack/events")
    assert settings["event_subscriptions"]["bot_events"] == [
        "app_home_opened",
        "message.im",
        "app_uninstalled",
        "tokens_revoked",
    ]
    assert settings["org_deploy_enabled"] is False
    assert settings["socket_mode_enabled"] is False
    assert settings["token_rotation_enabled"] is False


def test_bot_user_and_app_home(manifest: dict) -> None:
    features = manifest["features"]
    assert features["bot_user"] == {"display_name": "checklist-bot", "always_online": True}
    assert features["app_home"] == {
        "home_tab_enabled": True,
        "messages_tab_enabled": True,
        "messages_tab_read_only_enabled": False,
    }


def test_every_url_points_at_the_placeholder_host() -> None:
    lines = MANIFEST.read_text(encoding="utf-8").splitlines()
    header = "\n".join(
        line for line in lines[: next(i for i, x in enumerate(lines) if not x.startswith("#"))]
    )
    assert "YOUR-HOST" in header and "socket_mode_enabled" in header, "the top comment should explain both"
    urls = re.findall(r"https?://\S+", "\n".join(line for line in lines if not line.lstrip().startswith("#")))
    assert len(urls) == 4, urls
    assert set(urls) == {"https://YOUR-HOST/slack/events", "https://YOUR-HOST/slack/oauth_redirect"}, urls
