"""Property: after any sequence of actions and clock jumps, pending timers are exactly what the state implies."""

from __future__ import annotations

import itertools
import os
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from bot.clock import FakeClock
from bot.domain.session import Status, TransitionError
from bot.domain.steps import DEFAULT_DURATIONS, Pace, Step
from bot.domain.timers import ONCE_PER_STEP, EventState
from bot.scheduling import HORIZON, Agenda, Timekeeper
from bot.scheduling.leader import AlwaysLeader
from bot.services.sessions import NewSession, SessionService
from bot.storage.db import Database
from bot.storage.models import SlackUser, TimedEvent

TEAM = "T0PROP"
CONSULTANTS = ["U0C1", "U0C2", "U0C3"]
channels = itertools.count(1)

actions = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(["next", "extend", "pause", "resume", "end", "fire"])),
        st.tuples(st.just("reply"), st.sampled_from(CONSULTANTS)),
        st.tuples(st.just("wait"), st.integers(min_value=1, max_value=4 * 24 * 60)),  # minutes
    ),
    max_size=25,
)


def check_invariant(service: SessionService, session_id: int, clock: FakeClock, timekeeper: Timekeeper) -> None:
    planned = {p.key: p for p in service.planned_events(TEAM, session_id)}
    stored = service.timers.events_of(TEAM, session_id)
    pending = {(int(e.step), e.kind.value, e.user_id): e for e in stored if e.state is EventState.PENDING}
    fired = {
        (int(e.step), e.kind.value, e.user_id): e for e in stored if e.state in (EventState.DONE, EventState.DROPPED)
    }
    assert len({(int(e.step), e.kind.value, e.user_id) for e in stored}) == len(stored), "no duplicates"
    for key, event in pending.items():
        assert key in planned, f"orphan pending event {key}"
        assert event.due_at == planned[key].due_at
    for key, plan in planned.items():
        if key in pending:
            continue
        # Only an event that already fired (and that an extension does not move past that moment) may be missing.
        assert key in fired, f"missing event {key}"
        assert plan.kind in ONCE_PER_STEP or plan.due_at <= (fired[key].fired_at or fired[key].due_at)
    # The scheduler holds exactly the pending events due within its horizon (all sessions in the table).
    timekeeper.refresh()
    horizon = clock.now() + HORIZON
    with service.db.session() as session:
        rows = session.exec(select(TimedEvent)).all()
    expected_jobs = {f"timed-event-{r.id}" for r in rows if r.state == "pending" and r.due_at <= horizon}
    assert timekeeper.job_ids() == expected_jobs


EXAMPLES = int(os.environ.get("CODEV_PROPERTY_EXAMPLES", "60"))  # raise it to search harder


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=actions, pace=st.sampled_from(list(Pace)), nudges=st.booleans(), auto=st.booleans())
def test_pending_timers_always_match_the_session(
    db: Database, steps: list[tuple], pace: Pace, nudges: bool, auto: bool
) -> None:
    clock = FakeClock()
    service = SessionService(db, clock, clock_speed=1.0)
    with db.session() as session:
        for user_id, tz in zip(CONSULTANTS, ["Europe/Paris", "America/Toronto", "Asia/Tokyo"], strict=True):
            session.merge(SlackUser(team_id=TEAM, user_id=user_id, tz=tz, fetched_at=clock.now()))
    durations = {step: pace.unit * DEFAULT_DURATIONS[pace][step] for step in Step}
    snapshot = service.start(
        NewSession(
            team_id=TEAM,
            channel_id=f"C{next(channels)}",
            topic="t",
            facilitator_id="U0F",
            client_id="U0CL",
            consultant_ids=CONSULTANTS,
            pace=pace,
            durations=durations,
            created_by="U0F",
            auto_advance=auto,
            nudges=nudges,
        )
    )
    timekeeper = Timekeeper(
        "property",
        [Agenda("timed-event", service.timers.pending_until, lambda _id: None, lambda _before: None)],
        clock,
        AlwaysLeader(),
    )
    timekeeper.scheduler.start(paused=True)  # holds jobs as the running one does, without running them
    try:
        ts = itertools.count(1)
        check_invariant(service, snapshot.id, clock, timekeeper)
        for action in steps:
            current = service.get(TEAM, snapshot.id)
            try:
                if action[0] == "next":
                    service.next_step(TEAM, snapshot.id, current.step)
                elif action[0] == "extend":
                    service.extend(TEAM, snapshot.id, current.step)
                elif action[0] == "pause":
                    service.pause(TEAM, snapshot.id, current.step)
                elif action[0] == "resume":
                    service.resume(TEAM, snapshot.id, current.step)
                elif action[0] == "end":
                    service.end(TEAM, snapshot.id)
                elif action[0] == "wait":
                    clock.advance(timedelta(minutes=action[1]))
                elif action[0] == "reply" and current.status is not Status.ENDED:
                    message_ts = current.steps[current.step].message_ts or f"9.{int(current.step)}"
                    if current.steps[current.step].message_ts is None:
                        service.step_posted(
                            TEAM, snapshot.id, current.step, message_ts, clock.now(), after_retries=False
                        )
                    service.record_reply(TEAM, current.channel_id, message_ts, f"1.{next(ts)}", action[1], "a reply")
                elif action[0] == "fire":
                    for event_id in service.timers.due(clock.now()):
                        if service.timers.claim(event_id, clock.now()):
                            service.timers.finish(event_id, EventState.DONE, clock.now())
            except TransitionError:
                pass
            check_invariant(service, snapshot.id, clock, timekeeper)
    finally:
        timekeeper.scheduler.shutdown(wait=False)
