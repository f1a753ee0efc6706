"""The debrief and evaluation modals: the facilitator's debrief to their journal, an anonymous answer."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext
from slack_sdk.errors import SlackApiError

from bot.i18n import t
from bot.services.evaluations import DEBRIEF_LIMIT, Answer, EvaluationService, Scores
from bot.services.sessions import NotFound
from bot.slack.after import permalink
from bot.slack.blocks.after import (
    DEBRIEF_QUESTIONS,
    EVALUATION_QUESTIONS,
    debrief_entry,
    evaluation_dm_answered,
    summary_link_dm,
)
from bot.slack.blocks.modals import notice_view
from bot.slack.context import services_of
from bot.slack.listeners.actions.after import REFUSED
from bot.slack.listeners.common import input_values, metadata_of, number_in, session_id_of, team_of
from bot.slack.listeners.views.submission import SubmissionAck

log = logging.getLogger(__name__)


def submit_debrief(ack: SubmissionAck, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    team_id, user_id = team_of(body), body["user"]["id"]
    values, metadata = input_values(view), metadata_of(view)
    answers = {q: " ".join(str(values.get(q) or "").split())[:DEBRIEF_LIMIT] for q in DEBRIEF_QUESTIONS}
    if not any(answers.values()):
        ack(response_action="errors", errors={DEBRIEF_QUESTIONS[0]: t("debrief_empty")})
        return
    session_id = metadata.get("session")
    try:
        snapshot = services.sessions.get(team_id, session_id) if isinstance(session_id, int) else None
    except NotFound:
        snapshot = None
    if snapshot is None:
        ack(response_action="errors", errors={DEBRIEF_QUESTIONS[0]: t("not_found")})
        return
    if user_id != snapshot.facilitator_id:
        ack(response_action="errors", errors={DEBRIEF_QUESTIONS[0]: t("debrief_not_yours")})
        return
    ack.accept()  # before saving: a second submission of this view must not save it again
    EvaluationService(services.db, services.clock).save_debrief(
        team_id, snapshot.id, user_id, debrief_entry(snapshot.topic, answers)
    )
    ack()
    dm_channel, dm_ts = metadata.get("dm_channel"), metadata.get("dm_ts")
    if dm_channel and dm_ts:
        try:
            link = permalink(services.client, snapshot)
            message = summary_link_dm(snapshot, user_id, link, debriefed=True)
            services.client.chat_update(channel=dm_channel, ts=dm_ts, **message)
        except SlackApiError:
            log.info("the debrief DM was not updated", exc_info=True)
    services.home.refresh(team_id, user_id)


def submit_evaluation(ack: SubmissionAck, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    team_id, user_id = team_of(body), body["user"]["id"]
    values, metadata = input_values(view), metadata_of(view)
    scores = {q: number_in(values.get(q), 1, 5) for q in EVALUATION_QUESTIONS}
    missing = [q for q, score in scores.items() if score is None]
    if missing:
        ack(response_action="errors", errors={q: t("evaluation_pick_one") for q in missing})
        return
    evaluations = EvaluationService(services.db, services.clock)
    evaluation_id = session_id_of(metadata.get("evaluation"))
    evaluation = evaluations.get(team_id, evaluation_id) if evaluation_id is not None else None
    if evaluation is None:
        ack(response_action="update", view=notice_view(t("evaluation_title"), t("evaluation_gone")))
        return
    ack.accept()  # before recording: a second submission of this view must not record it again
    answer = evaluations.answer(
        team_id,
        evaluation.id,
        user_id,
        Scores(scores["climate"] or 0, scores["listening"] or 0, scores["method"] or 0, values.get("comment")),
    )
    if answer is not Answer.RECORDED:
        ack(response_action="update", view=notice_view(t("evaluation_title"), t(REFUSED[answer])))
        return
    ack()
    dm_channel, dm_ts = metadata.get("dm_channel"), metadata.get("dm_ts")
    if dm_channel and dm_ts:
        try:
            services.client.chat_update(channel=dm_channel, ts=dm_ts, **evaluation_dm_answered(evaluation))
        except SlackApiError:
            log.info("the evaluation DM was not updated", exc_info=True)
    if evaluation.session_id is not None:
        services.relay.settle(team_id, evaluation.session_id)  # the group's aggregate, once three answered
