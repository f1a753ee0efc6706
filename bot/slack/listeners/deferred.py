"""Acks first, under load: a command, a click or a shortcut arriving while other requests are in hand is
acknowledged at once with an empty 200, and Bolt gets it once those are answered (bot/acks_first.py).

Bolt answers a command or a click from its listener threads, polling every 10 ms for the listener's `ack()`, and a
listener often has work to do before it acks (`/codev status` reads the sessions it lists). One at a time, that
costs a bare Bolt app as much as codev; twenty at once, codev's work before each ack queued the acks behind it.
So when the request is not alone, its ack comes first: the listener then runs as it always does, and what it would
have said in the ack (a command's answer) goes to the request's response_url, which Slack shows the same way, as a
private message to whoever typed the command. A request alone in the process is handled by Bolt as before.

Only requests whose ack says nothing Slack must have at once are deferred: a modal's submission (its errors, the
next view) and a menu's options are not. A deferred request is kept in the inbox (bot/services/events.py) before its
200, as an event is: what someone typed or saved is never acknowledged and then lost; if this
process stops before Bolt had it, the timer leader replays it (`replay`), and its answer still reaches the person
through the response_url, which Slack honours for 30 minutes.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltRequest, BoltResponse
from slack_sdk.webhook import WebhookClient

from bot import metrics
from bot.services.events import first_delivery, processed, start_processing
from bot.slack.context import Services
from bot.slack.listeners.common import REACHED, team_of
from bot.slack.publisher import RESPONSE_URL_TIMEOUT

log = logging.getLogger(__name__)

DEFERRABLE_TYPES = frozenset({"block_actions", "shortcut", "message_action"})


REQUEST_KEY_PREFIX = "request:"  # the inbox's key of a deferred request (events' ids start with "Ev")


def ack_first_when_busy(app: App, services: Services, request: BoltRequest) -> BoltResponse | None:
    """An empty 200 now, once the request is kept, and Bolt's turn after the lull, when other requests are in
    hand; else None (Bolt's). The inbox out of reach: Bolt answers, as it would with nobody else in hand."""
    body = request.body
    if not services.acks_first.others_in_hand() or not deferrable(body):
        return None
    key = request_key()
    team_id = team_of(body)
    try:
        new = first_delivery(services.db, team_id, key, services.clock.now(), json.dumps(body), services.processes.me)
    except Exception:
        log.warning("could not keep a request before acking it: Bolt answers it now", exc_info=True)
        return None
    if new:
        acked_at = time.monotonic()
        try:
            services.deferred_executor.submit(_dispatch_after_the_lull, app, services, request, key, acked_at)
        except RuntimeError:  # shutting down: it is kept, and the next timer leader finishes it
            log.info("a request acked under load is left to the next timer leader (shutting down)")
        metrics.acked_first(body)
    return BoltResponse(status=200, body="")


def deferrable(body: dict[str, Any]) -> bool:
    if "command" in body and "type" not in body:
        return not body.get("ssl_check")
    return body.get("type") in DEFERRABLE_TYPES


def request_key() -> str:
    """The inbox's key for a request kept before its ack: a fresh one (Slack never resends a command or a click,
    so there is no retry to recognise, and two deliveries of the same payload are two requests)."""
    return f"{REQUEST_KEY_PREFIX}{uuid.uuid4().hex}"


def _dispatch_after_the_lull(app: App, services: Services, request: BoltRequest, key: str, acked_at: float) -> None:
    # At most a second after its ack, however many wait: a modal it opens needs its trigger_id (3 s).
    services.acks_first.wait_for_lull(since=acked_at)
    team_id, me = team_of(request.body), services.processes.me
    try:
        if start_processing(services.db, team_id, key, me, services.clock.now()):
            finish(app, services, request, key)
    except Exception:  # still pending: the timer leader replays it if this process stops
        log.exception("could not handle a request acked under load")


def replay(app: App, services: Services, body: dict[str, Any], key: str) -> None:
    """A kept request whose process stopped before Bolt had it: Bolt gets it now (Socket Mode's shape, its
    signature having been checked before it was kept)."""
    finish(app, services, BoltRequest(body=body, mode="socket_mode"), key)


def finish(app: App, services: Services, request: BoltRequest, key: str) -> None:
    """Bolt's turn. The request is done once its listener acks (Bolt would have answered Slack then: what a
    listener does after its ack is after the ack, kept or not), and a command's answer then goes to its
    response_url, from the ack itself: Bolt stops waiting for an ack after 3 s, and a busy listener pool may keep
    one longer."""
    body = request.body
    ack = _AnsweringAck(lambda response: _acked(services, body, key, response))
    request.context["ack"] = ack
    response = app.dispatch(request)
    if ack.answered:
        return
    if not request.context.get(REACHED):
        # Bolt stopped it before codev's middlewares (a workspace it cannot authorize: its answer says so).
        _acked(services, body, key, response)
    elif ack.response is not None:
        # The listener failed before its ack (Bolt's error handler told the person): not to be tried again.
        processed(services.db, team_of(body), key, services.processes.me)
    # Otherwise the listener has not acked yet: its ack finishes the request.


class _AnsweringAck(Ack):
    """The ack of a request Slack has had its 200 for: what the listener acks with is handed on."""

    def __init__(self, on_acked: Callable[[BoltResponse], None]) -> None:
        super().__init__()
        self.on_acked = on_acked
        self.answered = False

    def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:
        response = super().__call__(*args, **kwargs)
        self.answered = True
        try:
            self.on_acked(response)
        except Exception:  # the listener goes on with its work; the request stays kept for a replay
            log.exception("could not finish a request acked under load")
        return response


def _acked(services: Services, body: dict[str, Any], key: str, response: BoltResponse) -> None:
    """Done first (a replay must not run it twice), then a command's answer to its response_url."""
    processed(services.db, team_of(body), key, services.processes.me)
    _forward_answer(body, response)


def _forward_answer(body: dict[str, Any], response: BoltResponse) -> None:
    url = body.get("response_url")
    if "command" not in body or not response.body or not isinstance(url, str) or not url:
        return  # a click's or a shortcut's ack says nothing; its listener answers through response_url itself
    status: int | str
    try:
        sent = WebhookClient(url, timeout=RESPONSE_URL_TIMEOUT).send_dict(_as_message(response.body))
        status = sent.status_code
    except Exception as error:  # the listener's work is done; only its answer is lost, and the log says so
        status = type(error).__name__
    if status != 200:
        log.warning("could not answer %s through its response_url (%s)", body.get("command"), status)


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
