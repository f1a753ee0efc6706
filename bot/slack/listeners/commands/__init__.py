from __future__ import annotations

from slack_bolt import App

from bot.slack.listeners.commands.codev import handle_codev


def register(app: App) -> None:
    app.command("/codev")(handle_codev)
