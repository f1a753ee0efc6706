from __future__ import annotations

from slack_bolt import App

from bot.slack import ids
from bot.slack.listeners.views import group, recurring, session, start


def register(app: App) -> None:
    app.view(ids.START_VIEW)(start.submit_start)
    app.view(ids.CONTRACT_VIEW)(session.submit_contract)
    app.view(ids.SYNTHESIS_VIEW)(session.submit_synthesis)
    app.view(ids.HANDOVER_VIEW)(session.submit_handover)
    app.view(ids.EDIT_VIEW)(session.submit_edit)
    app.view(ids.SUMMARY_EDIT_VIEW)(session.submit_summary_edit)
    app.view(ids.GROUP_VIEW)(group.submit_group)
    app.view(ids.FOLLOW_UP_VIEW)(recurring.submit_follow_up)
