"""Slack's OAuth tables, in codev's own database and metadata (so that migrations create and check them).

slack_sdk's SQLAlchemy installation and OAuth state stores define these tables; codev defines them the same
way, with the token columns wide enough for tokens encrypted at rest (a Fernet token of a rotated Slack
token is about 300 characters; slack_sdk's columns hold 200, which PostgreSQL enforces).
"""

from __future__ import annotations

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData, String, Table

INSTALLATIONS_TABLE = "slack_installations"
BOTS_TABLE = "slack_bots"
OAUTH_STATES_TABLE = "slack_oauth_states"
TOKEN_COLUMNS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")
TOKEN_LENGTH = 1000


def define_slack_tables(metadata: MetaData) -> tuple[Table, Table, Table]:
    """slack_sdk's three tables in `metadata`, token columns widened: (installations, bots, oauth states)."""
    installations = SQLAlchemyInstallationStore.build_installations_table(metadata, INSTALLATIONS_TABLE)
    bots = SQLAlchemyInstallationStore.build_bots_table(metadata, BOTS_TABLE)
    for table in (installations, bots):
        for name in TOKEN_COLUMNS:
            if name in table.c:
                table.c[name].type = String(TOKEN_LENGTH)
    states = SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, OAUTH_STATES_TABLE)
    return installations, bots, states
