"""The shape every request from Slack has, checked before Bolt reads it.

Slack sends four kinds of bodies to the request URL: slash commands (a form), interactivity (a form with one
`payload` field holding JSON), the Events API (JSON) and the SSL check (a form). Each has an envelope Slack
always fills in: who (team and user ids), what (the command, the action list, the view and its state, the
event and its type) and where (a channel, a message `ts`). A body without that envelope, or with the wrong
types in it, cannot come from Slack: `read` and `check` raise `Malformed`, naming the first place that is
wrong, and the request URL answers 400 without handing it to Bolt (whose own parsing and the listeners
assume the envelope).

Values are not checked here: a button value, a typed text, a picked user may be anything of the right type;
the listeners answer those with a private explanation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import BoltContext, BoltRequest
from slack_bolt.request.internals import build_context


class Malformed(ValueError):
    """A request Slack could not have sent; the message says where, e.g. `event.ts: missing`.

    The message quotes field names from the request: it is kept to one printable line of at most 200
    characters, fit for the log.
    """

    def __init__(self, where: str) -> None:
        line = "".join(c if c.isprintable() else "?" for c in where)
        super().__init__(line if len(line) <= 200 else f"{line[:60]}…{line[-139:]}")


Check = Callable[[Any, str], None]


def bolt_request(body: str, *, query: str, headers: dict[str, str]) -> BoltRequest:
    """The request for Bolt, once its body has Slack's envelope (raises Malformed otherwise)."""
    parsed = read(body, headers.get("content-type", ""))
    check(parsed)
    request = BoltRequest(body=body, query=query, headers={name: [value] for name, value in headers.items()})
    if request.body != parsed:
        # Bolt reads any form whose text merely contains "payload" (`/codev journal payload ideas`) as an
        # empty body, and would answer 404: give it the form as it is.
        request.body = parsed
        request.context = build_context(BoltContext(), parsed)
    return request


# ---- reading the body ----------------------------------------------------------------------------------
def read(body: str, content_type: str) -> dict[str, Any]:
    """The request as a dict: JSON for the Events API, the form (or its `payload`) otherwise."""
    if content_type.startswith("application/json") or body.startswith("{"):
        return _object(body, "body")
    fields = parse_qsl(body, keep_blank_values=True)
    names = [name for name, _ in fields]
    if len(set(names)) != len(names):
        raise Malformed("form: a field is repeated")
    form = dict(fields)
    if "payload" in form:
        return _object(form["payload"], "payload")
    if not form:
        raise Malformed("body: empty")
    return form


def _object(text: str, where: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except ValueError:
        raise Malformed(f"{where}: not JSON") from None
    except RecursionError:
        raise Malformed(f"{where}: nested too deeply") from None
    if not isinstance(document, dict):
        raise Malformed(f"{where}: expected an object, got {_kind(document)}")
    return document


# ---- building blocks of a shape ------------------------------------------------------------------------
def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list"}.get(
        type(value), "an object"
    )


def _expect(what: str, test: Callable[[Any], bool]) -> Check:
    def check(value: Any, path: str) -> None:
        if not test(value):
            raise Malformed(f"{path}: expected {what}, got {_kind(value)}")

    return check


def _pattern(what: str, regex: str) -> Check:
    compiled = re.compile(regex)
    return _expect(what, lambda v: isinstance(v, str) and compiled.fullmatch(v) is not None)


text = _expect("a string", lambda v: isinstance(v, str))
flag = _expect("a boolean", lambda v: isinstance(v, bool))
number = _expect("a number", lambda v: isinstance(v, int | float) and not isinstance(v, bool))
anything: Check = lambda value, path: None  # noqa: E731
# Slack's ids (T…, U…, C…, V…) are upper-case letters and digits; codev stores them in 32 characters.
slack_id = _pattern("a Slack id", r"[A-Z0-9]{1,32}")
# A message timestamp, "1712345678.123456": also a message's id within its channel.
ts = _pattern("a message ts", r"[0-9]{1,12}\.[0-9]{1,12}")


def nullable(check: Check) -> Check:
    def nullable_check(value: Any, path: str) -> None:
        if value is not None:
            check(value, path)

    return nullable_check


def id_or_object(object_check: Check) -> Check:
    """An id ("U0123"), or an object carrying one (`{"id": "U0123", …}`), as Bolt reads users and channels."""

    def check(value: Any, path: str) -> None:
        (object_check if isinstance(value, dict) else slack_id)(value, path)

    return check


def record(required: Mapping[str, Check] | None = None, optional: Mapping[str, Check] | None = None) -> Check:
    """An object with these fields (others are allowed: Slack adds fields over time)."""

    def check(value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise Malformed(f"{path}: expected an object, got {_kind(value)}")
        for name, field in (required or {}).items():
            if name not in value:
                raise Malformed(f"{path}.{name}: missing")
            field(value[name], f"{path}.{name}")
        for name, field in (optional or {}).items():
            if name in value:
                field(value[name], f"{path}.{name}")

    return check


def items(check: Check, *, at_least: int = 0) -> Check:
    def list_check(value: Any, path: str) -> None:
        if not isinstance(value, list):
            raise Malformed(f"{path}: expected a list, got {_kind(value)}")
        if len(value) < at_least:
            raise Malformed(f"{path}: expected at least {at_least} item(s)")
        for index, item in enumerate(value):
            check(item, f"{path}[{index}]")

    return list_check


def entries(check: Check) -> Check:
    """An object used as a map: any keys, each value of one shape."""

    def map_check(value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise Malformed(f"{path}: expected an object, got {_kind(value)}")
        for key, item in value.items():
            check(item, f"{path}.{key}")

    return map_check


# ---- what Bolt and every request read --------------------------------------------------------------------
# Bolt looks for a team, user, channel and enterprise in the body and then in its event or message, as an
# id or as an object with an id; anything else breaks its parsing.
ID_OR_OBJECT = id_or_object(record(optional={"id": slack_id}))
BOLT_READS = {
    "user": ID_OR_OBJECT,
    "channel": ID_OR_OBJECT,
    "team": nullable(ID_OR_OBJECT),
    "enterprise": nullable(ID_OR_OBJECT),
    "item": record(optional={"channel": ID_OR_OBJECT}),
    "assistant_thread": record(optional={"channel": ID_OR_OBJECT}),
}
BOLT_READS_IN_MESSAGES = record(optional={**BOLT_READS, "ts": ts, "thread_ts": ts})
BOLT_READS_IN_EVENTS = record(
    {"type": text}, {**BOLT_READS, "message": BOLT_READS_IN_MESSAGES, "previous_message": BOLT_READS_IN_MESSAGES}
)
COMMON = {
    **BOLT_READS,
    "token": text,
    "api_app_id": text,
    "team_id": slack_id,
    "user_id": slack_id,
    "channel_id": slack_id,
    "enterprise_id": nullable(slack_id),
    "is_enterprise_install": anything,
    "is_ext_shared_channel": flag,
    "authorizations": items(
        record(optional={"team_id": nullable(slack_id), "enterprise_id": nullable(slack_id), "user_id": slack_id})
    ),
    "response_url": text,
    "response_urls": items(record({"response_url": text})),
    "trigger_id": text,
    "thread_ts": ts,
}

# ---- slash commands (a form: every field is a string already) ----------------------------------------
COMMAND = record(
    {"command": text, "team_id": slack_id, "user_id": slack_id, "channel_id": slack_id, "trigger_id": text},
    {"text": text, "response_url": text},
)


# ---- interactivity ---------------------------------------------------------------------------------------
USER = record({"id": slack_id}, {"team_id": slack_id, "username": text, "name": text})
TEAM = nullable(record({"id": slack_id}, {"domain": text}))
CHANNEL = record({"id": slack_id}, {"name": text})
# state.values: {block_id: {action_id: {type, value | selected_… }}}; each element's value is read by
# listeners/common.py `input_values`, which keeps only what the element type can hold.
STATE = record({"values": entries(entries(record({"type": text})))})
VIEW = record(
    {"id": slack_id, "callback_id": text, "state": STATE},
    {
        "type": text,
        "private_metadata": text,
        "hash": text,
        "blocks": items(anything),
        "team_id": slack_id,
        "app_installed_team_id": nullable(slack_id),
    },
)
MESSAGE_FIELDS: dict[str, Check] = {
    "ts": ts,
    "thread_ts": ts,
    "text": nullable(text),
    "user": slack_id,
    "bot_id": slack_id,
    "subtype": text,
    "blocks": items(anything),
    "files": items(anything),
}
MESSAGE = record(optional=MESSAGE_FIELDS)
SHORTCUT_MESSAGE = record({"ts": ts}, MESSAGE_FIELDS)
ACTION = record({"action_id": text}, {"block_id": text, "type": text, "value": nullable(text), "action_ts": text})
CONTAINER = record(
    optional={"type": text, "message_ts": ts, "thread_ts": ts, "channel_id": slack_id, "view_id": slack_id}
)
INTERACTIVE_COMMON = {"user": USER}
INTERACTIVE_OPTIONAL = {"team": TEAM, "channel": CHANNEL, "message": MESSAGE, "container": CONTAINER}
INTERACTIONS: dict[str, Check] = {
    "block_actions": record(
        {**INTERACTIVE_COMMON, "actions": items(ACTION, at_least=1), "trigger_id": text},
        {**INTERACTIVE_OPTIONAL, "view": VIEW, "state": STATE},
    ),
    "view_submission": record({**INTERACTIVE_COMMON, "view": VIEW}, INTERACTIVE_OPTIONAL),
    "view_closed": record({**INTERACTIVE_COMMON, "view": VIEW}, INTERACTIVE_OPTIONAL),
    "shortcut": record({**INTERACTIVE_COMMON, "callback_id": text, "trigger_id": text}, INTERACTIVE_OPTIONAL),
    "message_action": record(
        {
            **INTERACTIVE_COMMON,
            "callback_id": text,
            "trigger_id": text,
            "channel": CHANNEL,
            "message": SHORTCUT_MESSAGE,
            "response_url": text,
        },
        {"team": TEAM, "message_ts": ts},
    ),
    "block_suggestion": record({**INTERACTIVE_COMMON, "action_id": text, "value": text}, INTERACTIVE_OPTIONAL),
}

# ---- the Events API --------------------------------------------------------------------------------------
PERSON_AND_CHANNEL = record({"user": slack_id, "channel": slack_id})
# The events codev subscribes to (manifest.yml), with the fields its listeners read; other event types only
# need a type (they are acknowledged and dropped).
EVENTS: dict[str, Check] = {
    "message": record(
        {"channel": slack_id, "ts": ts},
        {
            "user": slack_id,
            "text": nullable(text),
            "subtype": text,
            "thread_ts": ts,
            "channel_type": text,
            "bot_id": slack_id,
            "deleted_ts": ts,
            "event_ts": ts,
            "message": MESSAGE,
            "previous_message": MESSAGE,
            "files": items(anything),
        },
    ),
    "app_home_opened": record({"user": slack_id, "channel": slack_id}, {"tab": text}),
    "member_joined_channel": PERSON_AND_CHANNEL,
    "member_left_channel": PERSON_AND_CHANNEL,
    "user_change": record(
        {
            "user": record(
                {"id": slack_id},
                {
                    "team_id": slack_id,
                    "name": text,
                    "real_name": nullable(text),
                    "tz": nullable(text),
                    "locale": nullable(text),
                    "is_bot": flag,
                    "deleted": flag,
                },
            )
        }
    ),
}
EVENT_ID = _pattern("an event id", r"[A-Za-z0-9]{1,64}")
# The Events API's envelopes: an event, the URL check when the request URL is saved, a rate-limit notice.
ENVELOPES: dict[str, Check] = {
    "event_callback": record(
        {"team_id": slack_id, "event_id": EVENT_ID, "event": BOLT_READS_IN_EVENTS}, {"event_time": number}
    ),
    "url_verification": record({"challenge": text}),
    "app_rate_limited": anything,
}

# ---- the whole request ---------------------------------------------------------------------------------
MAX_DEPTH = 64  # Block Kit nests a few levels; nothing Slack sends comes near


def plain(value: Any, path: str, depth: int = 0) -> None:
    """Nested no deeper than MAX_DEPTH, and no NUL character in any text (Slack's never hold one, and
    PostgreSQL cannot store one)."""
    if depth > MAX_DEPTH:
        raise Malformed(f"{path}: nested too deeply")
    if isinstance(value, str):
        if "\x00" in value:
            raise Malformed(f"{path}: a NUL character")
    elif isinstance(value, dict):
        for key, item in value.items():
            plain(key, path, depth + 1)
            plain(item, f"{path}.{key}", depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            plain(item, f"{path}[{index}]", depth + 1)


def check(request: dict[str, Any]) -> None:
    """Raise Malformed unless `request` (from `read`) has the envelope of its kind."""
    plain(request, "body")
    record(optional=COMMON)(request, "body")
    kind = request.get("type")
    if "command" in request and kind is None:
        entries(text)(request, "command")  # a form, all strings: a JSON body with a "command" is not one
        COMMAND(request, "command")
    elif "ssl_check" in request and kind is None:
        return
    elif not isinstance(kind, str):
        raise Malformed("body.type: missing" if kind is None else f"body.type: expected a string, got {_kind(kind)}")
    elif kind in INTERACTIONS:
        INTERACTIONS[kind](request, kind)
    elif kind in ENVELOPES:
        ENVELOPES[kind](request, kind)
        if kind == "event_callback" and request["event"]["type"] in EVENTS:
            event_type = request["event"]["type"]
            EVENTS[event_type](request["event"], f"event({event_type})")
    else:
        raise Malformed(f"body.type: {kind[:40]!r} is not a request Slack sends")
