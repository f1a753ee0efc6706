"""Each modal submission acts once: Slack can deliver the same view twice (a double click on Submit).

A submission that is accepted claims its view id in the `processed_event` table, under a key prefix of its
own ("view:"), so that of two concurrent submissions of one view exactly one wins the unique key. A claim is
released when the submission turns out to be refused or fails before its answer, so the person can submit
the same view again. Old claims go with the event ids (forget_old_deliveries): a view is long closed by then.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from bot.storage.db import Database
from bot.storage.models import ProcessedEvent

VIEW_KEY_PREFIX = "view:"


def view_key(view_id: str) -> str:
    return (VIEW_KEY_PREFIX + view_id)[:64]


def claim_view(db: Database, team_id: str, view_id: str, now: datetime) -> bool:
    """Claim a view's submission; False when another submission of the same view claimed it first."""
    try:
        with db.session() as session:
            session.add(ProcessedEvent(team_id=team_id, event_id=view_key(view_id), received_at=now))
        return True
    except IntegrityError:
        return False


def release_view(db: Database, team_id: str, view_id: str) -> None:
    """Let the view be submitted again (its submission was refused, or failed before it was answered)."""
    with db.session() as session:
        session.exec(
            delete(ProcessedEvent).where(
                col(ProcessedEvent.team_id) == team_id, col(ProcessedEvent.event_id) == view_key(view_id)
            )
        )
