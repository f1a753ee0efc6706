"""A group that requires its charter refuses a start that names someone who has not accepted it, and sends them
the charter as the session would reach them: an async session's people who are off duty get it in their own
working hours, never at night; the same start refused again looks nothing up again.

As in test_charter_and_polish: the circle is saved at 10:00 in Paris, 04:00 in Toronto where Erin works.
"""

from __future__ import annotations

from bot.services.tasks import TaskKind
from bot.slack import ids
from tests.conftest import ALICE, CAROL, DAVE, ERIN, FRANK, Group, eventually
from tests.scenario.test_charter_and_polish import (
    CIRCLE,
    a_circle_where_only_erin_has_not_accepted,
    charters,
    group_modal,
    the_group,
)
from tests.support.settle import settle


def requiring_the_charter(group: Group) -> None:
    a_circle_where_only_erin_has_not_accepted(group)
    view = group_modal(group)
    reply = group.slack.submit(
        ALICE, view["id"], {"name": "Tuesday circle", "members": CIRCLE, "charter_required": ["required"]}
    )
    assert reply.status == 200 and not reply.body, reply
    eventually(lambda: the_group(group).charter_required)


def test_an_async_start_refused_at_night_for_erin_leaves_her_charter_to_her_morning(group: Group) -> None:
    requiring_the_charter(group)
    held = group.services.tasks.pending_due(TaskKind.CHARTER, the_group(group).id)
    assert held is not None, "her charter waits for her morning since the group was saved"
    view = group.open_start_modal(ALICE, "Our first case")
    values = {"facilitator": ALICE, "client": CAROL, "consultants": [DAVE, ERIN, FRANK], ids.START_PACE: "async"}
    body = group.slack.submit(ALICE, view["id"], values).json()
    assert "Erin has not accepted the group's charter" in body["errors"]["consultants"]
    settle(group.services)
    assert charters(group, ERIN) == [], "04:00 in Toronto: no charter at night for an async session"
    assert group.services.tasks.pending_due(TaskKind.CHARTER, the_group(group).id) == held

    # Alice tries again: the same people refused, nothing looked up or sent again.
    looked_up = len(group.standin.calls_to("conversations.history"))
    body = group.slack.submit(ALICE, view["id"], values).json()
    assert "Erin has not accepted" in body["errors"]["consultants"]
    settle(group.services)
    assert len(group.standin.calls_to("conversations.history")) == looked_up
    assert charters(group, ERIN) == []


def test_a_live_start_refused_for_erin_sends_her_the_charter_now(group: Group) -> None:
    requiring_the_charter(group)
    view = group.open_start_modal(ALICE, "Our first case")
    values = {"facilitator": ALICE, "client": CAROL, "consultants": [DAVE, ERIN, FRANK], ids.START_PACE: "live"}
    body = group.slack.submit(ALICE, view["id"], values).json()
    assert "Erin has not accepted" in body["errors"]["consultants"]
    assert len(eventually(lambda: charters(group, ERIN))) == 1, "a live session's people are all there"
