"""SIGKILL a real `codev run` in a burst of DMs and thread replies: every acknowledged one is stored, once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

from sqlmodel import select

from bot.sandbox.circle import Circle
from bot.sandbox.driver import SlackDriver
from bot.storage.db import Database
from bot.storage.models import Contribution, JournalEntry, ProcessedEvent, SessionStep
from tests.conftest import BOB, CAROL, SIGNING_SECRET, BotProcess, eventually
from tests.support.faulty_standin import FaultyStandIn

BURST = 24  # of each: DMs to the journal, and replies in the Presentation thread


def stored(db: Database) -> tuple[list[str], list[str]]:
    with db.read() as session:
        entries = session.exec(select(JournalEntry.source_ts).where(JournalEntry.user_id == CAROL)).all()
        replies = session.exec(select(Contribution.ts).where(Contribution.user_id == BOB)).all()
        return [e for e in entries if e], list(replies)


def inbox_states(db: Database) -> set[str]:
    with db.read() as session:
        return {e.state for e in session.exec(select(ProcessedEvent)).all()}


def step_message_recorded(db: Database) -> str | None:
    with db.read() as session:
        return session.exec(select(SessionStep.message_ts).where(SessionStep.step == 1)).one()


def test_every_acknowledged_dm_and_reply_is_stored_once_after_a_kill(
    bot: BotProcess, standin: FaultyStandIn, database_url: str
) -> None:
    db = Database(database_url)
    bot.start()
    slack = SlackDriver(bot.url, SIGNING_SECRET, standin)
    circle = Circle(slack, standin, SimpleNamespace(db=db))
    circle.start()
    thread_ts = circle.step_message(1)["ts"]
    eventually(lambda: step_message_recorded(db))
    dm = standin.dm_channel(CAROL)

    # Slack answers slowly: each "Saved" confirmation takes a while, so acknowledged DMs queue up.
    standin.slow_down("chat.postMessage", 2.0)
    with ThreadPoolExecutor(max_workers=20) as clients:
        dms = list(clients.map(lambda n: slack.say(CAROL, dm, f"What I take away, part {n}")["ts"], range(BURST)))
        replies = list(
            clients.map(
                lambda n: slack.say(BOB, circle.channel, f"More context, {n}", thread_ts=thread_ts)["ts"], range(BURST)
            )
        )
    # Every one of them got its 200: Slack will never send them again.
    bot.kill()
    standin.slow_down("chat.postMessage", 0)
    entries, contributions = stored(db)
    assert len(entries) < BURST or len(contributions) < BURST, "the kill came after everything was done"

    bot.start()
    eventually(lambda: sorted(stored(db)[0]) == sorted(dms) and sorted(stored(db)[1]) == sorted(replies), timeout=60)
    # Those the dead process had begun are finished too (once it is taken for dead), not stored again.
    eventually(lambda: inbox_states(db) == {"done"}, timeout=60)

    entries, contributions = stored(db)
    assert len(entries) == len(set(entries)) == BURST, "each DM stored once"
    assert len(contributions) == len(set(contributions)) == BURST, "each reply stored once"
