"""The inbox: each Events API delivery is stored before it is acknowledged and handled exactly once.

Slack retries a delivery it got no 200 for (the id's uniqueness drops those), and never resends one it did:
so the delivery is kept (payload and all) until it is processed, and one whose process died is replayed by
whichever process leads the timers next.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.storage.db import Database
from bot.storage.models import ProcessedEvent

# A delivery still pending this long after it came in (or after its last try began) lost its process:
# handling one takes a second or two, even queued behind others.
INBOX_GRACE = timedelta(seconds=10)
MAX_ATTEMPTS = 3  # a delivery that failed this often is kept as "failed" and logged, not tried forever

PENDING, DONE, FAILED = "pending", "done", "failed"


def first_delivery(db: Database, team_id: str, event_id: str, now: datetime, payload: str | None = None) -> bool:
    """Store a delivery before its ack; False when it was stored already (Slack retrying it)."""
    try:
        with db.session() as session:
            session.add(
                ProcessedEvent(
                    team_id=team_id,
                    event_id=event_id[:64],
                    received_at=now,
                    state=PENDING if payload is not None else DONE,
                    payload=payload,
                )
            )
        return True
    except IntegrityError:
        return False


def start_processing(db: Database, team_id: str, event_id: str, now: datetime) -> bool:
    """The acknowledging process takes its delivery; False when a replay took it first (it was queued long)."""
    with db.session() as session:
        result = session.exec(
            update(ProcessedEvent)
            .where(
                col(ProcessedEvent.team_id) == team_id,
                col(ProcessedEvent.event_id) == event_id[:64],
                col(ProcessedEvent.state) == PENDING,
                col(ProcessedEvent.attempts) == 0,
            )
            .values(attempts=1, received_at=now)
        )
        return result.rowcount == 1


def processed(db: Database, team_id: str, event_id: str) -> None:
    """The delivery's work is done: forget its payload (a DM's text lives on in the journal, not here)."""
    with db.session() as session:
        session.exec(
            update(ProcessedEvent)
            .where(col(ProcessedEvent.team_id) == team_id, col(ProcessedEvent.event_id) == event_id[:64])
            .values(state=DONE, payload=None)
        )


def orphans(db: Database, now: datetime) -> list[tuple[str, str]]:
    """Deliveries acknowledged but never processed: their process died (or their work kept failing)."""
    with db.read() as session:
        rows = session.exec(
            select(ProcessedEvent.team_id, ProcessedEvent.event_id).where(
                col(ProcessedEvent.state) == PENDING, col(ProcessedEvent.received_at) < now - INBOX_GRACE
            )
        ).all()
        return [(team, event) for team, event in rows]


def claim_replay(db: Database, team_id: str, event_id: str, now: datetime) -> str | None:
    """Take an orphan for one more try; its payload, or None when another process took it or it gave up."""
    with db.session() as session:
        row = session.get(ProcessedEvent, (team_id, event_id))
        if row is None or row.state != PENDING or row.received_at >= now - INBOX_GRACE:
            return None
        if row.attempts >= MAX_ATTEMPTS:
            row.state = FAILED
            session.add(row)
            return None
        # Moving its time on is the claim: nobody else replays it before another grace has passed.
        result = session.exec(
            update(ProcessedEvent)
            .where(
                col(ProcessedEvent.team_id) == team_id,
                col(ProcessedEvent.event_id) == event_id,
                col(ProcessedEvent.received_at) == row.received_at,
                col(ProcessedEvent.attempts) == row.attempts,
            )
            .values(received_at=now, attempts=row.attempts + 1)
        )
        return row.payload if result.rowcount == 1 else None


# Slack retries a delivery within minutes; a day of ids is plenty to recognise retries.
KEEP_EVENT_IDS_FOR = timedelta(days=1)


def forget_old_deliveries(db: Database, now: datetime) -> int:
    """Drop event ids too old to be retried, so the table stays small."""
    with db.session() as session:
        result = session.exec(delete(ProcessedEvent).where(col(ProcessedEvent.received_at) < now - KEEP_EVENT_IDS_FOR))
        return result.rowcount
