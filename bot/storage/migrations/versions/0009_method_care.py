"""The method, carried with care: the client's reformulated problem and whether they got what they asked for; a
group's charter requirement and evaluation rhythm; the group's anonymous evaluations

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.storage.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

AutoString = sqlmodel.sql.sqltypes.AutoString
UTC = bot.storage.types.UTCDateTime


def upgrade() -> None:
    # Added columns only, never a rebuilt table (a rebuild of codev_session or codev_group on SQLite would cascade
    # to their children): recreate="never" makes Alembic use ALTER TABLE ADD/DROP COLUMN.
    with op.batch_alter_table("codev_session", recreate="never") as batch:
        batch.add_column(sa.Column("contract_problem", AutoString(), nullable=True))
        batch.add_column(sa.Column("synthesis_got", AutoString(length=16), nullable=True))
        batch.add_column(sa.Column("synthesis_got_note", AutoString(), nullable=True))
    with op.batch_alter_table("codev_group", recreate="never") as batch:
        batch.add_column(sa.Column("charter_required", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("evaluation_every", sa.Integer(), nullable=False, server_default="4"))
    op.create_table(
        "group_evaluation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", AutoString(length=32), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("results_ts", AutoString(length=32), nullable=True),
        sa.Column("results_count", sa.Integer(), nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(["group_id"], ["codev_group.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["session_id"], ["codev_session.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("group_id", "session_id", name="uq_group_evaluation_session"),
    )
    op.create_table(
        "evaluation_response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", AutoString(length=32), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("climate", sa.Integer(), nullable=False),
        sa.Column("listening", sa.Integer(), nullable=False),
        sa.Column("method", sa.Integer(), nullable=False),
        sa.Column("comment", AutoString(length=1000), nullable=True),
        sa.ForeignKeyConstraint(["evaluation_id"], ["group_evaluation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "evaluation_voter",
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", AutoString(length=32), nullable=False),
        sa.Column("team_id", AutoString(length=32), nullable=False),
        sa.ForeignKeyConstraint(["evaluation_id"], ["group_evaluation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("evaluation_id", "user_id"),
    )


def downgrade() -> None:
    op.drop_table("evaluation_voter")
    op.drop_table("evaluation_response")
    op.drop_table("group_evaluation")
    with op.batch_alter_table("codev_group", recreate="never") as batch:
        batch.drop_column("evaluation_every")
        batch.drop_column("charter_required")
    with op.batch_alter_table("codev_session", recreate="never") as batch:
        batch.drop_column("synthesis_got_note")
        batch.drop_column("synthesis_got")
        batch.drop_column("contract_problem")
