"""The one owner of the SQLModel engine, its sessions and the schema's migrations."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import PoolProxiedConnection, StaticPool
from sqlmodel import Session, create_engine

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Any fixed number: every codev process takes this PostgreSQL advisory lock around migrations.
MIGRATION_LOCK_KEY = 7_413_266_001
# PostgreSQL: the inbox's writer keeps one connection for the writes before acks (group commit serialises them),
# and may open one more while the first is being replaced.
ACK_POOL_SIZE, ACK_POOL_OVERFLOW = 1, 1
# PostgreSQL: a connection whose server or network went silent fails within seconds instead of hanging every
# query on it until TCP gives up (about 15 minutes): keepalives while idle, and a bound on unacknowledged sends.
PG_KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "tcp_user_timeout": 10_000,  # milliseconds
}


class Database:
    """Engine plus session factory; one per process."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.engine = _make_engine(url, echo=echo)
        # SQLite: reads need not queue behind writers for the write lock (WAL readers never block).
        is_file_sqlite = self.engine.dialect.name == "sqlite" and self.engine.pool.__class__ is not StaticPool
        self.read_engine = _make_engine(url, echo=echo, immediate=False) if is_file_sqlite else self.engine
        # SQLite takes one writer at a time; threads queue here and wake at once, instead of polling in
        # SQLite's busy handler, which sleeps up to 100 ms between tries.
        self._writers = WriteLock() if self.engine.dialect.name == "sqlite" else None
        # PostgreSQL: the inbox's writer keeps a connection of its own (ack_connection), so an ack never waits for
        # the shared pool, which the listener and event threads may hold all of under a burst (SQLite writes queue
        # behind one lock anyway: `urgent` lets them go first). No ping before each use, which would double the
        # ack's round trips: a connection the server dropped fails one write (a 500, and Slack sends the event
        # again), and is replaced.
        self._ack_engine = (
            _make_engine(url, echo=echo, pre_ping=False, pool_size=ACK_POOL_SIZE, max_overflow=ACK_POOL_OVERFLOW)
            if self._writers is None
            else self.engine
        )
        self._read_check_lock = threading.Lock()
        self._read_check: threading.Thread | None = None
        self._writing = threading.local()  # how many units of work this thread has open

    @contextmanager
    def session(self, *, urgent: bool = False) -> Iterator[Session]:
        """A unit of work: committed when the block ends normally, rolled back otherwise.

        `urgent`: someone waits for this write to finish (Slack, for an ack): on SQLite it goes before the writes
        already waiting for their turn (after the one under way).
        """
        turn = self._writers.held(urgent=urgent) if self._writers is not None else contextlib.nullcontext()
        with turn, self._counted(), Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def writing_here(self) -> bool:
        """Whether this thread is inside a unit of work: a slow call (Slack) must not be made from there."""
        return bool(getattr(self._writing, "depth", 0))

    @contextmanager
    def _counted(self) -> Iterator[None]:
        self._writing.depth = getattr(self._writing, "depth", 0) + 1
        try:
            yield
        finally:
            self._writing.depth -= 1

    @contextmanager
    def transaction(self, *, urgent: bool = False) -> Iterator[Connection]:
        """A unit of work on a bare connection, for a few SQL statements where the ORM's bookkeeping would cost
        more than the work (the inbox's insert before an ack on SQLite, its bookkeeping updates): committed when
        the block ends normally, rolled back otherwise. `urgent` as for `session`."""
        turn = self._writers.held(urgent=urgent) if self._writers is not None else contextlib.nullcontext()
        with turn, self._counted(), self.engine.begin() as connection:
            yield connection

    def ack_connection(self) -> PoolProxiedConnection:
        """PostgreSQL: a connection kept by the inbox's writer for the writes before acks, the driver's own
        (psycopg's) in autocommit at `.driver_connection`; `invalidate()` it when it fails."""
        connection = self._ack_engine.raw_connection()
        connection.driver_connection.autocommit = True  # type: ignore[union-attr]
        return connection

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work: never takes SQLite's write lock. Do not write through it."""
        # Closing (not rolling back) ends the transaction and leaves loaded objects readable.
        with Session(self.read_engine, expire_on_commit=False) as session:
            yield session

    def upgrade(self) -> None:
        """Bring the schema to the newest migration; safe when several processes start at once."""
        with self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Transaction-level lock: released at commit, after the migration is done.
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def read_problem(self, timeout: float = 2.0) -> str | None:
        """Readiness: None when a quick read answers within `timeout` seconds, else why not, in a few words.

        It reads the schema's version through the read engine, so it never queues behind SQLite's write lock;
        it runs in a thread of its own so that a database that hangs cannot hold the caller, and one check at
        a time is ever outstanding (a check still waiting makes the next ones answer "not answering").
        """
        with self._read_check_lock:
            pending = self._read_check
            if pending is not None and pending.is_alive():
                return "not answering (an earlier read check is still waiting)"
            result: list[str | None] = []
            check = threading.Thread(target=self._read_once, args=(result,), name="codev-read-check", daemon=True)
            self._read_check = check
            check.start()
        check.join(timeout)
        if check.is_alive():
            return f"not answering within {timeout:g} s"
        return result[0] if result else "the read check failed"

    def _read_once(self, result: list[str | None]) -> None:
        try:
            with self.read() as session:
                version = session.connection().execute(text("SELECT version_num FROM alembic_version")).first()
            result.append(None if version else "no schema (run codev db upgrade)")
        except Exception as error:  # any failure means "not ready"; the reason goes into /readyz's answer
            first_line = (str(error).splitlines() or [""])[0][:300]
            log.warning("database read check failed: %s: %s", type(error).__name__, first_line)
            result.append(type(error).__name__)

    def is_healthy(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except Exception:  # any failure means "not healthy"; the caller answers 503
            log.warning("database health check failed", exc_info=True)
            return False

    def dispose(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()
        self._ack_engine.dispose()


class WriteLock:
    """SQLite's one writer at a time, within this process: reentrant, and writers someone waits for (urgent) are let
    in before the others. A request's inbox row before its ack would otherwise queue behind every background write
    of the listeners still working on earlier requests."""

    def __init__(self) -> None:
        self._free = threading.Condition(threading.Lock())
        self._owner: int | None = None
        self._depth = 0
        self._urgent_waiting = 0

    @contextmanager
    def held(self, *, urgent: bool = False) -> Iterator[None]:
        me = threading.get_ident()
        with self._free:
            if self._owner == me:
                self._depth += 1
            else:
                if urgent:
                    self._urgent_waiting += 1
                try:
                    while self._owner is not None or (not urgent and self._urgent_waiting):
                        self._free.wait()
                finally:
                    if urgent:
                        self._urgent_waiting -= 1
                self._owner, self._depth = me, 1
        try:
            yield
        finally:
            with self._free:
                self._depth -= 1
                if self._depth == 0:
                    self._owner = None
                    self._free.notify_all()


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _make_engine(url: str, *, echo: bool, immediate: bool = True, pre_ping: bool = True, **pool: int) -> Engine:
    kwargs: dict[str, Any] = {"echo": echo, **pool}
    if url.startswith("sqlite"):
        # Threads share the engine; wait for a writer instead of failing with "database is locked".
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool
    else:
        kwargs["pool_pre_ping"] = pre_ping
        if url.startswith("postgresql"):
            kwargs["connect_args"] = dict(PG_KEEPALIVES)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate if immediate else _sqlite_begin)
    return engine


def _sqlite_begin_immediate(connection: Any) -> None:
    # Take SQLite's write lock when a transaction starts: a read-then-write transaction under WAL would
    # otherwise fail with "database is locked" when another writer commits in between, instead of waiting.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (needed for BEGIN IMMEDIATE
    # and SAVEPOINTs); see SQLAlchemy's "Serializable isolation / Savepoints" notes for pysqlite.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
