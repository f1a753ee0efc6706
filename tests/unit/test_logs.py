"""Log lines: JSON with team and session, a refused token said once, and the settings that shape them."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.config import ConfigError, load_settings
from bot.logs import ContextThreadPoolExecutor, bolt_log_context, log_context, make_handler, session_var, team_var
from bot.slack.client import AuthWatch


@pytest.fixture
def json_log() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    logger = logging.getLogger("tests.logs.json")
    logger.propagate = False
    handler = make_handler("json", stream)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield logger, stream
    logger.removeHandler(handler)


def _entries(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_carry_time_level_logger_message_team_and_session(json_log) -> None:
    logger, stream = json_log
    logger.info("outside")
    with log_context(team="T1", session=42):
        logger.warning("inside %s", "a session")
    try:
        raise RuntimeError("boom\nsecond line")
    except RuntimeError:
        logger.exception("failed")
    outside, inside, failed = _entries(stream)
    assert outside["team"] is None and outside["session"] is None
    assert inside["team"] == "T1" and inside["session"] == 42
    assert inside["level"] == "WARNING" and inside["logger"] == "tests.logs.json"
    assert inside["message"] == "inside a session"
    assert str(inside["time"]).endswith("+00:00")
    assert "RuntimeError: boom" in str(failed["exception"])  # a traceback stays inside its one line
    assert len(stream.getvalue().splitlines()) == 3


def _through_middleware(body: dict[str, object]) -> tuple[str | None, int | None]:
    seen: list[tuple[str | None, int | None]] = []

    def run() -> None:
        bolt_log_context(body, lambda: seen.append((team_var.get(), session_var.get())))

    import contextvars

    contextvars.copy_context().run(run)
    return seen[0]


def test_the_middleware_names_the_team_and_a_session_named_in_the_body() -> None:
    assert _through_middleware({"team_id": "T1", "command": "/codev"}) == ("T1", None)
    modal = {"team": {"id": "T2"}, "view": {"private_metadata": json.dumps({"session": 7})}}
    assert _through_middleware(modal) == ("T2", 7)
    click = {"user": {"team_id": "T3"}, "message": {"metadata": {"event_payload": {"session_id": 9}}}}
    assert _through_middleware(click) == ("T3", 9)
    forged = {"team": "x", "view": {"private_metadata": "{not json"}, "message": {"metadata": "x"}}
    assert _through_middleware(forged) == (None, None)
    assert _through_middleware({"view": {"private_metadata": json.dumps({"session": True})}}) == (None, None)


def test_listener_threads_see_the_request_context() -> None:
    executor = ContextThreadPoolExecutor(max_workers=1)
    with log_context(team="T9", session=3):
        future = executor.submit(lambda: (team_var.get(), session_var.get()))
    assert future.result(timeout=5) == ("T9", 3)
    assert executor.submit(team_var.get).result(timeout=5) is None
    executor.shutdown()


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_refused_token_is_said_once_then_reminded_and_its_recovery_said(caplog) -> None:
    clock = FakeMonotonic()
    watch = AuthWatch(remind_every=600, monotonic=clock)
    caplog.set_level(logging.INFO, logger="bot.slack.client")
    for delay in (0, 10, 300, 280):  # four refusals within ten minutes: one line
        clock.now += delay
        watch.observe({"ok": False, "error": "invalid_auth"})
    watch.observe({"ok": False, "error": "channel_not_found"})  # says nothing about the token
    assert [r.levelname for r in caplog.records] == ["ERROR"]
    first = caplog.records[0]
    assert first.exc_info is None
    assert "invalid_auth" in first.getMessage() and "SLACK_BOT_TOKEN" in first.getMessage()
    clock.now += 11
    watch.observe({"ok": False, "error": "invalid_auth"})  # ten minutes on: reminded
    assert "has refused for 10 minutes" in caplog.records[-1].getMessage()
    watch.observe({"ok": False, "error": "account_inactive"})  # another problem: said at once
    assert "account_inactive" in caplog.records[-1].getMessage() and len(caplog.records) == 3
    watch.observe({"ok": True})
    watch.observe({"ok": True})
    assert [r.levelname for r in caplog.records] == ["ERROR", "ERROR", "ERROR", "INFO"]
    assert "accepts codev's bot token again" in caplog.records[-1].getMessage()
    assert watch.problem is None


def test_operations_settings() -> None:
    settings = load_settings({}, env_file=None)
    assert (settings.log_format, settings.http_connection_limit, settings.http_channel_timeout) == ("text", 500, 30)
    settings = load_settings(
        {"LOG_FORMAT": "JSON", "HTTP_CONNECTION_LIMIT": "2000", "HTTP_CHANNEL_TIMEOUT": "15"}, env_file=None
    )
    assert (settings.log_format, settings.http_connection_limit, settings.http_channel_timeout) == ("json", 2000, 15)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LOG_FORMAT", "xml"),
        ("HTTP_CONNECTION_LIMIT", "5"),
        ("HTTP_CONNECTION_LIMIT", "many"),
        ("HTTP_CHANNEL_TIMEOUT", "0"),
    ],
)
def test_malformed_operations_settings_name_themselves(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings({name: value}, env_file=None)
