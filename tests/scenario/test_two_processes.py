"""Two app processes on one PostgreSQL database: clicks advance once, timers fire once, the follower takes over."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import text

from bot.clock import SystemClock
from bot.domain.timers import EventKind, EventState
from bot.sandbox.circle import Circle
from bot.sandbox.driver import SlackDriver
from bot.sandbox.standin import SlackStandIn
from bot.scheduling.leader import SCHEDULER_LOCK_KEY
from bot.services.sessions import SessionService
from bot.slack import ids
from bot.storage.db import Database
from tests.conftest import ALICE, SIGNING_SECRET, BotProcess, eventually, is_postgres

pytestmark = pytest.mark.skipif(not is_postgres(), reason="several processes per database need PostgreSQL")
SPEED = 150.0  # live timeboxes: Presentation's 10 minutes last 4 seconds, an extension 2, Clarification's 15 minutes 6


def timer_lock_held(db: Database) -> bool:
    """Some process holds the timer leader's PostgreSQL advisory lock."""
    with db.engine.connect() as connection:
        held = connection.execute(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND classid = :high AND objid = :low AND objsubid = 1"
            ),
            {"high": SCHEDULER_LOCK_KEY >> 32, "low": SCHEDULER_LOCK_KEY & 0xFFFFFFFF},
        ).scalar_one()
    return held > 0


@pytest.fixture
def two_bots(standin: SlackStandIn, database_url: str, tmp_path: Path) -> Iterator[list[BotProcess]]:
    bots = [BotProcess(standin, database_url, tmp_path, clock_speed=SPEED) for _ in range(2)]
    db = Database(database_url)
    bots[0].start()
    eventually(lambda: timer_lock_held(db))  # the first one takes the timer lock
    db.dispose()
    bots[1].start()
    yield bots
    for bot in bots:
        bot.stop()


@pytest.fixture
def reader(database_url: str) -> Iterator[SimpleNamespace]:
    """The test's own view of the shared database."""
    db = Database(database_url)
    yield SimpleNamespace(db=db, sessions=SessionService(db, SystemClock(), SPEED))
    db.dispose()


def test_twenty_next_clicks_across_two_processes_advance_once(
    two_bots: list[BotProcess], standin: SlackStandIn, reader: SimpleNamespace
) -> None:
    drivers = [SlackDriver(bot.url, SIGNING_SECRET, standin) for bot in two_bots]
    circle = Circle(drivers[0], standin, reader)
    step1 = circle.start()
    payload = drivers[0].click_payload(ALICE, ids.NEXT, channel_id=circle.channel, message_ts=step1["ts"], value="1:1")
    barrier = threading.Barrier(20)
    statuses: list[int] = []

    def click(driver: SlackDriver) -> None:
        barrier.wait()
        statuses.append(driver.post_payload(payload).status)

    threads = [threading.Thread(target=click, args=(drivers[i % 2],)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 20
    eventually(lambda: circle.step_message(2))
    eventually(lambda: len(standin.responses) >= 19)
    snapshot = reader.sessions.get(standin.team_id, 1)
    assert int(snapshot.step) == 2 and snapshot.version == 2
    assert len([m for m in circle.messages() if "Step 2/6" in m["text"]]) == 1


def test_timers_fire_once_honour_the_followers_extend_and_survive_the_leader(
    two_bots: list[BotProcess], standin: SlackStandIn, reader: SimpleNamespace
) -> None:
    leader, follower = two_bots
    circle = Circle(SlackDriver(leader.url, SIGNING_SECRET, standin), standin, reader)
    on_follower = Circle(SlackDriver(follower.url, SIGNING_SECRET, standin), standin, reader)
    circle.start()
    on_follower.click(ALICE, ids.EXTEND, step=1)  # Extend is clicked on the process that does not fire timers
    eventually(lambda: reader.sessions.get(standin.team_id, 1).version == 2)
    deadline = reader.sessions.get(standin.team_id, 1).timebox().deadline

    def fired(step: int) -> list:  # type: ignore[type-arg]
        return [
            e
            for e in reader.sessions.timers.events_of(standin.team_id, 1)
            if e.step == step and e.state is EventState.DONE and e.kind is not EventKind.NUDGE
        ]

    eventually(lambda: len(fired(1)) == 2, timeout=30)
    stored_deadline = next(e for e in fired(1) if e.kind is EventKind.DEADLINE)
    assert stored_deadline.due_at == deadline, "the deadline moved with the follower's Extend"

    # Step 2 begins on the follower and the leader fires Clarification's reminder: both processes have looked
    # at the table many times since Presentation's events fired, so any duplicate of those is in the thread.
    on_follower.click(ALICE, ids.NEXT, step=1)
    eventually(lambda: on_follower.step_message(2))
    eventually(lambda: any("left for Clarification" in m["text"] for m in circle.thread(2)), timeout=40)
    thread = circle.thread(1)
    assert sum("left for Presentation" in m["text"] for m in thread) == 1
    times_up = [m for m in thread if "Time's up" in m["text"]]
    assert len(times_up) == 1

    # The leader dies before Clarification's time is up: the follower takes over and says so, once.
    leader.kill()
    (clarification_deadline,) = [
        e for e in reader.sessions.timers.events_of(standin.team_id, 1) if e.step == 2 and e.kind is EventKind.DEADLINE
    ]
    assert clarification_deadline.state is EventState.PENDING, "the leader died before Clarification's end"
    eventually(lambda: any("Time's up for Clarification" in m["text"] for m in circle.thread(2)), timeout=40)
    assert sum("left for Clarification" in m["text"] for m in circle.thread(2)) == 1
    assert sum("Time's up for Clarification" in m["text"] for m in circle.thread(2)) == 1
