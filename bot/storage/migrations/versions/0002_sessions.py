"""Co-development sessions: steps, people, contributions, actions, journal

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.storage.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "codev_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("topic", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("facilitator_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("client_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("pace", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("root_ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("created_at", bot.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", bot.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("contract_need", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("contract_expectations", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("contract_ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("synthesis_keep", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("synthesis_ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("summary_state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("summary_text", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("summary_ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("codev_session", schema=None) as batch_op:
        batch_op.create_index("ix_codev_session_channel_status", ["team_id", "channel_id", "status"], unique=False)

    op.create_table(
        "consultant",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["codev_session.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("session_id", "user_id"),
    )

    op.create_table(
        "session_step",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=False),
        sa.Column("extended_seconds", sa.Integer(), nullable=False),
        sa.Column("paused_seconds", sa.Integer(), nullable=False),
        sa.Column("started_at", bot.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("paused_at", bot.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", bot.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("message_ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.ForeignKeyConstraint(["session_id"], ["codev_session.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("session_id", "step"),
    )
    with op.batch_alter_table("session_step", schema=None) as batch_op:
        batch_op.create_index("ix_session_step_message", ["team_id", "message_ts"], unique=False)

    op.create_table(
        "step_done",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("done_at", bot.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["codev_session.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("session_id", "step", "user_id"),
    )

    op.create_table(
        "contribution",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("thread_ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("kept", sa.Boolean(), nullable=False),
        sa.Column("created_at", bot.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("edited_at", bot.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["session_id"], ["codev_session.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "channel_id", "ts", name="uq_contribution_message"),
    )
    with op.batch_alter_table("contribution", schema=None) as batch_op:
        batch_op.create_index("ix_contribution_session_step", ["session_id", "step"], unique=False)

    op.create_table(
        "action_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", bot.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["codev_session.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("action_item", schema=None) as batch_op:
        batch_op.create_index("ix_action_item_owner", ["team_id", "owner_id", "status"], unique=False)

    op.create_table(
        "journal_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("tags", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("source_channel_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("source_ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("created_at", bot.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["codev_session.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "source_channel_id", "source_ts", name="uq_journal_entry_source"),
    )
    with op.batch_alter_table("journal_entry", schema=None) as batch_op:
        batch_op.create_index("ix_journal_entry_author", ["team_id", "user_id", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_table("journal_entry")
    op.drop_table("action_item")
    op.drop_table("contribution")
    op.drop_table("step_done")
    op.drop_table("session_step")
    op.drop_table("consultant")
    op.drop_table("codev_session")
