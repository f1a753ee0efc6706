"""The client's summary DM: post it as it is, or edit it first."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.app import services_of
from bot.domain.session import TransitionError
from bot.messages import t
from bot.services.sessions import NotFound
from bot.slack.blocks.modals import summary_edit_modal
from bot.slack.listeners.common import say_privately, session_id_of, team_of


def _dm_of(body: dict[str, Any]) -> tuple[str | None, str | None]:
    container = body.get("container") or {}
    return container.get("channel_id"), container.get("message_ts")


def post(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    services = services_of(context)
    session_id = session_id_of(body["actions"][0].get("value"))
    try:
        if session_id is None:
            raise NotFound(session_id)
        snapshot = services.sessions.approve_summary(team_of(body), session_id, body["user"]["id"])
    except NotFound:
        say_privately(respond, t("not_found"))
        return
    except TransitionError as refused:
        say_privately(respond, t(refused.reason))
        return
    if not services.publisher.publish_summary(snapshot, *_dm_of(body)):
        say_privately(respond, t("something_went_wrong"))


def edit(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond) -> None:
    ack()
    services = services_of(context)
    session_id = session_id_of(body["actions"][0].get("value"))
    try:
        if session_id is None:
            raise NotFound(session_id)
        snapshot = services.sessions.get(team_of(body), session_id)
    except NotFound:
        say_privately(respond, t("not_found"))
        return
    if body["user"]["id"] != snapshot.client_id:
        say_privately(respond, t("summary_client_only"))
        return
    if snapshot.summary_state != "proposed":
        say_privately(respond, t("summary_already_posted"))
        return
    client.views_open(trigger_id=body["trigger_id"], view=summary_edit_modal(snapshot, *_dm_of(body)))
