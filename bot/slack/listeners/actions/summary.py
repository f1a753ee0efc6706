"""The client's summary DM: post it as it is, or edit it first."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.domain.steps import Step
from bot.i18n import t
from bot.services.sessions import NotFound, SessionSnapshot
from bot.slack.blocks.modals import summary_edit_modal
from bot.slack.context import services_of
from bot.slack.listeners.common import Refusal, explains_refusals, session_id_of, team_of


def _dm_of(body: dict[str, Any]) -> tuple[str | None, str | None]:
    container = body.get("container") or {}
    return container.get("channel_id"), container.get("message_ts")


def _session_id(body: dict[str, Any]) -> int:
    session_id = session_id_of(body["actions"][0].get("value"))
    if session_id is None:
        raise NotFound(session_id)
    return session_id


@explains_refusals
def post(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    services = services_of(context)
    snapshot = services.sessions.approve_summary(team_of(body), _session_id(body), body["user"]["id"])
    # The DM the client clicked in is marked done through the click's response_url (no Web API call).
    if not services.publisher.publish_summary(snapshot, *_dm_of(body), respond=context.respond):
        raise Refusal(t("summary_post_failed"))


@explains_refusals
def edit(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    ack()
    services = services_of(context)
    snapshot: SessionSnapshot = services.sessions.get(team_of(body), _session_id(body))
    if body["user"]["id"] != snapshot.client_id:
        raise Refusal(t("summary_client_only"))
    if snapshot.summary_state != "proposed":
        raise Refusal(t("summary_already_posted"))
    consultation = services.sessions.contributions(snapshot.team_id, snapshot.id, Step.CONSULTATION)
    client.views_open(trigger_id=body["trigger_id"], view=summary_edit_modal(snapshot, consultation, *_dm_of(body)))
