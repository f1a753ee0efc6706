"""HTTP mode: one WSGI app for Slack's request URL, liveness and readiness, served by waitress.

- `GET /healthz` is liveness: 200 whenever the process serves HTTP. It touches neither the database nor
  Slack, so a long write, a slow database or a Slack outage never gets a working process restarted.
- `GET /metrics` answers in Prometheus' text format (bot/metrics.py says what it counts).
- `GET /readyz` is readiness: a quick read of the database (never behind SQLite's write lock, 2 s at most)
  and whether Slack accepts the token (`auth.test`, at most once a minute); 200 when both are fine, else
  503; the JSON body says which is failing and why.
"""

from __future__ import annotations

import contextvars
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk.signature import SignatureVerifier
from waitress.server import create_server

from bot import metrics
from bot.config import DEFAULT_HTTP_CHANNEL_TIMEOUT, DEFAULT_HTTP_CONNECTION_LIMIT
from bot.slack.client import SlackAuthCheck
from bot.slack.envelope import Malformed, bolt_request
from bot.storage.db import Database

if TYPE_CHECKING:
    from bot.slack.context import Services

log = logging.getLogger(__name__)

SLACK_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
METRICS_PATH = "/metrics"  # Prometheus' text format: bot/metrics.py says what is counted
READ_CHECK_SECONDS = 2.0
# Slack sends small bodies; anything bigger is not Slack.
MAX_BODY_BYTES = 1_000_000

StartResponse = Callable[..., Any]


def make_wsgi_app(
    app: App, services: Services, signing_secret: str, *, slack_auth: SlackAuthCheck | None = None
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    db = services.db
    verifier = SignatureVerifier(signing_secret)
    slack_auth = slack_auth or SlackAuthCheck(app.client)
    exposition = metrics.Exposition(db)

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            return _json(start_response, "200 OK", {"status": "ok"})
        if path == READY_PATH and method in ("GET", "HEAD"):
            return _readiness(db, slack_auth, start_response)
        if path == METRICS_PATH and method in ("GET", "HEAD"):
            body = exposition.render()
            start_response("200 OK", [("Content-Type", metrics.CONTENT_TYPE), ("Content-Length", str(len(body)))])
            return [body]
        if method in ("GET", "HEAD") and app.oauth_flow is not None and path in _oauth_paths(app):
            return _oauth_page(app, path, environ, start_response)  # several workspaces: install, redirect
        if path == SLACK_PATH and method == "POST":
            # A context of its own: what the request sets for its log lines (team, session) ends with it.
            with services.acks_first.acking():
                return contextvars.copy_context().run(
                    _slack_request, app, services.ack_at_once, verifier, environ, start_response
                )
        return _plain(start_response, "404 Not Found", b"Not Found")

    return wsgi


def _slack_request(
    app: App,
    ack_at_once: Callable[[BoltRequest], BoltResponse | None] | None,
    verifier: SignatureVerifier,
    environ: dict[str, Any],
    start_response: StartResponse,
) -> Iterable[bytes]:
    """Check the signature, then the body's envelope (bot/slack/envelope.py), before Bolt sees anything.

    `ack_at_once` may answer first, Bolt dispatching the request afterwards: an Events API delivery is acknowledged
    as soon as the inbox keeps it, and a command or a click under load at once (bot/acks_first.py). Otherwise the
    answer is Bolt's (commands and clicks ack from their listeners)."""
    began = time.perf_counter()
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length).decode("utf-8", errors="replace") if length else ""
    headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    timestamp = headers.get("x-slack-request-timestamp", "")
    if not timestamp.isdigit() or not verifier.is_valid(body, timestamp, headers.get("x-slack-signature", "")):
        metrics.request_done("unknown", 401, began)
        return _plain(start_response, "401 Unauthorized", b"invalid request")
    try:
        request = bolt_request(body, query=environ.get("QUERY_STRING", ""), headers=headers)
    except Malformed as problem:
        log.warning("rejected a request Slack could not have sent: %s", problem)
        metrics.request_done("unknown", 400, began)
        return _plain(start_response, "400 Bad Request", b"malformed body")
    response = ack_at_once(request) if ack_at_once is not None else None
    if response is None:
        response = app.dispatch(request)
    metrics.request_done(
        metrics.request_kind(request.body), response.status, began, retry="x-slack-retry-num" in headers
    )
    return _respond(response, start_response)


def _respond(response: BoltResponse, start_response: StartResponse) -> Iterable[bytes]:
    """Bolt's response as WSGI's: its headers, with the length of the body as sent."""
    payload = response.body.encode("utf-8")
    out_headers = [
        (name, value)
        for name, values in response.headers.items()
        for value in values
        if name.lower() != "content-length"
    ]
    out_headers.append(("Content-Length", str(len(payload))))
    start_response(f"{response.status} {HTTPStatus(response.status).phrase}", out_headers)
    return [payload]


def _oauth_paths(app: App) -> tuple[str, str]:
    flow = app.oauth_flow
    assert flow is not None
    return flow.install_path, flow.redirect_uri_path


def _oauth_page(app: App, path: str, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """Bolt's OAuth flow: the "Add to Slack" page, and the page Slack sends people back to."""
    flow = app.oauth_flow
    assert flow is not None
    headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")}
    request = BoltRequest(body="", query=environ.get("QUERY_STRING", ""), headers=headers)
    response = flow.handle_installation(request) if path == flow.install_path else flow.handle_callback(request)
    return _respond(response, start_response)


def _readiness(db: Database, slack_auth: SlackAuthCheck, start_response: StartResponse) -> list[bytes]:
    database_problem = db.read_problem(timeout=READ_CHECK_SECONDS)
    slack_ok, slack_problem = slack_auth.status()
    checks = {
        "database": {"ok": database_problem is None, "error": database_problem},
        "slack": {"ok": slack_ok, "error": slack_problem},
    }
    failing = [name for name, check in checks.items() if not check["ok"]]
    if failing:
        return _json(start_response, "503 Service Unavailable", {"status": "unavailable", "failing": failing, **checks})
    return _json(start_response, "200 OK", {"status": "ready", "failing": [], **checks})


def _json(start_response: StartResponse, status: str, answer: dict[str, Any]) -> list[bytes]:
    body = json.dumps(answer).encode()
    start_response(
        status,
        [("Content-Type", "application/json"), ("Content-Length", str(len(body))), ("Cache-Control", "no-store")],
    )
    return [body]


def _plain(start_response: StartResponse, status: str, body: bytes) -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def make_http_server(
    wsgi: Callable[..., Any],
    *,
    host: str,
    port: int,
    threads: int = 8,
    connection_limit: int = DEFAULT_HTTP_CONNECTION_LIMIT,
    channel_timeout: int = DEFAULT_HTTP_CHANNEL_TIMEOUT,
) -> Any:
    """A waitress server (threads for concurrent requests, a body cap, no dev-server shortcuts).

    Every open connection, idle or not, takes one of `connection_limit` places; at the limit waitress stops
    accepting until one closes (waitress' default, 100, let ~100 idle sockets shut Slack out). A connection
    silent for `channel_timeout` seconds is closed (checked every third of that), so idle ones cannot hold
    their places long. poll() instead of select(): select() cannot watch a socket numbered above 1024.
    """
    _make_room_for(connection_limit)
    return create_server(
        wsgi,
        host=host,
        port=port,
        threads=threads,
        max_request_body_size=MAX_BODY_BYTES,
        ident="codev",
        clear_untrusted_proxy_headers=True,
        connection_limit=connection_limit,
        channel_timeout=channel_timeout,
        cleanup_interval=max(1, channel_timeout // 3),
        asyncore_use_poll=True,
    )


def _make_room_for(connections: int) -> None:
    """Let the process open a socket per connection plus its own files: raise the soft limit if allowed."""
    try:
        import resource
    except ImportError:  # not on Unix; nothing to raise
        return
    wanted = connections + 128  # the database, Slack's connections, logs, waitress' own pipes
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    except (ValueError, OSError):
        pass
    if soft < wanted:
        log.warning(
            "HTTP_CONNECTION_LIMIT=%d needs about %d open files but this process may open %d: raise `ulimit -n` "
            "or lower HTTP_CONNECTION_LIMIT",
            connections,
            wanted,
            soft,
        )


def run_until(server: Any, stop: threading.Event, *, poll: float = 0.05) -> None:
    """Serve from a background thread until `stop` is set, then close in that same thread."""
    try:
        while not stop.is_set():
            server.asyncore.loop(timeout=poll, map=server._map, count=1, use_poll=server.adj.asyncore_use_poll)
    finally:
        server.task_dispatcher.shutdown()
        server.close()
