"""A stand-in for Slack's Web API on 127.0.0.1: stateful and recording, for the demo and the tests.

The tests extend it through one hook, `SlackStandIn.intercept`, to check calls against Slack's spec and to
fail on demand (tests/support/faulty_standin.py).
"""

from __future__ import annotations

import base64
import itertools
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlparse
from zoneinfo import ZoneInfo

log = logging.getLogger(__name__)

TEAM_ID = "T0CODEV01"
BOT_USER_ID = "U0CODEVBOT"
BOT_ID = "B0CODEVBOT"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    has_bearer_token: bool
    token: str | None = None  # the token the call carried (Authorization header or `token` argument)


Answer = tuple[int, dict[str, str], dict[str, Any]]  # HTTP status, headers, JSON body


@dataclass
class User:
    id: str
    name: str
    tz: str = "Europe/Paris"
    locale: str = "en-US"
    is_bot: bool = False
    deleted: bool = False


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    is_ext_shared: bool = False
    members: set[str] = field(default_factory=set)
    messages: list[dict[str, Any]] = field(default_factory=list)
    team_id: str | None = None  # several workspaces: the one it belongs to (None: any, as with one workspace)


class SlackError(Exception):
    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class SlackStandIn:
    """Implements the Web API methods codev calls, keeping messages, views and files like Slack would."""

    def __init__(self, *, team_id: str = TEAM_ID) -> None:
        self.team_id = team_id
        self.calls: list[Call] = []
        self.ephemerals: list[dict[str, Any]] = []
        self.responses: list[dict[str, Any]] = []  # what the app sent to response_url
        self.response_targets: dict[str, tuple[str, str]] = {}  # response id → the clicked message
        self.views: dict[str, dict[str, Any]] = {}
        self.home_views: dict[str, dict[str, Any]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.users: dict[str, User] = {BOT_USER_ID: User(BOT_USER_ID, "codev", is_bot=True)}
        self.channels: dict[str, Channel] = {}
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._ts_seconds = int(time.time())
        self._ts_counter = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        # Socket Mode: makes the WebSocket URL (with a fresh ticket) `apps.connections.open` hands out, and the
        # app-level tokens it accepts.
        self.socket_mode_url: Callable[[], str] | None = None
        self.app_tokens: set[str] = {"xapp-1-A0CODEV01-1-test"}
        # OAuth (several workspaces): the app's credentials, the page Slack sends people back to, the codes
        # given out, and which workspace each token it gave out is for (calls with others are refused).
        self.client_id, self.client_secret = "1111.2222", "oauth-client-secret"
        self.redirect_uri: str | None = None
        self.workspaces: dict[str, str] = {team_id: "codev sandbox"}  # team id → name
        self.enterprises: dict[str, tuple[str, str]] = {}  # team id → its Enterprise Grid org (id, name)
        self.codes: dict[str, str] = {}  # code → team id
        self.token_teams: dict[str, str] = {}  # access or refresh token → team id
        self.refresh_tokens: dict[str, str] = {}  # refresh token → team id
        self.token_lifetime = 43200  # seconds; Slack's rotated tokens last 12 hours
        self._caller_team: str | None = None  # the workspace of the call being answered, if its token says

    # ---- life cycle -------------------------------------------------------------------------------------
    def start(self) -> SlackStandIn:
        self._server = _Server(("127.0.0.1", 0), _make_handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="slack-standin", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the stand-in first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_url(self) -> str:
        return self.base_url + "/api/"

    # ---- the world --------------------------------------------------------------------------------------
    def add_user(self, user_id: str, name: str, **facts: Any) -> User:
        with self._lock:
            self.users[user_id] = User(user_id, name, **facts)
            return self.users[user_id]

    def add_channel(
        self, channel_id: str, name: str, *, members: Sequence[str] = (), bot_is_member: bool = True, **facts: Any
    ) -> Channel:
        with self._lock:
            channel = Channel(channel_id, name, members=set(members), **facts)
            if bot_is_member:
                channel.members.add(BOT_USER_ID)
            self.channels[channel_id] = channel
            return channel

    def remove_bot_from(self, channel_id: str) -> None:
        with self._lock:
            self.channels[channel_id].members.discard(BOT_USER_ID)

    def new_ts(self) -> str:
        return f"{self._ts_seconds}.{next(self._ts_counter):06d}"

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"

    def user_posts(self, channel_id: str, user_id: str, text: str, thread_ts: str | None = None) -> dict[str, Any]:
        """A person writes in Slack: the message is stored as Slack would store it."""
        with self._lock:
            message = {"type": "message", "user": user_id, "text": text, "ts": self.new_ts(), "team": self.team_id}
            if thread_ts:
                message["thread_ts"] = thread_ts
            self._channel(channel_id).messages.append(message)
            return dict(message)

    # ---- reading what happened ---------------------------------------------------------------------------
    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def messages(self, channel_id: str) -> list[dict[str, Any]]:
        """Top-level messages, oldest first."""
        with self._lock:
            return [dict(m) for m in self._channel(channel_id).messages if m.get("thread_ts") in (None, m["ts"])]

    def thread(self, channel_id: str, thread_ts: str) -> list[dict[str, Any]]:
        """The replies in a thread (parent excluded), oldest first."""
        with self._lock:
            return [
                dict(m)
                for m in self._channel(channel_id).messages
                if m.get("thread_ts") == thread_ts and m["ts"] != thread_ts
            ]

    def message(self, channel_id: str, ts: str) -> dict[str, Any]:
        with self._lock:
            return dict(self._find_message(channel_id, ts))

    def dm_channel(self, user_id: str) -> str:
        with self._lock:
            return self._open_dm(user_id)

    def ephemerals_for(self, user_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [e for e in self.ephemerals if e["user"] == user_id]

    def view(self, view_id: str) -> dict[str, Any]:
        """A modal or a published Home, by id."""
        with self._lock:
            if view_id in self.views:
                return self.views[view_id]
            return next(v for v in self.home_views.values() if v["id"] == view_id)

    def views_for(self, user_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [v for v in self.views.values() if v.get("_user") == user_id]

    # ---- serving ----------------------------------------------------------------------------------------
    def handle(self, method: str, args: dict[str, Any], has_bearer_token: bool, token: str | None = None) -> Answer:
        """Answer one Web API call: (HTTP status, headers, JSON body)."""
        with self._lock:
            call = Call(method, dict(args), has_bearer_token, token or args.get("token"))
            self.calls.append(call)
            early = self.intercept(call)
            if early is not None:
                return early
            if not has_bearer_token and not args.get("token") and method not in ("oauth.v2.access", "api.test"):
                return 200, {}, {"ok": False, "error": "not_authed"}
            if (call.token or "").startswith("xoxe.") and call.token not in self.token_teams:
                return 200, {}, {"ok": False, "error": "token_revoked"}
            implementation: Callable[[dict[str, Any]], dict[str, Any]] | None = getattr(
                self, "_api_" + method.replace(".", "_"), None
            )
            if implementation is None:
                return 200, {}, {"ok": False, "error": "unknown_method"}
            self._caller_team = self.token_teams.get(call.token or "")
            try:
                return 200, {}, {"ok": True, **implementation(args)}
            except SlackError as error:
                return 200, {}, {"ok": False, "error": error.error}
            finally:
                self._caller_team = None

    def intercept(self, call: Call) -> Answer | None:
        """The extension hook: called for every Web API call, once recorded and before it is authenticated.

        Return an answer to send it instead of the call's own, or raise ConnectionAbortedError to drop the
        connection without an answer; return None to let the call proceed. It runs under the stand-in's lock.
        The stand-in itself answers every call (None).
        """
        return None

    def _channel(self, channel_id: str) -> Channel:
        channel = self.channels.get(channel_id)
        if channel is None:
            raise SlackError("channel_not_found")
        caller = self._caller_team
        if channel.team_id and caller and caller != channel.team_id:
            raise SlackError("channel_not_found")  # another workspace's channel does not exist for this token
        return channel

    def _find_message(self, channel_id: str, ts: str) -> dict[str, Any]:
        for message in self._channel(channel_id).messages:
            if message["ts"] == ts:
                return message
        raise SlackError("message_not_found")

    def _user(self, user_id: str) -> User:
        user = self.users.get(user_id)
        if user is None:
            raise SlackError("user_not_found")
        return user

    def _open_dm(self, user_id: str) -> str:
        self._user(user_id)
        dm_id = "D" + user_id[1:]
        if dm_id not in self.channels:
            self.channels[dm_id] = Channel(dm_id, "", is_private=True, is_im=True, members={user_id, BOT_USER_ID})
        return dm_id

    def _writable_channel(self, channel_id: str) -> Channel:
        if channel_id.startswith("U"):
            channel_id = self._open_dm(channel_id)  # Slack accepts a user id for a DM
        channel = self._channel(channel_id)
        if BOT_USER_ID not in channel.members:
            raise SlackError("not_in_channel")
        return channel

    # ---- Web API methods ---------------------------------------------------------------------------------
    def authorize(self, query: dict[str, str]) -> tuple[str, dict[str, str]]:
        """Someone approves (or not) the install in Slack's authorize page: where Slack sends them back."""
        team_id = query.get("team") or self.team_id
        target = query.get("redirect_uri") or self.redirect_uri or ""
        with self._lock:
            if query.get("deny") or team_id not in self.workspaces:
                return target, {"error": "access_denied", "state": query.get("state", "")}
            code = f"code.{team_id}.{next(self._ids)}"
            self.codes[code] = team_id
            return target, {"code": code, "state": query.get("state", "")}

    def team_of_token(self, token: str | None) -> str | None:
        with self._lock:
            return self.token_teams.get(token or "")

    def _give_tokens(self, team_id: str) -> dict[str, Any]:
        n = next(self._ids)
        access, refresh = f"xoxe.xoxb-1-{team_id}-{n}", f"xoxe-1-{team_id}-{n}"
        self.token_teams[access] = team_id
        self.refresh_tokens[refresh] = team_id
        return {"access_token": access, "refresh_token": refresh, "expires_in": self.token_lifetime}

    def _api_oauth_v2_access(self, args: dict[str, Any]) -> dict[str, Any]:
        if args.get("client_id") != self.client_id or args.get("client_secret") != self.client_secret:
            raise SlackError("invalid_client_id" if args.get("client_id") != self.client_id else "bad_client_secret")
        if args.get("grant_type") == "refresh_token":
            team_id = self.refresh_tokens.get(args.get("refresh_token", ""))
            if team_id is None:
                raise SlackError("invalid_refresh_token")
            return {"token_type": "bot", "scope": ",".join(self.scopes), **self._give_tokens(team_id)}
        team_id = self.codes.pop(args.get("code", ""), None)
        if team_id is None:
            raise SlackError("invalid_code")
        return {
            "app_id": "A0CODEV01",
            "authed_user": {"id": "U0INSTALLER"},
            "scope": ",".join(self.scopes),
            "token_type": "bot",
            "bot_user_id": BOT_USER_ID,
            "team": {"id": team_id, "name": self.workspaces[team_id]},
            "enterprise": (
                {"id": self.enterprises[team_id][0], "name": self.enterprises[team_id][1]}
                if team_id in self.enterprises
                else None
            ),
            "is_enterprise_install": False,
            **self._give_tokens(team_id),
        }

    scopes: tuple[str, ...] = ("commands", "chat:write")

    def revoke_workspace(self, team_id: str) -> None:
        """The app is uninstalled from a workspace: its tokens stop working."""
        with self._lock:
            for table in (self.token_teams, self.refresh_tokens):
                for token in [t for t, team in table.items() if team == team_id]:
                    del table[token]

    def _api_apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        token = self.calls[-1].token or ""
        if not token.startswith("xapp-"):
            raise SlackError("not_allowed_token_type")
        if token not in self.app_tokens:
            raise SlackError("invalid_auth")
        if self.socket_mode_url is None:
            raise SlackError("socket_mode_not_enabled")  # hypothetical code: Slack's app has Socket Mode off
        return {"url": self.socket_mode_url()}

    def _api_api_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"args": {}}

    def _api_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "https://codev-sandbox.slack.com/",
            "team": "codev sandbox",
            "user": "codev",
            "team_id": self.team_of_token(self.calls[-1].token) or self.team_id,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _api_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        target = str(args["channel"])
        if target[:1] in ("U", "W") and target in self.users:  # a person's id: the app's DM with them
            target = self._open_dm(target)
        channel = self._writable_channel(target)
        if not (args.get("text") or args.get("blocks") or args.get("attachments")):
            raise SlackError("no_text")
        thread_ts = args.get("thread_ts")
        if thread_ts:
            self._find_message(channel.id, thread_ts)
        message = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "ts": self.new_ts(),
            "text": args.get("text", ""),
            "blocks": _json_arg(args.get("blocks")) or [],
            "team": self.team_id,
        }
        if thread_ts:
            message["thread_ts"] = thread_ts
        if args.get("metadata"):
            message["metadata"] = _json_arg(args["metadata"])
        channel.messages.append(message)
        return {"channel": channel.id, "ts": message["ts"], "message": dict(message)}

    def _api_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._writable_channel(args["channel"])
        message = self._find_message(channel.id, args["ts"])
        if message.get("user") != BOT_USER_ID:
            raise SlackError("cant_update_message")
        if "text" in args:
            message["text"] = args["text"]
        if "blocks" in args:
            message["blocks"] = _json_arg(args["blocks"]) or []
        message["edited"] = {"user": BOT_USER_ID, "ts": self.new_ts()}
        return {"channel": channel.id, "ts": message["ts"], "text": message["text"]}

    def _api_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._writable_channel(args["channel"])
        if args["user"] not in channel.members and not channel.is_im:
            raise SlackError("user_not_in_channel")
        ephemeral = {
            "channel": channel.id,
            "user": args["user"],
            "text": args.get("text", ""),
            "blocks": _json_arg(args.get("blocks")) or [],
            "thread_ts": args.get("thread_ts"),
            "message_ts": self.new_ts(),
        }
        self.ephemerals.append(ephemeral)
        return {"message_ts": ephemeral["message_ts"]}

    def _api_chat_getPermalink(self, args: dict[str, Any]) -> dict[str, Any]:
        self._find_message(args["channel"], args["message_ts"])
        ts = args["message_ts"].replace(".", "")
        return {
            "channel": args["channel"],
            "permalink": f"https://codev-sandbox.slack.com/archives/{args['channel']}/p{ts}",
        }

    def _api_conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        users = [u for u in str(args.get("users", "")).split(",") if u]
        if len(users) != 1:
            raise SlackError("users_list_not_supplied" if not users else "not_supported")
        return {"channel": {"id": self._open_dm(users[0])}}

    def _api_conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args["channel"])
        return {
            "channel": {
                "id": channel.id,
                "name": channel.name,
                "is_channel": not channel.is_im,
                "is_im": channel.is_im,
                "is_private": channel.is_private,
                "is_ext_shared": channel.is_ext_shared,
                "is_shared": channel.is_ext_shared,
                "is_member": BOT_USER_ID in channel.members,
                "is_archived": False,
            }
        }

    def _api_conversations_members(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args["channel"])
        if channel.is_private and BOT_USER_ID not in channel.members:
            raise SlackError("channel_not_found")
        return {"members": sorted(channel.members), "response_metadata": {"next_cursor": ""}}

    def _api_conversations_invite(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._writable_channel(args["channel"])
        for user_id in str(args.get("users", "")).split(","):
            if user_id:
                self._user(user_id)
                channel.members.add(user_id)
        return {"channel": {"id": channel.id}}

    def _api_conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args["channel"])
        parent = self._find_message(channel.id, args["ts"])
        replies = [m for m in channel.messages if m.get("thread_ts") == parent["ts"] and m is not parent]
        return {
            "messages": [dict(parent), *map(dict, replies)],
            "has_more": False,
            "response_metadata": {"next_cursor": ""},
        }

    def _api_conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args["channel"])
        top_level = [dict(m) for m in channel.messages if m.get("thread_ts") in (None, m["ts"])]
        return {"messages": list(reversed(top_level)), "has_more": False, "response_metadata": {"next_cursor": ""}}

    def _api_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self._user(args.get("user", ""))
        offset = int(datetime.now(ZoneInfo(user.tz)).utcoffset().total_seconds())  # type: ignore[union-attr]
        return {
            "user": {
                "id": user.id,
                "team_id": self.team_id,
                "name": user.name.lower().replace(" ", "."),
                "real_name": user.name,
                "deleted": user.deleted,
                "is_bot": user.is_bot,
                "tz": user.tz,
                "tz_label": user.tz,
                "tz_offset": offset,
                **({"locale": user.locale} if _flag(args.get("include_locale")) else {}),  # as Slack: only if asked
                "profile": {"real_name": user.name, "display_name": user.name},
            }
        }

    def _api_views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if not str(args.get("trigger_id", "")).startswith("trigger."):
            raise SlackError("invalid_trigger_id")
        user_id = args["trigger_id"].split(".")[1]
        view = {**_json_arg(args["view"]), "id": self.new_id("V"), "hash": self.new_ts(), "_user": user_id}
        self.views[view["id"]] = view
        return {"view": _public(view)}

    def _api_views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._api_views_open(args)

    def _api_views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view_id = args.get("view_id")
        if view_id not in self.views:
            raise SlackError("not_found")
        old = self.views[view_id]
        view = {**_json_arg(args["view"]), "id": view_id, "hash": self.new_ts(), "_user": old["_user"]}
        self.views[view_id] = view
        return {"view": _public(view)}

    def _api_views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        self._user(args["user_id"])
        view = {**_json_arg(args["view"]), "id": self.new_id("V"), "hash": self.new_ts()}
        self.home_views[args["user_id"]] = view
        return {"view": view}

    def _api_files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        file_id = self.new_id("F")
        self.files[file_id] = {
            "id": file_id,
            "name": args["filename"],
            "length": int(args["length"]),
            "content": None,
            "shared_in": None,
        }
        return {"upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def _api_files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        described = _json_arg(args["files"])
        shared = []
        for item in described:
            stored = self.files.get(item.get("id"))
            if stored is None or stored["content"] is None:
                raise SlackError("file_not_found")
            stored["title"] = item.get("title") or stored["name"]
            if args.get("channel_id"):
                channel = self._writable_channel(args["channel_id"])
                stored["shared_in"] = channel.id
                stored["initial_comment"] = args.get("initial_comment")
            shared.append({"id": stored["id"], "title": stored["title"], "name": stored["name"]})
        return {"files": shared}

    def _api_files_info(self, args: dict[str, Any]) -> dict[str, Any]:
        stored = self.files.get(args.get("file", ""))
        if stored is None:
            raise SlackError("file_not_found")
        return {"file": {"id": stored["id"], "name": stored["name"], "title": stored.get("title")}}

    def receive_upload(self, file_id: str, content: bytes) -> bool:
        with self._lock:
            stored = self.files.get(file_id)
            if stored is None:
                return False
            stored["content"] = content
            return True

    def receive_response(self, response_id: str, payload: dict[str, Any]) -> None:
        """What the app sent to a response_url; replace_original / delete_original act on the clicked message."""
        with self._lock:
            self.responses.append({"id": response_id, **payload})
            target = self.response_targets.get(response_id)
            if target is None or target[0] not in self.channels:
                return
            channel = self.channels[target[0]]
            message = next((m for m in channel.messages if m["ts"] == target[1]), None)
            if message is None:
                return
            if payload.get("delete_original"):
                channel.messages.remove(message)
            elif payload.get("replace_original"):
                message["text"] = payload.get("text", "")
                message["blocks"] = payload.get("blocks") or []
                message["edited"] = {"user": BOT_USER_ID, "ts": self.new_ts()}


def _json_arg(value: Any) -> Any:
    """Slack accepts JSON-valued arguments either as JSON or as a JSON string in a form field."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _flag(value: Any) -> bool:
    """A boolean argument as Slack reads it: true, or "1"/"true" in a form field or query string."""
    return value is True or str(value).strip().lower() in ("1", "true")


def _public(view: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in view.items() if not k.startswith("_")}


class _Server(ThreadingHTTPServer):
    # The listen backlog: socketserver's default of 5 refused connections when many calls came at once (a
    # benchmark's 1,000 sessions), which showed as codev's lateness; Slack accepts them all.
    request_queue_size = 1024


def _make_handler(standin: SlackStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("stand-in: " + format, *args)

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def _serve(self) -> None:
            url = urlparse(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if url.path.startswith("/upload/"):
                ok = standin.receive_upload(url.path.rsplit("/", 1)[1], raw)
                self._reply(200 if ok else 404, {}, b"OK" if ok else b"Not Found", "text/plain")
                return
            if url.path == "/oauth/v2/authorize":
                target, params = standin.authorize(dict(parse_qsl(url.query)))
                self._reply(302, {"Location": f"{target}?{urlencode(params)}"}, b"", "text/plain")
                return
            if url.path.startswith("/response/"):
                standin.receive_response(url.path.rsplit("/", 1)[1], json.loads(raw or b"{}"))
                self._reply(200, {}, b"ok", "text/plain")
                return
            if not url.path.startswith("/api/"):
                self._reply(404, {}, b"Not Found", "text/plain")
                return
            args: dict[str, Any] = dict(parse_qsl(url.query))
            content_type = self.headers.get("Content-Type", "")
            if raw and "application/json" in content_type:
                args.update(json.loads(raw))
            elif raw:
                args.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
            authorization = self.headers.get("Authorization", "")
            if authorization.startswith("Basic "):  # oauth.v2.access: the app's client id and secret
                client_id, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
                args.update(client_id=client_id, client_secret=secret)
            bearer = authorization.startswith("Bearer ")
            token = authorization[len("Bearer ") :] if bearer else None
            try:
                status, headers, body = standin.handle(url.path[len("/api/") :], args, bearer, token)
            except ConnectionAbortedError:
                self.close_connection = True
                self.connection.shutdown(2)
                return
            self._reply(status, headers, json.dumps(body).encode(), "application/json; charset=utf-8")

        def _reply(self, status: int, headers: dict[str, str], body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler
