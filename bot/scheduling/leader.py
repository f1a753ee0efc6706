"""One scheduler per database: PostgreSQL advisory lock, or a lock file beside a SQLite database."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import time
from pathlib import Path
from typing import Protocol

import psycopg
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)
SCHEDULER_LOCK_KEY = 7_413_266_002  # distinct from the migration lock
RETRY_EVERY = 1.0  # seconds between a follower's attempts


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
    """

    def __init__(self, sqlalchemy_url: str) -> None:
        url = make_url(sqlalchemy_url).set(drivername="postgresql")
        self.conninfo = url.render_as_string(hide_password=False)
        self._connection: psycopg.Connection | None = None
        self._last_try = 0.0

    def check(self) -> bool:
        if self._connection is not None:
            try:
                held = self._connection.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND pid = pg_backend_pid() AND objid = %s",
                    (SCHEDULER_LOCK_KEY & 0xFFFFFFFF,),
                ).fetchone()
                if held and held[0] > 0:
                    return True
            except psycopg.Error:
                log.warning("lost the scheduler lock's connection", exc_info=True)
            self._drop()
            return False
        now = time.monotonic()
        if now - self._last_try < RETRY_EVERY:
            return False
        self._last_try = now
        try:
            connection = psycopg.connect(self.conninfo, autocommit=True, connect_timeout=5)
            row = connection.execute("SELECT pg_try_advisory_lock(%s)", (SCHEDULER_LOCK_KEY,)).fetchone()
        except psycopg.Error:
            log.warning("could not try the scheduler lock", exc_info=True)
            return False
        if not row or not row[0]:
            connection.close()
            return False
        self._connection = connection
        log.info("this process now fires the timers (PostgreSQL advisory lock)")
        return True

    def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(psycopg.Error):
                self._connection.close()
            self._connection = None

    def release(self) -> None:
        self._drop()


def leadership_for(database_url: str) -> Leadership:
    if database_url.startswith("postgresql"):
        return PostgresLeadership(database_url)
    path = make_url(database_url).database
    if not path or path == ":memory:":
        return AlwaysLeader()
    return FileLeadership(path)
