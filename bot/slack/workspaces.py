"""Which bot token speaks for a workspace: the one SLACK_BOT_TOKEN, or each workspace's OAuth installation.

In OAuth mode Bolt's installation and state stores (slack_sdk's SQLAlchemy stores) live in the app's database:
saves and deletes go through the writer engine, lookups on the request path through the reader (on SQLite a
read on the writer would start with BEGIN IMMEDIATE and queue behind every write).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_bolt.context import BoltContext
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.errors import SlackTokenRotationError
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.sqlalchemy_utils import normalize_datetime_for_db
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import desc

from bot.config import Settings
from storage.db import Database

log = logging.getLogger(__name__)

STATE_EXPIRATION_SECONDS = 600
TEAM_CHUNK = 500
ROTATE_BEFORE_MINUTES = 120  # Bolt's default: refresh a rotating token this long before it expires


class InstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's SQL installation store, telling the app when a workspace installs (again): a reinstall
    cancels the deletion of an uninstalled workspace's data."""

    def __init__(self, *args: Any, on_install: Callable[[str], None] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.on_install = on_install

    def save(self, installation: Installation) -> None:
        super().save(installation)
        if self.on_install is not None and installation.team_id:
            self.on_install(installation.team_id)


class StateStore(SQLAlchemyOAuthStateStore):
    """slack_sdk's SQL state store, deleting expired states as it issues one: anyone may open /slack/install,
    and states of installs never finished would otherwise pile up."""

    def issue(self, *args: object, **kwargs: object) -> str:
        now = normalize_datetime_for_db(datetime.now(UTC))
        with self.engine.begin() as conn:
            conn.execute(self.oauth_states.delete().where(self.oauth_states.c.expire_at < now))
        return super().issue(*args, **kwargs)


class Installations:
    """The stored bot installations: lookups through the reader, token rotation saved through the writer."""

    def __init__(
        self,
        reader: SQLAlchemyInstallationStore,
        writer: SQLAlchemyInstallationStore,
        rotator: TokenRotator | None = None,
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.rotator = rotator

    def find(self, *, team_id: str | None, enterprise_id: str | None = None, org_wide: bool = False) -> Bot | None:
        """The latest bot installation of the workspace, as Bolt looks it up for a request."""
        return self._fresh(
            self.reader.find_bot(enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=org_wide)
        )

    def for_teams(self, team_ids: Sequence[str]) -> dict[str, Bot]:
        """The latest bot installation of each of `team_ids` that has one, whatever its Enterprise Grid org
        (checklists store no org): one query per `TEAM_CHUNK` teams."""
        c = self.reader.bots.c
        latest: dict[str, Bot] = {}
        with self.reader.engine.connect() as conn:
            for start in range(0, len(team_ids), TEAM_CHUNK):
                query = (
                    self.reader.bots.select()
                    .where(
                        c.client_id == self.reader.client_id,
                        c.team_id.in_(team_ids[start : start + TEAM_CHUNK]),
                        c.bot_token.is_not(None),
                    )
                    .order_by(c.team_id, desc(c.installed_at))
                )
                for row in conn.execute(query).mappings():
                    if row["team_id"] not in latest:
                        latest[row["team_id"]] = self.reader.build_bot_entity(row)
        fresh: dict[str, Bot] = {}
        for team_id, bot in latest.items():
            try:
                refreshed = self._fresh(bot)
            except SlackTokenRotationError as exc:  # that workspace waits; the others go ahead
                log.error("token rotation failed for team %s: %s", team_id, exc)
                continue
            if refreshed is not None:
                fresh[team_id] = refreshed
        return fresh

    def _fresh(self, bot: Bot | None) -> Bot | None:
        """Refresh an expiring token (apps with token rotation on) and save it; others pass through."""
        if bot is None or bot.bot_refresh_token is None or self.rotator is None:
            return bot
        refreshed = self.rotator.perform_bot_token_rotation(bot=bot, minutes_before_expiration=ROTATE_BEFORE_MINUTES)
        if refreshed is None:
            return bot
        self.writer.save_bot(refreshed)
        return refreshed


class StoredBotAuthorize(Authorize):
    """Authorize a request from the workspace's stored bot installation: one indexed query, no `auth.test`.

    Bolt's default `InstallationStoreAuthorize` calls `auth.test` on every request, a Web API round trip on the
    acknowledgement path. The stored installation already names the bot; an uninstall deletes it (events.py), so
    a request from a workspace without one gets Bolt's "please reinstall" answer."""

    def __init__(self, installations: Installations) -> None:
        self.installations = installations

    def __call__(
        self,
        *,
        context: BoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult | None:
        try:
            bot = self.installations.find(
                team_id=team_id, enterprise_id=enterprise_id, org_wide=bool(context.is_enterprise_install)
            )
        except SlackTokenRotationError as exc:
            log.error("token rotation failed for team %s: %s", team_id, exc)
            return None
        if bot is None:
            log.info("no installation for team %s (enterprise %s)", team_id, enterprise_id)
            return None
        return AuthorizeResult(
            enterprise_id=bot.enterprise_id,
            team_id=bot.team_id,
            team=bot.team_name,
            bot_id=bot.bot_id,
            bot_user_id=bot.bot_user_id,
            bot_token=bot.bot_token,
            bot_scopes=bot.bot_scopes,
            user_id=user_id,
        )


class Workspaces:
    """Web API clients per workspace, for work that has no request behind it (the scheduler, escalations).

    Listeners use Bolt's per-request `client`, which already carries the requesting workspace's token."""

    def __init__(
        self,
        app_client: WebClient,
        make_client: Callable[[str], WebClient] | None = None,
        installations: Installations | None = None,
    ) -> None:
        self.app_client = app_client  # single-workspace mode: the SLACK_BOT_TOKEN client speaks for every team
        self.make_client = make_client
        self.installations = installations  # OAuth mode: each team's bot token comes from its installation
        self._missing: set[str] = set()

    @property
    def oauth(self) -> bool:
        return self.installations is not None

    def client_for(self, team_id: str) -> WebClient | None:
        """The client for `team_id`, or None when the app is not installed there (OAuth mode)."""
        return self.clients_for([team_id]).get(team_id)

    def clients_for(self, team_ids: Iterable[str]) -> dict[str, WebClient]:
        """A client per installed team among `team_ids`; teams without an installation are left out (and logged)."""
        wanted = sorted(set(team_ids))
        if self.installations is None:
            return dict.fromkeys(wanted, self.app_client)
        bots = self.installations.for_teams(wanted)
        assert self.make_client is not None
        clients = {t: self.make_client(bot.bot_token) for t, bot in bots.items() if bot.bot_token}
        for team_id in wanted:
            if team_id in clients:
                self._missing.discard(team_id)
            elif team_id not in self._missing:  # logged once per process, not every minute
                self._missing.add(team_id)
                log.warning("workspace %s has no installation: its digests, nudges and escalations wait", team_id)
        return clients


def oauth_setup(
    settings: Settings,
    db: Database,
    client: WebClient,
    *,
    on_install: Callable[[str], None] | None = None,
) -> tuple[OAuthSettings, Installations]:
    """Bolt's OAuth settings (install at /slack/install, back at /slack/oauth_redirect, Slack's authorize page on
    SLACK_API_URL's host) with both stores on the app's database, and the installations they keep."""
    assert settings.client_id and settings.client_secret, "OAuth needs SLACK_CLIENT_ID and SLACK_CLIENT_SECRET"
    writer = InstallationStore(client_id=settings.client_id, engine=db.writer, on_install=on_install)
    reader = SQLAlchemyInstallationStore(client_id=settings.client_id, engine=db.reader)
    states = StateStore(expiration_seconds=STATE_EXPIRATION_SECONDS, engine=db.writer)
    rotator = TokenRotator(client_id=settings.client_id, client_secret=settings.client_secret, client=client)
    oauth = OAuthSettings(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        scopes=list(settings.scopes),
        user_scopes=[],
        redirect_uri=settings.redirect_uri,  # None: Slack uses the manifest's only redirect URL
        install_path="/slack/install",
        redirect_uri_path="/slack/oauth_redirect",
        authorization_url=settings.oauth_authorize_url,
        installation_store=writer,
        installation_store_bot_only=True,
        state_store=states,
        state_expiration_seconds=STATE_EXPIRATION_SECONDS,
        logger=logging.getLogger("slack_bolt.oauth"),
    )
    return oauth, Installations(reader, writer, rotator)
