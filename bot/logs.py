"""Log output: plain text or one JSON object per line, tagged with the workspace and session at hand."""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import IO, Any, ParamSpec, TypeVar

from bot.slack.client import auth_refusal

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# What a log line is about, when known: set per request by the Bolt middleware below, or by `log_context`.
team_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("codev_log_team", default=None)
session_var: contextvars.ContextVar[int | None] = contextvars.ContextVar("codev_log_session", default=None)

P = ParamSpec("P")
T = TypeVar("T")


@contextlib.contextmanager
def log_context(*, team: str | None = None, session: int | None = None) -> Iterator[None]:
    """Tag the lines logged inside the block (and in listener threads started from it) with a team and session."""
    team_token = team_var.set(team) if team is not None else None
    session_token = session_var.set(session) if session is not None else None
    try:
        yield
    finally:
        if session_token is not None:
            session_var.reset(session_token)
        if team_token is not None:
            team_var.reset(team_token)


def bolt_log_context(body: dict[str, Any], next: Callable[[], Any]) -> Any:
    """A Bolt global middleware: the request's team, and its session when the body names one cheaply.

    Bolt runs global middlewares one after the other (`next()` only says "go on"), so the values are set
    for the rest of the request rather than around it: every request sets both again, listener threads get
    them through ContextThreadPoolExecutor, and the HTTP server runs each request in a context of its own.
    """
    team_var.set(_team_of(body))
    session_var.set(_session_of(body))
    return next()


class ContextThreadPoolExecutor(ThreadPoolExecutor):
    """A thread pool whose tasks see the context variables of whoever submitted them (Bolt's listeners), and
    which can say when it has nothing left to do (pools handing work to each other drain together)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._unfinished = 0
        self._settled = threading.Condition()

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        context = contextvars.copy_context()
        with self._settled:
            self._unfinished += 1
        try:
            future = super().submit(context.run, fn, *args, **kwargs)  # type: ignore[arg-type]
        except BaseException:
            self._one_finished()
            raise
        future.add_done_callback(lambda _: self._one_finished())
        return future

    def _one_finished(self) -> None:
        with self._settled:
            self._unfinished -= 1
            if not self._unfinished:
                self._settled.notify_all()

    def wait_until_idle(self, timeout: float) -> bool:
        """Until every task submitted so far has finished (False if `timeout` seconds passed first)."""
        with self._settled:
            return self._settled.wait_for(lambda: not self._unfinished, timeout)


def idle_together(pools: list[ContextThreadPoolExecutor], timeout: float) -> bool:
    """Until pools whose tasks submit to one another have no work left, any of them (False after `timeout`):
    each idle in turn, then all of them at once."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(pool.wait_until_idle(max(deadline - time.monotonic(), 0.0)) for pool in pools) and all(
            pool.wait_until_idle(0) for pool in pools
        ):
            return True
    return False


def drain_together(pools: list[ContextThreadPoolExecutor], timeout: float = 600.0) -> None:
    """Shut down pools whose tasks submit to one another: once none of them has work left, all at once (one
    shut down first would refuse what another still hands it)."""
    idle_together(pools, timeout)
    for pool in pools:
        pool.shutdown(wait=True)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, team, session; exception if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "team": getattr(record, "team", None) or team_var.get(),
            "session": getattr(record, "session", None) or session_var.get(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class FoldTokenRefusals(logging.Filter):
    """Lines caused by a token Slack refuses are folded into the client's one ERROR line about it.

    The Web API client says once, clearly, that the token is refused and what to do (bot/slack/client.py);
    every call failing for that reason would otherwise add its own line and traceback. At DEBUG they stay.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is None or auth_refusal(error) is None:
            return True
        return logging.getLogger().isEnabledFor(logging.DEBUG)


class CodevHandler(logging.StreamHandler):
    """The one handler codev logs through (its class tells it apart from handlers others installed)."""


def make_handler(log_format: str, stream: IO[str] | None = None) -> logging.Handler:
    """Standard error unless told; text or JSON; lines about a refused token folded."""
    handler = CodevHandler(stream)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(FoldTokenRefusals())
    return handler


def _team_of(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    team = body.get("team")
    candidates = [
        team.get("id") if isinstance(team, dict) else None,
        body.get("team_id"),
        (body.get("user") or {}).get("team_id") if isinstance(body.get("user"), dict) else None,
    ]
    return next((value for value in candidates if isinstance(value, str) and value), None)


def _session_of(body: Any) -> int | None:
    """The session a modal's metadata or a clicked codev message names; None when that takes more than a look."""
    if not isinstance(body, dict):
        return None
    view = body.get("view")
    if isinstance(view, dict) and isinstance(view.get("private_metadata"), str):
        with contextlib.suppress(ValueError):
            metadata = json.loads(view["private_metadata"] or "{}")
            if isinstance(metadata, dict) and _is_id(metadata.get("session")):
                return int(metadata["session"])
    message = body.get("message")
    metadata = message.get("metadata") if isinstance(message, dict) else None
    payload = metadata.get("event_payload") if isinstance(metadata, dict) else None
    if isinstance(payload, dict) and _is_id(payload.get("session_id")):
        return int(payload["session_id"])
    return None


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63
