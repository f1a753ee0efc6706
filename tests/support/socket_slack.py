"""Slack's side of Socket Mode on loopback: a WebSocket server that greets, sends envelopes and reads acks.

What it reproduces of Slack (learnt from Slack's Socket Mode documentation and the SDKs' own tests):
- the URL comes from `apps.connections.open` (the stand-in asks `open_url` for one) and carries a ticket
  that opens one connection only; an unknown or used ticket is refused at the handshake;
- each connection starts with a `hello` message naming the app and the number of connections;
- envelopes `{"envelope_id", "type": slash_commands | interactive | events_api, "payload",
  "accepts_response_payload", "retry_attempt", "retry_reason"}`, acknowledged by
  `{"envelope_id", "payload"?}` on the same connection;
- `{"type": "disconnect", "reason": "refresh_requested" | "warning" | "link_disabled"}` before Slack closes
  a connection (it closes it `close_after` seconds later if the app has not), and a connection dropped
  without a close frame (a network failure);
- WebSocket pings are answered (the library does it).
What it does not: Slack's own retries after 3 seconds without an ack (tests send a redelivery themselves),
spreading envelopes over several open connections, the `debug_reconnects` URL option, TLS (`ws://` on
loopback), and the rate limit on `apps.connections.open`.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from bot.sandbox.driver import Reply, SlackDriver
from bot.sandbox.standin import SlackStandIn

APP_ID = "A0CODEV01"


@dataclass
class Link:
    """One WebSocket connection from the app."""

    ticket: str
    connection: ServerConnection
    received: list[dict[str, Any]] = field(default_factory=list)
    closed: threading.Event = field(default_factory=threading.Event)


class SocketModeSlack:
    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._tickets = itertools.count(1)
        self._envelopes = itertools.count(1)
        self._issued: set[str] = set()
        self.links: list[Link] = []
        self.acks: dict[str, dict[str, Any]] = {}  # envelope id → the ack
        self.refused_tickets: list[str] = []
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # ---- life cycle -------------------------------------------------------------------------------------
    def start(self) -> SocketModeSlack:
        self._server = serve(
            self._serve, "127.0.0.1", 0, process_request=self._check_ticket, compression=None, ping_interval=None
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name="socket-mode-slack", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server = None

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.socket.getsockname()[1])

    def open_url(self) -> str:
        """What `apps.connections.open` answers: a fresh URL with a one-time ticket."""
        ticket = f"tk{next(self._tickets):04d}"
        with self._lock:
            self._issued.add(ticket)
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={APP_ID}"

    # ---- the server ---------------------------------------------------------------------------------------
    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        ticket = request.path.partition("ticket=")[2].partition("&")[0]
        with self._lock:
            if ticket in self._issued:
                self._issued.discard(ticket)
                return None
            self.refused_tickets.append(ticket)
        body = b"invalid or used ticket"
        headers = Headers([("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return Response(HTTPStatus.UNAUTHORIZED, "Unauthorized", headers, body)

    def _serve(self, connection: ServerConnection) -> None:
        ticket = connection.request.path.partition("ticket=")[2].partition("&")[0] if connection.request else ""
        link = Link(ticket, connection)
        with self._lock:
            self.links.append(link)
            connections = sum(1 for each in self.links if not each.closed.is_set())
            self._lock.notify_all()
        try:
            connection.send(
                json.dumps(
                    {
                        "type": "hello",
                        "num_connections": connections,
                        "debug_info": {"host": "applink-test", "build_number": 1, "approximate_connection_time": 18060},
                        "connection_info": {"app_id": APP_ID},
                    }
                )
            )
            for raw in connection:
                message = json.loads(raw)
                with self._lock:
                    link.received.append(message)
                    if isinstance(message, dict) and message.get("envelope_id"):
                        self.acks[message["envelope_id"]] = message
                    self._lock.notify_all()
        except (ConnectionClosed, OSError):
            pass
        finally:
            link.closed.set()
            with self._lock:
                self._lock.notify_all()

    # ---- what tests do ------------------------------------------------------------------------------------
    def wait_for(self, predicate: Callable[[], Any], timeout: float = 20.0, what: str = "") -> Any:
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                value = predicate()
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"Socket Mode: waited {timeout}s for {what or predicate}")
                self._lock.wait(min(left, 0.2))

    def open_links(self) -> list[Link]:
        with self._lock:
            return [link for link in self.links if not link.closed.is_set()]

    def wait_connected(self, count: int = 1, timeout: float = 30.0) -> Link:
        """The newest open link once `count` links in all have been made."""
        return self.wait_for(
            lambda: len(self.links) >= count and next((x for x in reversed(self.links) if not x.closed.is_set()), None),
            timeout,
            f"connection number {count}",
        )

    def send(
        self, kind: str, payload: dict[str, Any], *, retry_attempt: int = 0, envelope_id: str | None = None
    ) -> str:
        """Send an envelope on the newest open connection; returns its id."""
        envelope_id = envelope_id or f"env-{next(self._envelopes):05d}-{int(time.time())}"
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
        }
        if kind == "events_api":
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = "timeout" if retry_attempt else ""
        link = self.wait_connected()
        link.connection.send(json.dumps(envelope))
        return envelope_id

    def ack(self, envelope_id: str, timeout: float = 20.0) -> dict[str, Any]:
        ack: dict[str, Any] = self.wait_for(lambda: self.acks.get(envelope_id), timeout, f"the ack of {envelope_id}")
        return ack

    def disconnect(self, reason: str = "refresh_requested", close_after: float = 10.0) -> Link:
        """Slack says it will close the connection; closes it itself after `close_after` seconds."""
        link = self.wait_connected()
        link.connection.send(json.dumps({"type": "disconnect", "reason": reason, "debug_info": {"host": "applink"}}))

        def close_later() -> None:
            if not link.closed.wait(close_after):
                link.connection.close(1001, "going away")

        threading.Thread(target=close_later, daemon=True).start()
        return link

    def drop(self) -> Link:
        """The network fails: the connection is cut without a close frame."""
        link = self.wait_connected()
        with contextlib.suppress(OSError):
            link.connection.socket.shutdown(socket.SHUT_RDWR)
        link.connection.socket.close()
        return link


class SocketDriver(SlackDriver):
    """The sandbox's SlackDriver, speaking Socket Mode: what it would POST goes as an envelope, the ack is the
    reply (its payload as the body, as HTTP mode's response body). Circle's scenarios run over it as they are."""

    def __init__(self, server: SocketModeSlack, standin: SlackStandIn) -> None:
        super().__init__("socket-mode", "", standin)
        self.server = server

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
        if content_type == "application/json":
            kind, payload = "events_api", json.loads(body)
        else:
            fields = dict(parse_qsl(body.decode(), keep_blank_values=True))
            if "payload" in fields:
                kind, payload = "interactive", json.loads(fields["payload"])
            else:
                kind, payload = "slash_commands", fields
        retry = int((extra_headers or {}).get("X-Slack-Retry-Num", 0))
        envelope_id = self.server.send(kind, payload, retry_attempt=retry)
        ack = self.server.ack(envelope_id, timeout=timeout)
        answer = ack.get("payload")
        return Reply(200, json.dumps(answer) if answer else "", {})
