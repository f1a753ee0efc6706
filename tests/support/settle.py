"""Waiting for the app's after-ack work to be over, on conditions rather than on the clock."""

from __future__ import annotations

from typing import Any

from bot.logs import idle_together


def settle(services: Any, timeout: float = 30.0) -> None:
    """The listeners' after-ack work is done, and so are the Home publishes it left waiting for their interval."""
    # The pools hand work on to one another (a kept event: its dispatch, Bolt's listener, then its handling).
    pools = [services.deferred_executor, services.listener_executor, services.event_executor]
    assert idle_together(pools, timeout), "the app's after-ack work did not end"
    home = services.home
    with home._lock:  # HomePublisher keeps each waiting publish as a threading.Timer
        waiting = list(home._waiting.values())
    for timer in waiting:
        timer.join(timeout)
