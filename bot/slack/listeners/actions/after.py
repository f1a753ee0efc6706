"""Buttons of the DMs after a session: the facilitator's debrief, and the group's evaluation."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.i18n import t
from bot.services.evaluations import Answer, EvaluationService
from bot.services.sessions import NotFound
from bot.slack.blocks.after import debrief_modal, evaluation_modal
from bot.slack.context import services_of
from bot.slack.listeners.common import Refusal, clicked_value, explains_refusals, session_id_of, team_of

REFUSED = {
    Answer.ALREADY: "evaluation_already",
    Answer.NOT_MEMBER: "evaluation_not_member",
    Answer.GONE: "evaluation_gone",
}


def _dm_of(body: dict[str, Any]) -> tuple[str | None, str | None]:
    container = body.get("container") or {}
    return container.get("channel_id"), container.get("message_ts")


@explains_refusals
def open_debrief(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """The facilitator's "Write my debrief": a modal whose answers go to their own journal."""
    ack()
    services, team_id, user_id = services_of(context), team_of(body), body["user"]["id"]
    session_id = session_id_of(clicked_value(body))
    if session_id is None:
        raise NotFound(session_id)
    snapshot = services.sessions.get(team_id, session_id)
    if user_id != snapshot.facilitator_id:
        raise Refusal(t("debrief_not_yours"))
    again = EvaluationService(services.db, services.clock).has_debrief(team_id, session_id, user_id)
    dm_channel, dm_ts = _dm_of(body)
    client.views_open(
        trigger_id=body["trigger_id"], view=debrief_modal(snapshot, again=again, dm_channel=dm_channel, dm_ts=dm_ts)
    )


@explains_refusals
def open_evaluation(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """ "Evaluate the group": the anonymous modal, unless this person answered already (or is not a member)."""
    ack()
    services, team_id, user_id = services_of(context), team_of(body), body["user"]["id"]
    evaluations = EvaluationService(services.db, services.clock)
    evaluation_id = session_id_of(clicked_value(body))
    evaluation = evaluations.get(team_id, evaluation_id) if evaluation_id is not None else None
    if evaluation is None:
        raise Refusal(t("evaluation_gone"))
    may = evaluations.check(team_id, evaluation.id, user_id)
    if may is not Answer.RECORDED:
        raise Refusal(t(REFUSED[may]))
    dm_channel, dm_ts = _dm_of(body)
    client.views_open(
        trigger_id=body["trigger_id"], view=evaluation_modal(evaluation, dm_channel=dm_channel, dm_ts=dm_ts)
    )
