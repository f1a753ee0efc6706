"""The loop after a session: what its posted summary owes people, the facilitator's debrief, and the group's
evaluation of how it works. No Slack in here.

When the summary is posted, every participant is owed one DM (the summary's link and a journal prompt; the
facilitator's also offers a debrief that goes to their own journal), and every `evaluation_every` sessions
the group's members are asked how the group works. These DMs are outbox rows written in the transaction that
marks the summary posted, each held for its person's working hours without holding the others back.

The evaluation is anonymous by construction: an answer (EvaluationResponse) has no author and no time; who
answered (EvaluationVoter) is kept apart, only so that each person answers once. The group sees averages and
the number of answers, and comments in an order that is not the order they came in, once at least
MIN_ANSWERS people answered.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from sqlalchemy import func
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
    """After every `evaluation_every` sessions of the channel's group (their summaries posted): a new round."""
    group = session.exec(
        select(CodevGroup).where(CodevGroup.team_id == snapshot.team_id, CodevGroup.channel_id == snapshot.channel_id)
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
            refused = self._may_answer(session, team_id, evaluation_id, user_id)
            if refused is not Answer.RECORDED:
                return refused
            try:
                with session.begin_nested():
                    session.add(EvaluationVoter(evaluation_id=evaluation_id, user_id=user_id, team_id=team_id))
            except IntegrityError:
                return Answer.ALREADY  # a second answer at the same moment
            session.add(
                EvaluationResponse(
                    team_id=team_id,
                    evaluation_id=evaluation_id,
                    climate=scores.climate,
                    listening=scores.listening,
                    method=scores.method,
                    comment=comment,
                )
            )
            session.flush()
            evaluation = session.get(GroupEvaluation, evaluation_id)
            assert evaluation is not None
            count = self._aggregate(session, evaluation_id).count
            if count >= MIN_ANSWERS and evaluation.session_id is not None:
                now = self.clock.now()
                outbox.add(
                    session, team_id, evaluation.session_id, OutboxKind.EVALUATION, now, evaluation=evaluation_id
                )
            return Answer.RECORDED

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
