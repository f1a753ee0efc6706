"""user_change: a profile codev keeps changed in Slack (deactivated, a new zone, a new Slack language)."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext

from bot.slack.context import services_of
from bot.slack.listeners.common import team_of


def on_user_change(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
    """Refresh the cached profile of someone codev knows: a deactivation is seen at once (rotation and nudges skip
    them), a new zone too, and a new Slack language is what codev speaks to them next (unless they chose one).

    Slack sends user_change for everyone in the workspace: strangers are not stored.
    """
    user = event.get("user")
    if not isinstance(user, dict) or not isinstance(user.get("id"), str) or not user["id"]:
        return
    services = services_of(context)
    team_id = team_of(body) or str(user.get("team_id") or "")
    if services.people.refresh(team_id, user) is not None:
        services.languages.forget(team_id, user["id"])
