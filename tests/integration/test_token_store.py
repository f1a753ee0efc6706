"""Tokens at rest: encrypted with CODEV_TOKEN_KEY (Fernet), readable after a key rotation, clear without it."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store.models.installation import Installation
from sqlalchemy import select

from bot.clock import FakeClock
from bot.services.workspaces import WorkspaceService
from bot.slack.oauth import CodevInstallationStore, TokenCipher, TokenKeyMissing
from bot.storage.db import Database
from bot.storage.models import SLACK_BOTS, SLACK_INSTALLATIONS, CodevWorkspace

TOKEN = "xoxe.xoxb-1-T0CODEV01-" + "x" * 140  # a rotated token is long; sealed it must still fit


def store(db: Database, *keys: str) -> CodevInstallationStore:
    return CodevInstallationStore("1111.2222", db, TokenCipher(list(keys)), WorkspaceService(db), FakeClock())


def installation(team_id: str = "T0CODEV01") -> Installation:
    return Installation(
        app_id="A0CODEV01",
        team_id=team_id,
        team_name="codev sandbox",
        bot_token=TOKEN,
        bot_id="B0CODEVBOT",
        bot_user_id="U0CODEVBOT",
        bot_scopes="commands,chat:write",
        bot_refresh_token="xoxe-1-refresh",
        bot_token_expires_at=int(time.time()) + 43200,
        user_id="U0INSTALLER",
    )


def stored_tokens(db: Database) -> list[str]:
    with db.engine.connect() as connection:
        rows = [*connection.execute(select(SLACK_BOTS.c.bot_token, SLACK_BOTS.c.bot_refresh_token))]
        rows += [*connection.execute(select(SLACK_INSTALLATIONS.c.bot_token, SLACK_INSTALLATIONS.c.bot_refresh_token))]
    return [value for row in rows for value in row]


def test_with_a_key_tokens_are_encrypted_at_rest_and_read_back(db: Database) -> None:
    key = Fernet.generate_key().decode()
    store(db, key).save(installation())
    assert all(value.startswith("fernet:") for value in stored_tokens(db))
    assert not any("xoxe" in value for value in stored_tokens(db))
    bot = store(db, key).find_bot(enterprise_id=None, team_id="T0CODEV01")
    assert bot is not None and bot.bot_token == TOKEN and bot.bot_refresh_token == "xoxe-1-refresh"
    with pytest.raises(TokenKeyMissing):  # the key lost: the tokens cannot be read (reinstall)
        store(db).find_bot(enterprise_id=None, team_id="T0CODEV01")


def test_rotating_the_key_re_encrypts_every_token(db: Database) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    store(db, old).save(installation())
    assert store(db, new, old).rotate_keys() == 2  # the installation row and the bot row
    bot = store(db, new).find_bot(enterprise_id=None, team_id="T0CODEV01")  # the old key can go now
    assert bot is not None and bot.bot_token == TOKEN


def test_without_a_key_tokens_are_kept_in_clear_and_can_be_encrypted_later(db: Database) -> None:
    store(db).save(installation())
    assert TOKEN in stored_tokens(db)
    key = Fernet.generate_key().decode()
    assert store(db, key).rotate_keys() == 2
    assert TOKEN not in stored_tokens(db)
    bot = store(db, key).find_bot(enterprise_id=None, team_id="T0CODEV01")
    assert bot is not None and bot.bot_token == TOKEN


def test_settings_choose_the_mode_and_check_the_key() -> None:
    from bot.config import ConfigError, load_settings

    one = load_settings({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s"}, None)
    assert not one.oauth, "a bot token keeps codev in single-workspace mode, as before"
    several = load_settings({"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s"}, None)
    assert several.oauth and several.purge_after_days == 30
    with pytest.raises(ConfigError, match="need HTTP mode"):
        several.require_slack(socket_mode=True)
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        several.require_slack(socket_mode=False)
    with pytest.raises(ConfigError, match="CODEV_TOKEN_KEY must be Fernet keys"):
        load_settings({"CODEV_TOKEN_KEY": "not-a-key"}, None)
    keys = f"{Fernet.generate_key().decode()}, {Fernet.generate_key().decode()}"
    assert len(load_settings({"CODEV_TOKEN_KEY": keys}, None).token_keys) == 2


def test_migration_0010_adds_the_oauth_tables_beside_existing_data_and_goes_back(tmp_path) -> None:
    from alembic import command
    from sqlalchemy import inspect, text

    from bot.storage.db import alembic_config
    from tests.integration.test_storage import at_revision

    with at_revision(tmp_path, "0009") as (db, connection):
        connection.execute(
            text(
                "INSERT INTO codev_session (team_id, channel_id, topic, facilitator_id, client_id, created_by, pace, "
                "status, step, version, created_at, summary_state) VALUES ('T1', 'C1', 'Old topic', 'UA', 'UB', 'UA', "
                "'live', 'running', 2, 3, '2026-01-01 10:00:00', 'none')"
            )
        )
    db.upgrade()
    tables = set(inspect(db.engine).get_table_names())
    assert {"slack_installations", "slack_bots", "slack_oauth_states", "codev_workspace"} <= tables
    store(db).save(installation())  # slack_sdk's store works on them
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT topic FROM codev_session")).scalar_one() == "Old topic"
    with db.engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0009")
    assert "slack_bots" not in set(inspect(db.engine).get_table_names())
    db.dispose()


def test_one_token_refresh_at_a_time_per_workspace_across_processes(database_url: str) -> None:
    """Two processes (two engines on one database) race for a workspace's refresh lease: one wins."""
    first, second = Database(database_url), Database(database_url)
    try:
        now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
        one, other = WorkspaceService(first), WorkspaceService(second)
        assert one.claim_refresh("T0CODEV01", now)
        assert not other.claim_refresh("T0CODEV01", now), "held by the first process"
        assert other.claim_refresh("T0OTHER02", now), "another workspace refreshes meanwhile"
        one.release_refresh("T0CODEV01")
        assert other.claim_refresh("T0CODEV01", now)
        # A process that died holding the lease holds it only so long.
        assert not one.claim_refresh("T0CODEV01", now + timedelta(seconds=10))
        assert one.claim_refresh("T0CODEV01", now + timedelta(seconds=31))
    finally:
        first.dispose()
        second.dispose()


def _uninstalled_long_ago(workspaces: WorkspaceService, team_id: str, now: datetime) -> None:
    workspaces.installed(team_id, now - timedelta(days=40))
    workspaces.uninstalled(team_id, now - timedelta(days=31), 30)
    assert workspaces.due_purges(now) == [team_id]


def test_a_due_purge_never_deletes_a_workspace_installed_again_meanwhile(database_url: str) -> None:
    """The leader saw the workspace due for deletion; before it deletes, the workspace installs codev again
    (in another process): the purge, checking again under the workspace's lock, waits for it and keeps it."""
    first, second = Database(database_url), Database(database_url)
    try:
        now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
        installing, purging = WorkspaceService(first), WorkspaceService(second)
        _uninstalled_long_ago(installing, "T0CODEV01", now)
        store(first).save(installation())  # Bolt saves the new tokens, then marks the workspace active

        locked, results = threading.Event(), []

        def install_under_way() -> None:  # WorkspaceService.installed, slowed down inside its transaction
            with first.session() as session:
                row = session.get(CodevWorkspace, "T0CODEV01", with_for_update=True)
                assert row is not None
                locked.set()
                time.sleep(0.5)
                row.active, row.uninstalled_at, row.purge_after = True, None, None
                session.add(row)

        thread = threading.Thread(target=install_under_way)
        thread.start()
        assert locked.wait(10)
        results.append(purging.purge("T0CODEV01", due_by=now))  # waits for the install, then sees it active
        thread.join()
        assert results == [None]
        assert store(second).find_team_bot("T0CODEV01") is not None, "the new tokens are kept"
        assert purging.is_active("T0CODEV01")
        assert purging.purge("T0CODEV01") is None, "an active workspace is purged only when forced"
        assert purging.purge("T0CODEV01", force=True) == 3  # its row, its bot, its installation
    finally:
        first.dispose()
        second.dispose()


def test_a_purge_just_before_the_install_is_marked_keeps_the_new_tokens(db: Database) -> None:
    """The other order: the purge deletes the new tokens Bolt just saved, then the install is marked: codev
    saves them again, so the workspace starts afresh with a token."""
    from slack_sdk import WebClient

    from bot.config import load_settings
    from bot.slack.oauth import Tenancy

    settings = load_settings({"SLACK_CLIENT_ID": "1111.2222", "SLACK_CLIENT_SECRET": "s", "DATABASE_URL": db.url}, None)
    clock = FakeClock(datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    tenancy = Tenancy(settings, db, clock, WebClient())
    _uninstalled_long_ago(tenancy.workspaces, "T0CODEV01", clock.now())
    tenancy.store.save(installation())
    assert tenancy.purge_due() == ["T0CODEV01"]
    assert tenancy.store.find_team_bot("T0CODEV01") is None
    tenancy.installed(installation())  # Bolt's success callback
    bot = tenancy.store.find_team_bot("T0CODEV01")
    assert bot is not None and bot.bot_token == TOKEN
    assert tenancy.workspaces.is_active("T0CODEV01") and tenancy.purge_due() == []


def test_the_purge_command_refuses_an_active_workspace_unless_forced(database_url: str, tmp_path: Path) -> None:
    db = Database(database_url)
    try:
        db.upgrade()
        WorkspaceService(db).installed("T0CODEV01", datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
        store(db).save(installation())
    finally:
        db.dispose()

    def purge(*flags: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "workspace", "purge", "T0CODEV01", *flags],
            env={"DATABASE_URL": database_url, "PATH": ""},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )

    refused = purge("--yes")
    assert refused.returncode == 1, refused.stderr
    assert "workspace T0CODEV01 is active" in refused.stdout and "--force" in refused.stdout
    assert "Traceback" not in refused.stderr
    db = Database(database_url)
    try:
        assert store(db).find_team_bot("T0CODEV01") is not None, "nothing deleted"
    finally:
        db.dispose()
    unknown = subprocess.run(
        [sys.executable, "-m", "bot", "workspace", "purge", "T0NEVER09", "--yes"],
        env={"DATABASE_URL": database_url, "PATH": ""},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert unknown.returncode == 1 and "never uninstalled codev" in unknown.stdout
    forced = purge("--yes", "--force")
    assert forced.returncode == 0, forced.stderr
    assert "deleted workspace T0CODEV01's data (3 rows)" in forced.stdout


def test_a_workspace_is_found_by_its_team_whatever_org_it_was_saved_under(db: Database) -> None:
    """Requests of a workspace that joined an Enterprise Grid org after installing codev carry the org's id;
    its bot was saved without one. codev's own work knows only the team. Both find the same bot."""
    store(db).save(installation())  # saved outside any org
    for enterprise_id in (None, "E0GRID001"):
        bot = store(db).find_bot(enterprise_id=enterprise_id, team_id="T0CODEV01")
        assert bot is not None and bot.bot_token == TOKEN
    assert store(db).find_team_bot("T0CODEV01") is not None
    assert store(db).find_bot(enterprise_id="E0GRID001", team_id="T0OTHER02") is None, "another team: none"
