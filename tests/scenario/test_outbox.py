"""A state change and the posts it owes converge: stored together, delivered after, once, whatever Slack does."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.domain.timers import EventKind, EventState
from bot.services.outbox import BACKOFF_MAX
from bot.slack import ids
from bot.storage.models import OutboxMessage, TimedEvent
from tests.conftest import ALICE, BOB, Group, eventually
from tests.support.faulty_standin import FaultyStandIn


def owed(group: Group) -> list[OutboxMessage]:
    with group.services.db.read() as session:
        return [row for row in session.exec(select(OutboxMessage)).all() if row.state in ("pending", "firing")]


def step_messages(group: Group, number: int) -> list[dict]:
    return [m for m in group.messages() if (m.get("metadata") or {}).get("event_payload", {}).get("step") == number]


def timers(group: Group) -> list[TimedEvent]:
    with group.services.db.read() as session:
        return list(session.exec(select(TimedEvent)).all())


def slack_recovers(group: Group) -> None:
    """The leader's retries, at their backoff, until nothing is owed (the fake clock moves, not the test).

    A request may still hold the session's delivery for a moment: the next retry then finds it free.
    """

    def retried() -> bool:
        group.services.clock.advance(BACKOFF_MAX)
        group.tick()
        return not owed(group)

    eventually(retried)


def test_the_step_message_slack_refused_is_posted_once_when_slack_recovers(
    group: Group, standin: FaultyStandIn
) -> None:
    group.start()
    # Slack answers 500 six times in a row: more than the client's own retries of one call.
    standin.fail("chat.postMessage", "internal_error", status=500, times=6)
    group.click(ALICE, ids.NEXT, step=1)

    # The facilitator is told what is true: the step is open, its message comes when Slack answers.
    note = eventually(lambda: [n for n in group.private_notes(ALICE) if "not answering" in n])
    assert "Clarification" in note[0]
    assert group.current_step() == 2
    assert not step_messages(group, 2)

    slack_recovers(group)

    posted = step_messages(group, 2)
    assert len(posted) == 1, "posted exactly once"
    assert ids.NEXT in str(posted[0]["blocks"]), "with its buttons"
    # Its timebox starts when it was posted, not when Next was clicked, and its timers count from then.
    snapshot = group.services.sessions.running_in(standin.team_id, group.channel)[0]
    assert snapshot.steps[snapshot.step].started_at == group.services.clock.now()
    deadline = [e for e in timers(group) if e.step == 2 and e.kind == EventKind.DEADLINE.value]
    assert deadline[0].state == EventState.PENDING.value
    assert deadline[0].due_at == group.services.clock.now() + snapshot.timebox().duration
    # The old step's message shows it closed; the session goes on from the new one.
    assert ids.NEXT not in str(group.step_message(1)["blocks"])
    group.click(ALICE, ids.NEXT, step=2)
    eventually(lambda: group.step_message(3))
    assert not any("went wrong" in n for n in group.private_notes(ALICE))


def test_a_revoked_token_keeps_the_change_and_delivers_after_reinstall(group: Group, standin: FaultyStandIn) -> None:
    group.start()
    standin.fail("chat.postMessage", "account_inactive", times=2)
    group.click(ALICE, ids.NEXT, step=1)
    eventually(lambda: [n for n in group.private_notes(ALICE) if "not answering" in n])
    slack_recovers(group)
    assert len(step_messages(group, 2)) == 1


def test_a_delivery_interrupted_after_posting_is_not_posted_twice(group: Group, standin: FaultyStandIn) -> None:
    group.start()
    eventually(lambda: not owed(group))
    group.services.relay.deliver_session = lambda *_args: None  # type: ignore[assignment,method-assign,return-value]
    group.click(ALICE, ids.NEXT, step=1)
    row = eventually(lambda: owed(group))[0]
    # A process posted Clarification's message, then died before recording it (kill -9 between the two).
    snapshot = group.services.sessions.running_in(standin.team_id, group.channel)[0]
    group.services.outbox.mark_firing(row.id or 0, group.services.clock.now())
    from bot.slack.blocks.session import step_message

    message = step_message(snapshot, snapshot.step, group.services.clock.now())
    standin.handle(
        "chat.postMessage",
        {
            "channel": group.channel,
            "metadata": {"event_type": "codev_step", "event_payload": {"session_id": snapshot.id, "step": 2}},
            **message,
        },
        has_bearer_token=True,
    )
    del group.services.relay.deliver_session  # the next process

    group.services.relay.recover()

    assert len(step_messages(group, 2)) == 1
    assert not owed(group)


def test_the_end_posts_the_summary_proposal_once_even_if_the_dm_failed(group: Group, standin: FaultyStandIn) -> None:
    group.start()
    for step in range(1, 6):
        group.click(ALICE, ids.NEXT, step=step)
        eventually(lambda s=step: group.step_message(s + 1))
    standin.fail("chat.postMessage", "internal_error", status=500, times=3)
    group.click(ALICE, ids.NEXT, step=6)
    eventually(lambda: group.services.sessions.get(standin.team_id, 1).summary_state == "proposed")
    slack_recovers(group)
    dm = standin.dm_channel(BOB)
    assert sum(ids.SUMMARY_POST in str(m.get("blocks")) for m in standin.messages(dm)) == 1


def test_every_change_is_stored_with_what_it_owes(group: Group) -> None:
    group.start()
    group.services.clock.advance(timedelta(minutes=1))
    for action in (ids.PAUSE, ids.RESUME, ids.EXTEND, ids.NEXT):
        before = _count_rows(group)
        group.click(ALICE, action, step=1)
        eventually(lambda b=before: _count_rows(group) > b and not owed(group))
    assert _count_rows(group) == 5, "the start and four changes, each with its row, all delivered"


def _count_rows(group: Group) -> int:
    with group.services.db.read() as session:
        return len(session.exec(select(OutboxMessage)).all())
