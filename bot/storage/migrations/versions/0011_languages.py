"""Languages: a person's chosen language, a group's channel language, the language a session's channel reads

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

AutoString = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    # Added columns only (see 0009): NULL means "automatic" (Slack's locale for a person, most members' for a
    # group); a session's language is fixed as it starts, NULL for sessions that started before this revision.
    with op.batch_alter_table("person_settings", recreate="never") as batch:
        batch.add_column(sa.Column("language", AutoString(length=16), nullable=True))
    with op.batch_alter_table("codev_group", recreate="never") as batch:
        batch.add_column(sa.Column("language", AutoString(length=16), nullable=True))
    with op.batch_alter_table("codev_session", recreate="never") as batch:
        batch.add_column(sa.Column("language", AutoString(length=16), nullable=True))


def downgrade() -> None:
    for table in ("codev_session", "codev_group", "person_settings"):
        with op.batch_alter_table(table, recreate="never") as batch:
            batch.drop_column("language")
