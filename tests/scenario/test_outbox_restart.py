"""SIGKILL a real `codev run` between a committed change and its post: the post appears once after the restart."""

from __future__ import annotations

from types import SimpleNamespace

from sqlmodel import select

from bot.sandbox.circle import Circle
from bot.sandbox.driver import SlackDriver
from bot.slack import ids
from bot.storage.db import Database
from bot.storage.models import CodevSession, OutboxMessage
from tests.conftest import ALICE, SIGNING_SECRET, BotProcess, eventually
from tests.support.faulty_standin import FaultyStandIn


def outbox_states(db: Database) -> list[str]:
    with db.read() as session:
        return [row.state for row in session.exec(select(OutboxMessage)).all()]


def current_step(db: Database) -> int:
    with db.read() as session:
        return session.exec(select(CodevSession.step)).one()


def step_posts(standin: FaultyStandIn, circle: Circle, step: int) -> list[dict]:
    return [
        m
        for m in standin.messages(circle.channel)
        if (m.get("metadata") or {}).get("event_payload", {}).get("step") == step
    ]


def test_a_step_posted_as_the_bot_died_is_posted_once_after_the_restart(
    bot: BotProcess, standin: FaultyStandIn, database_url: str
) -> None:
    db = Database(database_url)
    bot.start()
    circle = Circle(SlackDriver(bot.url, SIGNING_SECRET, standin), standin, SimpleNamespace(db=db))
    circle.start()
    eventually(lambda: outbox_states(db) == ["done"])

    # Slack takes its time with Clarification's message; the facilitator's Next is committed meanwhile.
    standin.slow_down("chat.postMessage", 2.0)
    posts_before = standin.arrivals.get("chat.postMessage", 0)
    circle.click(ALICE, ids.NEXT, step=1)
    eventually(lambda: standin.arrivals.get("chat.postMessage", 0) > posts_before)  # the post reached Slack
    assert current_step(db) == 2
    assert "firing" in outbox_states(db)
    bot.kill()  # after the commit, while the post is on its way: Slack gets it, the bot never hears back
    standin.slow_down("chat.postMessage", 0)
    eventually(lambda: step_posts(standin, circle, 2))

    bot.start()  # the next process finishes what the dead one left: it looks before posting again
    eventually(lambda: outbox_states(db) == ["done", "done"], timeout=20)

    assert len(step_posts(standin, circle, 2)) == 1
    # The session goes on from the message people see.
    circle.click(ALICE, ids.NEXT, step=2)
    eventually(lambda: step_posts(standin, circle, 3))
    assert len(step_posts(standin, circle, 2)) == 1
