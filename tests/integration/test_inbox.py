"""The inbox's rules on a real database: stored before the ack, held by a live process, replayed once it dies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

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
