from __future__ import annotations

from collections.abc import Callable

from slack_bolt import App

from bot.slack import ids
from bot.slack.blocks import after as after_blocks
from bot.slack.listeners.views import after, group, recurring, session, start
from bot.slack.listeners.views.submission import once_per_view

# Every modal submission acts once per view, however often Slack delivers it (views/submission.py).
SUBMISSIONS: dict[str, Callable[..., None]] = {
    ids.START_VIEW: start.submit_start,
    ids.CONTRACT_VIEW: session.submit_contract,
    ids.SYNTHESIS_VIEW: session.submit_synthesis,
    ids.HANDOVER_VIEW: session.submit_handover,
    ids.EDIT_VIEW: session.submit_edit,
    ids.SUMMARY_EDIT_VIEW: session.submit_summary_edit,
    ids.GROUP_VIEW: group.submit_group,
    ids.FOLLOW_UP_VIEW: recurring.submit_follow_up,
    after_blocks.DEBRIEF_VIEW: after.submit_debrief,
    after_blocks.EVALUATION_VIEW: after.submit_evaluation,
}


def register(app: App) -> None:
    for callback_id, listener in SUBMISSIONS.items():
        app.view(callback_id)(once_per_view(listener))
    # The group modal's members dispatch their changes: the size check shows or goes as they are chosen.
    app.action({"action_id": "members", "block_id": "members"})(group.members_changed)
