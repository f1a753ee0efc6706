"""The loop after a session: what its posted summary owes people, the facilitator's debrief, and the group's
evaluation of how it works. No Slack in here.

When the summary is posted, every participant is owed one DM (the summary's link and a journal prompt; the
facilitator's also offers a debrief that goes to their own journal), and every `evaluation_every` sessions
the group's members are asked how the group works. These DMs are outbox rows written in the transaction that
marks the summary posted, each held for its person's working hours without holding the others back.

The evaluation is anonymous by construction: an answer (EvaluationResponse) has no author and no time, and
its id is drawn at random (an autoincrement would tell the order of the answers); who answered
(EvaluationVoter) is kept apart, only so that each person answers once. The group sees averages and the
number of answers, and comments sorted by their own text, once at least MIN_ANSWERS people answered; the
results change only at growing thresholds of answers (3, 5, 8, 12…), never after a single answer, so that
nobody's scores can be read from the difference between two versions of the message.
"""

from __future__ import annotations

import json
import random
import secrets
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.clock import Clock
from bot.domain.session import Status
from bot.domain.text import hashtags
from bot.domain.workcal import WorkingCalendar
from bot.services import outbox
from bot.services.duty import notify_at
from bot.services.outbox import ASIDE, OutboxKind
from bot.services.reach import Reach, reach_of
from bot.storage.db import Database
from bot.storage.models import (
    CodevGroup,
    CodevSession,
    EvaluationResponse,
    EvaluationVoter,
    GroupEvaluation,
    GroupMember,
    JournalEntry,
    OutboxMessage,
)


class PostedSession(Protocol):
    """What a posted summary's session tells this module (a SessionSnapshot; named here to keep
    bot.services.sessions, which calls in, out of this module's imports)."""

    @property
    def team_id(self) -> str: ...
    @property
    def id(self) -> int: ...
    @property
    def channel_id(self) -> str: ...
    @property
    def participants(self) -> list[str]: ...
    @property
    def hours(self) -> Mapping[str, WorkingCalendar]: ...
    @property
    def reach(self) -> Mapping[str, Reach]: ...


MIN_ANSWERS = 3  # the group sees its evaluation only once this many answered: nobody's answer stands alone
RESPONSE_IDS = 2**31 - 1  # an answer's id is drawn from 1 to this (fits every database's INTEGER)
SCORES = range(1, 6)
COMMENT_LIMIT = 1000
DEBRIEF_LIMIT = 1000  # per question
DEBRIEF_ORIGIN = "debrief"


class AfterDM(StrEnum):
    """What an AFTER outbox row brings its person."""

    SUMMARY = "summary"  # the summary's link and a journal prompt (and the debrief, to the facilitator)
    EVALUATION = "evaluation"  # the group's evaluation to answer


class Answer(StrEnum):
    RECORDED = "recorded"
    ALREADY = "already"  # this person answered this evaluation before
    NOT_MEMBER = "not_member"  # not a member of the group (any more)
    GONE = "gone"  # no such evaluation in this workspace


@dataclass(frozen=True)
class EvaluationView:
    id: int
    team_id: str
    group_id: int
    group_name: str
    channel_id: str
    session_id: int | None
    results_ts: str | None
    results_count: int
    created_at: datetime
    members: int  # the group's members now: a refresh at more answers than this will not come


@dataclass(frozen=True)
class Aggregate:
    """What the group sees: averages, the number of answers, and comments without names in no answer order."""

    count: int
    climate: float
    listening: float
    method: float
    comments: list[str]

    @property
    def shown(self) -> bool:
        return self.count >= MIN_ANSWERS


@dataclass(frozen=True)
class Scores:
    climate: int
    listening: int
    method: int
    comment: str | None = None


def thresholds() -> Iterator[int]:
    """The numbers of answers at which the group's results are shown or refreshed: 3, 5, 8, 12, 17, 23…

    Each refresh adds at least two answers to the previous one, so comparing two versions of the message never
    tells one person's scores, even to someone who knows who answered last."""
    count, step = MIN_ANSWERS, 2
    while True:
        yield count
        count, step = count + step, step + 1


def is_threshold(count: int) -> bool:
    return any(n == count for n in _upto(count))


def next_threshold(count: int) -> int:
    """The first threshold above `count`."""
    return next(n for n in thresholds() if n > count)


def _upto(count: int) -> Iterator[int]:
    for n in thresholds():
        if n > count:
            return
        yield n


def aggregate_payload(aggregate: Aggregate) -> dict[str, object]:
    """The results as they stood at a threshold, carried by the outbox row that shows them: a later answer,
    arrived before the row is delivered, must not show up alone."""
    return {
        "count": aggregate.count,
        "climate": aggregate.climate,
        "listening": aggregate.listening,
        "method": aggregate.method,
        "comments": aggregate.comments,
    }


def aggregate_of(payload: object) -> Aggregate | None:
    if not isinstance(payload, dict):
        return None
    try:
        return Aggregate(
            int(payload["count"]),
            float(payload["climate"]),
            float(payload["listening"]),
            float(payload["method"]),
            [str(c) for c in payload.get("comments") or []],
        )
    except (KeyError, TypeError, ValueError):
        return None


# ---- what a posted summary owes (called by SessionService.summary_posted, in its transaction) ---------------
def owe_after_summary(session: Session, snapshot: PostedSession, now: datetime) -> None:
    """The DMs a posted summary owes: one to each participant, and the group's evaluation when it is due."""
    gone = {u for u, r in snapshot.reach.items() if r.deleted}  # known in async sessions; Slack says so otherwise
    people = [u for u in dict.fromkeys(snapshot.participants) if u not in gone]
    due = [(notify_at(snapshot.hours.get(user_id), now), user_id) for user_id in people]
    _add_dms(session, snapshot.team_id, snapshot.id, now, due, what=AfterDM.SUMMARY)
    _open_evaluation(session, snapshot, now)


def _add_dms(
    session: Session,
    team_id: str,
    session_id: int,
    now: datetime,
    due: Iterable[tuple[datetime, str]],
    **payload: object,
) -> None:
    # Those who may be told now first, then in the order their hours begin: nobody waits for someone else's.
    for when, user_id in sorted(due, key=lambda pair: pair[0]):
        outbox.add_held(
            session, team_id, session_id, OutboxKind.AFTER, now, when, user=user_id, **payload, **{ASIDE: True}
        )


def _open_evaluation(session: Session, snapshot: PostedSession, now: datetime) -> None:
    """After every `evaluation_every` sessions of the channel's group (their summaries posted): a new round.

    The group's row is locked first (SELECT … FOR UPDATE; SQLite serializes writers anyway): two summaries
    posted at once would otherwise each count the other's session as not posted yet, and skip or repeat a
    round. Once the lock is ours, PostgreSQL's next statement sees what the other committed."""
    group = session.exec(
        select(CodevGroup)
        .where(CodevGroup.team_id == snapshot.team_id, CodevGroup.channel_id == snapshot.channel_id)
        .with_for_update(key_share=True)  # FOR NO KEY UPDATE: adding members (a foreign key) need not wait
    ).first()
    if group is None or group.id is None or group.evaluation_every <= 0:
        return
    sessions_done = session.exec(
        select(func.count()).where(
            col(CodevSession.team_id) == snapshot.team_id,
            col(CodevSession.channel_id) == snapshot.channel_id,
            col(CodevSession.status) == Status.ENDED.value,
            col(CodevSession.summary_state) == "posted",
            col(CodevSession.created_at) >= group.created_at,
        )
    ).one()
    if sessions_done == 0 or sessions_done % group.evaluation_every != 0:
        return
    evaluation = GroupEvaluation(team_id=snapshot.team_id, group_id=group.id, session_id=snapshot.id, created_at=now)
    try:
        with session.begin_nested():
            session.add(evaluation)
    except IntegrityError:
        return  # this session opened its round already
    members = list(
        session.exec(
            select(GroupMember.user_id).where(GroupMember.group_id == group.id).order_by(col(GroupMember.position))
        ).all()
    )
    reach = reach_of(session, snapshot.team_id, snapshot.channel_id, members)
    # Members gone from the workspace or out of the group's channel are not asked (as rotation skips them).
    due = [(notify_at(r.hours, now), user_id) for user_id, r in reach.items() if not r.gone]
    _add_dms(session, snapshot.team_id, snapshot.id, now, due, what=AfterDM.EVALUATION, evaluation=evaluation.id)


class EvaluationService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    # ---- the group's evaluation -------------------------------------------------------------------------
    def get(self, team_id: str, evaluation_id: int) -> EvaluationView | None:
        with self.db.read() as session:
            return self._view(session, team_id, evaluation_id)

    def check(self, team_id: str, evaluation_id: int, user_id: str) -> Answer:
        """Whether this person may answer now: RECORDED means yes (nothing is recorded by asking)."""
        with self.db.read() as session:
            return self._may_answer(session, team_id, evaluation_id, user_id)

    def answer(self, team_id: str, evaluation_id: int, user_id: str, scores: Scores) -> Answer:
        """Record one anonymous answer, once per person; owe the group its aggregate from the third one on."""
        if any(score not in SCORES for score in (scores.climate, scores.listening, scores.method)):
            raise ValueError("scores are 1 to 5")
        comment = " ".join((scores.comment or "").split())[:COMMENT_LIMIT] or None
        with self.db.session() as session:
            # The evaluation's row is locked before anything is counted: under PostgreSQL's READ COMMITTED two
            # answers committing together would each count the other as missing, and neither would owe the
            # results at the third answer. SQLite serializes writers: there it changes nothing.
            session.get(GroupEvaluation, evaluation_id, with_for_update={"key_share": True})
            refused = self._may_answer(session, team_id, evaluation_id, user_id)
            if refused is not Answer.RECORDED:
                return refused
            try:
                with session.begin_nested():
                    session.add(EvaluationVoter(evaluation_id=evaluation_id, user_id=user_id, team_id=team_id))
            except IntegrityError:
                return Answer.ALREADY  # a second answer at the same moment
            # The voter and the answer are written in the same transaction: a voter without an answer (who could
            # never answer) or an answer without a voter (who could answer twice) would be worse than what one
            # transaction leaves to someone reading the database itself, below.
            self._insert_response(session, team_id, evaluation_id, scores, comment)
            self._reshuffle(session, evaluation_id)
            evaluation = session.get(GroupEvaluation, evaluation_id)
            assert evaluation is not None
            aggregate = self._aggregate(session, evaluation_id)
            if is_threshold(aggregate.count) and evaluation.session_id is not None:
                now = self.clock.now()
                outbox.add(
                    session,
                    team_id,
                    evaluation.session_id,
                    OutboxKind.EVALUATION,
                    now,
                    evaluation=evaluation_id,
                    shown=aggregate_payload(aggregate),
                )
            return Answer.RECORDED

    @staticmethod
    def _insert_response(
        session: Session, team_id: str, evaluation_id: int, scores: Scores, comment: str | None
    ) -> None:
        """The answer, under an id drawn at random (drawn again on the rare collision): an autoincrement id
        would put the answers in the order people gave them, beside the voters' own order."""
        for _ in range(8):
            try:
                with session.begin_nested():
                    session.add(
                        EvaluationResponse(
                            id=secrets.randbelow(RESPONSE_IDS) + 1,
                            team_id=team_id,
                            evaluation_id=evaluation_id,
                            climate=scores.climate,
                            listening=scores.listening,
                            method=scores.method,
                            comment=comment,
                        )
                    )
                return
            except IntegrityError:
                continue
        raise RuntimeError("no free id for an evaluation answer after 8 draws")

    @staticmethod
    def _reshuffle(session: Session, evaluation_id: int) -> None:
        """Rewrite the evaluation's answers, one by one in a random order, in this transaction.

        On PostgreSQL a row carries system columns: xmin (the transaction that wrote it, the same as the voter
        row's) and ctid (where it sits, in the order rows were written). Rewritten at each answer, every answer
        has the last voter's xmin and a place in a random order, so neither joins an answer to its voter nor
        tells the order of the answers. What remains, for whoever reads the database's files rather than its
        tables: the old row versions until VACUUM removes them, the write-ahead log, and the voters' own xmin
        (which says in which order people answered, not what). SQLite has no such columns (an answer's place
        follows its random id); its write-ahead log holds recent pages until a checkpoint."""
        ids = list(
            session.exec(select(EvaluationResponse.id).where(EvaluationResponse.evaluation_id == evaluation_id)).all()
        )
        random.shuffle(ids)
        for response_id in ids:
            session.exec(
                update(EvaluationResponse)
                .where(col(EvaluationResponse.id) == response_id)
                .values(climate=EvaluationResponse.climate)
            )

    def aggregate(self, team_id: str, evaluation_id: int) -> Aggregate:
        with self.db.read() as session:
            if self._view(session, team_id, evaluation_id) is None:
                return Aggregate(0, 0.0, 0.0, 0.0, [])
            return self._aggregate(session, evaluation_id)

    def results_shown(self, team_id: str, evaluation_id: int, ts: str, count: int) -> None:
        """The aggregate is in the channel at `ts`, showing `count` answers."""
        with self.db.session() as session:
            evaluation = session.get(GroupEvaluation, evaluation_id)
            if evaluation is None or evaluation.team_id != team_id:
                return
            evaluation.results_ts = ts
            evaluation.results_count = max(evaluation.results_count, count)
            session.add(evaluation)

    @staticmethod
    def _may_answer(session: Session, team_id: str, evaluation_id: int, user_id: str) -> Answer:
        evaluation = session.get(GroupEvaluation, evaluation_id)
        if evaluation is None or evaluation.team_id != team_id:
            return Answer.GONE
        if session.get(GroupMember, (evaluation.group_id, user_id)) is None:
            return Answer.NOT_MEMBER
        if session.get(EvaluationVoter, (evaluation_id, user_id)) is not None:
            return Answer.ALREADY
        return Answer.RECORDED

    @staticmethod
    def _aggregate(session: Session, evaluation_id: int) -> Aggregate:
        rows = session.exec(select(EvaluationResponse).where(EvaluationResponse.evaluation_id == evaluation_id)).all()
        count = len(rows)
        if not count:
            return Aggregate(0, 0.0, 0.0, 0.0, [])
        # Sorted by their own text: the order says nothing about who answered when.
        comments = sorted((r.comment for r in rows if r.comment), key=lambda c: (c.casefold(), c))
        return Aggregate(
            count,
            sum(r.climate for r in rows) / count,
            sum(r.listening for r in rows) / count,
            sum(r.method for r in rows) / count,
            comments,
        )

    @staticmethod
    def _view(session: Session, team_id: str, evaluation_id: int) -> EvaluationView | None:
        evaluation = session.get(GroupEvaluation, evaluation_id)
        if evaluation is None or evaluation.team_id != team_id or evaluation.id is None:
            return None
        group = session.get(CodevGroup, evaluation.group_id)
        if group is None:
            return None
        return EvaluationView(
            evaluation.id,
            evaluation.team_id,
            evaluation.group_id,
            group.name,
            group.channel_id,
            evaluation.session_id,
            evaluation.results_ts,
            evaluation.results_count,
            evaluation.created_at,
            session.exec(select(func.count()).where(col(GroupMember.group_id) == group.id)).one(),
        )

    # ---- the facilitator's debrief ----------------------------------------------------------------------
    def has_debrief(self, team_id: str, session_id: int, user_id: str) -> bool:
        with self.db.read() as session:
            return self._debrief_entry(session, team_id, session_id, user_id) is not None

    def save_debrief(self, team_id: str, session_id: int, user_id: str, text: str) -> bool:
        """Keep the facilitator's debrief in their own journal (one per session: saving again replaces it).
        Returns whether it replaced one."""
        with self.db.session() as session:
            entry = self._debrief_entry(session, team_id, session_id, user_id)
            replaced = entry is not None
            if entry is None:
                entry = JournalEntry(
                    team_id=team_id,
                    user_id=user_id,
                    text=text,
                    session_id=session_id,
                    origin=DEBRIEF_ORIGIN,
                    created_at=self.clock.now(),
                )
            entry.text, entry.tags = text, " ".join(hashtags(text))
            session.add(entry)
            return replaced

    @staticmethod
    def _debrief_entry(session: Session, team_id: str, session_id: int, user_id: str) -> JournalEntry | None:
        return session.exec(
            select(JournalEntry).where(
                JournalEntry.team_id == team_id,
                JournalEntry.user_id == user_id,
                JournalEntry.session_id == session_id,
                JournalEntry.origin == DEBRIEF_ORIGIN,
            )
        ).first()


# ---- forget-me ------------------------------------------------------------------------------------------------
def forget_after_dms(session: Session, team_id: str, user_id: str) -> int:
    """Delete the after-session DMs owed to (or sent to) a person: their outbox rows name them in their payload,
    which forget-me's plan of columns does not see. A DM still held for their working hours never comes; one
    being delivered right now (or left half-way by a dead process) is not retried."""
    rows = session.exec(
        select(OutboxMessage.id, OutboxMessage.payload).where(
            col(OutboxMessage.team_id) == team_id,
            col(OutboxMessage.kind) == OutboxKind.AFTER.value,
        )
    ).all()
    theirs = [row_id for row_id, payload in rows if _user_of(payload) == user_id]
    if theirs:
        session.exec(delete(OutboxMessage).where(col(OutboxMessage.id).in_(theirs)))
    return len(theirs)


def _user_of(payload: str) -> object:
    try:
        found = json.loads(payload)
    except ValueError:
        return None
    return found.get("user") if isinstance(found, dict) else None
