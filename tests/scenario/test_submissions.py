"""Modal submissions: each view acts once however often Slack delivers it, and is answered within 3 seconds
even when Slack is slow to describe the people it names."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from bot.i18n import t
from bot.sandbox.driver import Reply
from bot.slack import ids
from tests.conftest import ALICE, BOB, CAROL, DAVE, ERIN, FRANK, Group, eventually
from tests.support.settle import settle

MEMBERS = [ALICE, BOB, CAROL, DAVE, ERIN, FRANK]
GONE = "U0GONE"  # deactivated (see the standin fixture)
GRACE = "U0GRACE"


def at_once(*submissions: Callable[[], Reply]) -> list[Reply]:
    """Send the submissions at the same instant, each from its own thread, as a double click on Submit does."""
    start = threading.Barrier(len(submissions))
    replies: list[Reply | None] = [None] * len(submissions)

    def send(index: int) -> None:
        start.wait()
        replies[index] = submissions[index]()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(submissions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert all(r is not None for r in replies)
    return [r for r in replies if r is not None]


def dms(group: Group, user_id: str) -> list[str]:
    return [m["text"] for m in group.standin.messages(group.standin.dm_channel(user_id))]


def running(group: Group) -> list[Any]:
    return group.services.sessions.running_in(group.standin.team_id, group.channel)


def timed(submit: Callable[[], Reply]) -> tuple[Reply, float]:
    began = time.monotonic()
    reply = submit()
    return reply, time.monotonic() - began


def open_contract(group: Group) -> dict[str, Any]:
    group.start()
    for step in (1, 2):
        group.click(ALICE, ids.NEXT, step=step)
        eventually(lambda s=step: group.step_message(s + 1))
    group.click(BOB, ids.CONTRACT_OPEN, step=3)
    return group.modal(BOB, ids.CONTRACT_VIEW)


def open_group_modal(group: Group) -> dict[str, Any]:
    group.slack.command(ALICE, "group")
    return group.modal(ALICE, ids.GROUP_VIEW)


# ---- each view acts once ----------------------------------------------------------------------------------
def test_two_submissions_of_the_contract_at_once_post_it_once(group: Group) -> None:
    view = open_contract(group)

    def submit() -> Reply:
        return group.slack.submit(BOB, view["id"], {"need": "A plan for my leave", "expectations": "Stories"})

    replies = at_once(submit, submit)
    assert [(r.status, r.body) for r in replies] == [(200, ""), (200, "")], "both close the modal"
    eventually(lambda: any("A plan for my leave" in str(m.get("blocks")) for m in group.thread(3)))
    settle(group.services)
    assert len(group.thread(3)) == 1, "the contract is posted once"


def test_two_submissions_of_the_start_modal_at_once_start_one_session(group: Group) -> None:
    view = group.open_start_modal(ALICE, "Handing over my team")
    replies = at_once(lambda: group.submit_start(view), lambda: group.submit_start(view))
    assert [(r.status, r.body) for r in replies] == [(200, ""), (200, "")]
    eventually(lambda: group.step_message(1))
    settle(group.services)
    assert len(running(group)) == 1
    assert len([m for m in group.messages() if "Handing over my team" in m["text"]]) == 1, "one root message"
    assert t("error_channel_busy") not in dms(group, ALICE), "the second submission was not a second start"


def test_two_submissions_of_the_group_modal_at_once_save_it_once(group: Group) -> None:
    view = open_group_modal(group)

    def submit() -> Reply:
        return group.slack.submit(ALICE, view["id"], {"name": "Tuesday circle", "members": MEMBERS})

    replies = at_once(submit, submit)
    assert [(r.status, r.body) for r in replies] == [(200, ""), (200, "")]
    eventually(lambda: any("saved with 6 members" in text for text in dms(group, ALICE)))
    settle(group.services)
    assert len([text for text in dms(group, ALICE) if "saved with 6 members" in text]) == 1
    assert len([text for text in dms(group, CAROL) if "charter" in text.lower()]) == 1, "one charter to accept"


def test_a_submission_refused_inline_can_be_corrected_and_then_acts(group: Group) -> None:
    view = open_contract(group)
    refused = group.slack.submit(BOB, view["id"], {"need": "   "})
    assert "need" in refused.json()["errors"], "the modal stays open with the same view"
    accepted = group.slack.submit(BOB, view["id"], {"need": "A plan for my leave"})
    assert accepted.status == 200 and not accepted.body
    eventually(lambda: any("A plan for my leave" in str(m.get("blocks")) for m in group.thread(3)))


def test_a_start_refused_inline_then_corrected_starts_the_session(group: Group) -> None:
    view = group.open_start_modal(ALICE, "Handing over my team")
    assert "consultants" in group.submit_start(view, consultants=[]).json()["errors"]
    reply = group.submit_start(view)
    assert reply.status == 200 and not reply.body
    eventually(lambda: group.step_message(1))
    assert len(running(group)) == 1


# ---- no slow Slack work before the answer -----------------------------------------------------------------
def test_the_start_modal_is_answered_in_time_when_slack_describes_people_slowly(group: Group) -> None:
    view = group.open_start_modal(ALICE, "Handing over my team")
    group.standin.slow_down("users.info", 0.6)  # six people, none cached: 3.6 s one after the other
    reply, elapsed = timed(lambda: group.submit_start(view))
    assert reply.status == 200 and not reply.body, reply
    assert elapsed < 3.0, f"Slack gives up after 3 s; answered in {elapsed:.2f} s"
    eventually(lambda: group.step_message(1))
    settle(group.services)
    assert len(running(group)) == 1
    assert not [text for text in dms(group, ALICE) if "Slack was slow" in text], "everyone checked out fine"


def test_a_participant_checked_after_the_answer_is_reported_to_the_facilitator(group: Group) -> None:
    view = group.open_start_modal(ALICE, "Handing over my team")
    group.standin.slow_down("users.info", 2.5)  # longer than codev waits before it answers
    reply, elapsed = timed(lambda: group.submit_start(view, consultants=[CAROL, DAVE, GONE]))
    assert reply.status == 200 and not reply.body, reply
    assert elapsed < 3.0, f"Slack gives up after 3 s; answered in {elapsed:.2f} s"
    report = eventually(lambda: [text for text in dms(group, ALICE) if "Slack was slow" in text])[0]
    assert f"<@{GONE}> has been deactivated" in report and "Edit session" in report
    assert len(running(group)) == 1, "the session runs as it is; the facilitator can edit it"


def test_the_group_modal_is_answered_in_time_when_slack_describes_people_slowly(group: Group) -> None:
    view = open_group_modal(group)
    group.standin.slow_down("users.info", 0.6)
    reply, elapsed = timed(lambda: group.slack.submit(ALICE, view["id"], {"name": "Tuesday", "members": MEMBERS}))
    assert reply.status == 200 and not reply.body, reply
    assert elapsed < 3.0, f"Slack gives up after 3 s; answered in {elapsed:.2f} s"
    eventually(lambda: group.services.groups.of_channel(group.standin.team_id, group.channel))
    settle(group.services)
    assert len([text for text in dms(group, ALICE) if "saved with 6 members" in text]) == 1


def test_a_new_facilitator_slack_has_not_described_yet_is_asked_again(group: Group) -> None:
    group.start()
    group.standin.add_user(GRACE, "Grace")  # not in the session: Slack has never described her to codev
    group.click(ALICE, ids.HANDOVER, step=1)
    view = group.modal(ALICE, ids.HANDOVER_VIEW)
    group.standin.slow_down("users.info", 2.5)
    reply, elapsed = timed(lambda: group.slack.submit(ALICE, view["id"], {"to": GRACE}))
    assert elapsed < 3.0, f"Slack gives up after 3 s; answered in {elapsed:.2f} s"
    assert "submit again" in reply.json()["errors"]["to"]
    # The profile keeps coming meanwhile; once it is in, the same view goes through.
    eventually(lambda: group.services.people.cached(group.standin.team_id, GRACE))
    reply = group.slack.submit(ALICE, view["id"], {"to": GRACE})
    assert reply.status == 200 and not reply.body, reply
    eventually(lambda: running(group)[0].facilitator_id == GRACE)
