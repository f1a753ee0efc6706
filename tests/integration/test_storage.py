"""Storage: migrations are the only schema source, datetimes come back aware, SQLite is tuned."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlmodel import SQLModel, select

import bot.storage.models  # noqa: F401
from bot.storage.db import Database, alembic_config
from bot.storage.models import SlackUser
from tests.conftest import is_postgres

HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_models_and_migrations_do_not_drift(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == [], "add an Alembic migration for these model changes"


def test_upgrade_is_idempotent(db: Database) -> None:
    db.upgrade()
    db.upgrade()
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD


def test_datetimes_are_stored_in_utc_and_come_back_aware(db: Database) -> None:
    montreal = timezone(timedelta(hours=-5))
    moment = datetime(2026, 3, 8, 1, 30, tzinfo=montreal)
    with db.session() as session:
        session.add(SlackUser(team_id="T1", user_id="U1", fetched_at=moment))
    with db.session() as session:
        stored = session.exec(select(SlackUser)).one()
    assert stored.fetched_at.tzinfo is not None
    assert stored.fetched_at == moment
    assert stored.fetched_at.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(db: Database) -> None:
    with pytest.raises(Exception, match="naive"), db.session() as session:
        session.add(SlackUser(team_id="T1", user_id="U2", fetched_at=datetime(2026, 1, 1)))
        session.flush()


@pytest.mark.skipif(is_postgres(), reason="SQLite pragmas")
def test_sqlite_runs_in_wal_with_foreign_keys(db: Database) -> None:
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_health_check_fails_on_an_unreachable_database(tmp_path) -> None:
    url = (
        "postgresql+psycopg://nobody:x@127.0.0.1:1/none" if is_postgres() else f"sqlite:///{tmp_path}/missing-dir/x.db"
    )
    assert Database(url).is_healthy() is False


# Tables about codev itself, not about any workspace's data.
NOT_WORKSPACE_DATA = {
    "codev_process": "which codev processes are alive (work a dead one held is taken over)",
    "slack_oauth_states": "one-time OAuth `state` values of installs under way, before any workspace is known",
}


def test_every_table_carries_the_workspace_id() -> None:
    for table in SQLModel.metadata.sorted_tables:
        assert "team_id" in table.columns or table.name in NOT_WORKSPACE_DATA, table.name


def test_now_is_utc_in_the_database(db: Database) -> None:
    now = datetime.now(UTC)
    with db.session() as session:
        session.add(SlackUser(team_id="T1", user_id="U3", fetched_at=now))
    with db.session() as session:
        assert session.get(SlackUser, ("T1", "U3")).fetched_at == now


@pytest.mark.skipif(not is_postgres(), reason="the migration lock is PostgreSQL's advisory lock")
def test_two_processes_upgrading_an_empty_database_at_once_do_not_race(tmp_path) -> None:
    import os
    import subprocess
    import sys
    import uuid

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = make_url(os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"codev_race_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        env = {"PATH": os.environ.get("PATH", ""), "DATABASE_URL": url}
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "bot", "db", "upgrade"],
                env=env,
                cwd=tmp_path,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(3)
        ]
        results = [(p.wait(timeout=60), p.stderr.read() if p.stderr else "") for p in processes]
        assert [code for code, _ in results] == [0, 0, 0], results
        upgraded = Database(url)
        with upgraded.engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD
        upgraded.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def at_revision(tmp_path: Path, revision: str) -> Iterator[tuple[Database, Connection]]:
    """An SQLite database left at an old migration, with a connection to fill it in as it was then."""
    from alembic import command

    from bot.storage.db import alembic_config

    db = Database(f"sqlite:///{tmp_path}/old.db")
    with db.engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        yield db, connection


def test_an_existing_database_upgrades_in_place_keeping_its_data(tmp_path) -> None:
    with at_revision(tmp_path, "0002") as (db, connection):
        connection.execute(
            text(
                "INSERT INTO codev_session (team_id, channel_id, topic, facilitator_id, client_id, created_by, pace, "
                "status, step, version, created_at, summary_state) VALUES ('T1', 'C1', 'Old topic', 'UA', 'UB', 'UA', "
                "'live', 'running', 2, 3, '2026-01-01 10:00:00', 'none')"
            )
        )
    db.upgrade()
    with db.engine.connect() as connection:
        row = connection.execute(text("SELECT topic, step, auto_advance, reminder_share FROM codev_session")).one()
    assert tuple(row) == ("Old topic", 2, 0, 0.2)
    db.dispose()


def test_old_event_ids_are_forgotten(db: Database) -> None:
    from bot.services.events import first_delivery, forget_old_deliveries

    now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    assert first_delivery(db, "T1", "Ev1", now - timedelta(days=2))
    assert first_delivery(db, "T1", "Ev2", now - timedelta(hours=1))
    assert not first_delivery(db, "T1", "Ev2", now)
    assert forget_old_deliveries(db, now) == 1
    assert first_delivery(db, "T1", "Ev1", now), "an id forgotten after a day can come again"


def test_a_groups_quiet_hours_become_its_working_calendar_and_async_hours_working_hours(tmp_path) -> None:
    from bot.domain.workcal import from_spec

    with at_revision(tmp_path, "0007") as (db, connection):
        connection.execute(
            text(
                "INSERT INTO codev_group (team_id, channel_id, name, charter, pace, quiet_start, quiet_end, durations, "
                "cadence_tz, created_by, created_at) VALUES ('T1', 'C1', 'Circle', 'Be kind', 'async', '18:00:00', "
                "'08:30:00', '24,48,24,72,24,24', 'Europe/Paris', 'UA', '2026-01-01 10:00:00')"
            )
        )
        group_id = connection.execute(text("SELECT id FROM codev_group")).scalar()
        for user in ("UA", "UB"):
            connection.execute(
                text("INSERT INTO group_member (group_id, user_id, team_id, position) VALUES (:g, :u, 'T1', 0)"),
                {"g": group_id, "u": user},
            )
        connection.execute(
            text(
                "INSERT INTO codev_group (team_id, channel_id, name, charter, pace, quiet_start, quiet_end, durations, "
                "created_by, created_at) VALUES ('T1', 'C2', 'Never quiet', 'Be kind', 'async', '22:00:00', "
                "'22:00:00', '300,48,24,72,24,24', 'UA', '2026-01-01 10:00:00')"
            )
        )
    db.upgrade()
    with db.engine.connect() as connection:
        members = connection.execute(text("SELECT count(*) FROM group_member")).scalar()
        never_quiet = connection.execute(
            text("SELECT calendar, durations FROM codev_group WHERE channel_id = 'C2'")
        ).one()
        spec, durations = connection.execute(
            text("SELECT calendar, durations FROM codev_group WHERE channel_id = 'C1'")
        ).one()
    assert members == 2, "dropping the quiet-hours columns keeps every member"
    assert tuple(never_quiet) == ("UTC;mon-fri;00:00-24:00;", "80,16,8,24,8,8")
    calendar = from_spec(spec)
    assert calendar is not None and (calendar.tz, str(calendar.start), str(calendar.end)) == (
        "Europe/Paris",
        "08:30:00",
        "18:00:00",
    )
    assert durations == "8,16,8,24,8,8"  # a clock day of the old async pace is one working day now
    db.dispose()


def test_the_method_columns_arrive_without_touching_sessions_groups_or_their_children(tmp_path) -> None:
    with at_revision(tmp_path, "0008") as (db, connection):
        connection.execute(
            text(
                "INSERT INTO codev_group (team_id, channel_id, name, charter, pace, created_by, created_at) "
                "VALUES ('T1', 'C1', 'Circle', 'Be kind', 'live', 'UA', '2026-01-01 10:00:00')"
            )
        )
        connection.execute(
            text("INSERT INTO group_member (group_id, user_id, team_id, position) VALUES (1, 'UA', 'T1', 0)")
        )
        connection.execute(
            text(
                "INSERT INTO codev_session (team_id, channel_id, topic, facilitator_id, client_id, created_by, pace, "
                "status, step, version, created_at, summary_state, auto_advance, close_when_all_done, nudges, "
                "reminder_share) VALUES ('T1', 'C1', 'Topic', 'UA', 'UB', 'UA', 'live', 'running', 2, 3, "
                "'2026-01-01 10:00:00', 'none', 0, 0, 0, 0.2)"
            )
        )
        connection.execute(
            text("INSERT INTO consultant (session_id, user_id, team_id, position) VALUES (1, 'UC', 'T1', 0)")
        )
    db.upgrade()
    with db.engine.connect() as connection:
        counts = [
            connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
            for table in ("group_member", "consultant")
        ]
        group = connection.execute(text("SELECT charter_required, evaluation_every FROM codev_group")).one()
        session = connection.execute(text("SELECT contract_problem, synthesis_got FROM codev_session")).one()
    assert counts == [1, 1]
    assert (bool(group[0]), group[1]) == (False, 4)
    assert tuple(session) == (None, None)
    db.dispose()
