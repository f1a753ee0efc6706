"""/codev language [fr|en|auto]: the language codev speaks to a person, their choice or their Slack language's."""

from __future__ import annotations

import logging
import unicodedata
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.i18n import AUTO, babel_locale, language_name, languages, reading, supported, t
from bot.slack.context import Services, services_of

AUTO_WORDS = ("auto", "automatic", "automatique", "slack")


def language(
    ack: Ack, command: dict[str, Any], rest: str, context: BoltContext, client: WebClient, logger: logging.Logger
) -> None:
    services = services_of(context)
    team_id, user_id = command["team_id"], command["user_id"]
    if not rest:
        speaking, key, params = _current(services, team_id, user_id)
        with reading(speaking):
            why = t(key, language=language_name(speaking), **params)
            ack(response_type="ephemeral", text=why + "\n" + t("language_choices", options=_options()))
        return
    chosen = understood(rest)
    if chosen is None:
        ack(response_type="ephemeral", text=t("language_unknown", given=rest[:40], options=_options()))
        return
    if chosen == AUTO:
        _slack_language(services, team_id, user_id)  # known before the confirmation says it
    now_reading = services.languages.choose(team_id, user_id, chosen)
    with reading(now_reading):  # the confirmation is the first text in the language just chosen
        key = "language_set_auto" if chosen == AUTO else "language_set"
        ack(response_type="ephemeral", text=t(key, language=language_name(now_reading)))
    services.home.refresh(team_id, user_id)  # their Home reads the new language


def understood(text: str) -> str | None:
    """The language a person asked for: a code ('fr'), a Slack locale ('fr-FR'), its name in any language codev
    speaks ('français', 'Francais', 'French', 'anglais'), or AUTO; None when codev does not speak it."""
    word = _plain(text)
    if word in AUTO_WORDS:
        return AUTO
    for code in languages():
        names = {code, *(_plain(babel_locale(code).get_display_name(other) or code) for other in languages())}
        if word in names or word.replace("_", "-").split("-")[0] == code:
            return code
    return None


def _plain(text: str) -> str:
    """Lower case without accents: 'Français' and 'francais' are the same word here."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _current(services: Services, team_id: str, user_id: str) -> tuple[str, str, dict[str, str]]:
    """The language codev speaks to the person, and why (their choice, or their Slack language): the language,
    the message key that says it and its other parameters."""
    chosen = services.languages.preference(team_id, user_id)
    if chosen != AUTO:
        return supported(chosen), "language_current_choice", {}
    locale = _slack_language(services, team_id, user_id)
    if not locale:
        return supported(None), "language_current_unknown", {}
    if locale.replace("_", "-").split("-")[0].lower() not in languages():
        return supported(locale), "language_current_unsupported", {"locale": locale}
    return supported(locale), "language_current_slack", {}


def _slack_language(services: Services, team_id: str, user_id: str) -> str | None:
    """The person's Slack locale ('fr-FR'), asking Slack only when what codev kept is old or missing."""
    try:
        facts = services.people.lookup(team_id, user_id)
    except SlackApiError:  # Slack is slow or refuses: what codev kept will do
        facts = services.people.cached(team_id, user_id)
    return facts.locale if facts else None


def _options() -> str:
    lines = [t("language_option", code=code, name=language_name(code)) for code in languages()]
    return "\n".join([*lines, t("language_option_auto")])
