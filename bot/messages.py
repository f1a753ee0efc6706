"""Every text a person reads. Handlers name a key; a translation adds a catalogue, nothing else."""

from __future__ import annotations

from string import Formatter

EN: dict[str, str] = {
    # ---- help and commands ----
    "usage": (
        "*codev* runs co-development sessions (Payette & Champagne) right here in Slack.\n"
        "• `/codev start [topic]` — start a session in this channel\n"
        "• `/codev status` — the sessions running in this channel, their step and time left\n"
        "• `/codev help` — this message"
    ),
    "usage_fallback": "codev: /codev start [topic], /codev status, /codev help",
    "unknown_command": "Unknown command '{command}'.",
    "something_went_wrong": (
        "Sorry, something went wrong on codev's side and nothing was changed. Please try again in a moment."
    ),
    # ---- steps ----
    "step_presentation": "Presentation",
    "step_clarification": "Clarification",
    "step_contract": "Contract",
    "step_consultation": "Consultation",
    "step_synthesis": "Synthesis & action plan",
    "step_learning": "Learning",
    "pace_live": "Live (minutes)",
    "pace_async": "Async (hours)",
    "unit_live": "minutes",
    "unit_async": "hours",
}

CATALOGUES: dict[str, dict[str, str]] = {"en": EN}
DEFAULT_LOCALE = "en"


def t(key: str, /, locale: str = DEFAULT_LOCALE, **params: object) -> str:
    """The text for `key` in `locale` (falling back to English), with {params} filled in."""
    catalogue = CATALOGUES.get(locale.split("-")[0].split("_")[0], EN)
    template = catalogue.get(key, EN[key])
    return template.format(**params) if params else template


def placeholders(key: str) -> set[str]:
    """The {names} a message expects; used by tests to keep catalogues consistent."""
    return {name for _, name, _, _ in Formatter().parse(EN[key]) if name}
