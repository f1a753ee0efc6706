"""One scheduler for every kind of due row: session timers and scheduled tasks keep their own job ids."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.scheduling import RECOVER_JOB_ID, Agenda, Timekeeper
from bot.scheduling.leader import AlwaysLeader


def test_each_agenda_gets_its_jobs_and_its_deliveries() -> None:
    clock = FakeClock()
    soon, later = clock.now() + timedelta(seconds=30), clock.now() + timedelta(hours=1)
    delivered: list[tuple[str, int]] = []
    recovered: list[str] = []
    agendas = [
        Agenda(
            "timed-event",
            lambda horizon: {k: v for k, v in {1: soon, 2: later}.items() if v <= horizon},
            lambda row: delivered.append(("timed-event", row)),
            lambda _before: recovered.append("timed-event"),
        ),
        Agenda(
            "task",
            lambda horizon: {1: soon},
            lambda row: delivered.append(("task", row)),
            lambda _before: recovered.append("task"),
        ),
    ]
    timekeeper = Timekeeper("agendas", agendas, clock, AlwaysLeader())
    timekeeper.scheduler.start(paused=True)
    try:
        timekeeper.refresh()
        assert timekeeper.job_ids() == {"timed-event-1", "task-1"}, "only what falls due within the horizon"
        # Taking the lead recovers every agenda, as a job of its own: other due rows are not held up by it.
        (recovery,) = [job for job in timekeeper.scheduler.get_jobs() if job.id == RECOVER_JOB_ID]
        assert recovered == []
        recovery.func(*recovery.args)
        assert recovered == ["timed-event", "task"]
        timekeeper.fire("task-1")
        timekeeper.fire("timed-event-1")
        assert delivered == [("task", 1), ("timed-event", 1)]
    finally:
        timekeeper.scheduler.shutdown(wait=False)
