"""SIGKILL a real `codev run` mid-step: what fell due while it was down is delivered once after a restart."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.clock import SystemClock
from bot.domain.timers import EventKind, EventState
from bot.sandbox.circle import Circle
from bot.sandbox.driver import SlackDriver
from bot.sandbox.standin import SlackStandIn
from bot.services.sessions import SessionService
from bot.slack import ids
from bot.storage.db import Database
from bot.storage.models import PersonSettings
from tests.conftest import ALICE, BOB, CAROL, DAVE, ERIN, SIGNING_SECRET, BotProcess, eventually

# The async Clarification's working day (8 working hours, around the clock here: see BotProcess) lasts 8
# seconds: its first event (at 6.4 s) leaves room for three replies and a look at the table before the kill.
# Contract's half day lasts 4 seconds.
CLARIFICATION_SECONDS = 8.0
SPEED = 8 * 3600 / CLARIFICATION_SECONDS


@pytest.fixture
def bot(standin: SlackStandIn, database_url: str, tmp_path: Path) -> Iterator[BotProcess]:
    running = BotProcess(standin, database_url, tmp_path, clock_speed=SPEED)
    yield running
    running.stop()
    print(running.log())  # shown when the test fails


def test_events_due_while_the_bot_was_killed_are_delivered_once(
    bot: BotProcess, standin: SlackStandIn, database_url: str
) -> None:
    standin.add_user("U0UTC", "Uma", tz="UTC")
    db = Database(database_url)
    sessions = SessionService(db, SystemClock(), SPEED)
    bot.start()
    circle = Circle(SlackDriver(bot.url, SIGNING_SECRET, standin), standin, SimpleNamespace(db=db, sessions=sessions))

    view = circle.open_start_modal(ALICE, "Restart-proof timeboxes")
    circle.slack.choose(ALICE, view["id"], ids.START_PACE, "async", {"client": BOB})
    eventually(lambda: "timekeeping" in str(standin.views[view["id"]]["blocks"]))
    circle.slack.submit(
        ALICE,
        view["id"],
        {
            "consultants": [CAROL, DAVE, ERIN, "U0UTC"],
            "group_size": ["confirm"],
            "timekeeping": ["nudges"],
            # Working hours of half and one working day (of 8 h): the 24-hour day here would triple the defaults.
            "duration_presentation": "4",
            "duration_clarification": "8",
            "duration_contract": "4",
        },
    )
    eventually(lambda: circle.step_message(1))

    # Uma keeps quiet for as long as Clarification lasts: she hears of it once, when her quiet hours end.
    start = datetime.now(UTC)
    quiet_until = start + timedelta(seconds=CLARIFICATION_SECONDS)
    with db.session() as session:
        session.add(
            PersonSettings(
                team_id=standin.team_id,
                user_id="U0UTC",
                quiet_weekends=False,
                quiet_start=(start - timedelta(hours=1)).time(),
                quiet_end=quiet_until.time(),
            )
        )
    circle.click(ALICE, ids.NEXT, step=1)
    eventually(lambda: circle.step_message(2))
    for consultant in (CAROL, DAVE, ERIN):
        circle.reply(consultant, 2, "A neutral question?")
    pending = {
        e.kind: e
        for e in sessions.timers.events_of(standin.team_id, 1)
        if e.state is EventState.PENDING and e.step == 2
    }
    assert set(pending) == {EventKind.REMINDER, EventKind.DEADLINE, EventKind.TURN}
    assert pending[EventKind.TURN].user_id == "U0UTC"
    assert abs((pending[EventKind.TURN].due_at - quiet_until).total_seconds()) < 1, "held until she works"

    bot.kill()
    last_due = max(e.due_at for e in pending.values())
    eventually(lambda: datetime.now(UTC) > last_due, timeout=CLARIFICATION_SECONDS + 10)  # all fell due while down
    watched = {e.id for e in pending.values()}
    assert all(
        e.state is EventState.PENDING for e in sessions.timers.events_of(standin.team_id, 1) if e.id in watched
    ), "nothing fired while the bot was down"
    bot.start()

    def finished() -> dict[EventKind, EventState] | None:
        states = {e.kind: e.state for e in sessions.timers.events_of(standin.team_id, 1) if e.id in watched}
        busy = {EventState.PENDING, EventState.FIRING}  # not yet taken, or being delivered
        return states if not busy & set(states.values()) else None

    # The reminder fell due before the deadline, which has passed too: stale news, dropped ("time's up" says it).
    assert eventually(finished, timeout=20) == {
        EventKind.REMINDER: EventState.DROPPED,
        EventKind.DEADLINE: EventState.DONE,
        EventKind.TURN: EventState.DONE,
    }
    thread = circle.thread(2)
    assert sum("left for Clarification" in m["text"] for m in thread) == 0
    assert sum("Time's up for Clarification" in m["text"] for m in thread) == 1
    assert sum("<@U0UTC>, Clarification opened" in m["text"] for m in thread) == 1
    assert standin.messages(standin.dm_channel("U0UTC")) == [], "her turn message says it all: no nudge too"

    # Later deadlines still hold after the restart: the Contract step's reminder comes on time.
    circle.click(ALICE, ids.NEXT, step=2)
    eventually(lambda: circle.step_message(3))
    eventually(lambda: any("left for Contract" in m["text"] for m in circle.thread(3)), timeout=30)
    db.dispose()
