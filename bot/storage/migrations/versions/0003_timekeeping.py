"""Timekeeping: timed events, personal settings, per-session timer settings

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.storage.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person_settings",
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("nudges_off", sa.Boolean(), nullable=False),
        sa.Column("quiet_start", sa.Time(), nullable=True),
        sa.Column("quiet_end", sa.Time(), nullable=True),
        sa.Column("quiet_weekends", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id"),
    )
    op.create_table(
        "timed_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("due_at", bot.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("fired_at", bot.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("message_ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("updated_at", bot.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["codev_session.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "step", "kind", "user_id", name="uq_timed_event_key"),
    )
    with op.batch_alter_table("timed_event", schema=None) as batch_op:
        batch_op.create_index("ix_timed_event_state_due", ["state", "due_at"], unique=False)

    with op.batch_alter_table("codev_session", schema=None) as batch_op:
        # Existing sessions get the defaults: no automatic move-on, no nudges, a reminder at 20% left.
        batch_op.add_column(sa.Column("auto_advance", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("close_when_all_done", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("nudges", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("reminder_share", sa.Float(), nullable=False, server_default="0.2"))


def downgrade() -> None:
    with op.batch_alter_table("codev_session", schema=None) as batch_op:
        batch_op.drop_column("reminder_share")
        batch_op.drop_column("nudges")
        batch_op.drop_column("close_when_all_done")
        batch_op.drop_column("auto_advance")

    with op.batch_alter_table("timed_event", schema=None) as batch_op:
        batch_op.drop_index("ix_timed_event_state_due")

    op.drop_table("timed_event")
    op.drop_table("person_settings")
