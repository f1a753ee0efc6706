"""The follow-up modal: how an action went, a note, and whether to share it with the group."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext
from slack_sdk.errors import SlackApiError

from bot.i18n import t
from bot.services.followups import NOTE_LIMIT, ActionStatus, Outcome
from bot.slack.blocks.recurring import follow_up_answered, parse_day
from bot.slack.context import services_of
from bot.slack.listeners.common import input_values, metadata_of, team_of
from bot.slack.listeners.views.submission import SubmissionAck

log = logging.getLogger(__name__)


def submit_follow_up(ack: SubmissionAck, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    team_id, user_id = team_of(body), body["user"]["id"]
    values, metadata = input_values(view), metadata_of(view)
    status = next((s for s in ActionStatus if s.value == values.get("status")), ActionStatus.DONE)
    new_date = parse_day(values.get("due"))
    if status is ActionStatus.POSTPONED and (new_date is None or new_date < services.clock.now().date()):
        ack(response_action="errors", errors={"due": t("follow_up_error_date")})
        return
    outcome = Outcome(
        status=status,
        note=" ".join(str(values.get("note") or "").split())[:NOTE_LIMIT],
        shared="share" in (values.get("share") or []),
        new_date=new_date if status is ActionStatus.POSTPONED else None,
    )
    ack.accept()  # before recording: a second submission of this view must not record it again
    action_id = metadata.get("action")
    recorded = services.followups.record(team_id, user_id, action_id, outcome) if isinstance(action_id, int) else None
    if recorded is None:
        ack(response_action="errors", errors={"status": t("follow_up_gone")})
        return
    ack()
    if metadata.get("dm_channel") and metadata.get("dm_ts"):
        try:
            services.client.chat_update(
                channel=metadata["dm_channel"], ts=metadata["dm_ts"], **follow_up_answered(recorded)
            )
        except SlackApiError:
            log.info("follow-up DM not updated", exc_info=True)
    services.home.refresh(team_id, user_id)
