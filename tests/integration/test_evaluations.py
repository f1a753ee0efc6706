"""The group's evaluation under concurrency and for anonymity: answers committing together still owe the
results once, summaries posted together open a round once, answers' ids say nothing of their order, and the
results message shows what fits and is found again after a crash in a busy channel."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from bot.clock import FakeClock
from bot.domain.workcal import WorkingCalendar
from bot.services import evaluations as evaluations_module
from bot.services.evaluations import (
    Aggregate,
    Answer,
    EvaluationService,
    EvaluationView,
    Scores,
    _open_evaluation,
    is_threshold,
    next_threshold,
)
from bot.services.outbox import OutboxKind
from bot.services.reach import Reach
from bot.slack import after
from bot.slack.blocks.after import COMMENTS_SHOWN, evaluation_results
from bot.storage.db import Database
from bot.storage.models import (
    CodevGroup,
    CodevSession,
    EvaluationResponse,
    GroupEvaluation,
    GroupMember,
    OutboxMessage,
)
from tests.conftest import is_postgres

TEAM, CHANNEL = "T0TEAM", "C0CIRCLE"
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
MEMBERS = ["U0ALICE", "U0BOB", "U0CAROL", "U0DAVE", "U0ERIN", "U0FRANK"]
needs_postgres = pytest.mark.skipif(not is_postgres(), reason="PostgreSQL's READ COMMITTED (SQLite serializes writers)")


@dataclass
class Posted:
    """A posted summary's session, as evaluations reads it."""

    team_id: str
    id: int
    channel_id: str = CHANNEL
    participants: list[str] = field(default_factory=lambda: list(MEMBERS))
    hours: dict[str, WorkingCalendar] = field(default_factory=dict)
    reach: dict[str, Reach] = field(default_factory=dict)


def a_group(db: Database, every: int = 2, sessions: int = 2) -> tuple[int, list[int]]:
    with db.session() as s:
        group = CodevGroup(
            team_id=TEAM,
            channel_id=CHANNEL,
            name="Circle",
            charter="Trust",
            created_by=MEMBERS[0],
            created_at=NOW - timedelta(days=30),
            evaluation_every=every,
        )
        s.add(group)
        s.flush()
        assert group.id
        for position, who in enumerate(MEMBERS):
            s.add(GroupMember(group_id=group.id, user_id=who, team_id=TEAM, position=position))
        rows = [
            CodevSession(
                team_id=TEAM,
                channel_id=CHANNEL,
                topic=f"Challenge {n}",
                facilitator_id=MEMBERS[0],
                client_id=MEMBERS[1],
                created_by=MEMBERS[0],
                pace="live",
                status="ended",
                step=6,
                created_at=NOW - timedelta(days=20 - n),
                summary_state="proposed",
            )
            for n in range(sessions)
        ]
        for row in rows:
            s.add(row)
        s.flush()
        return group.id, [r.id for r in rows if r.id is not None]


def an_evaluation(db: Database) -> int:
    group_id, (session_id, _) = a_group(db)
    with db.session() as s:
        evaluation = GroupEvaluation(team_id=TEAM, group_id=group_id, session_id=session_id, created_at=NOW)
        s.add(evaluation)
        s.flush()
        assert evaluation.id
        return evaluation.id


def results_rows(db: Database) -> list[dict[str, Any]]:
    with db.read() as s:
        found = s.exec(select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.EVALUATION.value)).all()
        return [json.loads(r.payload) for r in found]


def rendezvous(parties: int, wait: float) -> Callable[[], None]:
    """Each caller waits for the others, `wait` seconds at most (one of them may be blocked on a lock)."""
    arrived, lock, everyone = [0], threading.Lock(), threading.Event()

    def meet() -> None:
        with lock:
            arrived[0] += 1
            if arrived[0] >= parties:
                everyone.set()
        everyone.wait(wait)

    return meet


def in_threads(*work: Callable[[], object]) -> list[object]:
    results: list[object] = [None] * len(work)
    errors: list[BaseException] = []

    def run(i: int, job: Callable[[], object]) -> None:
        try:
            results[i] = job()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(work)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    return results


# ---- concurrency ----------------------------------------------------------------------------------------------
@needs_postgres
def test_the_second_and_third_answers_committing_together_still_owe_the_results_once(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    evaluation_id = an_evaluation(db)
    service = EvaluationService(db, FakeClock(NOW))
    assert service.answer(TEAM, evaluation_id, MEMBERS[0], Scores(4, 4, 4)) is Answer.RECORDED

    # Both answers are inserted and wait for each other before counting: without the evaluation's row locked,
    # each would count two (its own and the first) and neither would owe the results.
    meet = rendezvous(2, wait=1.0)
    counting = EvaluationService._aggregate

    def slow_count(session: Any, evaluation: int) -> Aggregate:
        meet()
        return counting(session, evaluation)

    monkeypatch.setattr(EvaluationService, "_aggregate", staticmethod(slow_count))
    answers = in_threads(
        lambda: service.answer(TEAM, evaluation_id, MEMBERS[1], Scores(3, 3, 3)),
        lambda: service.answer(TEAM, evaluation_id, MEMBERS[2], Scores(5, 5, 5, "Good pace.")),
    )
    assert answers == [Answer.RECORDED, Answer.RECORDED]
    (owed,) = results_rows(db)
    assert owed["shown"]["count"] == 3 and owed["shown"]["climate"] == 4.0


@needs_postgres
def test_two_summaries_posted_together_open_the_groups_round_once(db: Database) -> None:
    _group_id, sessions = a_group(db, every=2, sessions=2)
    meet = rendezvous(2, wait=5.0)

    def post_summary(session_id: int) -> None:
        with db.session() as s:
            s.exec(update(CodevSession).where(col(CodevSession.id) == session_id).values(summary_state="posted"))
            s.flush()
            meet()  # both summaries are posted, neither committed: each would count one session without the lock
            _open_evaluation(s, Posted(TEAM, session_id), NOW)

    in_threads(*(lambda sid=sid: post_summary(sid) for sid in sessions))
    with db.read() as s:
        rounds = s.exec(select(GroupEvaluation)).all()
    assert len(rounds) == 1, "the second session's round, once"


def test_summaries_posted_one_after_the_other_open_a_round_every_n_sessions(db: Database) -> None:
    _group_id, sessions = a_group(db, every=2, sessions=4)
    for session_id in sessions:
        with db.session() as s:
            s.exec(update(CodevSession).where(col(CodevSession.id) == session_id).values(summary_state="posted"))
            s.flush()
            _open_evaluation(s, Posted(TEAM, session_id), NOW)
    with db.read() as s:
        assert sorted(e.session_id for e in s.exec(select(GroupEvaluation)).all()) == [sessions[1], sessions[3]]


# ---- anonymity ------------------------------------------------------------------------------------------------
def test_answers_get_ids_drawn_at_random_drawn_again_on_a_collision(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    evaluation_id = an_evaluation(db)
    service = EvaluationService(db, FakeClock(NOW))
    draws: Iterator[int] = iter([900_000, 900_000, 41, 7_000_000])  # the second answer draws the first's id once
    monkeypatch.setattr(evaluations_module.secrets, "randbelow", lambda _n: next(draws) - 1)
    for who in MEMBERS[:3]:
        assert service.answer(TEAM, evaluation_id, who, Scores(3, 4, 5)) is Answer.RECORDED
    with db.read() as s:
        ids = sorted(r.id for r in s.exec(select(EvaluationResponse)).all())
    assert ids == [41, 900_000, 7_000_000], "the second answer's id is lower than the first's"


def test_results_are_owed_only_at_growing_thresholds(db: Database) -> None:
    evaluation_id = an_evaluation(db)
    service = EvaluationService(db, FakeClock(NOW))
    owed_at = []
    for n, who in enumerate(MEMBERS, start=1):
        service.answer(TEAM, evaluation_id, who, Scores(1 + n % 5, 3, 3))
        owed_at += [n] if len(results_rows(db)) > len(owed_at) else []
    assert owed_at == [3, 5]
    assert [r["shown"]["count"] for r in results_rows(db)] == [3, 5]
    assert [n for n in range(1, 40) if is_threshold(n)] == [3, 5, 8, 12, 17, 23, 30, 38]
    assert next_threshold(5) == 8 and next_threshold(6) == 8


# ---- the results message --------------------------------------------------------------------------------------
def view(members: int = 60, results_ts: str | None = None) -> EvaluationView:
    return EvaluationView(1, TEAM, 1, "Circle", CHANNEL, 1, results_ts, 0, NOW, members)


def test_comments_that_do_not_fit_are_counted_not_dropped_silently() -> None:
    comments = sorted(f"Comment number {n:02d}" for n in range(COMMENTS_SHOWN + 5))
    message = evaluation_results(view(), Aggregate(45, 4.0, 4.0, 4.0, comments))
    text = str(message["blocks"])
    assert len(message["blocks"]) <= 50
    assert "and 5 more comments" in text and f"Comment number {COMMENTS_SHOWN - 1:02d}" in text
    assert "Shown at 45 answers" in text
    one_more = evaluation_results(view(), Aggregate(41, 4.0, 4.0, 4.0, comments[: COMMENTS_SHOWN + 1]))
    assert "and 1 more comment," in str(one_more["blocks"])


class PagedHistory:
    """conversations.history of a busy channel: the results lie on the third page of 200 messages."""

    def __init__(self, ts: str, wanted: dict[str, Any]) -> None:
        self.calls: list[dict[str, Any]] = []
        noise = [{"ts": f"{n}.0", "text": "chatter"} for n in range(400)]
        self.pages = [noise[:200], noise[200:], [{"ts": ts, "metadata": wanted}]]

    def conversations_history(self, **args: Any) -> dict[str, Any]:
        self.calls.append(args)
        page = int(args.get("cursor") or 0)
        more = page + 1 < len(self.pages)
        return {"messages": self.pages[page], "response_metadata": {"next_cursor": str(page + 1) if more else ""}}


def test_results_posted_before_a_crash_are_found_beyond_the_last_fifty_messages() -> None:
    wanted = {"event_type": after.EVALUATION_MESSAGE, "event_payload": {"evaluation": 1}}
    client = PagedHistory("1700000000.000100", wanted)
    assert after._posted_before(client, view(), wanted) == "1700000000.000100"  # type: ignore[arg-type]
    assert len(client.calls) == 3 and all(c["oldest"] == f"{NOW.timestamp():.6f}" for c in client.calls)
