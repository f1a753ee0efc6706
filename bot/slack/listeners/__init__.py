"""Bolt listeners, grouped by kind as in Slack's Bolt templates."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext
from slack_bolt.response import BoltResponse

from bot.i18n import t
from bot.slack.listeners import actions, commands, events, shortcuts, views

log = logging.getLogger(__name__)


def register_listeners(app: App) -> None:
    app.middleware(answer_only_where_slack_listens)
    # Bolt tries listeners in this order, each through its matchers, before it acks: the events (a DM's journal
    # entry, the most frequent request under load) come right after the one command, not after some fifty
    # actions and views.
    commands.register(app)
    events.register(app)
    actions.register(app)
    views.register(app)
    shortcuts.register(app)
    app.error(handle_error)


def answer_only_where_slack_listens(context: BoltContext, next: Callable[[], Any]) -> Any:
    """A request without a response_url (a click in Home or in a modal) has nowhere for a private answer.

    Slack gives one to every click on a message; a button of a message clicked elsewhere is no click Slack
    sends, and what a listener would answer to it is dropped with one line, instead of failing.
    """
    if context.response_url is None:
        context["respond"] = _nowhere_to_answer
    return next()


def _nowhere_to_answer(*_args: Any, **_kwargs: Any) -> None:
    log.info("a request without a response_url was not answered privately")


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
