"""Coaching hints, given at most once per kind, person and step, whichever process handles the message.

Which hint a message deserves is the domain's (bot.domain.coaching). What was given already is read two
ways: the person's earlier replies of the step, replayed through the same rules (they stay as long as the
session does), and a claim per hint in the `processed_event` table under a key prefix of its own ("hint:"),
so that of two processes coaching two messages of one person at the same moment, one gives the hint.
Claims go with old event ids after a day (forget_old_deliveries); the replay covers longer steps.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.domain.coaching import Hint, candidates, hint_for, hints_given
from bot.domain.steps import Step
from bot.storage.db import Database
from bot.storage.models import Contribution, ProcessedEvent

HINT_KEY_PREFIX = "hint:"


def _prefix(session_id: int, step: Step) -> str:
    return f"{HINT_KEY_PREFIX}{session_id}:{int(step)}:"


def hint_key(session_id: int, step: Step, hint: Hint, user_id: str) -> str:
    return f"{_prefix(session_id, step)}{hint.value}:{user_id}"[:64]


def hint_to_give(
    db: Database,
    *,
    team_id: str,
    session_id: int,
    step: Step,
    role: str | None,
    user_id: str,
    ts: str,
    text: str,
    now: datetime,
) -> Hint | None:
    """The hint owed for the reply `ts` just recorded, claimed for this process; None when none is owed."""
    if not candidates(step, role, text):
        return None  # most replies: no reading needed
    with db.read() as session:
        replies = session.exec(
            select(Contribution.ts, Contribution.text)
            .where(
                Contribution.team_id == team_id,
                Contribution.session_id == session_id,
                Contribution.step == int(step),
                Contribution.user_id == user_id,
                col(Contribution.late).is_(False),
            )
            .order_by(col(Contribution.id))
        ).all()
        claims = session.exec(
            select(ProcessedEvent.event_id).where(
                ProcessedEvent.team_id == team_id,
                col(ProcessedEvent.event_id).startswith(_prefix(session_id, step)),
            )
        ).all()
    earlier: list[str] = []
    for reply_ts, reply_text in replies:
        if reply_ts == ts:
            break
        earlier.append(reply_text)
    given = hints_given(step, role, earlier)
    given |= {hint for hint in Hint if hint_key(session_id, step, hint, user_id) in set(claims)}
    hint = hint_for(step, role, text, given)
    if hint is None or not _claim(db, team_id, hint_key(session_id, step, hint, user_id), now):
        return None
    return hint


def _claim(db: Database, team_id: str, key: str, now: datetime) -> bool:
    try:
        with db.session() as session:
            session.add(ProcessedEvent(team_id=team_id, event_id=key, received_at=now))
        return True
    except IntegrityError:
        return False  # another process gave this hint a moment ago
