"""Coaching in the step threads, as a facilitator would give it: privately, kindly, once, and only when right.

Alice facilitates, Bob is the client, Carol, Dave, Erin and Frank consult.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from bot.domain.coaching import Hint
from bot.domain.steps import Step
from bot.sandbox.standin import Answer, Call
from bot.services.events import forget_old_deliveries
from bot.services.hints import HINT_KEY_PREFIX, hint_key, hint_to_give
from bot.slack import ids
from bot.storage.models import Contribution, ProcessedEvent
from tests.conftest import ALICE, BOB, CAROL, DAVE, ERIN, FRANK, Group, eventually
from tests.support.settle import settle

EVERYONE = [ALICE, BOB, CAROL, DAVE, ERIN, FRANK]


def advance_to(group: Group, step: int) -> None:
    while group.current_step() < step:
        current = group.current_step()
        group.click(ALICE, ids.NEXT, step=current)
        eventually(lambda c=current: group.step_message(c + 1))


def hints(group: Group, user_id: str) -> list[dict[str, Any]]:
    return group.standin.ephemerals_for(user_id)


def new_hint(group: Group, user_id: str, before: int) -> dict[str, Any]:
    """The one private note `user_id` gets after having had `before` of them."""
    eventually(lambda: len(hints(group, user_id)) > before)
    settle(group.services)  # and nothing more comes after it
    notes = hints(group, user_id)
    assert len(notes) == before + 1, notes
    return notes[-1]


def contributions(group: Group) -> list[Contribution]:
    with group.services.db.session() as session:
        return list(session.exec(select(Contribution).order_by(col(Contribution.id))).all())


def test_advice_in_clarification_gets_a_private_hint_to_its_author_only(group: Group) -> None:
    group.start()
    advance_to(group, 2)
    group.reply(CAROL, 2, "Wouldn't it help to talk to HR first?")
    hint = new_hint(group, CAROL, 0)
    assert "advice" in hint["text"] and "Consultation" in hint["text"]
    assert hint["thread_ts"] == group.step_message(2)["ts"], "the hint sits in the thread, under what she wrote"
    assert all(hints(group, person) == [] for person in EVERYONE if person != CAROL)
    assert [c.text for c in contributions(group)] == ["Wouldn't it help to talk to HR first?"], "kept, not blocked"


def test_a_neutral_question_brings_nothing_and_two_questions_bring_the_one_at_a_time_hint(group: Group) -> None:
    group.start()
    advance_to(group, 2)
    group.reply(CAROL, 2, "What have you tried so far?")
    group.reply(CAROL, 2, "How long has this been going on? And who else knows?")
    hint = new_hint(group, CAROL, 0)
    assert "one question at a time" in hint["text"].lower()
    assert "advice" not in hint["text"]


def test_neutral_questions_that_only_look_risky_bring_nothing_in_clarification(group: Group) -> None:
    group.start()
    advance_to(group, 2)
    for person, text in (
        (CAROL, "Why didn't they tell you earlier?"),
        (DAVE, "Is it possible to get last year's numbers?"),
        (ERIN, "Tu dois rendre le projet quand ?"),
        (FRANK, "What happens when someone makes a mistake?"),
        (CAROL, "Who decides? Is it you or your manager?"),
        (DAVE, "What did your boss say? I mean, in his words?"),
        (ERIN, "It's not your fault. What happened next?"),
        (FRANK, "You said you should have known earlier — what made you think that?"),
    ):
        group.reply(person, 2, text)
    group.reply(CAROL, 2, "Why don't you ask them for a written mandate?")
    assert "advice" in new_hint(group, CAROL, 0)["text"], "the first hint of all comes for the one proposal"
    assert all(hints(group, person) == [] for person in (DAVE, ERIN, FRANK))


def test_a_french_message_in_clarification_is_read_too(group: Group) -> None:
    group.start()
    advance_to(group, 2)
    group.reply(DAVE, 2, "Qu’as-tu essayé jusqu’ici ?")
    group.reply(DAVE, 2, "Ne serait-il pas plus simple d’en parler à ton manager ?")
    hint = new_hint(group, DAVE, 0)
    assert "advice" in hint["text"]


def test_a_judgment_gets_its_own_hint_in_clarification_and_consultation(group: Group) -> None:
    group.start()
    advance_to(group, 2)
    group.reply(ERIN, 2, "Honestly, you waited too long.")
    assert "judgment" in new_hint(group, ERIN, 0)["text"]
    advance_to(group, 4)
    group.reply(ERIN, 4, "One hypothesis: the deputy needs a mandate in writing.")
    group.reply(ERIN, 4, "C'est nul de ta part de leur avoir promis ça.")
    assert "judgment" in new_hint(group, ERIN, 1)["text"]


def test_consultants_sharing_hypotheses_stories_and_reassurance_in_consultation_are_left_alone(group: Group) -> None:
    group.start()
    advance_to(group, 4)
    group.reply(CAROL, 4, "It's not your fault, these things happen in every reorg.")
    group.reply(DAVE, 4, "In a similar situation I made a big mistake: I waited too long to tell my team.")
    group.reply(ERIN, 4, "Hypothesis: they are overthinking the risks.")
    group.reply(FRANK, 4, "My hypothesis: you took on too much.")
    group.reply(CAROL, 4, "Peut-être que tu as été trop patient avec lui.")
    group.reply(DAVE, 4, "J'ai fait une grosse erreur dans une situation semblable.")
    group.reply(ERIN, 4, "It would be a mistake to blame yourself for their decision.")
    group.reply(FRANK, 4, "Maybe you are too close to the project to see it.")
    group.reply(BOB, 4, "Thanks.")
    new_hint(group, BOB, 0)  # the client answering back: the one hint of the step
    assert all(hints(group, person) == [] for person in (CAROL, DAVE, ERIN, FRANK))
    group.reply(FRANK, 4, "Honestly, you were stupid to accept that deal.")
    assert "judgment" in new_hint(group, FRANK, 0)["text"]


def test_a_consultant_writing_in_presentation_is_reminded_once_that_the_client_speaks(group: Group) -> None:
    group.start()
    group.reply(BOB, 1, "I lead a team of six and go on leave in March.")
    group.reply(DAVE, 1, "Same thing happened to me last year!")
    reminder = new_hint(group, DAVE, 0)
    assert "Presentation" in reminder["text"] and "Clarification" in reminder["text"]
    assert reminder["thread_ts"] == group.step_message(1)["ts"]
    group.reply(DAVE, 1, "Sorry, one more thing: how big is the team?")
    settle(group.services)
    assert len(hints(group, DAVE)) == 1, "a second off-role post in the same step brings no second reminder"
    assert hints(group, BOB) == [], "the client speaks in Presentation"
    assert len([c for c in contributions(group) if c.user_id == DAVE]) == 2, "both posts are kept"


def test_a_consultant_writing_in_contract_is_reminded_that_the_client_states_it(group: Group) -> None:
    group.start()
    advance_to(group, 3)
    group.reply(FRANK, 3, "Sounds like you need ideas for the handover.")
    reminder = new_hint(group, FRANK, 0)
    assert "Contract" in reminder["text"] and "Consultation" in reminder["text"]


def test_the_client_answering_back_in_consultation_is_reminded_once_to_listen(group: Group) -> None:
    group.start()
    advance_to(group, 4)
    group.reply(CAROL, 4, "Have you considered a job rotation? You could also ask HR.")
    group.reply(BOB, 4, "Yes but I already tried that.")
    reminder = new_hint(group, BOB, 0)
    assert "listens" in reminder["text"] and "Synthesis" in reminder["text"]
    group.reply(BOB, 4, "Oui mais ça n'a pas marché non plus.")
    settle(group.services)
    group.reply(DAVE, 4, "In a similar case I named a deputy early.")
    settle(group.services)
    assert len(hints(group, BOB)) == 1
    assert hints(group, CAROL) == [] and hints(group, DAVE) == [], "advice is welcome in Consultation"


def test_the_facilitator_may_speak_anywhere(group: Group) -> None:
    group.start()
    group.reply(ALICE, 1, "Take your time, Bob. Have you tried writing it down?")
    advance_to(group, 2)
    group.reply(ALICE, 2, "Shouldn't we keep questions short? One each? Why not start with Carol?")
    advance_to(group, 3)
    group.reply(ALICE, 3, "Bob, the contract is yours; the rest of us listen.")
    advance_to(group, 4)
    group.reply(ALICE, 4, "That was a mistake, we skipped the time check. Ten minutes left.")
    group.reply(BOB, 4, "Noted.")
    new_hint(group, BOB, 0)
    settle(group.services)
    assert hints(group, ALICE) == []


def test_the_client_answering_in_clarification_and_consultants_in_their_steps_get_nothing(group: Group) -> None:
    group.start()
    advance_to(group, 2)
    group.reply(BOB, 2, "It started in March. Why? The merger. Who knew? Nobody.")
    group.reply(CAROL, 2, "Who decides while you're away?")
    advance_to(group, 4)
    group.reply(DAVE, 4, "What if the real issue is trust? Why not name a deputy?")
    group.reply(BOB, 4, "ok")
    new_hint(group, BOB, 0)
    settle(group.services)
    assert hints(group, CAROL) == [] and hints(group, DAVE) == []


def test_a_reminder_is_given_once_across_processes_and_after_old_claims_are_forgotten(group: Group) -> None:
    group.start()
    services, team_id = group.services, group.standin.team_id
    session_id = services.sessions.get(team_id, 1).id

    def coached_by_a_process(user_id: str, ts: str) -> object:
        return hint_to_give(
            services.db,
            team_id=team_id,
            session_id=session_id,
            step=Step.PRESENTATION,
            role="consultant",
            user_id=user_id,
            ts=ts,
            text="Interesting!",
            now=services.clock.now(),
        )

    # Two processes coach two posts Frank made at the same moment; neither sees the other's post stored yet.
    assert coached_by_a_process(FRANK, "1800000000.000001") is not None
    assert coached_by_a_process(FRANK, "1800000000.000002") is None, "the first process claimed it"

    group.reply(DAVE, 1, "Interesting!")
    new_hint(group, DAVE, 0)
    with services.db.read() as db_session:
        keys = db_session.exec(
            select(ProcessedEvent.event_id).where(col(ProcessedEvent.event_id).startswith(HINT_KEY_PREFIX))
        ).all()
    assert sorted(keys) == [f"hint:{session_id}:1:listen_presentation:{user}" for user in (DAVE, FRANK)]
    # Two days on, the claims are gone with the old event ids; Dave's stored post still tells it was given.
    forget_old_deliveries(services.db, services.clock.now() + timedelta(days=2))
    group.reply(DAVE, 1, "Two days later, still writing here.")
    settle(group.services)
    assert len(hints(group, DAVE)) == 1


def test_a_hint_claim_s_key_fits_its_column_whole_and_ends_with_the_person() -> None:
    keys = {hint_key(10**40, step, hint, "U0" + "X" * 40) for step in Step for hint in Hint}
    assert len(keys) == len(Step) * len(Hint), "no two claims merge"
    assert all(len(key) <= 64 and key.endswith(":U0" + "X" * 40) for key in keys)
    assert hint_key(12, Step.CLARIFICATION, Hint.ADVICE, "U0BOB") == "hint:12:2:advice:U0BOB"
    with pytest.raises(ValueError, match="does not fit"):
        hint_key(12, Step.CLARIFICATION, Hint.ADVICE, "U" * 60)


def test_a_hint_that_cannot_be_shown_privately_comes_by_dm_and_says_where_it_is_from(
    group: Group, monkeypatch: pytest.MonkeyPatch
) -> None:
    group.start()
    advance_to(group, 2)

    def refuse_private_notes(call: Call) -> Answer | None:
        if call.method == "chat.postEphemeral":
            return 200, {}, {"ok": False, "error": "user_not_in_channel"}
        return None

    monkeypatch.setattr(group.standin, "intercept", refuse_private_notes)
    group.reply(CAROL, 2, "Wouldn't it help to talk to HR first?")
    dm = eventually(lambda: group.standin.messages(group.standin.dm_channel(CAROL)))
    settle(group.services)
    (note,) = group.standin.messages(group.standin.dm_channel(CAROL))
    thread = group.step_message(2)["ts"].replace(".", "")
    assert note == dm[0] and "advice" in note["text"]
    assert f"<#{group.channel}>" in note["text"] and f"/p{thread}|this thread>" in note["text"], note["text"]
