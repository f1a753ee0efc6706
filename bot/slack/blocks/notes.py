"""What the facilitator's changes say in the step's thread: who did what, and when the step ends now.

Each builder returns a `NoteFor`: the service calls it with the session as the change left it, in the
change's own transaction, so the deadline it states is the one the service computed (working time included).
"""

from __future__ import annotations

from bot.domain.session import Status, Timebox
from bot.i18n import reading, t
from bot.services.sessions import Note, NoteFor, SessionSnapshot
from bot.slack.blocks.session import extension_label, slack_date, step_name, time_left_text


def _left(after: SessionSnapshot) -> str:
    """The time a paused step keeps (working time in async sessions)."""
    timebox: Timebox = after.timebox()
    return time_left_text(after, timebox.paused_at or timebox.started_at)


def _note(after: SessionSnapshot, key: str, user_id: str, amount: str = "") -> Note:
    """The step's note: with its new deadline, or with its time left while it is paused (`<key>_paused`)."""
    with reading(after.language):  # the channel's language
        step = step_name(after.step)
        if after.status is Status.PAUSED:
            text = t(f"{key}_paused", user=user_id, step=step, amount=amount, left=_left(after))
        else:
            text = t(key, user=user_id, step=step, amount=amount, deadline=slack_date(after.timebox().deadline))
    return Note(after.step, {"text": text})


def _paused(after: SessionSnapshot, user_id: str) -> Note:
    with reading(after.language):
        return Note(after.step, {"text": t("note_paused", user=user_id, step=step_name(after.step), left=_left(after))})


def paused(user_id: str) -> NoteFor:
    return lambda after: _paused(after, user_id)


def resumed(user_id: str) -> NoteFor:
    return lambda after: _note(after, "note_resumed", user_id)


def extended(user_id: str) -> NoteFor:
    return lambda after: _note(after, "note_extended", user_id, extension_label(after.pace))


def edited(user_id: str) -> NoteFor:
    return lambda after: _note(after, "note_edited", user_id)


def _handed_over(after: SessionSnapshot, user_id: str) -> Note:
    with reading(after.language):
        return Note(after.step, {"text": t("note_handed_over", old=user_id, new=after.facilitator_id)})


def handed_over(user_id: str) -> NoteFor:
    return lambda after: _handed_over(after, user_id)
