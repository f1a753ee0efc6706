"""Helpers every listener shares: reading ids from payloads, answering privately."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from slack_bolt import Respond

from bot.domain.session import TransitionError
from bot.domain.steps import Step
from bot.messages import t
from bot.services.kickoffs import KickoffRefused
from bot.services.sessions import NotFound


def session_and_step(value: str | None) -> tuple[int, Step] | None:
    """Read "<session id>:<step>" from a button; None for anything else (forged or garbled)."""
    try:
        session_part, step_part = (value or "").split(":")
        return int(session_part), Step(int(step_part))
    except ValueError:
        return None


class Refusal(Exception):
    """A private answer instead of the action, raised anywhere in a listener decorated by explains_refusals."""

    def __init__(self, text: str, **note: Any) -> None:
        super().__init__(text)
        self.text = text
        self.note = note  # extra fields for the answer (blocks with a button)


REFUSALS = (Refusal, NotFound, TransitionError, KickoffRefused)


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
    parsed = session_and_step(body["actions"][0].get("value"))
    if parsed is None:
        raise TransitionError("stale_step")
    return team_of(body), body["user"]["id"], parsed[0], parsed[1]


def session_id_of(value: str | None) -> int | None:
    try:
        return int(value or "")
    except ValueError:
        return None


def metadata_of(view: dict[str, Any]) -> dict[str, Any]:
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return metadata if isinstance(metadata, dict) else {}


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


def input_values(view: dict[str, Any]) -> dict[str, Any]:
    """{action_id: value} from a submitted view, whatever the element type."""
    values: dict[str, Any] = {}
    for block in (view.get("state") or {}).get("values", {}).values():
        for action_id, state in block.items():
            values[action_id] = _value_of(state)
    return values


def _value_of(state: dict[str, Any]) -> Any:
    for key in (
        "value",
        "selected_user",
        "selected_conversation",
        "selected_channel",
        "selected_date",
        "selected_time",
    ):
        if key in state:
            return state[key]
    if "selected_users" in state:
        return list(state["selected_users"] or [])
    if "selected_option" in state:
        option = state["selected_option"]
        return option["value"] if option else None
    if "selected_options" in state:
        return [o["value"] for o in state["selected_options"] or []]
    return None
