"""Bolt listeners, grouped by kind as in Slack's Bolt templates."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_bolt.response import BoltResponse

from bot.messages import t
from bot.slack.listeners import actions, commands, events, shortcuts, views

log = logging.getLogger(__name__)


def register_listeners(app: App) -> None:
    commands.register(app)
    actions.register(app)
    views.register(app)
    shortcuts.register(app)
    events.register(app)
    app.error(handle_error)


def handle_error(error: Exception, body: dict[str, Any], logger: logging.Logger) -> BoltResponse:
    """Log the trace for us; tell the person, plainly, without one."""
    logger.exception("unhandled error in a listener: %s", error)
    response_url = body.get("response_url") if isinstance(body, dict) else None
    if response_url:
        try:
            from slack_sdk.webhook import WebhookClient

            WebhookClient(response_url).send(text=t("something_went_wrong"), response_type="ephemeral")
        except Exception:  # the apology is best effort
            log.warning("could not tell the user about the error", exc_info=True)
    return BoltResponse(status=500, body="")
