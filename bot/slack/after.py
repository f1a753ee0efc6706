"""Delivering the loop after the session (outbox rows AFTER and EVALUATION): each DM once, the group's
evaluation posted once in the channel, then kept current as answers come."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import Clock
from bot.services.evaluations import AfterDM, Answer, EvaluationService
from bot.services.outbox import OutboxItem, OutboxKind
from bot.services.sessions import SessionSnapshot
from bot.slack import once
from bot.slack.blocks import after as blocks
from bot.slack.publisher import Publisher
from bot.storage.db import Database

log = logging.getLogger(__name__)
AFTER_MESSAGE = "codev_after"
EVALUATION_MESSAGE = "codev_evaluation"
# Slack's answers that mean this person cannot get a DM (gone, a bot…): retrying would not help.
UNREACHABLE = {"user_not_found", "user_disabled", "account_inactive", "cannot_dm_bot", "user_not_visible"}


def deliver(
    client: WebClient, publisher: Publisher, db: Database, clock: Clock, item: OutboxItem, snapshot: SessionSnapshot
) -> str | None:
    evaluations = EvaluationService(db, clock)
    if item.kind is OutboxKind.EVALUATION:
        return _results(client, publisher, evaluations, item)
    user_id = str(item.payload.get("user") or "")
    if item.payload.get("what") == AfterDM.EVALUATION.value:
        evaluation = evaluations.get(snapshot.team_id, int(item.payload.get("evaluation") or 0))
        if evaluation is None or evaluations.check(snapshot.team_id, evaluation.id, user_id) is not Answer.RECORDED:
            return None  # gone, or they left the group (or answered) before their hours came
        message = blocks.evaluation_dm(evaluation)
    else:
        message = blocks.summary_link_dm(snapshot, user_id, permalink(client, snapshot))
    wanted = {"event_type": AFTER_MESSAGE, "event_payload": {"session_id": snapshot.id, "row": item.id}}
    try:
        return once.dm_once(client, user_id, message, wanted, recovering=item.recovering)
    except SlackApiError as error:
        if error.response.get("error") in UNREACHABLE:
            log.info("session %s: %s cannot get a DM (%s)", snapshot.id, user_id, error.response.get("error"))
            return None
        raise


_LINKS: dict[tuple[str, str, str], str] = {}  # (team, channel, ts) -> permalink: asked of Slack once per process


def permalink(client: WebClient, snapshot: SessionSnapshot) -> str | None:
    """The posted summary's link, the same in every participant's DM: asked of Slack once, not once per DM."""
    if not snapshot.summary_ts:
        return None
    key = (snapshot.team_id, snapshot.channel_id, snapshot.summary_ts)
    if key in _LINKS:
        return _LINKS[key]
    try:
        link: str = client.chat_getPermalink(channel=snapshot.channel_id, message_ts=snapshot.summary_ts)["permalink"]
        if len(_LINKS) > 1000:
            _LINKS.clear()
        _LINKS[key] = link
        return link
    except SlackApiError:
        log.info("no permalink for the summary of session %s", snapshot.id, exc_info=True)
        return None


def _results(client: WebClient, publisher: Publisher, evaluations: EvaluationService, item: OutboxItem) -> str | None:
    """The aggregate as it stands now (later rows find it current already): posted once, then updated."""
    evaluation = evaluations.get(item.team_id, int(item.payload.get("evaluation") or 0))
    if evaluation is None:
        return None
    aggregate = evaluations.aggregate(item.team_id, evaluation.id)
    if not aggregate.shown:
        return None
    message = blocks.evaluation_results(evaluation, aggregate)
    if evaluation.results_ts:
        if evaluation.results_count != aggregate.count:
            publisher.update(evaluation.channel_id, evaluation.results_ts, **message)
            evaluations.results_shown(item.team_id, evaluation.id, evaluation.results_ts, aggregate.count)
        return evaluation.results_ts
    wanted = {"event_type": EVALUATION_MESSAGE, "event_payload": {"evaluation": evaluation.id}}
    ts = None
    if item.recovering:
        history = client.conversations_history(channel=evaluation.channel_id, include_all_metadata=True, limit=50)
        ts = once.find_tagged(history["messages"], wanted)
        if ts:  # posted before, maybe with fewer answers
            publisher.update(evaluation.channel_id, ts, **message)
    ts = ts or publisher.post(evaluation.channel_id, metadata=wanted, **message)
    evaluations.results_shown(item.team_id, evaluation.id, ts, aggregate.count)
    return ts
