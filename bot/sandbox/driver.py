"""Talks to the app as Slack does: signed HTTP requests with payloads of Slack's real shapes."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from bot.sandbox.standin import SlackStandIn

API_APP_ID = "A0CODEV01"


@dataclass
class Reply:
    status: int
    body: str
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class NothingSent(AssertionError):
    """Slack would send nothing: the menu already shows the option being picked (a select only speaks when its
    choice changes). The app must draw the message again with a new block id to put the menu back to its label."""


def sign(signing_secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


class SlackDriver:
    """Sends slash commands, clicks, modal submissions and events to the app's request URL."""

    def __init__(self, app_url: str, signing_secret: str, standin: SlackStandIn) -> None:
        self.app_url = app_url  # e.g. http://127.0.0.1:3000/slack/events
        self.signing_secret = signing_secret
        self.standin = standin
        self.team_id = standin.team_id
        self._seq = itertools.count(1)
        # What each person's Slack shows in a message's menus since they picked there: (user, channel, message
        # ts, block id, action id) -> the option value. Slack keeps it while the block id stays the same.
        self.menus_show: dict[tuple[str, str, str, str, str], str] = {}

    # ---- raw transport -----------------------------------------------------------------------------------
    def post(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        extra_headers: dict[str, str] | None = None,
        timeout: float = 10,
    ) -> Reply:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature or sign(self.signing_secret, stamp, body),
            **(extra_headers or {}),
        }
        request = urllib.request.Request(self.app_url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return Reply(response.status, response.read().decode(), dict(response.headers))
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read().decode(), dict(error.headers))

    def post_form(self, fields: dict[str, str], **kwargs: Any) -> Reply:
        return self.post(urlencode(fields).encode(), "application/x-www-form-urlencoded", **kwargs)

    def post_payload(self, payload: dict[str, Any], **kwargs: Any) -> Reply:
        return self.post_form({"payload": json.dumps(payload)}, **kwargs)

    def post_json(self, document: dict[str, Any], **kwargs: Any) -> Reply:
        return self.post(json.dumps(document).encode(), "application/json", **kwargs)

    # ---- ids Slack would make ----------------------------------------------------------------------------
    def trigger_id(self, user_id: str) -> str:
        return f"trigger.{user_id}.{next(self._seq)}"

    def response_url(self, channel_id: str | None = None, message_ts: str | None = None) -> str:
        """A fresh response_url; one for a click on a message can replace or delete that message."""
        response_id = f"R{next(self._seq):06d}"
        if channel_id and message_ts:
            self.standin.response_targets[response_id] = (channel_id, message_ts)
        return f"{self.standin.base_url}/response/{response_id}"

    def _user(self, user_id: str) -> dict[str, str]:
        user = self.standin.users.get(user_id)
        return {"id": user_id, "username": user.name if user else user_id, "team_id": self.team_id}

    # ---- slash commands ----------------------------------------------------------------------------------
    def command(
        self,
        user_id: str,
        text: str = "",
        *,
        channel_id: str = "C0CODEV01",
        command: str = "/codev",
        response_url: str | None = None,
        **kwargs: Any,
    ) -> Reply:
        channel = self.standin.channels.get(channel_id)
        fields = {
            "token": "deprecated-verification-token",
            "team_id": self.team_id,
            "team_domain": "codev-sandbox",
            "channel_id": channel_id,
            "channel_name": "directmessage" if channel_id.startswith("D") else (channel.name if channel else "x"),
            "user_id": user_id,
            "user_name": self._user(user_id)["username"],
            "command": command,
            # Slack escapes these three in what people type, as in messages.
            "text": text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"),
            "api_app_id": API_APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url or self.response_url(),
            "trigger_id": self.trigger_id(user_id),
        }
        return self.post_form(fields, **kwargs)

    def command_answer(self, user_id: str, text: str = "", *, timeout: float = 10, **kwargs: Any) -> dict[str, Any]:
        """What the person sees after typing the command: the answer in its ack, or, when codev acked it first
        (under load), what it then sent to the command's response_url. Fails if there is neither."""
        url = self.response_url()
        reply = self.command(user_id, text, response_url=url, **kwargs)
        assert reply.status == 200, reply
        if reply.body:
            answer = reply.json() if reply.body.startswith("{") else {"text": reply.body}
            return dict(answer)
        response_id = url.rsplit("/", 1)[1]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            sent = [r for r in list(self.standin.responses) if r.get("id") == response_id]
            if sent:
                return {k: v for k, v in sent[-1].items() if k != "id"}
            time.sleep(0.02)
        raise AssertionError(f"no answer to {text!r}, neither in the ack nor through its response_url")

    # ---- interactivity -----------------------------------------------------------------------------------
    def click(
        self,
        user_id: str,
        action_id: str,
        *,
        channel_id: str | None = None,
        message_ts: str | None = None,
        view_id: str | None = None,
        value: str | None = None,
        typed: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Reply:
        """Click a button that is really on screen: in a message (newest first) or in a view.

        A control folded into a menu (a static select or overflow whose option value reads "<action_id>|…", as
        the Facilitator menu's) is picked there: Slack then sends the menu's action_id and the selected_option.
        `action_id` may also be the menu's own, with `value` the option to pick.
        `typed` fills the message's inputs first ({action_id: value}); Slack sends them as state.values.
        """
        if view_id is not None:
            view = self.standin.view(view_id)
            action, block_id = _find_action(view.get("blocks", []), action_id, value)
            container: dict[str, Any] = {"type": "view", "view_id": view_id}
            extra: dict[str, Any] = {"view": _view_payload(view, {})}
            shown_key = None
        else:
            assert channel_id is not None, "a click on a message needs its channel"
            message, action, block_id = self._find_message_with(channel_id, action_id, message_ts, value)
            shown_key = self._menu_pick(user_id, channel_id, message, action, block_id)
            container = {
                "type": "message",
                "message_ts": message["ts"],
                "channel_id": channel_id,
                "is_ephemeral": False,
            }
            extra = {
                "message": message,
                "channel": {"id": channel_id, "name": "x"},
                "state": _view_payload({"blocks": message.get("blocks", [])}, typed or {})["state"],
            }
        payload = {
            "type": "block_actions",
            "user": self._user(user_id),
            "api_app_id": API_APP_ID,
            "token": "deprecated-verification-token",
            "container": container,
            "trigger_id": self.trigger_id(user_id),
            "team": {"id": self.team_id, "domain": "codev-sandbox"},
            "enterprise": None,
            "is_enterprise_install": False,
            "response_url": self.response_url(container.get("channel_id"), container.get("message_ts")),
            "actions": [_action_payload(action, block_id)],
            "state": {"values": {}},
            **extra,
        }
        reply = self.post_payload(payload, **kwargs)
        if view_id is None and shown_key is not None:
            self.menus_show[shown_key] = action["selected_option"]["value"]
        return reply

    def _menu_pick(
        self, user_id: str, channel_id: str, message: dict[str, Any], action: dict[str, Any], block_id: str
    ) -> tuple[str, str, str, str, str] | None:
        """For a pick in a message's static select: the key of what it shows, once it is known that Slack would
        send the pick. Picking the option it already shows (the message's `initial_option`, or the one this
        person picked last in a block id the app has not replaced since) sends nothing: NothingSent."""
        if action.get("type") != "static_select":
            return None
        key = (user_id, channel_id, message["ts"], block_id, action["action_id"])
        picked = action["selected_option"]["value"]
        shown = self.menus_show.get(key) or (action.get("initial_option") or {}).get("value")
        if shown == picked:
            raise NothingSent(f"the menu {action['action_id']} already shows {picked!r}: Slack sends nothing")
        return key

    def menu_shows(self, user_id: str, channel_id: str, message_ts: str, value: str) -> bool:
        """Whether this person's menu in that message still shows the option `value` (picked, not redrawn)."""
        message = self.standin.message(channel_id, message_ts)
        blocks = {b.get("block_id", "") for b in message.get("blocks") or []}
        return any(
            shown == value and (user, channel, ts) == (user_id, channel_id, message_ts) and block in blocks
            for (user, channel, ts, block, _action), shown in self.menus_show.items()
        )

    def click_in_response(self, user_id: str, action_id: str, value: str | None = None, **kwargs: Any) -> Reply:
        """Click a button in the newest private answer (ephemeral, through response_url) that has one."""
        with self.standin._lock:
            responses = list(reversed(self.standin.responses))
        for response in responses:
            try:
                action, block_id = _find_action(response.get("blocks") or [], action_id, value)
            except LookupError:
                continue
            if action.get("type") in MENUS:  # a step's message redrawn through response_url: its menu is no button
                continue
            target = self.standin.response_targets.get(response["id"])
            channel_id = target[0] if target else "C0CODEV01"
            ts = self.standin.new_ts()
            payload = {
                "type": "block_actions",
                "user": self._user(user_id),
                "api_app_id": API_APP_ID,
                "token": "deprecated-verification-token",
                "container": {"type": "message", "message_ts": ts, "channel_id": channel_id, "is_ephemeral": True},
                "trigger_id": self.trigger_id(user_id),
                "team": {"id": self.team_id, "domain": "codev-sandbox"},
                "channel": {"id": channel_id, "name": "x"},
                "is_enterprise_install": False,
                "response_url": self.response_url(),
                "actions": [_action_payload(action, block_id)],
                "state": {"values": {}},
            }
            return self.post_payload(payload, **kwargs)
        raise LookupError(f"no private answer has a '{action_id}' button")

    def choose(
        self,
        user_id: str,
        view_id: str,
        action_id: str,
        value: Any,
        values: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Reply:
        """Pick or type in an input that dispatches its action (a radio button in a modal, a Home search box)."""
        view = self.standin.view(view_id)
        filled = {**(values or {}), action_id: value}
        state = _view_payload(view, filled)
        block = next(b for b in view["blocks"] if b.get("type") == "input" and b["element"]["action_id"] == action_id)
        selected = state["state"]["values"][block["block_id"]][action_id]
        payload = {
            "type": "block_actions",
            "user": self._user(user_id),
            "api_app_id": API_APP_ID,
            "token": "deprecated-verification-token",
            "container": {"type": "view", "view_id": view_id},
            "trigger_id": self.trigger_id(user_id),
            "team": {"id": self.team_id, "domain": "codev-sandbox"},
            "is_enterprise_install": False,
            "view": state,
            "actions": [
                {**selected, "action_id": action_id, "block_id": block["block_id"], "action_ts": f"{time.time():.6f}"}
            ],
        }
        return self.post_payload(payload, **kwargs)

    def click_payload(
        self, user_id: str, action_id: str, *, channel_id: str, message_ts: str, value: str
    ) -> dict[str, Any]:
        """A block_actions payload built by hand, for forged or stale clicks."""
        return {
            "type": "block_actions",
            "user": self._user(user_id),
            "api_app_id": API_APP_ID,
            "container": {"type": "message", "message_ts": message_ts, "channel_id": channel_id},
            "trigger_id": self.trigger_id(user_id),
            "team": {"id": self.team_id, "domain": "codev-sandbox"},
            "channel": {"id": channel_id, "name": "x"},
            "message": {"ts": message_ts, "text": ""},
            "response_url": self.response_url(channel_id, message_ts),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "forged",
                    "value": value,
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }

    def _find_message_with(
        self, channel_id: str, action_id: str, message_ts: str | None, value: str | None
    ) -> tuple[dict[str, Any], dict[str, Any], str]:
        with self.standin._lock:
            candidates = list(reversed(self.standin.channels[channel_id].messages))
        for message in candidates:
            if message_ts is not None and message["ts"] != message_ts:
                continue
            try:
                action, block_id = _find_action(message.get("blocks", []), action_id, value)
            except LookupError:
                continue
            return message, action, block_id
        raise LookupError(f"no message in {channel_id} has a '{action_id}' button")

    def submit(self, user_id: str, view_id: str, values: dict[str, Any], **kwargs: Any) -> Reply:
        """Submit a modal the app opened, filling its inputs by action_id."""
        view = self.standin.views[view_id]
        payload = {
            "type": "view_submission",
            "team": {"id": self.team_id, "domain": "codev-sandbox"},
            "user": self._user(user_id),
            "api_app_id": API_APP_ID,
            "token": "deprecated-verification-token",
            "trigger_id": self.trigger_id(user_id),
            "view": _view_payload(view, values),
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return self.post_payload(payload, **kwargs)

    def global_shortcut(self, user_id: str, callback_id: str, **kwargs: Any) -> Reply:
        payload = {
            "type": "shortcut",
            "callback_id": callback_id,
            "user": self._user(user_id),
            "team": {"id": self.team_id, "domain": "codev-sandbox"},
            "trigger_id": self.trigger_id(user_id),
            "action_ts": f"{time.time():.6f}",
            "token": "deprecated-verification-token",
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return self.post_payload(payload, **kwargs)

    def shortcut_on_message(
        self, user_id: str, callback_id: str, channel_id: str, message: dict[str, Any], **kwargs: Any
    ) -> Reply:
        payload = {
            "type": "message_action",
            "callback_id": callback_id,
            "user": self._user(user_id),
            "team": {"id": self.team_id, "domain": "codev-sandbox"},
            "channel": {"id": channel_id, "name": "x"},
            "message": message,
            "message_ts": message["ts"],
            "trigger_id": self.trigger_id(user_id),
            "response_url": self.response_url(),
            "token": "deprecated-verification-token",
        }
        return self.post_payload(payload, **kwargs)

    # ---- events ------------------------------------------------------------------------------------------
    def event(
        self, event: dict[str, Any], *, retry_num: int | None = None, event_id: str | None = None, **kwargs: Any
    ) -> Reply:
        envelope = {
            "token": "deprecated-verification-token",
            "team_id": self.team_id,
            "api_app_id": API_APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._seq):08d}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": "U0CODEVBOT",
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        return self.post_json(envelope, extra_headers=headers, **kwargs)

    def say(self, user_id: str, channel_id: str, text: str, *, thread_ts: str | None = None) -> dict[str, Any]:
        """A person posts a message (in a thread when thread_ts is given); Slack stores it and sends the event."""
        message = self.standin.user_posts(channel_id, user_id, text, thread_ts)
        channel_type = _channel_type(channel_id)
        event = {**message, "channel": channel_id, "channel_type": channel_type, "event_ts": message["ts"]}
        event.pop("team", None)
        reply = self.event(event)
        assert reply.status == 200, reply
        return message

    def edit(self, user_id: str, channel_id: str, message: dict[str, Any], new_text: str) -> Reply:
        edited = {**message, "text": new_text, "edited": {"user": user_id, "ts": self.standin.new_ts()}}
        event = {
            "type": "message",
            "subtype": "message_changed",
            "channel": channel_id,
            "channel_type": _channel_type(channel_id),
            "hidden": True,
            "message": edited,
            "previous_message": message,
            "ts": self.standin.new_ts(),
            "event_ts": self.standin.new_ts(),
        }
        return self.event(event)

    def delete(self, channel_id: str, message: dict[str, Any]) -> Reply:
        event = {
            "type": "message",
            "subtype": "message_deleted",
            "channel": channel_id,
            "channel_type": _channel_type(channel_id),
            "hidden": True,
            "deleted_ts": message["ts"],
            "previous_message": message,
            "ts": self.standin.new_ts(),
            "event_ts": self.standin.new_ts(),
        }
        return self.event(event)

    def open_home(self, user_id: str) -> Reply:
        dm = self.standin.dm_channel(user_id)
        return self.event(
            {"type": "app_home_opened", "user": user_id, "channel": dm, "tab": "home", "event_ts": f"{time.time():.6f}"}
        )

    def url_verification(self, challenge: str) -> Reply:
        return self.post_json({"token": "deprecated", "challenge": challenge, "type": "url_verification"})


def _channel_type(channel_id: str) -> str:
    return {"D": "im", "G": "group"}.get(channel_id[:1], "channel")


MENUS = ("static_select", "overflow")


def _find_action(blocks: list[dict[str, Any]], action_id: str, value: str | None) -> tuple[dict[str, Any], str]:
    """The element to act on and its block id. A menu option is returned as its menu with `selected_option` set:
    either the menu's own action_id and the option's `value`, or a control's action_id carried in the option
    value ("<action_id>|<what its button's value was>…"), `value` then matching what follows the bar."""
    for block in blocks:
        elements = block.get("elements", []) if block.get("type") == "actions" else []
        if block.get("accessory"):
            elements = [block["accessory"]]
        for element in elements:
            if element.get("type") in MENUS:
                option = _menu_option(element, action_id, value)
                if option is not None:
                    return {**element, "selected_option": option}, block.get("block_id", "")
                continue
            if element.get("action_id") == action_id and (value is None or element.get("value") == value):
                return element, block.get("block_id", "")
    raise LookupError(action_id)


def _menu_option(menu: dict[str, Any], action_id: str, value: str | None) -> dict[str, Any] | None:
    options = list(menu.get("options", []))
    for group in menu.get("option_groups", []):
        options.extend(group["options"])
    for option in options:
        if menu.get("action_id") == action_id and (value is None or option["value"] == value):
            return dict(option)
        control, bar, carried = option["value"].partition("|")
        if bar and control == action_id and (value is None or carried == value or carried.startswith(value + ":")):
            return dict(option)
    return None


def _action_payload(element: dict[str, Any], block_id: str) -> dict[str, Any]:
    """An element's entry in block_actions' `actions`, as Slack sends it for a button or a menu pick."""
    action: dict[str, Any] = {
        "type": element["type"],
        "action_id": element["action_id"],
        "block_id": block_id,
        "action_ts": f"{time.time():.6f}",
    }
    if element["type"] == "static_select":
        action["selected_option"] = element["selected_option"]
        if "placeholder" in element:
            action["placeholder"] = element["placeholder"]
    elif element["type"] == "overflow":
        action["selected_option"] = element["selected_option"]
    else:
        action["value"] = element.get("value")
        action["text"] = element.get("text")
    return action


def _view_payload(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A view as Slack sends it back, with state.values filled from {action_id: value}."""
    state: dict[str, dict[str, Any]] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element = block["element"]
        action_id = element["action_id"]
        state.setdefault(block["block_id"], {})[action_id] = _element_state(element, values.get(action_id))
    public = {k: v for k, v in view.items() if not k.startswith("_")}
    return {
        **public,
        "team_id": "T0CODEV01",
        "state": {"values": state},
        "app_id": API_APP_ID,
        "bot_id": "B0CODEVBOT",
        "root_view_id": view.get("id"),
        "previous_view_id": None,
    }


def _element_state(element: dict[str, Any], value: Any) -> dict[str, Any]:
    kind = element["type"]
    if value is None:
        value = _initial(element)
    if kind in ("plain_text_input", "number_input", "email_text_input", "url_text_input"):
        return {"type": kind, "value": value}
    if kind == "users_select":
        return {"type": kind, "selected_user": value}
    if kind == "multi_users_select":
        return {"type": kind, "selected_users": list(value or [])}
    if kind == "conversations_select":
        return {"type": kind, "selected_conversation": value}
    if kind == "channels_select":
        return {"type": kind, "selected_channel": value}
    if kind == "datepicker":
        return {"type": kind, "selected_date": value}
    if kind == "timepicker":
        return {"type": kind, "selected_time": value}
    if kind in ("static_select", "radio_buttons"):
        option = _option(element, value)
        return {"type": kind, "selected_option": option}
    if kind in ("checkboxes", "multi_static_select"):
        return {"type": kind, "selected_options": [o for v in (value or []) if (o := _option(element, v))]}
    raise ValueError(f"the driver cannot fill a {kind}")


def _initial(element: dict[str, Any]) -> Any:
    for key in (
        "initial_value",
        "initial_user",
        "initial_conversation",
        "initial_channel",
        "initial_date",
        "initial_time",
    ):
        if key in element:
            return element[key]
    if "initial_users" in element:
        return element["initial_users"]
    if "initial_option" in element:
        return element["initial_option"]["value"]
    if "initial_options" in element:
        return [o["value"] for o in element["initial_options"]]
    return None


def _option(element: dict[str, Any], value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    options = list(element.get("options", []))
    for group in element.get("option_groups", []):
        options.extend(group["options"])
    for option in options:
        if option["value"] == value:
            return option
    raise LookupError(f"no option {value!r} in {element.get('action_id')}")
