"""App Home is published to the people who look at it: when they open it, and on a change while it is open."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

from sqlmodel import col, select

from bot.clock import FakeClock
from bot.sandbox.standin import SlackStandIn
from bot.services.home import HomeReadModel
from bot.services.journal import JournalService
from bot.slack import ids
from bot.slack.client import make_web_client
from bot.slack.home import LIKELY_OPEN, HomePublisher
from bot.storage.db import Database
from bot.storage.models import ProcessedEvent
from tests.conftest import ALICE, BOB, CAROL, Group, eventually


def publishes_to(group: Group) -> list[str]:
    return [call.args["user_id"] for call in group.standin.calls_to("views.publish")]


def handled(group: Group, event_id: str) -> bool:
    with group.services.db.read() as session:
        row = session.get(ProcessedEvent, (group.standin.team_id, event_id))
        return row is not None and row.state == "done"


def open_home(group: Group, user_id: str, event_id: str, shown: dict[str, Any] | None = None) -> None:
    event = {"type": "app_home_opened", "user": user_id, "channel": group.standin.dm_channel(user_id), "tab": "home"}
    if shown is not None:
        event["view"] = shown
    assert group.slack.event(event, event_id=event_id).status == 200
    eventually(lambda: handled(group, event_id))


def test_a_session_publishes_home_only_to_who_opened_it(group: Group) -> None:
    open_home(group, CAROL, "EvCarolOpens")
    assert publishes_to(group) == [CAROL], "opening Home publishes it"

    group.start("Handing over my team")
    group.reply(BOB, 1, "I lead a team of 6.")
    group.click(ALICE, ids.NEXT, step=1)
    eventually(lambda: group.step_message(2))
    group.reply(CAROL, 2, "Who decides while you are away?")
    group.click(ALICE, ids.NEXT, step=2)
    eventually(lambda: group.step_message(3))

    # Carol, who has her Home open, sees the session there as it moves on; nobody else's Home is published.
    eventually(lambda: "Handing over my team" in str(group.standin.home_views[CAROL]["blocks"]))
    time.sleep(0.6)  # past the tests' short throttle: a publish still waiting would show now
    assert set(publishes_to(group)) == {CAROL}


def test_a_home_left_long_ago_is_not_published_on_changes(group: Group) -> None:
    open_home(group, CAROL, "EvCarolOpensEarly")
    group.services.clock.advance(LIKELY_OPEN + timedelta(minutes=1))
    before = len(publishes_to(group))

    group.start("Handing over my team")
    group.click(ALICE, ids.NEXT, step=1)
    eventually(lambda: group.step_message(2))
    time.sleep(0.6)
    assert publishes_to(group)[before:] == [], "her Home is taken as closed: she gets it fresh when she opens it"

    open_home(group, CAROL, "EvCarolBack")
    eventually(lambda: "Handing over my team" in str(group.standin.home_views[CAROL]["blocks"]))


def test_opening_a_home_that_shows_the_latest_is_no_call(group: Group) -> None:
    open_home(group, CAROL, "EvFirstLook")
    shown = eventually(lambda: group.standin.home_views.get(CAROL))
    time.sleep(0.6)  # past the throttle, so that only "nothing changed" can hold the next one back
    before = len(publishes_to(group))

    open_home(group, CAROL, "EvSecondLook", shown=shown)
    assert len(publishes_to(group)) == before, "Slack shows this very Home: nothing to send"

    group.slack.command(CAROL, "journal A new thing I learned")
    eventually(lambda: "A new thing I learned" in str(group.standin.home_views[CAROL]["blocks"]))


def test_clicking_in_home_counts_as_looking_at_it(group: Group) -> None:
    open_home(group, CAROL, "EvCarolLooks")
    view = eventually(lambda: group.standin.home_views.get(CAROL))
    group.services.clock.advance(LIKELY_OPEN + timedelta(minutes=1))
    group.slack.command(CAROL, "journal Entry one")
    time.sleep(0.6)
    before = len(publishes_to(group))
    assert "Entry one" not in str(group.standin.home_views[CAROL]["blocks"])

    # Her Home stayed open on her screen all along: a click in it says so, and its answer is published.
    group.slack.click(CAROL, ids.HOME_START, view_id=view["id"])
    group.slack.command(CAROL, "journal Entry two")
    eventually(lambda: "Entry two" in str(group.standin.home_views[CAROL]["blocks"]))
    assert len(publishes_to(group)) > before


def test_the_throttle_holds_across_processes(db: Database, standin: SlackStandIn) -> None:
    """Two processes asked to publish one person's Home at the same moment publish it once, then once more."""
    clock = FakeClock()
    publishers = []
    for _ in range(2):  # two processes: their own client, read model and memory, one database
        model = HomeReadModel(db, clock)
        publisher = HomePublisher(
            make_web_client("xoxb-test", standin.api_url), model, JournalService(db, clock), clock, min_interval=30.0
        )
        publisher.seen(standin.team_id, CAROL)
        publishers.append(publisher)
    start = threading.Barrier(2)

    def ask(publisher: HomePublisher) -> None:
        start.wait()
        publisher.refresh(standin.team_id, CAROL)

    threads = [threading.Thread(target=ask, args=(p,)) for p in publishers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # An interval far longer than a loaded machine's scheduling delays: the second is held back, not published.
    assert len(standin.calls_to("views.publish")) == 1
    with db.read() as session:
        marks = session.exec(select(ProcessedEvent.event_id).where(col(ProcessedEvent.event_id).contains(CAROL))).all()
    assert sorted(marks) == [f"home-open:{CAROL}", f"home-shown:{CAROL}"]
    for publisher in publishers:
        publisher.close()
