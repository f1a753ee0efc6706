"""The stand-in the tests use: every call checked against Slack's OpenAPI spec, and failures on demand."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from bot.sandbox.standin import TEAM_ID, Answer, Call, SlackStandIn
from tests.support.spec import SpecChecker


@dataclass
class Failure:
    error: str
    status: int = 200
    retry_after: int | None = None
    drop: bool = False
    remaining: int = 1


class FaultyStandIn(SlackStandIn):
    """A SlackStandIn that refuses calls breaking Slack's spec (kept in `violations`) and fails when told to."""

    def __init__(self, *, spec: SpecChecker | None = None, team_id: str = TEAM_ID) -> None:
        super().__init__(team_id=team_id)
        self.spec = spec
        self.violations: list[str] = []
        self._failures: dict[str, list[Failure]] = {}
        self._latency: dict[str, float] = {}
        self.arrivals: dict[str, int] = {}  # calls received, counted before any slow-down (they may never end)

    def fail(
        self,
        method: str,
        error: str = "ratelimited",
        *,
        times: int = 1,
        status: int | None = None,
        retry_after: int | None = 1,
        drop: bool = False,
    ) -> None:
        """Make the next `times` calls of a method fail as Slack would."""
        if status is None:
            status = 429 if error == "ratelimited" else 200
        failure = Failure(error, status, retry_after if error == "ratelimited" else None, drop, times)
        with self._lock:
            self._failures.setdefault(method, []).append(failure)

    def slow_down(self, method: str, seconds: float) -> None:
        """Answer every call of a method `seconds` late (0 to stop), as a slow or distant Slack would."""
        with self._lock:
            self._latency[method] = seconds

    def handle(self, method: str, args: dict[str, Any], has_bearer_token: bool, token: str | None = None) -> Answer:
        with self._lock:
            delay = self._latency.get(method, 0.0)
            self.arrivals[method] = self.arrivals.get(method, 0) + 1
        if delay:
            time.sleep(delay)  # outside the lock: slow calls overlap, as they do in Slack
        return super().handle(method, args, has_bearer_token, token)

    def intercept(self, call: Call) -> Answer | None:
        if self.spec is not None:
            problems = self.spec.problems(call.method, call.args, has_bearer_token=call.has_bearer_token)
            self.violations.extend(problems)
            if problems:
                return 200, {}, {"ok": False, "error": "invalid_arguments", "problems": problems}
        if not call.has_bearer_token and not call.args.get("token"):
            return None  # the stand-in answers not_authed; a failure on demand is for authenticated calls
        failure = self._take_failure(call.method)
        if failure is None:
            return None
        if failure.drop:
            raise ConnectionAbortedError(call.method)
        headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
        return failure.status, headers, {"ok": False, "error": failure.error}

    def _take_failure(self, method: str) -> Failure | None:
        queue = self._failures.get(method)
        if not queue:
            return None
        failure = queue[0]
        failure.remaining -= 1
        if failure.remaining <= 0:
            queue.pop(0)
        return failure
