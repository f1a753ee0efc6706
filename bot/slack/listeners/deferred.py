"""Acks first, under load: a command, a click or a shortcut arriving while other requests are in hand is
acknowledged at once with an empty 200, and Bolt gets it once those are answered (bot/acks_first.py).

Bolt answers a command or a click from its listener threads, polling every 10 ms for the listener's `ack()`, and a
listener often has work to do before it acks (`/codev status` reads the sessions it lists). One at a time, that
costs a bare Bolt app as much as codev; twenty at once, codev's work before each ack queued the acks behind it.
So when the request is not alone, its ack comes first: the listener then runs as it always does, and what it would
have said in the ack (a command's answer) goes to the request's response_url, which Slack shows the same way, as a
private message to whoever typed the command. A request alone in the process is handled by Bolt as before.

Only requests whose ack says nothing Slack must have at once are deferred: a modal's submission (its errors, the
next view) and a menu's options are not.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk.webhook import WebhookClient

from bot.slack.context import Services
from bot.slack.publisher import RESPONSE_URL_TIMEOUT

log = logging.getLogger(__name__)

DEFERRABLE_TYPES = frozenset({"block_actions", "shortcut", "message_action"})


def ack_first_when_busy(app: App, services: Services, request: BoltRequest) -> BoltResponse | None:
    """An empty 200 now, and Bolt's turn after the lull, when other requests are in hand; else None (Bolt's)."""
    if not services.acks_first.others_in_hand() or not deferrable(request.body):
        return None
    services.event_executor.submit(_dispatch_after_the_lull, app, services, request)
    return BoltResponse(status=200, body="")


def deferrable(body: dict[str, Any]) -> bool:
    if "command" in body and "type" not in body:
        return not body.get("ssl_check")
    return body.get("type") in DEFERRABLE_TYPES


def _dispatch_after_the_lull(app: App, services: Services, request: BoltRequest) -> None:
    services.acks_first.wait_for_lull()
    response = app.dispatch(request)
    url = request.body.get("response_url")
    if "command" not in request.body or not response.body or not isinstance(url, str) or not url:
        return  # a click's or a shortcut's ack says nothing; its listener answers through response_url itself
    status: int | str
    try:
        sent = WebhookClient(url, timeout=RESPONSE_URL_TIMEOUT).send_dict(_as_message(response.body))
        status = sent.status_code
    except Exception as error:  # the listener's work is done; only its answer is lost, and the log says so
        status = type(error).__name__
    if status != 200:
        log.warning("could not answer %s through its response_url (%s)", request.body.get("command"), status)


def _as_message(body: str) -> dict[str, Any]:
    """What the listener acked with, as a message for the response_url (private, as the ack would have been)."""
    try:
        message = json.loads(body)
    except ValueError:
        message = None
    if not isinstance(message, dict):
        message = {"text": body}
    message.setdefault("response_type", "ephemeral")
    return message
