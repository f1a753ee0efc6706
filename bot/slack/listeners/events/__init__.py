from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse

from bot.services.events import first_delivery
from bot.slack.context import services_of
from bot.slack.listeners.events.messages import on_message


def register(app: App) -> None:
    app.middleware(skip_repeated_events)
    app.event("message")(on_message)
    app.event("app_home_opened")(on_home_opened)
    app.event("member_left_channel")(on_member_left)
    app.event("member_joined_channel")(on_member_joined)
    app.event("user_change")(on_user_change)
    # Registered last: Bolt runs the first matching listener, and an unhandled event would get a 404,
    # which Slack treats as a failure and retries.
    app.event(re.compile(".*"))(ignore_event)


def skip_repeated_events(body: dict[str, Any], context: BoltContext, next: Callable[[], Any]) -> Any:
    """Answer 200 to a delivery already handled, without handling it again."""
    if body.get("type") == "event_callback" and body.get("event_id"):
        services = services_of(context)
        if not first_delivery(services.db, body.get("team_id", ""), body["event_id"], services.clock.now()):
            return BoltResponse(status=200, body="")
    return next()


def on_home_opened(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
    if event.get("tab", "home") == "home" and event.get("user"):
        services_of(context).home.refresh(body.get("team_id", ""), event["user"])


def on_member_left(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
    """Someone left a channel: skipped in its group's rotation and in its sessions' nudges until they return."""
    if event.get("user") and event.get("channel"):
        services_of(context).groups.left_channel(body.get("team_id", ""), event["channel"], event["user"], left=True)


def on_member_joined(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
    if event.get("user") and event.get("channel"):
        services_of(context).groups.left_channel(body.get("team_id", ""), event["channel"], event["user"], left=False)


def on_user_change(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
    """A profile changed: a deactivation is seen at once (rotation and nudges skip them), a new zone too."""
    user = event.get("user")
    if isinstance(user, dict) and user.get("id"):
        services_of(context).people.remember(body.get("team_id") or user.get("team_id", ""), user)


def ignore_event() -> None:
    """Events codev does not act on are acknowledged and dropped."""
