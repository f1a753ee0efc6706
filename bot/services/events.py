"""Exactly-once handling of Events API deliveries (Slack retries up to three times)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from bot.storage.db import Database
from bot.storage.models import ProcessedEvent


def first_delivery(db: Database, team_id: str, event_id: str, now: datetime) -> bool:
    """Record an event id; False when it was already recorded (a retry of a handled event)."""
    try:
        with db.session() as session:
            session.add(ProcessedEvent(team_id=team_id, event_id=event_id[:64], received_at=now))
        return True
    except IntegrityError:
        return False


# Slack retries a delivery within minutes; a day of ids is plenty to recognise retries.
KEEP_EVENT_IDS_FOR = timedelta(days=1)


def forget_old_deliveries(db: Database, now: datetime) -> int:
    """Drop event ids too old to be retried, so the table stays small."""
    with db.session() as session:
        result = session.exec(delete(ProcessedEvent).where(col(ProcessedEvent.received_at) < now - KEEP_EVENT_IDS_FOR))
        return result.rowcount
