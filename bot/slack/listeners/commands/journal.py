"""/codev journal [text | export] and /codev forget-me."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.blocks import ButtonElement, ConfirmObject

from bot.i18n import t
from bot.slack import ids
from bot.slack.blocks.home import latest_entries
from bot.slack.blocks.session import private_note
from bot.slack.context import services_of


def journal(
    ack: Ack, command: dict[str, Any], rest: str, context: BoltContext, client: WebClient, logger: logging.Logger
) -> None:
    services = services_of(context)
    team_id, user_id = command["team_id"], command["user_id"]
    if rest.lower() == "export":
        ack(response_type="ephemeral", text=t("journal_export_title") + "…")
        services.publisher.dm(user_id, text=services.home.export(team_id, user_id))
        return
    if not rest:
        entries, total = services.journal.page(team_id, user_id, size=10)
        names = services.people.cached_name
        ack(response_type="ephemeral", **latest_entries(entries, total, lambda user_id: names(team_id, user_id)))
        return
    services.journal.add(team_id, user_id, rest, origin="command")
    ack(response_type="ephemeral", text=t("journal_added_command"))
    services.home.refresh(team_id, user_id)


def forget_me(
    ack: Ack, command: dict[str, Any], rest: str, context: BoltContext, client: WebClient, logger: logging.Logger
) -> None:
    button = ButtonElement(
        text=t("forget_button"),
        action_id=ids.FORGET_ME,
        value="forget",
        style="danger",
        confirm=ConfirmObject(
            title=t("forget_title"), text=t("forget_text"), confirm=t("forget_button"), deny=t("cancel"), style="danger"
        ),
    )
    ack(
        response_type="ephemeral",
        **private_note(t("forget_confirm") + "\n" + t("forget_confirm_evaluations"), button=button),
    )
