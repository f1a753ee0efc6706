"""The inbox's rules on a real database: stored before the ack, held by a live process, replayed once it dies."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select

from bot.clock import FakeClock
from bot.services import events
from bot.services.events import MAX_ATTEMPTS
from bot.services.processes import PRESUMED_DEAD_AFTER, ProcessRegistry
from bot.storage.db import Database
from bot.storage.models import ProcessedEvent

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
LIVE, DEAD, NEXT = "host:1:live", "host:2:dead", "host:3:next"


def state_of(db: Database, event_id: str) -> ProcessedEvent:
    with db.read() as session:
        return session.exec(select(ProcessedEvent).where(ProcessedEvent.event_id == event_id)).one()


def test_a_delivery_is_kept_until_processed_and_a_retry_is_dropped(db: Database) -> None:
    assert events.first_delivery(db, "T1", "Ev1", NOW, payload='{"event": {}}', owner=LIVE)
    assert not events.first_delivery(db, "T1", "Ev1", NOW, payload='{"event": {}}', owner=LIVE), "Slack's retry"
    assert state_of(db, "Ev1").state == "pending"
    assert events.start_processing(db, "T1", "Ev1", LIVE, NOW)
    events.processed(db, "T1", "Ev1", LIVE)
    row = state_of(db, "Ev1")
    assert (row.state, row.payload) == ("done", None), "the payload is not kept once handled"


def test_a_slow_delivery_of_a_live_process_is_never_replayed(db: Database) -> None:
    events.first_delivery(db, "T1", "Ev2", NOW, payload="{}", owner=LIVE)
    assert events.start_processing(db, "T1", "Ev2", LIVE, NOW)
    an_hour_later = NOW + timedelta(hours=1)
    assert events.orphans(db, {LIVE, NEXT}, an_hour_later) == []
    assert events.claim_replay(db, "T1", "Ev2", NEXT, {LIVE, NEXT}, an_hour_later) is None


def test_a_dead_process_s_delivery_is_replayed_once(db: Database) -> None:
    events.first_delivery(db, "T1", "Ev3", NOW, payload="{}", owner=DEAD)
    alive = {NEXT, LIVE}
    assert events.orphans(db, alive, NOW) == [("T1", "Ev3")]
    assert events.claim_replay(db, "T1", "Ev3", NEXT, alive, NOW) == "{}"
    assert events.claim_replay(db, "T1", "Ev3", LIVE, alive, NOW) is None, "one replay at a time"
    # Had the first process been only slow (taken for dead), it now finds the delivery taken.
    assert not events.start_processing(db, "T1", "Ev3", DEAD, NOW)
    events.processed(db, "T1", "Ev3", DEAD)
    assert state_of(db, "Ev3").state == "pending", "only its holder marks it done"
    events.processed(db, "T1", "Ev3", NEXT)
    assert state_of(db, "Ev3").state == "done"


def test_a_delivery_that_keeps_failing_is_given_up_after_a_few_tries(db: Database) -> None:
    events.first_delivery(db, "T1", "Ev4", NOW, payload="{}", owner=DEAD)
    for attempt in range(MAX_ATTEMPTS):
        replayer = f"host:{10 + attempt}:x"
        assert events.claim_replay(db, "T1", "Ev4", replayer, {replayer}, NOW) == "{}"
        # ... and that replayer dies too before finishing.
    assert events.claim_replay(db, "T1", "Ev4", NEXT, {NEXT}, NOW) is None
    row = state_of(db, "Ev4")
    assert (row.state, row.payload) == ("failed", None)
    assert events.orphans(db, {NEXT}, NOW) == []


def test_a_process_is_alive_while_it_beats(db: Database) -> None:
    clock = FakeClock(NOW)
    registry = ProcessRegistry(db, clock)
    registry.beat()
    assert registry.me in registry.alive(clock.now())
    clock.advance(PRESUMED_DEAD_AFTER + timedelta(seconds=1))
    assert registry.me not in registry.alive(clock.now())
    registry.beat()
    assert registry.me in registry.alive(clock.now())


# ---- group commit: deliveries arriving together share one transaction ------------------------------------
def _row(event_id: str) -> dict[str, Any]:
    return {
        "team_id": "T1",
        "event_id": event_id,
        "received_at": NOW,
        "state": "pending",
        "payload": "{}",
        "attempts": 0,
        "owner": LIVE,
    }


def _store_together(
    db: Database, monkeypatch: pytest.MonkeyPatch, event_ids: list[str], fail: Callable[[int], bool]
) -> tuple[list[bool | BaseException], int]:
    """The first delivery's transaction is held open until all the others wait for their turn; then each is stored.
    `fail(n)` makes the n-th transaction (from 1) fail. Returns each delivery's outcome and how many transactions."""
    writer = events.InboxWriter(db)
    real = writer._store_rows
    transactions: list[int] = []
    first_began, others_wait = threading.Event(), threading.Event()

    def transaction(rows: list[dict[str, Any]]) -> list[bool]:
        transactions.append(1)
        number = len(transactions)
        if number == 1:
            first_began.set()
            assert others_wait.wait(10)
        if fail(number):
            raise OperationalError("INSERT", {}, Exception("disk I/O error"))
        return real(rows)

    monkeypatch.setattr(writer, "_store_rows", transaction)
    outcomes: list[bool | BaseException] = [False] * len(event_ids)

    def store(index: int) -> None:
        try:
            outcomes[index] = writer.store(_row(event_ids[index]))
        except OperationalError as error:
            outcomes[index] = error

    threads = [threading.Thread(target=store, args=(index,)) for index in range(len(event_ids))]
    threads[0].start()
    assert first_began.wait(10)
    for thread in threads[1:]:
        thread.start()
    deadline = time.monotonic() + 10
    while len(writer._waiting) < len(event_ids) - 1 and time.monotonic() < deadline:
        time.sleep(0.001)
    others_wait.set()
    for thread in threads:
        thread.join(10)
    return outcomes, len(transactions)


def test_deliveries_arriving_together_are_stored_in_one_transaction_and_retries_dropped(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = ["EvG0"] + [f"EvG{n % 4}" for n in range(1, 12)]  # each id 3 times, as Slack retrying while we store
    outcomes, transactions = _store_together(db, monkeypatch, ids, fail=lambda n: False)
    assert transactions == 2, "the first delivery's, then one statement for the eleven that came meanwhile"
    for event_id in set(ids):
        firsts = [outcome for outcome, same in zip(outcomes, ids, strict=True) if same == event_id]
        assert firsts.count(True) == 1 and firsts.count(False) == len(firsts) - 1, (event_id, firsts)
        assert state_of(db, event_id).state == "pending"


def test_a_failed_transaction_fails_every_delivery_in_it_and_none_is_stored(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = ["EvF0", "EvF1", "EvF2", "EvF3"]
    outcomes, transactions = _store_together(db, monkeypatch, ids, fail=lambda n: n == 2)
    assert transactions == 2
    assert outcomes[0] is True
    assert all(isinstance(outcome, OperationalError) for outcome in outcomes[1:]), "no 200: Slack sends them again"
    with db.read() as session:
        stored = session.exec(select(ProcessedEvent.event_id).where(col(ProcessedEvent.event_id).in_(ids))).all()
    assert stored == ["EvF0"]
    assert events.first_delivery(db, "T1", "EvF1", NOW, payload="{}", owner=LIVE), "Slack's retry is stored"


def test_an_ack_s_inbox_write_does_not_wait_for_the_shared_pool(db: Database) -> None:
    """Under a burst the listener and event threads may hold every pooled connection: the write an ack waits for
    has connections of its own (PostgreSQL; on SQLite writes queue behind one lock, urgent ones first)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no connection pool to exhaust")
    held = [db.engine.connect() for _ in range(db.engine.pool.size() + db.engine.pool._max_overflow)]  # type: ignore[attr-defined]
    try:
        assert events.first_delivery(db, "T1", "EvPool1", NOW, payload="{}", owner=LIVE)
    finally:
        for connection in held:
            connection.close()
    assert state_of(db, "EvPool1").state == "pending"


def test_a_connection_the_server_dropped_fails_one_write_and_is_replaced(db: Database) -> None:
    """PostgreSQL: the writer keeps one connection for the writes before acks; if the server drops it, that write
    fails (no 200: Slack sends the event again) and the next one opens a new connection."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the kept connection is PostgreSQL's")
    writer = events.InboxWriter(db)
    assert writer.store(_row("EvDrop1"))
    backend = writer._kept.driver_connection.info.backend_pid
    with db.engine.begin() as admin:
        admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    with pytest.raises(Exception):  # noqa: B017 (whatever the driver raises for a lost connection)
        writer.store(_row("EvDrop2"))
    assert writer.store(_row("EvDrop2")), "Slack's retry is stored"
    assert state_of(db, "EvDrop2").state == "pending"
