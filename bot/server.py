"""HTTP mode: one WSGI app for Slack's request URL and the health check, served by waitress."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

from slack_bolt import App, BoltRequest
from slack_sdk.signature import SignatureVerifier
from waitress.server import create_server

from bot.storage.db import Database

log = logging.getLogger(__name__)

SLACK_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
# Slack sends small bodies; anything bigger is not Slack.
MAX_BODY_BYTES = 1_000_000

StartResponse = Callable[..., Any]


def make_wsgi_app(
    app: App, db: Database, signing_secret: str
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    verifier = SignatureVerifier(signing_secret)

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            healthy = db.is_healthy()
            body = json.dumps({"status": "ok" if healthy else "unavailable", "database": healthy}).encode()
            status = "200 OK" if healthy else "503 Service Unavailable"
            start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        if path == SLACK_PATH and method == "POST":
            return _slack_request(app, verifier, environ, start_response)
        return _plain(start_response, "404 Not Found", b"Not Found")

    return wsgi


def _slack_request(
    app: App, verifier: SignatureVerifier, environ: dict[str, Any], start_response: StartResponse
) -> Iterable[bytes]:
    """Check the signature, then the body's shape, before Bolt sees anything (Bolt parses first)."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length).decode("utf-8", errors="replace") if length else ""
    headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    timestamp = headers.get("x-slack-request-timestamp", "")
    if not timestamp.isdigit() or not verifier.is_valid(body, timestamp, headers.get("x-slack-signature", "")):
        return _plain(start_response, "401 Unauthorized", b"invalid request")
    if not _parses(body, headers.get("content-type", "")):
        return _plain(start_response, "400 Bad Request", b"malformed body")
    response = app.dispatch(
        BoltRequest(body=body, query=environ.get("QUERY_STRING", ""), headers={k: [v] for k, v in headers.items()})
    )
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


def _parses(body: str, content_type: str) -> bool:
    try:
        if content_type.startswith("application/json") or body.startswith("{"):
            return isinstance(json.loads(body), dict)
        fields = parse_qs(body, keep_blank_values=True)
        if "payload" in fields:
            return isinstance(json.loads(fields["payload"][0]), dict)
        return bool(fields)
    except ValueError:
        return False


def _plain(start_response: StartResponse, status: str, body: bytes) -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def make_http_server(wsgi: Callable[..., Any], *, host: str, port: int, threads: int = 8) -> Any:
    """A waitress server (threads for concurrent requests, a body cap, no dev-server shortcuts)."""
    return create_server(
        wsgi,
        host=host,
        port=port,
        threads=threads,
        max_request_body_size=MAX_BODY_BYTES,
        ident="codev",
        clear_untrusted_proxy_headers=True,
    )


def run_until(server: Any, stop: threading.Event, *, poll: float = 0.05) -> None:
    """Serve from a background thread until `stop` is set, then close in that same thread."""
    try:
        while not stop.is_set():
            server.asyncore.loop(timeout=poll, map=server._map, count=1)
    finally:
        server.task_dispatcher.shutdown()
        server.close()
