"""The inbox's rules on a real database: stored before the ack, taken once, replayed once, given up on."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from bot.services import events
from bot.services.events import INBOX_GRACE, MAX_ATTEMPTS
from bot.storage.db import Database
from bot.storage.models import ProcessedEvent

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def state_of(db: Database, event_id: str) -> ProcessedEvent:
    with db.read() as session:
        return session.exec(select(ProcessedEvent).where(ProcessedEvent.event_id == event_id)).one()


def test_a_delivery_is_kept_until_processed_and_a_retry_is_dropped(db: Database) -> None:
    assert events.first_delivery(db, "T1", "Ev1", NOW, payload='{"event": {}}')
    assert not events.first_delivery(db, "T1", "Ev1", NOW, payload='{"event": {}}'), "Slack's retry"
    assert state_of(db, "Ev1").state == "pending"
    assert events.start_processing(db, "T1", "Ev1", NOW)
    events.processed(db, "T1", "Ev1")
    row = state_of(db, "Ev1")
    assert (row.state, row.payload) == ("done", None), "the payload is not kept once handled"


def test_an_orphan_is_replayed_once_and_its_own_process_then_leaves_it(db: Database) -> None:
    events.first_delivery(db, "T1", "Ev2", NOW, payload="{}")
    assert events.orphans(db, NOW + INBOX_GRACE / 2) == [], "still within its process's time"
    later = NOW + INBOX_GRACE * 2
    assert events.orphans(db, later) == [("T1", "Ev2")]
    assert events.claim_replay(db, "T1", "Ev2", later) == "{}"
    assert events.claim_replay(db, "T1", "Ev2", later) is None, "one replay at a time"
    # The process that acknowledged it gets to it at last (it was queued): the replay has it already.
    assert not events.start_processing(db, "T1", "Ev2", later)


def test_a_delivery_that_keeps_failing_is_given_up_after_a_few_tries(db: Database) -> None:
    events.first_delivery(db, "T1", "Ev3", NOW, payload="{}")
    moment = NOW
    for _ in range(MAX_ATTEMPTS):
        moment += INBOX_GRACE * 2
        assert events.claim_replay(db, "T1", "Ev3", moment) == "{}"
    moment += INBOX_GRACE * 2
    assert events.claim_replay(db, "T1", "Ev3", moment) is None
    assert state_of(db, "Ev3").state == "failed"
    assert events.orphans(db, moment + INBOX_GRACE * 2) == []
