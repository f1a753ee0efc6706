"""One scheduler per database: PostgreSQL advisory lock, or a lock file beside a SQLite database."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import psycopg
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)
SCHEDULER_LOCK_KEY = 7_413_266_002  # distinct from the migration lock
# Seconds between a follower's attempts: one cheap query on its own connection; a dead leader's timers wait for it.
RETRY_EVERY = 0.5
LEADER_NAME, FOLLOWER_NAME = "codev-timer-leader", "codev-timer-follower"  # the lock connection's application_name


class Leadership(Protocol):
    def check(self) -> bool:
        """True while this process may fire timers; cheap enough to call twice a second."""
        ...

    def release(self) -> None: ...


class AlwaysLeader:
    """An in-memory database belongs to one process anyway."""

    def check(self) -> bool:
        return True

    def release(self) -> None:
        pass


class FileLeadership:
    """SQLite: an exclusive lock on '<database>.scheduler.lock'; the kernel frees it when the process dies."""

    def __init__(self, database_path: str) -> None:
        self.path = Path(database_path + ".scheduler.lock")
        self._fd: int | None = None
        self._last_try = 0.0

    def check(self) -> bool:
        if self._fd is not None:
            return True
        now = time.monotonic()
        if now - self._last_try < RETRY_EVERY:
            return False
        self._last_try = now
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        log.info("this process now fires the timers (lock %s)", self.path)
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class PostgresLeadership:
    """A session-level advisory lock held on a dedicated connection, outside SQLAlchemy's pool.

    The lock lives as long as that connection: when the leader dies, PostgreSQL ends the session and
    a follower's next attempt takes it. The leader re-checks its connection and stops when it is lost.
    A follower keeps its one connection between attempts (a try is one query on it), instead of opening
    a new one every second; it reconnects only when that connection fails. The connection names itself in
    `pg_stat_activity.application_name`: `codev-timer-leader` on the leader, `codev-timer-follower` elsewhere.
    """

    def __init__(self, sqlalchemy_url: str, *, connect: Callable[..., Any] | None = None) -> None:
        url = make_url(sqlalchemy_url).set(drivername="postgresql")
        self.conninfo = url.render_as_string(hide_password=False)
        self._connect = connect or psycopg.connect
        self._connection: Any = None  # a psycopg.Connection, kept while leading and between a follower's tries
        self._leading = False
        self._last_try = 0.0

    def check(self) -> bool:
        if self._leading:
            if self._still_held():
                return True
            log.warning("lost the scheduler lock's connection")
            self._drop()
            return False
        now = time.monotonic()
        if now - self._last_try < RETRY_EVERY:
            return False
        self._last_try = now
        try:
            if self._connection is None:
                self._connection = self._connect(
                    self.conninfo, autocommit=True, connect_timeout=5, application_name=FOLLOWER_NAME
                )
            row = self._connection.execute("SELECT pg_try_advisory_lock(%s)", (SCHEDULER_LOCK_KEY,)).fetchone()
            if not row or not row[0]:
                return False  # another process leads; this connection waits for the next try
            self._connection.execute("SELECT set_config('application_name', %s, false)", (LEADER_NAME,))
        except psycopg.Error:
            log.warning("could not try the scheduler lock", exc_info=True)
            self._drop()
            return False
        self._leading = True
        log.info("this process now fires the timers (PostgreSQL advisory lock)")
        return True

    def _still_held(self) -> bool:
        try:
            held = self._connection.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND pid = pg_backend_pid() AND objid = %s",
                (SCHEDULER_LOCK_KEY & 0xFFFFFFFF,),
            ).fetchone()
            return bool(held and held[0] > 0)
        except psycopg.Error:
            return False

    def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(psycopg.Error):
                self._connection.close()
            self._connection = None
        self._leading = False

    def release(self) -> None:
        self._drop()


def leadership_for(database_url: str) -> Leadership:
    if database_url.startswith("postgresql"):
        return PostgresLeadership(database_url)
    path = make_url(database_url).database
    if not path or path == ":memory:":
        return AlwaysLeader()
    return FileLeadership(path)
