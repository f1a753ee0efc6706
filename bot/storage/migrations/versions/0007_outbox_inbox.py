"""The outbox (posts a state change owes Slack), a session's delivery lease, the event inbox's payload, and one
journal entry per person (not per message) for a saved message

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.storage.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

AutoString = sqlmodel.sql.sqltypes.AutoString
UTC = bot.storage.types.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", AutoString(length=32), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("kind", AutoString(length=16), nullable=False),
        sa.Column("payload", AutoString(), nullable=False),
        sa.Column("state", AutoString(length=16), nullable=False),
        sa.Column("due_at", UTC(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", AutoString(length=64), nullable=True),
        sa.Column("fired_at", UTC(timezone=True), nullable=True),
        sa.Column("message_ts", AutoString(length=32), nullable=True),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["codev_session.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_outbox_state_due", "outbox", ["state", "due_at"])
    op.create_index("ix_outbox_session_state", "outbox", ["session_id", "state"])
    op.create_table(
        "codev_process",
        sa.Column("id", AutoString(length=64), nullable=False),
        sa.Column("started_at", UTC(timezone=True), nullable=False),
        sa.Column("seen_at", UTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("codev_session") as batch:
        batch.add_column(sa.Column("delivering_until", UTC(timezone=True), nullable=True))
        batch.add_column(sa.Column("delivering_by", AutoString(length=64), nullable=True))
    with op.batch_alter_table("processed_event") as batch:
        # Rows from before the inbox were handled already: "done".
        batch.add_column(sa.Column("state", AutoString(length=16), nullable=False, server_default="done"))
        batch.add_column(sa.Column("payload", AutoString(), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("owner", AutoString(length=64), nullable=True))
    op.create_index("ix_processed_event_state", "processed_event", ["state", "received_at"])
    with op.batch_alter_table("journal_entry") as batch:
        # The same message may be saved by several people, each to their own journal.
        batch.drop_constraint("uq_journal_entry_source", type_="unique")
        batch.create_unique_constraint(
            "uq_journal_entry_source", ["team_id", "user_id", "source_channel_id", "source_ts"]
        )


def downgrade() -> None:
    with op.batch_alter_table("journal_entry") as batch:
        batch.drop_constraint("uq_journal_entry_source", type_="unique")
        batch.create_unique_constraint("uq_journal_entry_source", ["team_id", "source_channel_id", "source_ts"])
    op.drop_index("ix_processed_event_state", "processed_event")
    with op.batch_alter_table("processed_event") as batch:
        for column in ("owner", "attempts", "payload", "state"):
            batch.drop_column(column)
    with op.batch_alter_table("codev_session") as batch:
        batch.drop_column("delivering_by")
        batch.drop_column("delivering_until")
    op.drop_table("codev_process")
    op.drop_index("ix_outbox_session_state", "outbox")
    op.drop_index("ix_outbox_state_due", "outbox")
    op.drop_table("outbox")
