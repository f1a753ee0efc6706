"""Helpers every listener shares: reading ids from payloads, answering privately."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import date, time
from typing import Any

from slack_bolt import Respond

from bot.domain.session import TransitionError
from bot.domain.steps import Step
from bot.i18n import t
from bot.services.kickoffs import KickoffRefused
from bot.services.sessions import NotFound

# Ids of codev's rows are positive and fit its INTEGER columns (32 bits on PostgreSQL): a bigger number is no
# id of ours, and would make the database fail rather than find nothing.
MAX_ID = 2**31 - 1


def number_in(value: object, low: int, high: int) -> int | None:
    """The number a button value spells in plain digits, if within [low, high]; None for anything else."""
    if not isinstance(value, str) or not (value.isascii() and value.isdigit()) or len(value) > len(str(high)):
        return None
    number = int(value)
    return number if low <= number <= high else None


def session_id_of(value: object) -> int | None:
    """An id (session, entry, action, group, kick-off) from a button value; None when it cannot be one."""
    return number_in(value, 1, MAX_ID)


def session_and_step(value: object) -> tuple[int, Step] | None:
    """Read "<session id>:<step>" from a button; None for anything else (forged or garbled)."""
    session_part, _, step_part = value.partition(":") if isinstance(value, str) else ("", "", "")
    session_id, step = session_id_of(session_part), number_in(step_part, min(Step), max(Step))
    return (session_id, Step(step)) if session_id is not None and step is not None else None


def clicked_value(body: dict[str, Any]) -> str:
    """The value of the clicked button ("" when it has none)."""
    return body["actions"][0].get("value") or ""


class Refusal(Exception):
    """A private answer instead of the action, raised anywhere in a listener decorated by explains_refusals."""

    def __init__(self, text: str, **note: Any) -> None:
        super().__init__(text)
        self.text = text
        self.note = note  # extra fields for the answer (blocks with a button)


REFUSALS = (Refusal, NotFound, TransitionError, KickoffRefused)

# Set in a request's context once Bolt's own middlewares (authorization, codev's own messages) let it through to
# codev's: a request dispatched after its ack and not marked so was stopped there, and no listener will run.
REACHED = "codev_reached"


def refusal_answer(refused: Exception) -> tuple[str, dict[str, Any]]:
    """What to tell the person, and any extra fields (a button), for one of the REFUSALS."""
    if isinstance(refused, Refusal):
        return refused.text, refused.note
    if isinstance(refused, TransitionError):
        return t(refused.reason), {}
    if isinstance(refused, KickoffRefused):
        return t(refused.reason, facilitator=refused.facilitator_id), {}
    return t("not_found"), {}


def explains_refusals(listener: Callable[..., None]) -> Callable[..., None]:
    """Tell whoever clicked, privately, why nothing happened: stale button, unknown session, not theirs…

    The answer goes through the request's `context.respond`, so the listener must take `context`.
    """

    @functools.wraps(listener)
    def wrapper(**kwargs: Any) -> None:
        try:
            listener(**kwargs)
        except REFUSALS as refused:
            text, note = refusal_answer(refused)
            respond = kwargs["context"].respond
            if respond is not None:
                say_privately(respond, text, **note)

    return wrapper


def refuses_inline(block_id: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """For modal submissions: a refusal raised before the ack becomes an inline error on `block_id`."""

    def decorate(listener: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(listener)
        def wrapper(**kwargs: Any) -> None:
            try:
                listener(**kwargs)
            except REFUSALS as refused:
                kwargs["ack"](response_action="errors", errors={block_id: refusal_answer(refused)[0]})

        return wrapper

    return decorate


def clicked_session(body: dict[str, Any]) -> tuple[str, str, int, Step]:
    """(team, user, session id, step) from a step button; a garbled value is a stale button."""
    parsed = session_and_step(clicked_value(body))
    if parsed is None:
        raise TransitionError("stale_step")
    return team_of(body), body["user"]["id"], parsed[0], parsed[1]


# What codev keeps in a modal's private_metadata (bot/slack/blocks): these ids and counters, and texts.
METADATA_NUMBERS = frozenset({"session", "version", "kickoff", "action"})


def metadata_of(view: dict[str, Any]) -> dict[str, Any]:
    """The modal's private_metadata as codev wrote it; a field of another type (forged) is left out."""
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    if not isinstance(metadata, dict):
        return {}

    def as_written(key: str, value: Any) -> bool:
        if key in METADATA_NUMBERS:
            return type(value) is int and 0 <= value <= MAX_ID
        return value is None or isinstance(value, str)

    return {key: value for key, value in metadata.items() if as_written(key, value)}


def team_of(body: dict[str, Any]) -> str:
    team = body.get("team") or {}
    return (
        (team.get("id") if isinstance(team, dict) else None)
        or body.get("team_id")
        or (body.get("user") or {}).get("team_id", "")
    )


def say_privately(respond: Respond, text: str, **extra: Any) -> None:
    """An ephemeral answer to whoever clicked, leaving the original message alone."""
    respond(text=text, response_type="ephemeral", replace_original=False, **extra)


# Inputs that hold several values (multi-selects, checkboxes); every other input holds one value or none.
MULTI_VALUED = frozenset({"consultants", "members", "kept", "timekeeping", "group_size", "share", "charter_required"})


def input_values(view: dict[str, Any]) -> dict[str, Any]:
    """{action_id: value} from a submitted view (or a message's inputs), as its elements can hold them.

    A string or None, or a list of strings for the MULTI_VALUED inputs, whatever the payload holds: a list
    never reaches a text field. A picked option is one the element offers (Slack sends no other).
    """
    offered = _options_offered(view)
    values: dict[str, Any] = {}
    blocks = _mapping(_mapping(view.get("state")).get("values"))
    for block in blocks.values():
        for action_id, state in _mapping(block).items():
            value = _value_of(_mapping(state), offered.get(action_id, set()))
            if action_id in MULTI_VALUED:
                values[action_id] = value if isinstance(value, list) else []
            else:
                values[action_id] = value if isinstance(value, str) else None
    return values


def _options_offered(view: dict[str, Any]) -> dict[str, set[str]]:
    """The option values of each select, radio button or checkbox in the view (or the clicked message)."""
    blocks = view.get("blocks") if "blocks" in view else _mapping(view.get("message")).get("blocks")
    offered: dict[str, set[str]] = {}
    for block in blocks if isinstance(blocks, list) else []:
        block = _mapping(block)
        for element in [block.get("element"), block.get("accessory"), *_listed(block.get("elements"))]:
            element = _mapping(element)
            options = list(_listed(element.get("options")))
            for option_group in _listed(element.get("option_groups")):
                options += _listed(_mapping(option_group).get("options"))
            if isinstance(element.get("action_id"), str):
                offered[element["action_id"]] = {v for o in options if (v := _option_value(o)) is not None}
    return offered


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _value_of(state: dict[str, Any], offered: set[str]) -> str | list[str] | None:
    """What the element holds, by the field Slack fills for its type; None when it is not of that type."""
    for key in ("value", "selected_user", "selected_conversation", "selected_channel"):
        if key in state:
            return state[key] if isinstance(state[key], str) else None
    if "selected_date" in state:
        return state["selected_date"] if _is_day(state["selected_date"]) else None
    if "selected_time" in state:
        return state["selected_time"] if _is_time(state["selected_time"]) else None
    for key in ("selected_users", "selected_conversations", "selected_channels"):
        if key in state:
            return [v for v in state[key] if isinstance(v, str)] if isinstance(state[key], list) else []
    if "selected_option" in state:
        value = _option_value(state["selected_option"])
        return value if value in offered else None
    if "selected_options" in state:
        return [v for o in _listed(state["selected_options"]) if (v := _option_value(o)) in offered]
    return None


def _option_value(option: Any) -> str | None:
    value = option.get("value") if isinstance(option, dict) else None
    return value if isinstance(value, str) else None


def _is_day(value: Any) -> bool:
    """A datepicker's "YYYY-MM-DD"."""
    try:
        return isinstance(value, str) and len(value) == 10 and date.fromisoformat(value) is not None
    except ValueError:
        return False


def _is_time(value: Any) -> bool:
    """A timepicker's "HH:MM"."""
    try:
        return isinstance(value, str) and len(value) == 5 and time.fromisoformat(value) is not None
    except ValueError:
        return False
