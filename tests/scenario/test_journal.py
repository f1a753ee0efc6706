"""The private learning journal: by DM, by command, by shortcut; exported; forgotten on request."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.slack import ids
from bot.storage.models import Contribution, JournalEntry
from tests.conftest import ALICE, BOB, CAROL, Group, eventually


def entries(group: Group, user_id: str | None = None) -> list[JournalEntry]:
    with group.services.db.session() as session:
        query = select(JournalEntry).order_by(JournalEntry.id)
        if user_id:
            query = query.where(JournalEntry.user_id == user_id)
        return list(session.exec(query).all())


def dm_of(group: Group, user_id: str) -> str:
    return group.standin.dm_channel(user_id)


def write(group: Group, user_id: str, text: str) -> dict:
    """The person writes to codev in its Messages tab."""
    return group.slack.say(user_id, dm_of(group, user_id), text)


def bot_says(group: Group, user_id: str) -> list[dict]:
    return [m for m in group.standin.messages(dm_of(group, user_id)) if m["user"] == "U0CODEVBOT"]


def test_a_direct_message_becomes_a_private_entry_with_undo(group: Group) -> None:
    message = write(group, CAROL, "Silence after a question is a gift. #listening #Questions")
    entry = eventually(lambda: entries(group, CAROL))[0]
    assert entry.text == message["text"] and entry.tags == "listening questions" and entry.origin == "dm"
    confirmation = eventually(lambda: bot_says(group, CAROL))[-1]
    assert "private journal" in confirmation["text"] and "#listening" in confirmation["text"]
    assert "begin with a dash" in str(confirmation["blocks"])
    group.slack.click(CAROL, ids.JOURNAL_UNDO, channel_id=dm_of(group, CAROL))
    eventually(lambda: entries(group, CAROL) == [])


def test_editing_or_deleting_the_dm_edits_or_deletes_the_entry(group: Group) -> None:
    message = write(group, CAROL, "first thought")
    eventually(lambda: entries(group, CAROL))
    group.slack.edit(CAROL, dm_of(group, CAROL), message, "second thought #better")
    eventually(lambda: entries(group, CAROL)[0].text == "second thought #better")
    assert entries(group, CAROL)[0].tags == "better"
    group.slack.delete(dm_of(group, CAROL), message)
    eventually(lambda: entries(group, CAROL) == [])
    eventually(lambda: "Removed from your journal" in bot_says(group, CAROL)[-1]["text"])


def test_command_words_and_how_to_write_an_entry_starting_with_one(group: Group) -> None:
    write(group, CAROL, "help")
    assert "private learning journal" in eventually(lambda: bot_says(group, CAROL))[-1]["text"]
    write(group, CAROL, "- list of things to try next week")
    eventually(lambda: entries(group, CAROL))
    assert entries(group, CAROL)[0].text == "list of things to try next week"
    write(group, CAROL, "list")
    eventually(lambda: "latest entries" in bot_says(group, CAROL)[-1]["text"])


def test_files_bots_and_thread_replies_are_handled_politely(group: Group) -> None:
    dm = dm_of(group, CAROL)
    group.slack.event(
        {
            "type": "message",
            "subtype": "file_share",
            "user": CAROL,
            "text": "",
            "ts": "5.000001",
            "channel": dm,
            "channel_type": "im",
            "files": [{"id": "F1", "name": "photo.png"}],
        }
    )
    eventually(lambda: "Files without text" in bot_says(group, CAROL)[-1]["text"])
    group.slack.event(
        {
            "type": "message",
            "subtype": "bot_message",
            "bot_id": "B0X",
            "text": "beep",
            "ts": "5.000002",
            "channel": dm,
            "channel_type": "im",
        }
    )
    nudge = group.services.client.chat_postMessage(channel=dm, text="A nudge")
    group.slack.say(CAROL, dm, "thanks, on it", thread_ts=nudge["ts"])
    group.slack.say(CAROL, dm, "/codev journal from a thread", thread_ts=nudge["ts"])
    eventually(lambda: any("do not work inside threads" in m["text"] for m in group.standin.thread(dm, nudge["ts"])))
    write(group, CAROL, "a real entry, handled after the others")
    eventually(lambda: [e.text for e in entries(group, CAROL)] == ["a real entry, handled after the others"])


def test_codev_journal_adds_and_lists_privately(group: Group) -> None:
    body = group.slack.command(CAROL, "journal Ask one question at a time #questions").json()
    assert body["response_type"] == "ephemeral" and "private journal" in body["text"]
    assert entries(group, CAROL)[0].origin == "command"
    listing = group.slack.command(CAROL, "journal").json()
    assert "Ask one question at a time" in listing["text"] and listing["response_type"] == "ephemeral"
    assert "empty" in group.slack.command(ALICE, "journal").json()["text"]


def test_unicode_emoji_and_a_4000_character_entry_are_kept_whole(group: Group) -> None:
    text = "Ça me parle 🚀✨ — écoute active. " + "é" * 4000
    write(group, CAROL, text)
    assert eventually(lambda: entries(group, CAROL))[0].text == text


def test_the_shortcut_saves_someone_elses_message_as_a_quote(group: Group) -> None:
    said = group.standin.user_posts(group.channel, BOB, "Delegating is trusting, not abandoning.")
    reply = group.slack.shortcut_on_message(CAROL, ids.JOURNAL_SHORTCUT, group.channel, said)
    assert reply.status == 200
    entry = eventually(lambda: [e for e in entries(group, CAROL) if e.permalink])[0]  # the link follows the entry
    assert (entry.quote_author_id, entry.origin) == (BOB, "shortcut")
    assert entry.permalink and entry.permalink.startswith("https://")
    assert entry.permalink.endswith(f"/archives/{group.channel}/p{said['ts'].replace('.', '')}")
    assert not group.standin.calls_to("chat.getPermalink"), "written from the workspace's URL, not asked of Slack"
    eventually(lambda: any("Saved to your journal" in r.get("text", "") for r in group.standin.responses))


def test_export_uploads_markdown_grouped_by_session_newest_first(group: Group) -> None:
    group.start("Handing over my team")
    for step in range(1, 6):
        group.click(ALICE, ids.NEXT, step=step)
        eventually(lambda s=step: group.step_message(s + 1))
    group.reply(CAROL, 6, "From the session: ask before advising #questions")
    group.slack.command(CAROL, "journal A loose note")
    group.services.clock.advance(timedelta(minutes=5))
    group.slack.command(CAROL, "journal A newer loose note")
    group.slack.command(CAROL, "journal export")
    # Shared in the DM once the upload completes (the stand-in fills the content first, like Slack).
    uploaded = eventually(lambda: [f for f in group.standin.files.values() if f["content"] and f["shared_in"]])[0]
    markdown = uploaded["content"].decode()
    assert uploaded["shared_in"] == dm_of(group, CAROL)
    assert markdown.index("## Handing over my team") < markdown.index("## Notes")
    assert markdown.index("A newer loose note") < markdown.index("A loose note")
    assert "Learning" in markdown and "#questions" in markdown


def test_forget_me_deletes_my_data_after_a_confirmation(group: Group) -> None:
    group.start()
    group.reply(CAROL, 1, "A contribution of mine")
    write(group, CAROL, "private note")
    eventually(lambda: entries(group, CAROL))
    body = group.slack.command(CAROL, "forget-me").json()
    button = body["blocks"][1]["elements"][0]
    assert button["action_id"] == ids.FORGET_ME and "confirm" in button
    assert "cannot delete the messages you wrote in Slack" in body["text"]
    payload = group.slack.click_payload(
        CAROL, ids.FORGET_ME, channel_id=group.channel, message_ts="1.0", value="forget"
    )
    group.slack.post_payload(payload)
    eventually(lambda: entries(group, CAROL) == [])
    with group.services.db.session() as session:
        texts = [c.text for c in session.exec(select(Contribution).where(Contribution.user_id == CAROL)).all()]
    assert texts == ["[deleted]"]
    eventually(lambda: any("untouched" in r.get("text", "") for r in group.standin.responses))
