"""The postpone modal of an action item."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.app import services_of
from bot.messages import t
from bot.services.followups import ActionStatus, Outcome
from bot.slack.blocks.modals import parse_date
from bot.slack.listeners.common import input_values, metadata_of, team_of


def submit_postpone(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    team_id, user_id = team_of(body), body["user"]["id"]
    try:
        due = parse_date(input_values(view).get("due"))
    except ValueError:
        due = None
    if due is None or due < services.clock.now().date():
        ack(response_action="errors", errors={"due": t("error_due_past")})
        return
    action_id = metadata_of(view).get("action")
    outcome = Outcome(ActionStatus.POSTPONED, new_date=due)
    if not isinstance(action_id, int) or not services.followups.record(team_id, user_id, action_id, outcome):
        ack(response_action="errors", errors={"due": t("not_yours")})
        return
    ack()
    services.home.refresh(team_id, user_id)
