"""Waiting for the app's after-ack work to be over, on conditions rather than on the clock."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any


def drain(executor: ThreadPoolExecutor, timeout: float = 30.0) -> None:
    """Return once every task submitted to the executor before this call has finished.

    One rendezvous task per worker: tasks run in the order they were submitted, so when all the workers
    meet in them, each worker has finished whatever it was given before.
    """
    workers = executor._max_workers  # the standard library's own attribute; the executor offers no other way
    rendezvous = threading.Barrier(workers + 1)
    futures = [executor.submit(rendezvous.wait, timeout) for _ in range(workers)]
    rendezvous.wait(timeout)
    wait(futures, timeout)


def settle(services: Any, timeout: float = 30.0) -> None:
    """The listeners' after-ack work is done, and so are the Home publishes it left waiting for their interval."""
    # The pools hand work on in this order: a command or click acked first is dispatched on the deferred pool, a
    # kept event on the event pool; Bolt runs their listeners on the listener pool; an event listener hands its
    # work back to the event pool.
    drain(services.deferred_executor, timeout)
    drain(services.event_executor, timeout)
    drain(services.listener_executor, timeout)
    drain(services.event_executor, timeout)
    home = services.home
    with home._lock:  # HomePublisher keeps each waiting publish as a threading.Timer
        waiting = list(home._waiting.values())
    for timer in waiting:
        timer.join(timeout)
