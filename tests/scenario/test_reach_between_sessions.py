"""Nobody is pinged outside their working hours between sessions either: kick-offs, the facilitator's volunteer
deadline, the charter, an async case's summary. Alice, Carol and Frank work in Paris, Dave in Brussels, Bob in
Montreal and Erin in Toronto; no group calendar, so each works 09:00–17:00, Monday to Friday, in their own zone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.domain.session import Status
from bot.domain.steps import Step
from bot.services.tasks import TaskKind
from bot.slack import ids
from tests.conftest import ALICE, BOB, CAROL, DAVE, ERIN, FRANK, Group, eventually
from tests.scenario.test_recurring import EVERY_OTHER_TUESDAY, at, create_group, kickoff_message, pending
from tests.support.settle import settle

PARIS_TEAM = {ALICE, CAROL, FRANK, DAVE}  # Brussels keeps Paris time


def charters(group: Group, user_id: str) -> list[dict[str, Any]]:
    return [m for m in group.standin.messages(group.standin.dm_channel(user_id)) if "Its charter" in m["text"]]


# ---- kick-offs ----------------------------------------------------------------------------------------
def test_a_kick_off_names_who_is_off_duty_and_mentions_who_is_working(group: Group) -> None:
    create_group(group, cadence_first="2026-12-01", **EVERY_OTHER_TUESDAY)
    at(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), group)  # 10:00 in Paris, 04:00 in Montreal
    first = kickoff_message(group)
    assert "@Bob facilitates" in str(first["blocks"])  # Bob's turn, by rotation: written, not notified
    assert f"<@{BOB}>" not in str(first)

    # Bob is away for the next one: whose turn it is then works in Paris, and is mentioned.
    assert "away until" in group.slack.command(BOB, "away 2026-12-20").json()["text"]
    at(datetime(2026, 12, 15, 9, 0, tzinfo=UTC), group)
    second = eventually(lambda: [m for m in group.messages() if "Who brings a challenge" in str(m.get("blocks"))][1])
    (kickoff,) = [k for k in _kickoffs(group) if k.scheduled_for == datetime(2026, 12, 15, 9, 0, tzinfo=UTC)]
    assert kickoff.facilitator_id in PARIS_TEAM
    assert f"<@{kickoff.facilitator_id}> facilitates" in str(second["blocks"])


def _kickoffs(group: Group) -> list[Any]:
    from sqlmodel import select

    from bot.storage.models import Kickoff

    with group.services.db.read() as session:
        return list(session.exec(select(Kickoff)).all())


def test_the_facilitator_is_asked_about_volunteers_in_their_morning(group: Group) -> None:
    create_group(group, cadence_first="2026-12-01", **EVERY_OTHER_TUESDAY)
    at(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), group)
    kickoff_message(group)
    (kickoff,) = _kickoffs(group)
    # The live window ends at 09:15 UTC, 04:15 in Montreal: Bob is asked when his day starts, 09:00 there.
    assert pending(group, TaskKind.VOLUNTEERS, kickoff.id) == [datetime(2026, 12, 1, 14, 0, tzinfo=UTC)]
    dm = group.standin.dm_channel(BOB)
    at(datetime(2026, 12, 1, 9, 15, tzinfo=UTC), group)
    assert not [m for m in group.standin.messages(dm) if "Nobody has volunteered" in m["text"]]
    at(datetime(2026, 12, 1, 14, 0, tzinfo=UTC), group)
    eventually(lambda: [m for m in group.standin.messages(dm) if "Nobody has volunteered" in m["text"]])


# ---- the charter --------------------------------------------------------------------------------------
def test_a_group_saved_at_night_sends_the_charter_in_each_member_s_morning(group: Group) -> None:
    group.services.clock.set(datetime(2026, 11, 25, 22, 30, tzinfo=UTC))  # Wednesday 23:30 in Paris
    create_group(group)
    # Alice, who saved it, is awake: her confirmation (and her own charter) come at once.
    eventually(
        lambda: any(
            "saved with 6 members" in m["text"] for m in group.standin.messages(group.standin.dm_channel(ALICE))
        )
    )
    assert len(charters(group, ALICE)) == 1
    assert all(charters(group, member) == [] for member in (CAROL, FRANK, DAVE, BOB, ERIN))
    saved = group.services.groups.of_channel(group.standin.team_id, group.channel)
    assert pending(group, TaskKind.CHARTER, saved.id) == [datetime(2026, 11, 26, 8, 0, tzinfo=UTC)]

    at(datetime(2026, 11, 26, 8, 0, tzinfo=UTC), group)  # 09:00 in Paris and Brussels
    for member in (CAROL, FRANK, DAVE):
        assert len(charters(group, member)) == 1, member
    assert charters(group, BOB) == [] and charters(group, ERIN) == []  # 03:00 in Montreal and Toronto
    assert pending(group, TaskKind.CHARTER, saved.id) == [datetime(2026, 11, 26, 14, 0, tzinfo=UTC)]

    # The task runs late, at 17:30 in Paris (11:30 in Montreal and Toronto): the Paris members are off duty,
    # but they have the charter already, so nobody is left waiting and the task ends.
    at(datetime(2026, 11, 26, 16, 30, tzinfo=UTC), group)
    for member in (ALICE, CAROL, FRANK, DAVE, BOB, ERIN):
        assert len(charters(group, member)) == 1, member  # once each
    assert pending(group, TaskKind.CHARTER, saved.id) == [], "not re-armed for members who only have to accept"
    # The held charter is the real one: accepting it from there works.
    dm = group.standin.dm_channel(BOB)
    group.slack.click(BOB, ids.CHARTER_ACCEPT, channel_id=dm, message_ts=charters(group, BOB)[0]["ts"])
    eventually(lambda: BOB in group.services.groups.of_channel(group.standin.team_id, group.channel).accepted)


# ---- an async case's summary --------------------------------------------------------------------------
def test_an_async_case_ended_at_night_sends_its_summary_in_the_client_s_morning(group: Group) -> None:
    view = group.open_start_modal()
    group.slack.choose(ALICE, view["id"], ids.START_PACE, "async", {"client": BOB})
    eventually(lambda: "timekeeping" in str(group.standin.views[view["id"]]["blocks"]))
    reply = group.slack.submit(ALICE, view["id"], {"consultants": [CAROL, DAVE, ERIN, FRANK]})
    assert reply.status == 200 and not reply.body, reply
    eventually(lambda: group.step_message(1))
    session_id = group.services.sessions.running_in(group.standin.team_id, group.channel)[0].id

    group.services.clock.set(datetime(2026, 11, 25, 23, 30, tzinfo=UTC))  # 18:30 in Montreal: Bob's day is over
    group.click(ALICE, ids.END, step=int(Step.PRESENTATION))
    eventually(lambda: group.services.sessions.get(group.standin.team_id, session_id).status is Status.ENDED)
    eventually(lambda: ":heavy_minus_sign:" in str(group.root()["blocks"]))  # the channel shows it at once
    settle(group.services)  # the end's delivery is over: only the held summary is left
    dm = group.standin.dm_channel(BOB)

    def summaries() -> list[dict[str, Any]]:
        return [m for m in group.standin.messages(dm) if "summary is ready" in m["text"]]

    group.tick()
    assert summaries() == []
    at(datetime(2026, 11, 26, 13, 59, tzinfo=UTC), group)
    assert summaries() == []
    at(datetime(2026, 11, 26, 14, 0, tzinfo=UTC), group)  # 09:00 in Montreal
    assert len(summaries()) == 1
    group.tick()
    assert len(summaries()) == 1
