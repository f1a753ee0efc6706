"""/codev nudges on|off and /codev quiet HH:MM-HH:MM: a person's own timekeeping preferences."""

from __future__ import annotations

import logging
import re
from datetime import time
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.domain.calendar import QuietHours
from bot.i18n import t
from bot.slack.context import services_of

QUIET = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})(?:\s+(weekdays|weekends))?$", re.IGNORECASE)


def nudges(
    ack: Ack, command: dict[str, Any], rest: str, context: BoltContext, client: WebClient, logger: logging.Logger
) -> None:
    choice = rest.lower()
    if choice not in ("on", "off"):
        ack(response_type="ephemeral", text=t("nudges_usage"))
        return
    services_of(context).sessions.timers.set_person(command["team_id"], command["user_id"], nudges_off=choice == "off")
    ack(response_type="ephemeral", text=t("nudges_" + choice))


def quiet(
    ack: Ack, command: dict[str, Any], rest: str, context: BoltContext, client: WebClient, logger: logging.Logger
) -> None:
    match = QUIET.match(rest.strip())
    hours = _parse(match) if match else None
    if hours is None:
        ack(response_type="ephemeral", text=t("quiet_usage"))
        return
    services_of(context).sessions.timers.set_person(command["team_id"], command["user_id"], quiet=hours)
    ack(
        response_type="ephemeral",
        text=t(
            "quiet_set_weekends" if hours.weekends else "quiet_set",
            start=hours.start.strftime("%H:%M"),
            end=hours.end.strftime("%H:%M"),
        ),
    )


def _parse(match: re.Match[str]) -> QuietHours | None:
    h1, m1, h2, m2 = (int(g) for g in match.groups()[:4])
    if not (h1 < 24 and h2 < 24 and m1 < 60 and m2 < 60):
        return None
    return QuietHours(time(h1, m1), time(h2, m2), weekends=(match.group(5) or "").lower() != "weekdays")
