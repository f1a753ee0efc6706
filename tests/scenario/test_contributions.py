"""Replies in step threads: stored once, followed through edits and deletions, coached gently, never lost."""

from __future__ import annotations

from sqlmodel import select

from bot.domain.session import Status
from bot.slack import ids
from bot.storage.models import Contribution, JournalEntry
from tests.conftest import ALICE, BOB, CAROL, DAVE, ERIN, Group, eventually


def contributions(group: Group) -> list[Contribution]:
    with group.services.db.session() as session:
        return list(session.exec(select(Contribution).order_by(Contribution.id)).all())


def advance_to(group: Group, step: int) -> None:
    while group.current_step() < step:
        current = group.current_step()
        group.click(ALICE, ids.NEXT, step=current)
        eventually(lambda c=current: group.step_message(c + 1))


def test_a_reply_is_stored_with_author_step_text_and_ts(group: Group) -> None:
    group.start()
    message = group.reply(BOB, 1, "My team of six, and my leave in March.")
    (stored,) = contributions(group)
    assert (stored.user_id, stored.step, stored.text, stored.ts) == (BOB, 1, message["text"], message["ts"])
    assert stored.team_id == group.standin.team_id and not stored.late


def test_a_retried_event_is_stored_once(group: Group) -> None:
    group.start()
    step1 = group.step_message(1)
    message = group.standin.user_posts(group.channel, BOB, "once", thread_ts=step1["ts"])
    event = {**message, "channel": group.channel, "channel_type": "group", "event_ts": message["ts"]}
    assert group.slack.event(event, event_id="Ev0ONCE").status == 200
    assert group.slack.event(event, event_id="Ev0ONCE", retry_num=1).status == 200
    assert group.slack.event(event, event_id="Ev0OTHERID").status == 200  # same message, another delivery id
    eventually(lambda: group.stored(message["ts"]))
    group.reply(CAROL, 1, "a later reply, handled after the duplicates")
    assert len(contributions(group)) == 2


def test_edits_and_deletions_are_followed(group: Group) -> None:
    group.start()
    message = group.reply(BOB, 1, "first words")
    group.slack.edit(BOB, group.channel, message, "better words")
    eventually(lambda: contributions(group)[0].text == "better words")
    assert contributions(group)[0].edited_at is not None
    group.slack.delete(group.channel, message)
    eventually(lambda: contributions(group)[0].deleted)


def test_bot_messages_and_top_level_chatter_are_ignored(group: Group) -> None:
    group.start()
    step1 = group.step_message(1)
    bot_event = {
        "type": "message",
        "subtype": "bot_message",
        "bot_id": "B0OTHER",
        "text": "beep",
        "ts": group.standin.new_ts(),
        "thread_ts": step1["ts"],
        "channel": group.channel,
    }
    group.slack.event(bot_event)
    group.slack.say(CAROL, group.channel, "hello everyone")  # not in a thread
    group.slack.event(
        {
            "type": "message",
            "subtype": "channel_join",
            "user": DAVE,
            "text": "joined",
            "ts": group.standin.new_ts(),
            "channel": group.channel,
        }
    )
    group.reply(ERIN, 1, "a person's reply, handled after the others")
    assert [c.user_id for c in contributions(group)] == [ERIN]


def test_a_reply_in_a_closed_step_is_kept_late_and_its_author_told(group: Group) -> None:
    group.start()
    advance_to(group, 2)
    group.reply(CAROL, 1, "A late thought on the presentation")
    (stored,) = contributions(group)
    assert stored.late and stored.step == 1
    note = eventually(lambda: group.standin.ephemerals_for(CAROL))[0]
    assert "moved on" in note["text"] and note["thread_ts"] == group.step_message(1)["ts"]


def test_advice_during_clarification_gets_a_private_hint(group: Group) -> None:
    group.start()
    advance_to(group, 2)
    group.reply(CAROL, 2, "Have you tried delegating to your deputy?")
    group.reply(DAVE, 2, "How long have you led this team?")
    hint = eventually(lambda: group.standin.ephemerals_for(CAROL))[0]
    assert "Consultation" in hint["text"]
    assert group.standin.ephemerals_for(DAVE) == []
    assert len(contributions(group)) == 2, "nothing is deleted"


def test_the_client_is_reminded_to_listen_during_consultation(group: Group) -> None:
    group.start()
    advance_to(group, 4)
    group.reply(BOB, 4, "Well actually I already tried that")
    assert "listens" in eventually(lambda: group.standin.ephemerals_for(BOB))[0]["text"]


def test_learning_replies_go_to_the_private_journal(group: Group) -> None:
    group.start()
    advance_to(group, 6)
    group.reply(ERIN, 6, "I will ask more open questions #listening")
    group.reply(BOB, 6, "Delegate earlier. #delegation #Leadership")
    with group.services.db.session() as session:
        entries = session.exec(select(JournalEntry).order_by(JournalEntry.id)).all()
    assert [(e.user_id, e.step, e.tags) for e in entries] == [(ERIN, 6, "listening"), (BOB, 6, "delegation leadership")]
    assert all(e.team_id == group.standin.team_id and e.session_id == 1 for e in entries)


def test_unicode_emoji_and_long_replies_are_kept_whole(group: Group) -> None:
    group.start()
    text = "Équipe 🚀 — ça marche ? " + "x" * 4000
    group.reply(BOB, 1, text)
    assert contributions(group)[0].text == text


def test_the_bot_removed_mid_session_pauses_it_and_tells_the_facilitator(group: Group) -> None:
    group.start()
    group.reply(BOB, 1, "Something worth keeping")
    group.standin.remove_bot_from(group.channel)
    group.click(ALICE, ids.NEXT, step=1)
    eventually(lambda: group.services.sessions.get(group.standin.team_id, 1).status is Status.PAUSED)
    dm = group.standin.dm_channel(ALICE)
    assert "paused" in eventually(lambda: group.standin.messages(dm))[-1]["text"]
    assert contributions(group)[0].text == "Something worth keeping"


def test_a_rate_limited_post_succeeds_on_retry(group: Group) -> None:
    group.start()
    group.standin.fail("chat.postMessage", "ratelimited", retry_after=1)
    reply = group.click(ALICE, ids.NEXT, step=1)
    assert reply.status == 200
    eventually(lambda: group.step_message(2), timeout=15)
    posts = group.standin.calls_to("chat.postMessage")
    assert sum(1 for c in posts if "Step 2/6" in str(c.args.get("text"))) == 2  # the limited try and the retry
    assert len([m for m in group.messages() if "Step 2/6" in m["text"]]) == 1
