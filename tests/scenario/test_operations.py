"""Operating codev: liveness and readiness, a refused token said once, idle connections, quiet readable logs."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.app import create_app
from bot.logs import make_handler
from bot.sandbox.circle import eventually
from bot.sandbox.driver import SlackDriver
from bot.sandbox.standin import TEAM_ID, Answer, Call
from bot.server import make_http_server, make_wsgi_app, run_until
from tests.conftest import SIGNING_SECRET, BotProcess, RunningApp
from tests.support.faulty_standin import FaultyStandIn


def _get(url: str, timeout: float = 10) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@contextlib.contextmanager
def codev_log(level: int = logging.INFO) -> Iterator[io.StringIO]:
    """What codev's own handler (bot/logs.py) writes while the block runs, as `codev run` would."""
    stream = io.StringIO()
    handler = make_handler("text", stream)
    root = logging.getLogger()
    before = root.level
    root.addHandler(handler)
    root.setLevel(level)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(before)


@contextlib.contextmanager
def revoked(standin: FaultyStandIn, error: str = "token_revoked") -> Iterator[None]:
    """Slack refuses the bot token on every call, as after an uninstall, until the block ends."""
    original = standin.intercept

    def refuse(call: Call) -> Answer | None:
        if call.has_bearer_token:
            return 200, {}, {"ok": False, "error": error}
        return original(call)

    standin.intercept = refuse  # type: ignore[method-assign]
    try:
        yield
    finally:
        standin.intercept = original  # type: ignore[method-assign]


# ---- /healthz and /readyz ------------------------------------------------------------------------------
def test_liveness_and_readiness_answer_while_a_long_write_holds_the_database(running_app: RunningApp) -> None:
    db = running_app.services.db
    writing, done = threading.Event(), threading.Event()

    def long_write() -> None:
        with db.session() as session:  # takes SQLite's write lock (BEGIN IMMEDIATE) and keeps it
            session.connection().execute(text("UPDATE alembic_version SET version_num = version_num"))
            writing.set()
            done.wait(30)

    writer = threading.Thread(target=long_write)
    writer.start()
    try:
        assert writing.wait(10)
        assert _get(running_app.base_url + "/healthz") == (200, {"status": "ok"})
        status, ready = _get(running_app.base_url + "/readyz")
        assert status == 200, ready
        assert ready["database"] == {"ok": True, "error": None}
        assert writer.is_alive()  # both answered while the write was still holding its lock
    finally:
        done.set()
        writer.join(10)


def test_readiness_reports_database_and_slack(running_app: RunningApp) -> None:
    status, ready = _get(running_app.base_url + "/readyz")
    assert status == 200
    assert ready == {
        "status": "ready",
        "failing": [],
        "database": {"ok": True, "error": None},
        "slack": {"ok": True, "error": None},
    }


def test_readiness_names_an_unreadable_database_and_liveness_does_not_care(running_app: RunningApp, mocker) -> None:
    mocker.patch.object(running_app.services.db, "read_problem", return_value="OperationalError")
    status, ready = _get(running_app.base_url + "/readyz")
    assert status == 503
    assert ready["failing"] == ["database"]
    assert ready["database"] == {"ok": False, "error": "OperationalError"}
    assert ready["slack"]["ok"] is True
    assert _get(running_app.base_url + "/healthz")[0] == 200


def test_the_database_read_check_does_not_hang_on_a_stuck_database(running_app: RunningApp, mocker) -> None:
    db = running_app.services.db
    stuck = threading.Event()
    mocker.patch.object(db, "_read_once", side_effect=lambda result: stuck.wait(30))
    try:
        assert "not answering within" in (db.read_problem(timeout=0.2) or "")
        # The stuck read is not joined by another one: the next check says so at once.
        assert "not answering" in (db.read_problem(timeout=0.2) or "")
    finally:
        stuck.set()


def test_slack_auth_is_checked_at_most_once_a_minute(running_app: RunningApp, standin: FaultyStandIn) -> None:
    before = len(standin.calls_to("auth.test"))
    for _ in range(5):
        assert _get(running_app.base_url + "/readyz")[0] == 200
    assert len(standin.calls_to("auth.test")) - before == 1


# ---- a refused token -----------------------------------------------------------------------------------
def test_a_revoked_token_is_said_once_clearly_and_codev_keeps_serving(
    running_app: RunningApp, slack: SlackDriver, standin: FaultyStandIn
) -> None:
    client = running_app.services.client
    with codev_log() as log, revoked(standin):
        # Slack refuses calls made for people (Bolt's per-request clients) and in the background alike.
        for _ in range(3):
            assert slack.command("U0ALICE", "start").status in (200, 500)
        eventually(lambda: len(standin.calls_to("views.open")) >= 3)
        for _ in range(3):
            with contextlib.suppress(Exception):
                client.chat_postMessage(channel="C0CODEV01", text="background")
        reply = slack.command("U0ALICE", "help")
        assert reply.status == 200 and "/codev start" in reply.body  # still serving
        status, ready = _get(running_app.base_url + "/readyz")
        assert status == 503
        assert ready["failing"] == ["slack"]
        assert ready["slack"] == {"ok": False, "error": "token_revoked"}
        assert ready["database"]["ok"] is True
        eventually(lambda: "refuses codev's bot token" in log.getvalue())

    # Slack accepts the token again (a new one after a reinstall, here the same): said once, at INFO.
    with codev_log() as recovered:
        client.auth_test()
        assert _get(running_app.base_url + "/readyz")[0] == 200

    lines = log.getvalue().splitlines()
    errors = [line for line in lines if " ERROR " in line]
    assert len(errors) == 1, lines
    assert "token_revoked" in errors[0] and "SLACK_BOT_TOKEN" in errors[0] and "reinstall" in errors[0]
    assert "Traceback" not in log.getvalue()
    assert [line for line in recovered.getvalue().splitlines() if "accepts codev's bot token again" in line]


# ---- idle connections ----------------------------------------------------------------------------------
def _idle_sockets(port: int, count: int) -> list[socket.socket]:
    sockets = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sockets.append(sock)
    return sockets


def test_150_idle_connections_do_not_lock_slack_out(running_app: RunningApp, slack: SlackDriver) -> None:
    port = int(running_app.base_url.rsplit(":", 1)[1])
    sockets = _idle_sockets(port, 150)
    try:
        reply = slack.command("U0ALICE", "help")
        assert reply.status == 200 and "/codev start" in reply.json()["blocks"][0]["text"]["text"]
        assert _get(running_app.base_url + "/healthz") == (200, {"status": "ok"})
    finally:
        for sock in sockets:
            sock.close()


def test_idle_connections_are_closed_after_the_channel_timeout(running_app: RunningApp) -> None:
    """At a (tiny) connection limit, idle sockets fill it; the channel timeout frees it again."""
    app = create_app(running_app.services)
    wsgi = make_wsgi_app(app, running_app.services, SIGNING_SECRET)
    server = make_http_server(wsgi, host="127.0.0.1", port=0, connection_limit=10, channel_timeout=1)
    assert (server.adj.connection_limit, server.adj.channel_timeout) == (10, 1)
    stop = threading.Event()
    thread = threading.Thread(target=run_until, args=(server, stop), daemon=True)
    thread.start()
    sockets = _idle_sockets(server.effective_port, 12)
    try:
        # Waits in the backlog while idle sockets hold every place, then is served once they are closed.
        assert _get(f"http://127.0.0.1:{server.effective_port}/healthz", timeout=30) == (200, {"status": "ok"})
        for sock in sockets:
            assert sock.recv(1) == b""  # the server closed it
    finally:
        for sock in sockets:
            sock.close()
        stop.set()
        thread.join(10)


# ---- logs ----------------------------------------------------------------------------------------------
def _lines_after_start(bot: BotProcess) -> list[str]:
    lines = bot.log().splitlines()
    start = next(i for i, line in enumerate(lines) if "codev listening on" in line)
    return lines[start + 1 :]


def test_an_idle_bot_writes_almost_nothing_at_info(standin: FaultyStandIn, database_url: str, tmp_path: Path) -> None:
    bot = BotProcess(standin, database_url, tmp_path)
    bot.env["LOG_LEVEL"] = "INFO"
    bot.start()
    try:
        # A few seconds of idling, probed as an orchestrator would (probes must not log either). Before
        # APScheduler's job runs went to DEBUG, this window held about 4 lines a second.
        window_end = time.monotonic() + 3
        while time.monotonic() < window_end:
            assert _get(f"http://127.0.0.1:{bot.port}/healthz")[0] == 200
            assert _get(f"http://127.0.0.1:{bot.port}/readyz")[0] == 200
            time.sleep(0.25)
        assert len(_lines_after_start(bot)) <= 1, _lines_after_start(bot)
    finally:
        bot.stop()


def test_json_logs_are_one_object_per_line_naming_team(
    standin: FaultyStandIn, database_url: str, tmp_path: Path
) -> None:
    bot = BotProcess(standin, database_url, tmp_path)
    bot.env.update(LOG_FORMAT="json", LOG_LEVEL="DEBUG")
    bot.start()
    try:
        driver = SlackDriver(bot.url, SIGNING_SECRET, standin)
        assert driver.command("U0ALICE", "start").status == 200
        eventually(lambda: standin.calls_to("views.open"))
    finally:
        bot.stop()
    entries = [json.loads(line) for line in bot.log().splitlines()]  # every line parses
    assert entries
    for entry in entries:
        assert {"time", "level", "logger", "message", "team", "session"} <= entry.keys(), entry
    # The Web API call made in the listener's thread, after the ack, still names the request's team.
    assert [e for e in entries if e["team"] == TEAM_ID and "views.open" in e["message"]], entries[-20:]
    assert any(e["level"] == "INFO" and e["logger"] == "codev" for e in entries)


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_lines_about_a_refused_token_are_folded_into_the_one_error(log_format: str) -> None:
    from slack_sdk.errors import SlackApiError
    from slack_sdk.web import SlackResponse

    stream = io.StringIO()
    logger = logging.getLogger("tests.operations.fold")
    logger.propagate = False
    logger.addHandler(make_handler(log_format, stream))
    logger.setLevel(logging.INFO)
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.com/api/chat.postMessage",
        req_args={},
        data={"ok": False, "error": "account_inactive"},
        headers={},
        status_code=200,
    )
    try:
        raise SlackApiError("refused", response)
    except SlackApiError:
        logger.warning("could not DM someone", exc_info=True)
    try:
        raise ValueError("something else")
    except ValueError:
        logger.warning("another problem", exc_info=True)
    written = stream.getvalue()
    assert "could not DM" not in written
    assert "another problem" in written and "ValueError" in written  # other tracebacks stay
