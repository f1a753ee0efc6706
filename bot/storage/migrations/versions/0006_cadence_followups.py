"""Groups' durations and cadence, kick-offs and volunteers, scheduled tasks, action outcomes, channel leaves

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.storage.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

AutoString = sqlmodel.sql.sqltypes.AutoString
UTC = bot.storage.types.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("codev_group") as batch:
        batch.add_column(sa.Column("durations", AutoString(length=64), nullable=True))
        batch.add_column(sa.Column("cadence_first", sa.Date(), nullable=True))
        batch.add_column(sa.Column("cadence_time", sa.Time(), nullable=True))
        batch.add_column(sa.Column("cadence_weeks", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("cadence_tz", AutoString(length=64), nullable=True))
    with op.batch_alter_table("action_item") as batch:
        batch.add_column(sa.Column("outcome_note", AutoString(length=500), nullable=True))
        batch.add_column(sa.Column("outcome_shared", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("outcome_at", UTC(timezone=True), nullable=True))
    op.create_table(
        "channel_leave",
        sa.Column("team_id", AutoString(length=32), nullable=False),
        sa.Column("channel_id", AutoString(length=32), nullable=False),
        sa.Column("user_id", AutoString(length=32), nullable=False),
        sa.Column("left_at", UTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "channel_id", "user_id"),
    )
    op.create_table(
        "scheduled_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", AutoString(length=32), nullable=False),
        sa.Column("kind", AutoString(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("due_at", UTC(timezone=True), nullable=False),
        sa.Column("state", AutoString(length=16), nullable=False),
        sa.Column("fired_at", UTC(timezone=True), nullable=True),
        sa.Column("message_ts", AutoString(length=32), nullable=True),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_scheduled_task_state_due", "scheduled_task", ["state", "due_at"])
    op.create_index("ix_scheduled_task_subject", "scheduled_task", ["kind", "subject_id"])
    op.create_table(
        "kickoff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", AutoString(length=32), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", AutoString(length=32), nullable=False),
        sa.Column("scheduled_for", UTC(timezone=True), nullable=False),
        sa.Column("facilitator_id", AutoString(length=32), nullable=False),
        sa.Column("status", AutoString(length=16), nullable=False),
        sa.Column("picked_id", AutoString(length=32), nullable=True),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("message_ts", AutoString(length=32), nullable=True),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["codev_group.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["session_id"], ["codev_session.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("group_id", "scheduled_for", name="uq_kickoff_occurrence"),
    )
    op.create_table(
        "kickoff_volunteer",
        sa.Column("kickoff_id", sa.Integer(), nullable=False),
        sa.Column("user_id", AutoString(length=32), nullable=False),
        sa.Column("team_id", AutoString(length=32), nullable=False),
        sa.Column("topic", AutoString(length=300), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["kickoff_id"], ["kickoff.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("kickoff_id", "user_id"),
    )


def downgrade() -> None:
    op.drop_table("kickoff_volunteer")
    op.drop_table("kickoff")
    op.drop_index("ix_scheduled_task_subject", "scheduled_task")
    op.drop_index("ix_scheduled_task_state_due", "scheduled_task")
    op.drop_table("scheduled_task")
    op.drop_table("channel_leave")
    with op.batch_alter_table("action_item") as batch:
        batch.drop_column("outcome_at")
        batch.drop_column("outcome_shared")
        batch.drop_column("outcome_note")
    with op.batch_alter_table("codev_group") as batch:
        for column in ("cadence_tz", "cadence_weeks", "cadence_time", "cadence_first", "durations"):
            batch.drop_column(column)
