"""The inbox: each Events API delivery is stored before it is acknowledged and handled exactly once.

Slack retries a delivery it got no 200 for (the id's uniqueness drops those), and never resends one it did:
so the delivery is kept (payload and all) until it is processed, and one whose process died is replayed by
whichever process leads the timers next.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import and_, col, or_, select

from bot.storage.db import Database
from bot.storage.models import ProcessedEvent

log = logging.getLogger(__name__)

# A delivery nobody took yet (it came before this version) is taken for orphaned after this long.
INBOX_GRACE = timedelta(seconds=10)
MAX_ATTEMPTS = 3  # a delivery that failed this often is kept as "failed" and logged, not tried forever

PENDING, DONE, FAILED = "pending", "done", "failed"


def first_delivery(
    db: Database, team_id: str, event_id: str, now: datetime, payload: str | None = None, owner: str | None = None
) -> bool:
    """Store a delivery before its ack, held by process `owner`; False when stored already (Slack retrying).

    One small insert, and urgent: Slack waits for it, so it goes before the background writes waiting their turn;
    deliveries arriving together are stored in one transaction (see InboxWriter).
    """
    row = {
        "team_id": team_id,
        "event_id": event_id[:64],
        "received_at": now,
        "state": PENDING if payload is not None else DONE,
        "payload": payload,
        "attempts": 0,
        "owner": owner if payload is not None else None,
    }
    return _writer_of(db).store(row)


class InboxWriter:
    """Stores deliveries before their acks: each in one small statement, those arriving together in one transaction.

    Group commit: the first request to arrive writes; requests arriving while it does wait, and one of them then
    writes all of theirs at once. A lone delivery is stored at once by its own thread (no hand-over), and on
    PostgreSQL in autocommit (one round trip instead of BEGIN, INSERT and COMMIT); under load, one turn of SQLite's
    write lock and one commit serve several acks. Each request learns whether its row is new only once the
    transaction holding it is committed; if that fails, every request in it fails (no 200, so Slack retries). A
    retry of a stored delivery (same team and event id) inserts nothing: `INSERT … ON CONFLICT DO NOTHING
    RETURNING`, no exception and no SELECT (RETURNING says which rows are new: psycopg gives no row count for it;
    SQLite has it since 3.35).
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        on_postgresql = db.engine.dialect.name == "postgresql"
        dialect = postgresql if on_postgresql else sqlite
        self._insert = dialect.insert(ProcessedEvent).on_conflict_do_nothing().returning(col(ProcessedEvent.event_id))
        self._lock = threading.Lock()
        self._waiting: list[_Pending] = []
        self._writing = False
        # PostgreSQL: the statement, compiled once, for the one connection this writer keeps (only the thread
        # writing a batch uses it): a pool's check-out and return cost as much as the insert's round trip.
        self._sql = (
            str(self._insert.compile(dialect=db.engine.dialect, column_keys=list(INBOX_COLUMNS)))
            if on_postgresql
            else None
        )
        self._kept: Any = None  # that connection (psycopg's, in autocommit), opened at the first write

    def store(self, row: dict[str, Any]) -> bool:
        """True when `row` is new and committed; False when a row with its key is there already."""
        mine = _Pending(row)
        with self._lock:
            self._waiting.append(mine)
            writes_now = not self._writing
            self._writing = True
        if not writes_now:
            mine.turn.wait()  # until stored by another thread, or until it is this thread's turn to write
        if mine.stored is None and mine.error is None:
            self._write_waiting()
        if mine.error is not None:
            raise mine.error
        assert mine.stored is not None
        return mine.stored

    def _write_waiting(self) -> None:
        with self._lock:
            batch, self._waiting = self._waiting, []
        try:
            new = self._store_rows([pending.row for pending in batch])
            for pending, stored in zip(batch, new, strict=True):
                pending.stored = stored
        except BaseException as error:  # each request in the batch answers with it (not stored: no 200)
            for pending in batch:
                pending.error = error
        finally:
            with self._lock:
                following = self._waiting[0] if self._waiting else None
                self._writing = following is not None
            for pending in batch:
                pending.turn.set()
            if following is not None:
                following.turn.set()  # its thread writes the requests that came meanwhile

    def _store_rows(self, rows: list[dict[str, Any]]) -> list[bool]:
        """The rows in one transaction: for each, whether it is new."""
        if self._sql is not None:
            return self._store_on_postgresql(rows)
        with self.db.transaction(urgent=True) as connection:
            return [connection.execute(self._insert, row).first() is not None for row in rows]

    def _store_on_postgresql(self, rows: list[dict[str, Any]]) -> list[bool]:
        """One row in autocommit (one round trip), several in one transaction; a broken connection is dropped
        (this batch fails: no 200, so Slack sends it again) and replaced at the next write."""
        assert self._sql is not None
        if self._kept is None:
            self._kept = self.db.ack_connection()
        connection = self._kept.driver_connection
        try:
            if len(rows) == 1:
                return [connection.execute(self._sql, rows[0]).fetchone() is not None]
            with connection.transaction():
                return [connection.execute(self._sql, row).fetchone() is not None for row in rows]
        except Exception:
            kept, self._kept = self._kept, None
            with contextlib.suppress(Exception):
                kept.invalidate()  # closed, and out of the pool
            raise


INBOX_COLUMNS = ("team_id", "event_id", "received_at", "state", "payload", "attempts", "owner")


class _Pending:
    __slots__ = ("error", "row", "stored", "turn")

    def __init__(self, row: dict[str, Any]) -> None:
        self.row = row
        self.turn = threading.Event()
        self.stored: bool | None = None
        self.error: BaseException | None = None


_writers_lock = threading.Lock()


def _writer_of(db: Database) -> InboxWriter:
    """The one writer of this database's inbox in this process, kept on the Database itself (a registry keyed by
    the database would keep every Database alive through its writer)."""
    with _writers_lock:
        writer: InboxWriter | None = getattr(db, "_inbox_writer", None)
        if writer is None:
            writer = InboxWriter(db)
            db._inbox_writer = writer  # type: ignore[attr-defined]
        return writer


def start_processing(db: Database, team_id: str, event_id: str, me: str, now: datetime) -> bool:
    """The acknowledging process starts on its delivery; False when a replay took it (this process was taken
    for dead meanwhile). One UPDATE on a bare connection: it runs once per event, beside the acks."""
    fresh = (col(ProcessedEvent.state) == PENDING, col(ProcessedEvent.attempts) == 0)
    return _update_held(db, team_id, event_id, me, fresh, attempts=1) == 1


def processed(db: Database, team_id: str, event_id: str, me: str) -> None:
    """The delivery's work is done: forget its payload (a DM's text lives on in the journal, not here)."""
    _update_held(db, team_id, event_id, me, (), state=DONE, payload=None)


def release(db: Database, team_id: str, event_id: str, me: str, now: datetime) -> None:
    """This process gives a delivery up: held by nobody, the timer leader's replay takes it after INBOX_GRACE
    (as a retry from Slack would have come)."""
    _update_held(db, team_id, event_id, me, (col(ProcessedEvent.state) == PENDING,), owner=None, received_at=now)


def _update_held(
    db: Database, team_id: str, event_id: str, me: str, conditions: tuple[ColumnElement[bool], ...], **values: Any
) -> int:
    """Change a delivery this process holds (and meeting `conditions`); how many rows changed (0 or 1)."""
    with db.transaction() as connection:
        result = connection.execute(
            update(ProcessedEvent)
            .where(
                col(ProcessedEvent.team_id) == team_id,
                col(ProcessedEvent.event_id) == event_id[:64],
                col(ProcessedEvent.owner) == me,
                *conditions,
            )
            .values(**values)
        )
        return result.rowcount


def _orphaned(alive: set[str], now: datetime) -> ColumnElement[bool]:
    """Held by a process that is no longer alive (or, from before owners, by nobody for a while)."""
    return or_(
        col(ProcessedEvent.owner).not_in(alive or {""}),
        and_(col(ProcessedEvent.owner).is_(None), col(ProcessedEvent.received_at) < now - INBOX_GRACE),
    )


def orphans(db: Database, alive: set[str], now: datetime) -> list[tuple[str, str]]:
    """Deliveries acknowledged but never processed: the process holding them died."""
    with db.read() as session:
        rows = session.exec(
            select(ProcessedEvent.team_id, ProcessedEvent.event_id).where(
                col(ProcessedEvent.state) == PENDING, _orphaned(alive, now)
            )
        ).all()
        return [(team, event) for team, event in rows]


def claim_replay(db: Database, team_id: str, event_id: str, me: str, alive: set[str], now: datetime) -> str | None:
    """Take an orphan for one more try; its payload, or None when another process took it or it gave up."""
    with db.session() as session:
        row = session.get(ProcessedEvent, (team_id, event_id))
        if row is None or row.state != PENDING:
            return None
        if row.attempts >= MAX_ATTEMPTS:
            row.state, row.payload = FAILED, None
            session.add(row)
            log.error("event %s of %s failed %s times; it is dropped", event_id, team_id, row.attempts)
            return None
        # Compare and set on what was read: of two processes replaying it, one takes it.
        result = session.exec(
            update(ProcessedEvent)
            .where(
                col(ProcessedEvent.team_id) == team_id,
                col(ProcessedEvent.event_id) == event_id,
                col(ProcessedEvent.state) == PENDING,
                col(ProcessedEvent.attempts) == row.attempts,
                _orphaned(alive, now),
            )
            .values(owner=me, attempts=row.attempts + 1, received_at=now)
        )
        return row.payload if result.rowcount == 1 else None


# Slack retries a delivery within minutes; a day of ids is plenty to recognise retries.
KEEP_EVENT_IDS_FOR = timedelta(days=1)


def forget_old_deliveries(db: Database, now: datetime) -> int:
    """Drop event ids too old to be retried, so the table stays small."""
    with db.session() as session:
        result = session.exec(delete(ProcessedEvent).where(col(ProcessedEvent.received_at) < now - KEEP_EVENT_IDS_FOR))
        return result.rowcount
