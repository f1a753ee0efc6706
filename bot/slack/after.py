"""Delivering the loop after the session (outbox rows AFTER and EVALUATION): each DM once, the group's
evaluation posted once in the channel, then refreshed at the thresholds of answers that owed it.

A DM is "aside": refused by Slack, it waits out its backoff alone and never holds the session's other rows
(others' DMs, the results) back. A DM Slack will never take (a permanent refusal, or still refused after
MAX_DM_ATTEMPTS tries) is given up: logged, and its row dropped.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import Clock
from bot.i18n import reading
from bot.services.evaluations import AfterDM, Answer, EvaluationService, EvaluationView, aggregate_of
from bot.services.outbox import OutboxItem, OutboxKind
from bot.services.sessions import SessionSnapshot
from bot.slack import links, once
from bot.slack.blocks import after as blocks
from bot.slack.publisher import Publisher
from bot.storage.db import Database

log = logging.getLogger(__name__)
AFTER_MESSAGE = "codev_after"
EVALUATION_MESSAGE = "codev_evaluation"
# Slack's answers that mean this person cannot get a DM (gone, a bot…): retrying would not help.
UNREACHABLE = {"user_not_found", "user_disabled", "account_inactive", "cannot_dm_bot", "user_not_visible"}
# Slack's answers that will be the same at every try (the app's scopes, the workspace's rules, the message):
# the DM is given up at once. Anything else (5xx, lost connections, a bug) is retried MAX_DM_ATTEMPTS times.
PERMANENT = {
    "restricted_action",
    "missing_scope",
    "not_allowed_token_type",
    "no_permission",
    "access_denied",
    "ekm_access_denied",
    "team_access_not_granted",
    "messages_tab_disabled",
    "channel_not_found",
    "is_archived",
    "invalid_blocks",
    "invalid_blocks_format",
    "invalid_metadata_format",
    "invalid_metadata_schema",
    "metadata_too_large",
    "msg_too_long",
    "too_many_attachments",
    "invalid_arguments",
    "method_deprecated",
}
MAX_DM_ATTEMPTS = 12  # backoff 5 s, 10 s … 10 min: about 50 minutes of tries
HISTORY_PAGES = 20  # pages of 200 messages looked through for results posted before their ts was recorded


class GiveUp(Exception):
    """This DM will never reach its person: the relay drops its row (and goes on with the others)."""


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
        with reading(publisher.languages.person(snapshot.team_id, user_id)):
            message = blocks.evaluation_dm(evaluation)
    else:
        link = permalink(client, snapshot)
        with reading(publisher.languages.person(snapshot.team_id, user_id)):
            message = blocks.summary_link_dm(snapshot, user_id, link)
    wanted = {"event_type": AFTER_MESSAGE, "event_payload": {"session_id": snapshot.id, "row": item.id}}
    try:
        return once.dm_once(client, user_id, message, wanted, recovering=item.recovering)
    except SlackApiError as error:
        code = str(error.response.get("error") or "")
        if code in UNREACHABLE:
            log.info("session %s: %s cannot get a DM (%s)", snapshot.id, user_id, code)
            return None
        _give_up_if_hopeless(item, code or f"http_{error.response.status_code}", permanent=code in PERMANENT)
        raise
    except Exception as error:  # lost connections, a bug: retried, but not forever
        _give_up_if_hopeless(item, type(error).__name__, permanent=False)
        raise


def _give_up_if_hopeless(item: OutboxItem, code: str, *, permanent: bool) -> None:
    """Raise GiveUp when this DM cannot be delivered: Slack says it never will, or this was the last try.

    Giving up never delivers twice: the row is dropped, and a try that may have reached Slack was looked for
    (recovering) before it was made again."""
    tries = item.attempts + 1
    if permanent or tries >= MAX_DM_ATTEMPTS:
        log.warning(
            "session %s: giving up the after-session DM of outbox row %s after %s tries (%s%s)",
            item.session_id,
            item.id,
            tries,
            code,
            ", which Slack will answer every time" if permanent else "",
        )
        raise GiveUp(code)


def permalink(client: WebClient, snapshot: SessionSnapshot) -> str | None:
    """The posted summary's link (a reply in the root's thread), the same in every participant's DM: written from
    the workspace's URL, not asked of Slack once per DM."""
    if not snapshot.summary_ts:
        return None
    try:
        return links.permalink(
            client, snapshot.team_id, snapshot.channel_id, snapshot.summary_ts, thread_ts=snapshot.root_ts
        )
    except (SlackApiError, OSError):  # the DM says where the summary is instead
        log.info("no permalink for the summary of session %s", snapshot.id, exc_info=True)
        return None


def _results(client: WebClient, publisher: Publisher, evaluations: EvaluationService, item: OutboxItem) -> str | None:
    """The aggregate as it stood at the threshold that owed this row: posted once (its ts recorded), then that
    message updated. A row whose threshold the channel shows already (or more) changes nothing."""
    evaluation = evaluations.get(item.team_id, int(item.payload.get("evaluation") or 0))
    if evaluation is None:
        return None
    # Rows written before thresholds carry no aggregate: the one of now.
    aggregate = aggregate_of(item.payload.get("shown")) or evaluations.aggregate(item.team_id, evaluation.id)
    if not aggregate.shown:
        return None
    if evaluation.results_ts and aggregate.count <= evaluation.results_count:
        return evaluation.results_ts
    with reading(publisher.languages.group(item.team_id, evaluation.channel_id)):  # the channel reads it
        message = blocks.evaluation_results(evaluation, aggregate)
    wanted = {"event_type": EVALUATION_MESSAGE, "event_payload": {"evaluation": evaluation.id}}
    ts = evaluation.results_ts
    if ts is None and item.recovering:
        ts = _posted_before(client, evaluation, wanted)  # posted, and its ts not recorded before a crash
    if ts:
        publisher.update(evaluation.channel_id, ts, **message)
    else:
        ts = publisher.post(evaluation.channel_id, metadata=wanted, **message)
    evaluations.results_shown(item.team_id, evaluation.id, ts, aggregate.count)
    return ts


def _posted_before(client: WebClient, evaluation: EvaluationView, wanted: dict[str, Any]) -> str | None:
    """The results message, looked for among every message of the channel since the evaluation opened (not only
    the last few: a busy channel would hide it and the results would come twice)."""
    cursor = ""
    oldest = f"{evaluation.created_at.timestamp():.6f}"
    for _ in range(HISTORY_PAGES):
        page = client.conversations_history(
            channel=evaluation.channel_id, include_all_metadata=True, limit=200, oldest=oldest, cursor=cursor or None
        )
        found = once.find_tagged(page["messages"], wanted)
        if found:
            return found
        cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
        if not cursor:
            return None
    log.warning("evaluation %s: its results were not found in %s pages of history", evaluation.id, HISTORY_PAGES)
    return None
