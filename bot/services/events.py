"""Exactly-once handling of Events API deliveries (Slack retries up to three times)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError

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
