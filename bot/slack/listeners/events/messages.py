"""Messages in step threads become contributions; edits and deletions follow them."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext

from bot.domain.coaching import Hint
from bot.domain.session import Status
from bot.domain.steps import Step
from bot.i18n import t
from bot.services.hints import hint_to_give
from bot.services.sessions import ReplyOutcome
from bot.slack.blocks.session import step_name
from bot.slack.context import Services, services_of
from bot.slack.listeners.events.journal import on_direct_message

log = logging.getLogger(__name__)

HINT_TEXTS = {
    Hint.ADVICE: "coach_advice",
    Hint.JUDGMENT: "coach_judgment",
    Hint.ONE_QUESTION: "coach_one_question",
    Hint.LISTEN_PRESENTATION: "coach_listen_presentation",
    Hint.LISTEN_CONTRACT: "coach_listen_contract",
    Hint.CLIENT_LISTENS: "coach_client_listens",
}

# Subtypes that are people writing; everything else (joins, topic changes, bots) is not a contribution.
WRITTEN = {None, "thread_broadcast", "file_share"}


def on_message(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    team_id = body.get("team_id", "")
    subtype = event.get("subtype")
    channel_id = event.get("channel", "")
    if event.get("channel_type") == "im":
        on_direct_message(services, team_id, event)
        return
    if subtype == "message_changed":
        message = event.get("message") or {}
        if _by_a_person(message):
            services.sessions.edit_reply(team_id, channel_id, message.get("ts", ""), message.get("text") or "")
        return
    if subtype == "message_deleted":
        services.sessions.delete_reply(team_id, channel_id, event.get("deleted_ts", ""))
        return
    if subtype not in WRITTEN or not _by_a_person(event):
        return
    thread_ts = event.get("thread_ts")
    if not thread_ts or thread_ts == event.get("ts"):
        return  # top-level messages are not part of a step
    if (event.get("text") or "").startswith("/codev"):
        services.publisher.ephemeral(channel_id, event["user"], t("journal_slash_in_thread"), thread_ts=thread_ts)
        return  # a command that Slack could not run, not a contribution
    outcome = services.sessions.record_reply(
        team_id, channel_id, thread_ts, event["ts"], event["user"], event.get("text") or ""
    )
    if outcome is not None and outcome.new:
        _coach(services, outcome, event)
        if outcome.step is Step.LEARNING:
            services.home.refresh(team_id, event["user"])  # their journal grew


def _by_a_person(message: dict[str, Any]) -> bool:
    return bool(message.get("user")) and not message.get("bot_id") and message.get("subtype") != "bot_message"


def _coach(services: Services, outcome: ReplyOutcome, event: dict[str, Any]) -> None:
    """Gentle, private reminders of the method; nothing is ever deleted."""
    snapshot, step, user_id = outcome.session, outcome.step, event["user"]
    channel_id, thread_ts = event["channel"], event["thread_ts"]
    if outcome.late:
        if snapshot.status is Status.ENDED:
            text = t("late_reply_ended")
        else:
            text = t("late_reply", step=step_name(step), current=step_name(snapshot.step))
        services.publisher.ephemeral(channel_id, user_id, text, thread_ts=thread_ts)
        return
    hint = hint_to_give(
        services.db,
        team_id=snapshot.team_id,
        session_id=snapshot.id,
        step=step,
        role=snapshot.role_of(user_id),
        user_id=user_id,
        ts=event["ts"],
        text=event.get("text") or "",
        now=services.clock.now(),
    )
    if hint is not None:  # an answer to what they just did: at once, in the thread, only to them
        services.publisher.ephemeral(channel_id, user_id, t(HINT_TEXTS[hint]), thread_ts=thread_ts)
