"""APScheduler wiring: the one owner of the scheduler. The timed_event table is the truth; jobs follow it."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler

from bot import metrics
from bot.clock import Clock
from bot.scheduling.leader import Leadership

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5  # changes made by another process reach the leader within this
HORIZON = timedelta(minutes=2)  # jobs are held for events due this soon; later ones wait in the table
RETRY_STUCK_AFTER = timedelta(minutes=5)  # a delivery unfinished this long is retried (Slack was down…)
RETRY_STUCK_EVERY = 60.0  # seconds
HOUSEKEEPING_EVERY = 3600.0  # seconds
REFRESH_JOB_ID = "codev-refresh"
RECOVER_JOB_ID = "codev-recover"
REFRESH_EXECUTOR = "refresh"

# Jobs name their timekeeper and row by id only (APScheduler's advice: serialisable arguments).
_TIMEKEEPERS: dict[str, Timekeeper] = {}


@dataclass(frozen=True)
class Agenda:
    """One table of rows that fall due, and what to do when one does. Job ids are `<prefix>-<row id>`."""

    prefix: str
    pending_until: Callable[[datetime], dict[int, datetime]]
    deliver: Callable[[int], None]
    recover: Callable[[datetime | None], None]  # finish rows claimed before that moment (all when None)


def fire_job(timekeeper_name: str, job_id: str) -> None:
    """The job every due row runs: a module-level function taking only ids."""
    timekeeper = _TIMEKEEPERS.get(timekeeper_name)
    if timekeeper is not None:
        timekeeper.fire(job_id)


def refresh_jobs(timekeeper_name: str) -> None:
    timekeeper = _TIMEKEEPERS.get(timekeeper_name)
    if timekeeper is not None:
        timekeeper.refresh()


def make_scheduler(workers: int = 32) -> BackgroundScheduler:
    """A UTC scheduler. Late jobs still run (the default one-second grace would silently drop them).

    Deliveries spend most of their time waiting on Slack (about 300 ms a call): enough threads that a burst of
    slow calls (a working day starting in one time zone) does not hold up other due rows behind them.
    """
    return BackgroundScheduler(
        timezone="UTC",
        # Refreshes have threads of their own: a burst of slow deliveries must not hold them up.
        executors={"default": ThreadPoolExecutor(workers), REFRESH_EXECUTOR: ThreadPoolExecutor(2)},
        job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
    )


class Timekeeper:
    """Keeps APScheduler's jobs equal to the pending rows of its agendas, while this process leads."""

    def __init__(
        self,
        name: str,
        agendas: list[Agenda],
        clock: Clock,
        leadership: Leadership,
        housekeeping: Callable[[], object] | None = None,
        sweeps: Sequence[tuple[float, Callable[[], object]]] = (),
        heartbeat: tuple[float, Callable[[], object]] | None = None,
    ) -> None:
        self.name = name
        self.agendas = {agenda.prefix: agenda for agenda in agendas}
        self.clock = clock
        self.leadership = leadership
        self.scheduler = make_scheduler()
        self._scheduled: dict[str, datetime] = {}  # job id → due
        self._leading = False
        self._last_retry = 0.0
        self.housekeeping = housekeeping or (lambda: None)
        self._last_housekeeping = 0.0
        # Chores the leader runs every so many seconds (e.g. finishing orphaned inbox deliveries).
        self.sweeps = list(sweeps)
        self._last_sweep = [0.0] * len(self.sweeps)
        # Every process, leader or not, says it is alive: work it holds is not taken from it meanwhile.
        self.heartbeat = heartbeat
        self._last_beat = 0.0
        self._lock = threading.Lock()
        self._refreshing = threading.Lock()
        self._again = False  # a change arrived during a refresh: look once more before stopping

    def start(self) -> None:
        _TIMEKEEPERS[self.name] = self
        self.scheduler.start()
        # Several instances may be asked for (a poke during a poll); refresh() lets one through at a time.
        self.scheduler.add_job(
            refresh_jobs,
            "interval",
            seconds=POLL_SECONDS,
            args=[self.name],
            id=REFRESH_JOB_ID,
            replace_existing=True,
            next_run_time=datetime.now().astimezone(),
            max_instances=4,
            executor=REFRESH_EXECUTOR,
        )

    def stop(self) -> None:
        self.scheduler.shutdown(wait=False)
        self.leadership.release()
        _TIMEKEEPERS.pop(self.name, None)

    def poke(self) -> None:
        """Something changed in this process: look at the table now instead of at the next poll."""
        if self._refreshing.locked():
            self._again = True  # the refresh under way looks again when done: no extra job run queued
        elif self.scheduler.running:
            self.scheduler.modify_job(REFRESH_JOB_ID, next_run_time=datetime.now().astimezone())

    def refresh(self) -> None:
        if not self._refreshing.acquire(blocking=False):
            self._again = True  # another refresh is under way: it looks once more when done
            return
        try:
            again = True
            while again:
                self._again = False
                self._refresh()
                again = self._again
        finally:
            self._refreshing.release()

    def _refresh(self) -> None:
        self._beat()
        with self._lock:
            if not self.leadership.check():
                if self._leading:
                    log.warning("no longer the timer leader: not firing any more")
                    self._drop_all()
                self._leading = False
                metrics.leading(False)
                return
            if not self._leading:
                self._leading = True
                metrics.leading(True)
                self._last_retry = time.monotonic()
                self._recover_aside(None)  # rows a dead leader had claimed
            elif time.monotonic() - self._last_retry > RETRY_STUCK_EVERY:
                self._last_retry = time.monotonic()
                self._recover_aside(self.clock.now() - RETRY_STUCK_AFTER)
            if time.monotonic() - self._last_housekeeping > HOUSEKEEPING_EVERY:
                self._last_housekeeping = time.monotonic()
                try:
                    self.housekeeping()
                except Exception:  # the hourly chores' trouble must not stop this poll's timers
                    log.exception("the hourly chores failed")
            self._sweep()
            horizon = self.clock.now() + HORIZON
            pending = {
                f"{agenda.prefix}-{row_id}": due
                for agenda in self.agendas.values()
                for row_id, due in agenda.pending_until(horizon).items()
            }
            for job_id in set(self._scheduled) - set(pending):
                self._remove(job_id)
            for job_id, due in pending.items():
                if self._scheduled.get(job_id) != due:
                    self.scheduler.add_job(
                        fire_job, "date", run_date=due, args=[self.name, job_id], id=job_id, replace_existing=True
                    )
                    self._scheduled[job_id] = due

    def _beat(self) -> None:
        if self.heartbeat is None or time.monotonic() - self._last_beat < self.heartbeat[0]:
            return
        self._last_beat = time.monotonic()
        try:
            self.heartbeat[1]()
        except Exception:  # the database may be briefly away: the next beat says it
            log.warning("could not record that this process is alive", exc_info=True)

    def _sweep(self) -> None:
        for index, (every, chore) in enumerate(self.sweeps):
            if time.monotonic() - self._last_sweep[index] >= every:
                self._last_sweep[index] = time.monotonic()
                try:
                    chore()
                except Exception:  # one chore's trouble must not stop the timers
                    log.exception("a periodic chore failed")

    def _recover_aside(self, claimed_before: datetime | None) -> None:
        """Finish interrupted rows on the executor's threads, so that the other due rows are not held up meanwhile
        (a recovery looks in Slack before posting again: a few slow calls per row)."""
        if self.scheduler.running:
            self.scheduler.add_job(self._recover, args=[claimed_before], id=RECOVER_JOB_ID, replace_existing=True)
        else:
            self._recover(claimed_before)

    def _recover(self, claimed_before: datetime | None) -> None:
        for agenda in self.agendas.values():
            try:
                agenda.recover(claimed_before)
            except Exception:  # one agenda's trouble must not stop the others
                log.exception("recovering %s failed", agenda.prefix)

    def fire(self, job_id: str) -> None:
        prefix, _, row_id = job_id.rpartition("-")
        due = self._scheduled.get(job_id)
        if due is not None:
            metrics.timer_fired(prefix, (self.clock.now() - due).total_seconds())
        try:
            if self._leading:
                self.agendas[prefix].deliver(int(row_id))
        except Exception:  # a job must never take the scheduler down
            log.exception("job %s failed", job_id)
        finally:
            # Forgotten only now: by this time the row is claimed, so a refresh will not schedule it again.
            with self._lock:
                self._scheduled.pop(job_id, None)

    def job_ids(self) -> set[str]:
        return {job.id for job in self.scheduler.get_jobs() if job.id not in (REFRESH_JOB_ID, RECOVER_JOB_ID)}

    def _remove(self, job_id: str) -> None:
        self._scheduled.pop(job_id, None)
        with contextlib.suppress(JobLookupError):  # it may have just run
            self.scheduler.remove_job(job_id)

    def _drop_all(self) -> None:
        for job_id in list(self._scheduled):
            self._remove(job_id)
