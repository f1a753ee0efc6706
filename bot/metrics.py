"""Prometheus metrics, served at `GET /metrics` (bot/server.py) in Prometheus' text format.

What codev counts:
- `codev_requests_total{kind, outcome}` and `codev_ack_seconds{kind}`: every request on Slack's URL, by kind
  (command, action, view, event, shortcut, options, other) and outcome (ok, retry_dropped, rejected, error), and
  how long Slack waited for its answer (the ack: listeners do their Web API work after it).
- `codev_acked_first_total{kind}`: requests the request URL acknowledged before Bolt had them (every event once
  kept; a command, click or shortcut that came while others were in hand), and `codev_work_wait_seconds`: how long
  work after an ack waited for a lull in Slack's requests (bot/acks_first.py).
- `codev_web_api_calls_total{method, outcome}` and `codev_web_api_retries_total{method, reason}`: every Web API
  call of codev's clients (Bolt's per-request ones and the outbox's), by Slack method and first answer (`ok`,
  Slack's error code, `http_<status>` or `unreachable`); and the retries after rate limits, server errors and
  lost connections, by the answer that made them.
- `codev_timer_lateness_seconds{agenda}`: how late the timer leader fired due rows (timed events, tasks, outbox).
- `codev_home_publishes_total{reason}`: App Home publishes (`opened`: the person opened it; `changed`: something
  on it changed while they had it open).
- `codev_timer_leader`: 1 in the process that fires timers, else 0.
- `codev_inbox_backlog` and `codev_outbox_backlog{state}`: deliveries acknowledged but not yet handled (events, and
  commands or clicks acked first), and posts owed
  to Slack; read from the database when scraped (the same figures from every process).

Several processes on one machine (e.g. replicas of a container sharing a volume): set PROMETHEUS_MULTIPROC_DIR to
an empty directory writable by all of them, the same for all, emptied before they start; each process's
/metrics then answers for all of them together (prometheus_client's multiprocess mode; `codev_timer_leader` keeps
one series per pid). Without it each process answers for itself, which is what a scraper wants when each
replica is scraped on its own address.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from sqlalchemy import func
from sqlmodel import col, select

from bot.domain.timers import EventState
from bot.storage.db import Database
from bot.storage.models import OutboxMessage, ProcessedEvent

log = logging.getLogger(__name__)

# The classic text format, which every Prometheus-compatible scraper reads (codev's names need no escaping).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
# Acks must come within Slack's 3 seconds; most take a few milliseconds.
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
LATENESS_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0)

# The process's own series live in prometheus_client's default registry (in multiprocess mode, in files).
REQUESTS = Counter("codev_requests", "Requests on Slack's URL, by kind and outcome.", ["kind", "outcome"])
ACK_SECONDS = Histogram(
    "codev_ack_seconds", "Time from a request's arrival to codev's answer to Slack.", ["kind"], buckets=ACK_BUCKETS
)
ACKED_FIRST = Counter("codev_acked_first", "Requests acknowledged before Bolt had them, by kind.", ["kind"])
WORK_WAIT = Histogram(
    "codev_work_wait_seconds",
    "How long work after an ack waited for a lull in Slack's requests.",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)
WEB_API_CALLS = Counter("codev_web_api_calls", "Slack Web API calls, by method and outcome.", ["method", "outcome"])
WEB_API_RETRIES = Counter("codev_web_api_retries", "Web API attempts retried, by method and why.", ["method", "reason"])
TIMER_LATENESS = Histogram(
    "codev_timer_lateness_seconds",
    "How late the timer leader fired a due row, by agenda.",
    ["agenda"],
    buckets=LATENESS_BUCKETS,
)
HOME_PUBLISHES = Counter("codev_home_publishes", "App Home publishes, by reason.", ["reason"])
TIMER_LEADER = Gauge(
    "codev_timer_leader", "1 while this process fires the timers, else 0.", multiprocess_mode="liveall"
)


if MULTIPROCESS:  # this process's live gauges leave the shared directory with it (not after kill -9: see above)
    import atexit

    from prometheus_client import multiprocess as _multiprocess

    atexit.register(_multiprocess.mark_process_dead, os.getpid())


# ---- requests -----------------------------------------------------------------------------------------
def request_kind(body: dict[str, Any]) -> str:
    """What Slack sent, in a few words: a label with a handful of values."""
    kind = body.get("type")
    if "command" in body and not kind:
        return "command"
    return {
        "block_actions": "action",
        "interactive_message": "action",
        "view_submission": "view",
        "view_closed": "view",
        "event_callback": "event",
        "shortcut": "shortcut",
        "message_action": "shortcut",
        "block_suggestion": "options",
        "url_verification": "other",
    }.get(kind if isinstance(kind, str) else "", "other")


def acked_first(body: dict[str, Any]) -> None:
    ACKED_FIRST.labels(request_kind(body)).inc()


def work_waited(seconds: float) -> None:
    WORK_WAIT.observe(seconds)


def request_done(kind: str, status: int, began: float, *, retry: bool = False) -> None:
    """One request answered with `status`, `began` at time.perf_counter()."""
    if status < 300:
        outcome = "retry_dropped" if retry else "ok"
    elif status < 500:
        outcome = "rejected"
    else:
        outcome = "error"
    REQUESTS.labels(kind, outcome).inc()
    if outcome in ("ok", "retry_dropped"):
        ACK_SECONDS.labels(kind).observe(time.perf_counter() - began)


# ---- the Web API ---------------------------------------------------------------------------------------
class WebApiCounter(RetryHandler):
    """Sees every attempt of every call (slack_sdk asks its retry handlers about each one) and never retries."""

    def __init__(self) -> None:
        super().__init__(max_retry_count=0)

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        method = request.url.rstrip("/").rsplit("/", 1)[-1][:64] or "unknown"
        if response is None:
            outcome = "unreachable"
        elif response.status_code != 200:
            outcome = f"http_{response.status_code}"
        elif isinstance(response.body, dict) and response.body.get("ok") is False:
            outcome = str(response.body.get("error") or "error")[:40]
        else:
            outcome = "ok"
        if state.current_attempt == 0:
            WEB_API_CALLS.labels(method, outcome).inc()  # a call, counted once, by its first answer
        else:
            # A retry, counted by why: the answer to the attempt before it (kept on the call's own state).
            WEB_API_RETRIES.labels(method, getattr(state, "codev_outcome", "unknown")).inc()
        state.codev_outcome = outcome  # type: ignore[attr-defined]
        return False


_COUNTER = WebApiCounter()


def count_web_api_calls(*clients: Any) -> None:
    """Count the calls of these WebClients (and of the clients copied from them, as Bolt's per-request ones)."""
    for client in clients:
        handlers = getattr(client, "retry_handlers", None)
        if isinstance(handlers, list) and not any(h is _COUNTER for h in handlers):
            handlers.insert(0, _COUNTER)


# ---- timers and Home -----------------------------------------------------------------------------------
def timer_fired(agenda: str, lateness_seconds: float) -> None:
    TIMER_LATENESS.labels(agenda).observe(max(lateness_seconds, 0.0))


def leading(now: bool) -> None:
    TIMER_LEADER.set(1 if now else 0)


def home_published(reason: str) -> None:
    HOME_PUBLISHES.labels(reason).inc()


# ---- scraping ------------------------------------------------------------------------------------------
class BacklogCollector(Collector):
    """The inbox and outbox backlogs, read from the database when scraped (a small count each)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterable[GaugeMetricFamily]:
        inbox = GaugeMetricFamily("codev_inbox_backlog", "Deliveries acknowledged to Slack and not handled yet.")
        outbox = GaugeMetricFamily(
            "codev_outbox_backlog", "Posts owed to Slack: pending, or firing (being sent).", labels=["state"]
        )
        try:
            with self.db.read() as session:
                pending_events = session.exec(
                    select(func.count()).select_from(ProcessedEvent).where(col(ProcessedEvent.state) == "pending")
                ).one()
                owed = session.exec(
                    select(OutboxMessage.state, func.count())
                    .where(col(OutboxMessage.state).in_([EventState.PENDING.value, EventState.FIRING.value]))
                    .group_by(col(OutboxMessage.state))
                ).all()
        except Exception:  # a scrape must answer even when the database does not: the series are left out
            log.warning("could not read the backlogs for /metrics", exc_info=True)
            return []
        inbox.add_metric([], float(pending_events))
        counts = dict(owed)
        for state in (EventState.PENDING.value, EventState.FIRING.value):
            outbox.add_metric([state], float(counts.get(state, 0)))
        return [inbox, outbox]


class Exposition:
    """What GET /metrics answers: this process's series (or all processes' in multiprocess mode) and backlogs."""

    def __init__(self, db: Database) -> None:
        self.registry: CollectorRegistry
        if MULTIPROCESS:
            from prometheus_client import multiprocess

            self.registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(self.registry)
        else:
            from prometheus_client import REGISTRY

            self.registry = CollectorRegistry()
            self.registry.register(_Forward(REGISTRY))
        self.registry.register(BacklogCollector(db))

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _Forward(Collector):
    """The default registry's series, inside a registry of this exposition's own (which adds the backlogs)."""

    def __init__(self, source: CollectorRegistry) -> None:
        self.source = source

    def collect(self) -> Iterable[Any]:
        return self.source.collect()
