from __future__ import annotations

from slack_bolt import App

from bot.slack import ids
from bot.slack.listeners.shortcuts.journal import save_to_journal


def register(app: App) -> None:
    app.shortcut(ids.JOURNAL_SHORTCUT)(save_to_journal)
