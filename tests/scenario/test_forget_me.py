"""Forget-me, through signed HTTP: Carol has something in every table codev keeps, clicks "Delete my data",
and nothing of hers remains, while other people's data stays whole and a session she is in goes on."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import col, select

from bot.domain.timers import EventState
from bot.sandbox.circle import Circle
from bot.services.privacy import PLAN, Treatment
from bot.services.tasks import TaskKind
from bot.slack import ids
from bot.storage.models import (
    ActionItem,
    CodevSession,
    Contribution,
    GroupMember,
    HomeState,
    JournalEntry,
    KickoffVolunteer,
    PersonSettings,
    ProcessedEvent,
    ScheduledTask,
    SlackUser,
    TimedEvent,
)
from tests.conftest import ALICE, BOB, CAROL, DAVE, ERIN, FRANK, Group, eventually

MEMBERS = [ALICE, BOB, CAROL, DAVE, ERIN, FRANK]
OTHER = "C0OTHERTEAM"
HER_TOPIC = "My burnout and my manager"


def at(moment: datetime, group: Group) -> None:
    group.services.clock.advance(moment - group.services.clock.now())
    group.tick()


def kickoff_message(group: Group) -> dict[str, Any]:
    return eventually(lambda: [m for m in group.messages() if "Who brings a challenge" in str(m.get("blocks"))])[-1]


def dm(group: Group, user_id: str) -> list[dict[str, Any]]:
    return group.standin.messages(group.standin.dm_channel(user_id))


def rows(group: Group, model: Any, *where: Any) -> list[Any]:
    with group.services.db.session() as session:
        return list(session.exec(select(model).where(*where)).all())


def carol_brings_her_burnout_to_the_kick_off(group: Group) -> int:
    """The group's kick-off: Carol volunteers with her topic, Dave too; Bob picks Carol and the session runs
    to its posted summary, with her contract, synthesis and two actions."""
    group.slack.command(ALICE, "group")
    view = group.modal(ALICE, "group")
    values = {"name": "Tuesday circle", "members": MEMBERS, "cadence": "2", "cadence_time": "10:00"}
    values |= {"cadence_tz": "Europe/Paris", "cadence_first": "2026-12-01"}
    assert not group.slack.submit(ALICE, view["id"], values).body
    eventually(lambda: group.services.groups.of_channel(group.standin.team_id, group.channel))
    at(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), group)
    kickoff_message(group)
    for who, topic in ((CAROL, HER_TOPIC), (DAVE, "Hiring my first report")):
        group.slack.click(who, ids.KICKOFF_VOLUNTEER, channel_id=group.channel, typed={ids.KICKOFF_TOPIC: topic})
        eventually(lambda t=topic: t in str(kickoff_message(group)["blocks"]))
    kickoff_id = rows(group, KickoffVolunteer, KickoffVolunteer.user_id == CAROL)[0].kickoff_id
    group.slack.click(BOB, ids.KICKOFF_PICK, channel_id=group.channel, value=f"{kickoff_id}:{CAROL}")
    eventually(lambda: "picked" in str(kickoff_message(group)["blocks"]))
    group.slack.click(BOB, ids.KICKOFF_START, channel_id=group.channel)
    assert not group.slack.submit(BOB, group.modal(BOB, "start_session")["id"], {}).body
    eventually(lambda: group.step_message(1))
    session_id = group.services.sessions.running_in(group.standin.team_id, group.channel)[0].id

    said = group.reply(CAROL, 1, "I am exhausted and my manager does not see it")
    group.slack.shortcut_on_message(BOB, ids.JOURNAL_SHORTCUT, group.channel, said)  # Bob keeps her words
    eventually(lambda: rows(group, JournalEntry, JournalEntry.quote_author_id == CAROL))
    for step in (1, 2):
        group.click(BOB, ids.NEXT, step=step)
        eventually(lambda s=step: group.step_message(s + 1) and group.current_step() == s + 1)
        if step == 1:
            group.reply(DAVE, 2, "What did you already try?")
    group.click(CAROL, ids.CONTRACT_OPEN, step=3)
    contract = {"need": "A way to say no", "expectations": "Your own stories", "problem": "My yes, not my manager"}
    assert not group.slack.submit(CAROL, group.modal(CAROL, "contract")["id"], contract).body
    eventually(lambda: group.services.sessions.get(group.standin.team_id, session_id).contract_need)
    for step in (3, 4):
        group.click(BOB, ids.NEXT, step=step)
        eventually(lambda s=step: group.step_message(s + 1) and group.current_step() == s + 1)
    group.click(CAROL, ids.SYNTHESIS_OPEN, step=5)
    synthesis = {"keep": "Limits are mine to set", "action_1": "Tell my manager", "due_1": "2026-12-03"}
    synthesis |= {"action_2": "Block my Fridays", "due_2": "2026-12-20", "got": "partly", "got_note": "Not yet how"}
    assert not group.slack.submit(CAROL, group.modal(CAROL, "synthesis")["id"], synthesis).body
    eventually(lambda: len(group.services.sessions.get(group.standin.team_id, session_id).actions) == 2)
    group.click(BOB, ids.NEXT, step=5)
    eventually(lambda: group.step_message(6) and group.current_step() == 6)
    group.click(BOB, ids.NEXT, step=6)
    eventually(lambda: [m for m in dm(group, CAROL) if "Tell my manager" in str(m.get("blocks"))])
    group.slack.click(CAROL, ids.SUMMARY_POST, channel_id=group.standin.dm_channel(CAROL))
    eventually(lambda: group.services.sessions.get(group.standin.team_id, session_id).summary_state == "posted")
    return session_id


def carol_says_how_her_first_action_went(group: Group) -> None:
    at(datetime(2026, 12, 3, 15, 0, tzinfo=UTC), group)  # 16:00 in Paris
    asked = eventually(lambda: [m for m in dm(group, CAROL) if m["text"].startswith("How did")])[0]
    group.slack.click(CAROL, ids.FOLLOW_UP_DONE, channel_id=group.standin.dm_channel(CAROL), message_ts=asked["ts"])
    modal = group.modal(CAROL, ids.FOLLOW_UP_VIEW)
    assert not group.slack.submit(CAROL, modal["id"], {"note": "He listened, I cried", "share": ["share"]}).body
    eventually(lambda: rows(group, ActionItem, ActionItem.outcome_note == "He listened, I cried"))


def a_session_is_running_with_carol_as_consultant(group: Group) -> Circle:
    """In another team's channel: async, with nudges; Carol replied in Presentation, not yet in Clarification."""
    group.standin.add_channel(OTHER, "other-team", is_private=True, members=MEMBERS)
    other = Circle(group.slack, group.standin, group.services)
    other.channel = OTHER
    view = other.open_start_modal(ALICE, "Bob's reorganisation", channel_id=OTHER)
    group.slack.choose(ALICE, view["id"], ids.START_PACE, "async", {"client": BOB})
    eventually(lambda: "timekeeping" in str(group.standin.views[view["id"]]["blocks"]))
    values = {"client": BOB, "consultants": [CAROL, DAVE, ERIN, FRANK], "timekeeping": ["nudges"]}
    assert not group.slack.submit(ALICE, view["id"], values).body
    eventually(lambda: other.step_message(1))
    other.reply(CAROL, 1, "Carol's question in a running session")
    other.click(ALICE, ids.NEXT, step=1)
    eventually(lambda: other.step_message(2) and other.current_step() == 2)
    return other


def pending_nudges(group: Group) -> set[str]:
    """Who has a pending event of their own (a nudge, or a turn message or reminder that stands in for it)."""
    personal = rows(group, TimedEvent, TimedEvent.user_id != "")
    return {e.user_id for e in personal if e.state == EventState.PENDING.value}


def hint_claims(group: Group, user_id: str) -> list[str]:
    """The keys of the coaching hints `user_id` was given ("hint:<session>:<step>:<hint>:<user_id>")."""
    claims = rows(group, ProcessedEvent, col(ProcessedEvent.event_id).startswith("hint:"))
    return [claim.event_id for claim in claims if claim.event_id.endswith(f":{user_id}")]


def test_forget_me_deletes_exactly_the_person_s_hint_claims(group: Group) -> None:
    services, team_id = group.services, group.standin.team_id
    now = services.clock.now()
    keys = {
        (team_id, "hint:7:2:advice:U0_A"): "gone",  # hers (a "_" in an id is a LIKE wildcard: escaped)
        (team_id, "hint:7:4:judgment:U0_A"): "gone",
        (team_id, "hint:7:2:advice:U0XA"): "stays",  # "U0_A" as an unescaped pattern would match it
        (team_id, "hint:7:2:advice:XU0_A"): "stays",  # ends with her id, but it is someone else's
        (team_id, "Ev0U0_A"): "stays",  # a Slack delivery, not a hint
        ("T0OTHER", "hint:7:2:advice:U0_A"): "stays",  # another workspace's person
    }
    with services.db.session() as session:
        for team, key in keys:
            session.add(ProcessedEvent(team_id=team, event_id=key, received_at=now))
    report = services.privacy.forget(team_id, "U0_A")
    assert report.hint_claims == 2
    left = {(claim.team_id, claim.event_id) for claim in rows(group, ProcessedEvent)}
    assert {key for key, fate in keys.items() if fate == "stays"} <= left
    assert not {key for key, fate in keys.items() if fate == "gone"} & left


def test_forget_me_leaves_nothing_of_hers_keeps_others_whole_and_a_running_session_goes_on(group: Group) -> None:
    brought = carol_brings_her_burnout_to_the_kick_off(group)
    carol_says_how_her_first_action_went(group)
    other = a_session_is_running_with_carol_as_consultant(group)
    for who, quiet, away, note in (
        (CAROL, "19:00-08:00", "2027-01-10", "My limits #burnout"),
        (BOB, "20:00-07:00", "2027-02-01", "Bob's own note"),
    ):
        assert group.slack.command(who, f"quiet {quiet}").status == 200
        assert "2027" in group.slack.command(who, f"away {away}").json()["text"]
        assert group.slack.command(who, f"journal {note}").status == 200
    group.slack.open_home(CAROL)
    home = eventually(lambda: group.standin.home_views.get(CAROL))
    group.slack.choose(CAROL, home["id"], ids.HOME_SEARCH, "#burnout")
    eventually(lambda: rows(group, HomeState, HomeState.user_id == CAROL, HomeState.query == "#burnout"))

    # Carol has something in every table that can hold her; so does Bob.
    for model in (JournalEntry, PersonSettings, HomeState, SlackUser, KickoffVolunteer, Contribution):
        assert rows(group, model, model.user_id == CAROL), model.__name__
    assert rows(group, GroupMember, GroupMember.user_id == CAROL, col(GroupMember.away_until).is_not(None))
    assert CAROL in pending_nudges(group)
    # Writing in the other session's Presentation brought her a reminder: its claim ends with her id.
    eventually(lambda: hint_claims(group, CAROL))
    open_follow_ups = rows(
        group, ScheduledTask, ScheduledTask.kind == TaskKind.FOLLOW_UP.value, ScheduledTask.state == "pending"
    )
    assert len(open_follow_ups) == 1  # "Block my Fridays", due on the 20th

    def bobs() -> dict[str, list[Any]]:
        return {
            model.__name__: [r.model_dump() for r in rows(group, model, model.user_id == BOB)]
            for model in (JournalEntry, PersonSettings, GroupMember, Contribution, SlackUser)
        } | {"dave": [r.model_dump() for r in rows(group, Contribution, Contribution.user_id == DAVE)]}

    before = bobs()
    before["JournalEntry"] = [e for e in before["JournalEntry"] if e["quote_author_id"] != CAROL]

    # She asks, is shown what goes and what stays, and confirms.
    offer = group.slack.command(CAROL, "forget-me").json()
    assert "What stays" in offer["text"] and "remain a member" in offer["text"]
    group.slack.post_payload(
        group.slack.click_payload(
            CAROL, ids.FORGET_ME, channel_id=group.standin.dm_channel(CAROL), message_ts="1.0", value="forget"
        )
    )
    done = eventually(lambda: [r["text"] for r in group.standin.responses if r.get("text", "").startswith("Done.")])
    assert "1 kick-off topics" in done[0] and "1 sessions you brought" in done[0] and "2 actions" in done[0]

    # Nothing of hers remains.
    for table, plan in PLAN.items():
        if plan.treatment is Treatment.DELETE:
            model = next(
                m
                for m in (JournalEntry, PersonSettings, HomeState, SlackUser, KickoffVolunteer)
                if m.__tablename__ == table
            )
            assert rows(group, model, model.user_id == CAROL) == [], table
    assert {c.text for c in rows(group, Contribution, Contribution.user_id == CAROL)} == {"[deleted]"}
    (quote,) = rows(group, JournalEntry, JournalEntry.quote_author_id == CAROL)
    assert (quote.user_id, quote.text) == (BOB, "[deleted]")
    session = rows(group, CodevSession, CodevSession.id == brought)[0]
    assert {
        session.topic,
        session.contract_problem,
        session.contract_need,
        session.contract_expectations,
        session.synthesis_keep,
        session.synthesis_got_note,
        session.summary_text,
    } == {"[deleted]"}
    assert [
        (a.text, a.outcome_note, a.outcome_shared) for a in rows(group, ActionItem, ActionItem.owner_id == CAROL)
    ] == [("[deleted]", None, False)] * 2
    assert hint_claims(group, CAROL) == [], "the coaching hints she was given are forgotten too"
    assert rows(group, ScheduledTask, ScheduledTask.id == open_follow_ups[0].id)[0].state == EventState.CANCELLED.value
    assert CAROL not in pending_nudges(group) and {DAVE, ERIN, FRANK} <= pending_nudges(group)
    # The kick-off call no longer shows her topic; Dave's stays, with the link to the session.
    called = eventually(lambda: HER_TOPIC not in str(kickoff_message(group)["blocks"]) and kickoff_message(group))
    assert "Hiring my first report" in str(called["blocks"]) and "https://" in str(called["blocks"])
    # She remains a member, without her time away; past sessions name her.
    (membership,) = rows(group, GroupMember, GroupMember.user_id == CAROL)
    assert membership.away_until is None
    assert (session.client_id, session.facilitator_id) == (CAROL, BOB)

    # Other people's data is whole.
    after = bobs()
    after["JournalEntry"] = [e for e in after["JournalEntry"] if e["quote_author_id"] != CAROL]
    assert after == before

    # The running session goes on, with her in it.
    other.click(ALICE, ids.NEXT, step=2)
    eventually(lambda: other.step_message(3))
    other.reply(DAVE, 3, "Dave goes on")
    posted = other.reply(CAROL, 3, "Carol goes on too")
    stored = other.stored(posted["ts"])
    assert stored is not None and stored.text == "Carol goes on too"
