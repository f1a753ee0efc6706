"""Working calendars: a group's (zone, working days and hours, holidays) replaces its quiet hours, and an async
session keeps the calendar it started with; async group durations move from clock hours to working hours

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from datetime import time

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

AutoString = sqlmodel.sql.sqltypes.AutoString

# What 0008 knows of the tables it reads and fills (not the models: they move on).
_groups = sa.table(
    "codev_group",
    sa.column("id", sa.Integer()),
    sa.column("pace", sa.String()),
    sa.column("durations", sa.String()),
    sa.column("quiet_start", sa.Time()),
    sa.column("quiet_end", sa.Time()),
    sa.column("cadence_tz", sa.String()),
    sa.column("calendar", AutoString()),
)


def upgrade() -> None:
    with op.batch_alter_table("codev_group") as batch:
        batch.add_column(sa.Column("calendar", AutoString(), nullable=True))
    with op.batch_alter_table("codev_session") as batch:
        # NULL: clock time (live sessions, and async sessions started before working calendars).
        batch.add_column(sa.Column("calendar", AutoString(), nullable=True))
    connection = op.get_bind()
    for row in connection.execute(sa.select(_groups)).mappings().all():
        values: dict[str, object] = {}
        if row["quiet_start"] is not None and row["quiet_end"] is not None:
            values["calendar"] = _calendar_from_quiet(row["quiet_start"], row["quiet_end"], row["cadence_tz"])
        if row["pace"] == "async" and row["durations"]:
            values["durations"] = _working_hours(row["durations"])
        if values:
            connection.execute(sa.update(_groups).where(_groups.c.id == row["id"]).values(**values))
    # A native DROP COLUMN (SQLite 3.35+), never a copy of the table: with foreign keys on, SQLite's rebuild drops
    # the old table, and ON DELETE CASCADE would take every group's members and kick-offs with it.
    with op.batch_alter_table("codev_group", recreate="never") as batch:
        batch.drop_column("quiet_start")
        batch.drop_column("quiet_end")


def downgrade() -> None:
    # Native DROP COLUMN here too: a rebuilt codev_session or codev_group would cascade to their rows' children.
    # The calendars are lost (quiet hours come back empty).
    with op.batch_alter_table("codev_group", recreate="never") as batch:
        batch.add_column(sa.Column("quiet_start", sa.Time(), nullable=True))
        batch.add_column(sa.Column("quiet_end", sa.Time(), nullable=True))
        batch.drop_column("calendar")
    with op.batch_alter_table("codev_session", recreate="never") as batch:
        batch.drop_column("calendar")


def _calendar_from_quiet(start: time, end: time, tz: str | None) -> str:
    """Quiet 18:00-09:00 was "work 09:00-18:00, Monday to Friday" (in each member's zone, the cadence's for all);
    quiet from and until the same time was never quiet."""
    hours = f"{end:%H:%M}-{start:%H:%M}" if start > end else f"{end:%H:%M}-24:00"
    return f"{tz or 'UTC'};mon-fri;{'00:00-24:00' if start == end else hours};"


MAX_WORKING_HOURS = 80  # steps.MAX_DURATION[ASYNC] when 0008 was written


def _working_hours(durations: str) -> str:
    """24 clock hours were one day of the step: now 8 working hours (one working day of 09:00-17:00)."""
    try:
        hours = [int(part) for part in durations.split(",")]
    except ValueError:
        return durations
    return ",".join(str(min(MAX_WORKING_HOURS, max(1, round(h / 3)))) for h in hours)
