"""Several workspaces: Slack's OAuth v2 install through Bolt's own machinery, on codev's database.

- `BOT_SCOPES` is the one list of scopes; manifest.yml and manifest.oauth.yml list the same (a test checks).
- `CodevInstallationStore` is slack_sdk's SQLAlchemy installation store on codev's tables, which encrypts
  tokens at rest when CODEV_TOKEN_KEY is set and refreshes an expiring rotated token before handing it out,
  one process at a time per workspace (a lease on the workspace's row).
- The install pages say what to do next, or why an install did not go through.
"""

from __future__ import annotations

import copy
import html
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation.rotator import TokenRotator
from sqlalchemy import delete, desc, func, select
from sqlmodel import SQLModel

from bot.clock import Clock
from bot.config import Settings
from bot.i18n import t
from bot.services.workspaces import WorkspaceService
from bot.storage.db import Database
from bot.storage.installations import TOKEN_COLUMNS
from bot.storage.models import SLACK_BOTS, SLACK_INSTALLATIONS, SLACK_OAUTH_STATES

log = logging.getLogger(__name__)

# What codev asks for in every workspace; both manifests' oauth_config.scopes.bot say the same.
BOT_SCOPES = (
    "commands",
    "chat:write",
    "im:write",
    "im:history",
    "channels:history",
    "groups:history",
    "channels:read",
    "groups:read",
    "channels:manage",
    "groups:write",
    "users:read",
    "files:write",
)
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_SECONDS = 600  # an install must be finished within 10 minutes of opening the install page
REFRESH_MINUTES = 120  # a rotated token is refreshed when it expires within this (Bolt's default too)
SEALED = "fernet:"  # tokens encrypted at rest start with this


class TokenKeyMissing(Exception):
    """A token is encrypted at rest but CODEV_TOKEN_KEY does not hold its key."""


class TokenCipher:
    """Fernet (authenticated encryption) with several keys: the first encrypts, any of them decrypts."""

    def __init__(self, keys: tuple[str, ...] | list[str]) -> None:
        self._fernet = MultiFernet([Fernet(key) for key in keys]) if keys else None

    @property
    def enabled(self) -> bool:
        return self._fernet is not None

    def seal(self, token: str | None) -> str | None:
        if token is None or self._fernet is None or token.startswith(SEALED):
            return token
        return SEALED + self._fernet.encrypt(token.encode()).decode()

    def open(self, value: str | None) -> str | None:
        if value is None or not value.startswith(SEALED):
            return value  # kept in clear (no CODEV_TOKEN_KEY when it was saved)
        if self._fernet is None:
            raise TokenKeyMissing("a token is encrypted at rest: set CODEV_TOKEN_KEY to the key that encrypted it")
        try:
            return self._fernet.decrypt(value[len(SEALED) :].encode()).decode()
        except InvalidToken:
            raise TokenKeyMissing("no key in CODEV_TOKEN_KEY decrypts a stored token") from None

    def rotate(self, value: str | None) -> str | None:
        """Re-encrypt with the newest key (and encrypt a token kept in clear)."""
        if value is None or self._fernet is None:
            return value
        if not value.startswith(SEALED):
            return self.seal(value)
        return SEALED + self._fernet.rotate(value[len(SEALED) :].encode()).decode()


def _with_tokens(thing: Any, change: Callable[[str | None], str | None]) -> Any:
    changed = copy.copy(thing)
    for name in TOKEN_COLUMNS:
        if hasattr(changed, name):
            setattr(changed, name, change(getattr(changed, name)))
    return changed


class CodevInstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's store on codev's tables: tokens sealed at rest, refreshed before they expire."""

    def __init__(
        self,
        client_id: str,
        db: Database,
        cipher: TokenCipher,
        workspaces: WorkspaceService,
        clock: Clock,
        rotator: TokenRotator | None = None,
    ) -> None:
        # SQLite: the read engine (a plain BEGIN) — a token is looked up before every Web API call, sometimes
        # while this thread holds a write transaction; the main engine's BEGIN IMMEDIATE would wait on itself.
        # Its writes are single statements, which take SQLite's write lock when they run. PostgreSQL: the same.
        super().__init__(client_id=client_id, engine=db.read_engine)
        self.db = db
        self.metadata = SQLModel.metadata
        self.installations, self.bots = SLACK_INSTALLATIONS, SLACK_BOTS
        # slack_sdk saves a bot by reading then writing in one transaction: on SQLite that transaction must begin
        # IMMEDIATE (the main engine), or a concurrent writer makes it fail at once with "database is locked".
        self._bot_writer = SQLAlchemyInstallationStore(client_id=client_id, engine=db.engine)
        self._bot_writer.installations, self._bot_writer.bots = SLACK_INSTALLATIONS, SLACK_BOTS
        self.cipher = cipher
        self.workspaces = workspaces
        self.clock = clock
        self.rotator = rotator

    def create_tables(self) -> None:  # the migrations do
        return None

    def save(self, installation: Installation) -> None:
        super().save(_with_tokens(installation, self.cipher.seal))

    def save_bot(self, bot: Bot) -> None:
        """Save, then keep only the newest row of the workspace's bot: a refreshed token's row has the same
        `installed_at` as the one it replaces, so slack_sdk's "newest first" could hand out the old token."""
        self._bot_writer.save_bot(_with_tokens(bot, self.cipher.seal))
        c = self.bots.c
        same = (c.client_id == self.client_id) & (c.enterprise_id == bot.enterprise_id) & (c.team_id == bot.team_id)
        newest = select(func.max(c.id)).where(same).scalar_subquery()
        with self.engine.begin() as connection:  # one statement: no read-then-write transaction on SQLite
            connection.execute(delete(self.bots).where(same, c.id < newest))

    def find_installation(self, **kwargs: Any) -> Installation | None:
        found = super().find_installation(**kwargs)
        return None if found is None else _with_tokens(found, self.cipher.open)

    def find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        if team_id and not is_enterprise_install:
            # By the workspace alone: one that joined an Enterprise Grid org after installing codev was saved
            # without the org's id its requests now carry (its team id stays the same).
            return self.find_team_bot(team_id)
        bot = self._find_bot(enterprise_id, team_id, is_enterprise_install)
        if bot is None or self.rotator is None or not team_id or not _expiring(bot):
            return bot
        return self._refreshed(bot, enterprise_id, team_id, is_enterprise_install)

    def find_team_bot(self, team_id: str) -> Bot | None:
        """The workspace's bot, refreshed first when it is about to expire, whether or not the workspace belongs
        to an Enterprise Grid org. codev's own work knows a row's team, not its org; slack_sdk's find_bot with
        enterprise_id=None matches `enterprise_id IS NULL` only, so it never finds a Grid workspace's bot."""
        bot = self._find_team_bot(team_id)
        if bot is None or self.rotator is None or not _expiring(bot):
            return bot
        return self._refreshed(bot, bot.enterprise_id, team_id, bot.is_enterprise_install)

    def _find_team_bot(self, team_id: str) -> Bot | None:
        c = self.bots.c
        query = (
            self.bots.select()
            .where(c.client_id == self.client_id, c.team_id == team_id, c.bot_token.is_not(None))
            .order_by(desc(c.installed_at), desc(c.id))
            .limit(1)
        )
        with self.engine.connect() as connection:
            for row in connection.execute(query).mappings():
                return _with_tokens(self.build_bot_entity(row), self.cipher.open)
        return None

    def delete_team(self, team_id: str) -> None:
        """Forget every token of the workspace (its org's id, if any, does not matter), in one transaction."""
        with self.db.engine.begin() as connection:
            for table in (self.bots, self.installations):
                connection.execute(delete(table).where(table.c.client_id == self.client_id, table.c.team_id == team_id))

    def _find_bot(
        self, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None
    ) -> Bot | None:
        found = super().find_bot(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
        )
        return None if found is None else _with_tokens(found, self.cipher.open)

    def _refreshed(
        self, bot: Bot, enterprise_id: str | None, team_id: str, is_enterprise_install: bool | None
    ) -> Bot | None:
        """One process refreshes (Slack's refresh is not idempotent across racing callers); others wait."""
        assert self.rotator is not None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.workspaces.claim_refresh(team_id, self.clock.now()):
                try:
                    current = self._find_bot(enterprise_id, team_id, is_enterprise_install)
                    if current is None or not _expiring(current):
                        return current  # another process refreshed it meanwhile
                    refreshed = self.rotator.perform_bot_token_rotation(
                        bot=current, minutes_before_expiration=REFRESH_MINUTES
                    )
                    if refreshed is None:
                        return current
                    self.save_bot(refreshed)
                    log.info("refreshed the rotating bot token of workspace %s", team_id)
                    return refreshed
                finally:
                    self.workspaces.release_refresh(team_id)
            time.sleep(0.1)
            current = self._find_bot(enterprise_id, team_id, is_enterprise_install)
            if current is not None and not _expiring(current):
                return current
        log.warning("waited in vain for the token refresh of workspace %s; using the token as it is", team_id)
        return bot

    def unreadable_teams(self) -> list[str]:
        """The workspaces whose stored tokens no key of CODEV_TOKEN_KEY opens (a wrong or missing key)."""
        teams: set[str] = set()
        with self.engine.connect() as connection:
            for table in (self.installations, self.bots):
                columns = [name for name in TOKEN_COLUMNS if name in table.c]
                for row in connection.execute(table.select().where(table.c.client_id == self.client_id)).mappings():
                    try:
                        for name in columns:
                            self.cipher.open(row[name])
                    except TokenKeyMissing:
                        teams.add(row["team_id"] or row["enterprise_id"] or "?")
        return sorted(teams)

    def rotate_keys(self) -> int:
        """Re-encrypt every stored token with CODEV_TOKEN_KEY's first key. Returns the rows rewritten."""
        rewritten = 0
        with self.db.engine.begin() as connection:  # read then write: the write lock from the start
            for table in (self.installations, self.bots):
                columns = [table.c[name] for name in TOKEN_COLUMNS if name in table.c]
                for row in connection.execute(table.select()).mappings():
                    values = {c.name: self.cipher.rotate(row[c.name]) for c in columns}
                    if any(values[c.name] != row[c.name] for c in columns):
                        connection.execute(table.update().where(table.c.id == row["id"]).values(**values))
                        rewritten += 1
        return rewritten


def _expiring(bot: Bot) -> bool:
    expires_at = bot.bot_token_expires_at
    return expires_at is not None and int(expires_at) <= time.time() + REFRESH_MINUTES * 60


class CodevOAuthStateStore(SQLAlchemyOAuthStateStore):
    def __init__(self, db: Database) -> None:
        super().__init__(expiration_seconds=STATE_SECONDS, engine=db.engine)
        self.metadata = SQLModel.metadata
        self.oauth_states = SLACK_OAUTH_STATES

    def create_tables(self) -> None:  # the migrations do
        return None


def authorization_url(api_url: str) -> str:
    """Slack's authorize page, next to its Web API (https://slack.com/api/ → https://slack.com/oauth/v2/authorize)."""
    base = api_url[: -len("api/")] if api_url.endswith("api/") else api_url
    return base + "oauth/v2/authorize"


def make_installation_store(
    settings: Settings, db: Database, workspaces: WorkspaceService, clock: Clock, client: WebClient
) -> CodevInstallationStore:
    assert settings.slack_client_id and settings.slack_client_secret
    rotator = TokenRotator(
        client_id=settings.slack_client_id, client_secret=settings.slack_client_secret, client=client
    )
    return CodevInstallationStore(
        settings.slack_client_id, db, TokenCipher(settings.token_keys), workspaces, clock, rotator
    )


def make_oauth_settings(
    settings: Settings,
    db: Database,
    store: CodevInstallationStore,
    on_installed: Callable[[Installation], None],
) -> OAuthSettings:
    def success(args: SuccessArgs) -> BoltResponse:
        installation = args.installation
        on_installed(installation)
        team = installation.team_name or installation.team_id or ""
        return _page(200, t("oauth_installed_title"), t("oauth_installed_body", team=team))

    def failure(args: FailureArgs) -> BoltResponse:
        reason = args.reason or "unknown"
        log.info("an install did not go through: %s (%s)", reason, args.error)
        if reason == "access_denied":
            return _page(200, t("oauth_cancelled_title"), t("oauth_cancelled_body"))
        if reason in ("invalid_state", "invalid_browser", "missing_state"):
            return _page(400, t("oauth_failed_title"), t("oauth_bad_state_body"))
        if reason == "invalid_code":
            return _page(400, t("oauth_failed_title"), t("oauth_bad_code_body"))
        if reason == "storage_error":
            return _page(500, t("oauth_failed_title"), t("oauth_storage_body"))
        return _page(400, t("oauth_failed_title"), t("oauth_failed_body", reason=reason))

    assert settings.slack_client_id and settings.slack_client_secret
    return OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=list(BOT_SCOPES),
        redirect_uri=settings.slack_redirect_uri,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        callback_options=CallbackOptions(success=success, failure=failure),
        authorization_url=authorization_url(settings.slack_api_url),
        installation_store=store,
        installation_store_bot_only=True,
        token_rotation_expiration_minutes=REFRESH_MINUTES,
        state_store=CodevOAuthStateStore(db),
        state_expiration_seconds=STATE_SECONDS,
    )


def _page(status: int, title: str, body: str) -> BoltResponse:
    document = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width"><title>{html.escape(title)}</title></head>'
        '<body style="font-family: sans-serif; max-width: 40em; margin: 4em auto; line-height: 1.5">'
        f"<h1>{html.escape(title)}</h1><p>{html.escape(body)}</p></body></html>"
    )
    return BoltResponse(
        status=status,
        body=document,
        headers={"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"},
    )


class Tenancy:
    """Several workspaces: the installation store, the workspaces' life cycle, and each one's token."""

    def __init__(self, settings: Settings, db: Database, clock: Clock, oauth_client: WebClient) -> None:
        self.settings = settings
        self.db = db
        self.clock = clock
        self.workspaces = WorkspaceService(db)
        self.store = make_installation_store(settings, db, self.workspaces, clock, oauth_client)
        self.oauth_client = oauth_client

    def token_for(self, team_id: str) -> str | None:
        """The workspace's bot token, refreshed first when it is about to expire; None when not installed."""
        bot = self.store.find_team_bot(team_id)
        return bot.bot_token if bot is not None else None

    def oauth_settings(self) -> OAuthSettings:
        return make_oauth_settings(self.settings, self.db, self.store, self.installed)

    def installed(self, installation: Installation) -> None:
        """Bolt saved the install's tokens: the workspace is active from now. A purge of its old data that ran
        between the two (it had been uninstalled long enough) deleted the new tokens too: saved again."""
        team_id = installation.team_id or ""
        again = self.workspaces.installed(
            team_id, self.clock.now(), enterprise_id=installation.enterprise_id, name=installation.team_name
        )
        if team_id and self.store._find_team_bot(team_id) is None:
            log.warning("the new tokens of workspace %s were deleted with its old data: saving them again", team_id)
            self.store.save(installation)
        log.info("codev was %s in workspace %s", "installed again" if again else "installed", team_id)

    def uninstalled(self, team_id: str, why: str) -> None:
        """Slack says the app was uninstalled or its tokens revoked: forget the tokens, pause the workspace."""
        self.store.delete_team(team_id)
        days = self.settings.purge_after_days
        if self.workspaces.uninstalled(team_id, self.clock.now(), days):
            log.warning(
                "codev was removed from workspace %s (%s): its tokens are deleted, its work paused, and its "
                "data will be deleted in %d days unless it is installed again",
                team_id,
                why,
                days,
            )

    def refresh_expiring(self) -> list[str]:
        """Refresh every workspace's token that expires within the refresh margin (the leader does it hourly,
        so that a request or a timer rarely has to). Returns the workspaces refreshed."""
        soon = datetime.now(UTC).replace(tzinfo=None) + timedelta(minutes=REFRESH_MINUTES)
        bots = self.store.bots
        with self.db.read_engine.connect() as connection:
            teams = sorted(
                {
                    team
                    for (team,) in connection.execute(
                        select(bots.c.team_id).where(
                            bots.c.client_id == self.store.client_id,
                            bots.c.bot_token_expires_at.is_not(None),
                            bots.c.bot_token_expires_at <= soon,
                        )
                    )
                    if team
                }
            )
        refreshed = []
        for team_id in teams:
            try:
                before = self.store._find_team_bot(team_id)
                after = self.store.find_team_bot(team_id)
            except Exception:  # one workspace's trouble must not stop the others'
                log.exception("could not refresh the token of workspace %s", team_id)
                continue
            if before is not None and after is not None and after.bot_token != before.bot_token:
                refreshed.append(team_id)
        return refreshed

    def purge_due(self) -> list[str]:
        """Delete the data of workspaces uninstalled long enough ago. Returns their ids."""
        now = self.clock.now()
        purged = []
        for team_id in self.workspaces.due_purges(now):
            # Checked again under the workspace's lock: one installed again meanwhile is kept.
            if self.workspaces.purge(team_id, due_by=now) is not None:
                purged.append(team_id)
        return purged
