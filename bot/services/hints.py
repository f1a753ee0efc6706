"""Coaching hints, given at most once per kind, person and step, whichever process handles the message.

Which hint a message deserves is the domain's (bot.domain.coaching). What was given already is read two
ways: the person's earlier replies of the step, replayed through the same rules (they stay as long as the
session does), and a claim per hint in the `processed_event` table under a key prefix of its own ("hint:"),
so that of two processes coaching two messages of one person at the same moment, one gives the hint.
Claims go with old event ids after a day (forget_old_deliveries); the replay covers longer steps. A claim's key
ends with the person's id (":<user_id>"), so that forget-me deletes theirs (forget_hint_claims).
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.domain.coaching import Hint, candidates, hint_for, hints_given
from bot.domain.steps import Step
from bot.storage.db import Database
from bot.storage.models import Contribution, ProcessedEvent

log = logging.getLogger(__name__)

HINT_KEY_PREFIX = "hint:"
KEY_LENGTH = ProcessedEvent.model_fields["event_id"].metadata[0].max_length  # the column's 64 characters
# Slack's user ids are about 11 characters; a key keeps the whole id, so a longer one is not claimed (see below).
MAX_USER_ID = KEY_LENGTH - len(HINT_KEY_PREFIX) - 16 - 1


def hint_key(session_id: int, step: Step, hint: Hint, user_id: str) -> str:
    """The claim's key, "hint:<session>:<step>:<hint>:<user_id>", never cut: one person's claims never merge.

    When it would not fit the column, the part before the person's id becomes a digest of it, so the key stays
    unique and still ends with ":<user_id>". ValueError for an id too long to fit even then.
    """
    if len(user_id) > MAX_USER_ID:
        raise ValueError(f"a user id of {len(user_id)} characters does not fit a hint claim")
    what = f"{session_id}:{int(step)}:{hint.value}"
    key = f"{HINT_KEY_PREFIX}{what}:{user_id}"
    if len(key) > KEY_LENGTH:
        key = f"{HINT_KEY_PREFIX}{hashlib.sha256(what.encode()).hexdigest()[:16]}:{user_id}"
    return key


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def forget_hint_claims(session: Session, team_id: str, user_id: str) -> int:
    """Delete the claims of the hints a person was given (forget-me): the keys that end with ":<user_id>"."""
    pattern = f"{HINT_KEY_PREFIX}%:{_like_escaped(user_id)}"
    result = session.exec(
        delete(ProcessedEvent).where(
            col(ProcessedEvent.team_id) == team_id, col(ProcessedEvent.event_id).like(pattern, escape="\\")
        )
    )
    return int(result.rowcount)


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
    if len(user_id) > MAX_USER_ID:
        log.warning("not coaching %s: the id is too long for a hint claim", user_id)
        return None
    keys = {hint: hint_key(session_id, step, hint, user_id) for hint in Hint}
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
        claims = set(
            session.exec(
                select(ProcessedEvent.event_id).where(
                    ProcessedEvent.team_id == team_id, col(ProcessedEvent.event_id).in_(keys.values())
                )
            ).all()
        )
    earlier: list[str] = []
    for reply_ts, reply_text in replies:
        if reply_ts == ts:
            break
        earlier.append(reply_text)
    given = hints_given(step, role, earlier)
    given |= {hint for hint, key in keys.items() if key in claims}
    hint = hint_for(step, role, text, given)
    if hint is None or not _claim(db, team_id, keys[hint], now):
        return None
    return hint


def _claim(db: Database, team_id: str, key: str, now: datetime) -> bool:
    try:
        with db.session() as session:
            session.add(ProcessedEvent(team_id=team_id, event_id=key, received_at=now))
        return True
    except IntegrityError:
        return False  # another process gave this hint a moment ago
