"""SQLite's writers take turns in the process; a write someone waits for (an inbox row before its ack) goes first."""

from __future__ import annotations

import threading
import time

from bot.storage.db import WriteLock


def test_an_urgent_writer_goes_before_the_writers_already_waiting() -> None:
    lock = WriteLock()
    order: list[str] = []
    holding = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with lock.held():
            holding.set()
            release.wait(5)

    def write(name: str, urgent: bool) -> None:
        with lock.held(urgent=urgent):
            order.append(name)

    first = threading.Thread(target=hold)
    first.start()
    holding.wait(5)
    waiting = [threading.Thread(target=write, args=(f"background {n}", False)) for n in range(3)]
    for thread in waiting:
        thread.start()
    ack = threading.Thread(target=write, args=("inbox row", True))
    ack.start()
    deadline = time.monotonic() + 5
    while lock._urgent_waiting == 0 and time.monotonic() < deadline:  # the urgent writer is queued: let go
        time.sleep(0.01)
    release.set()
    for thread in [first, ack, *waiting]:
        thread.join(5)
    assert order[0] == "inbox row" and sorted(order[1:]) == ["background 0", "background 1", "background 2"]


def test_it_is_reentrant_and_one_writer_at_a_time() -> None:
    lock = WriteLock()
    inside = 0
    most = 0
    guard = threading.Lock()

    def write() -> None:
        nonlocal inside, most
        for _ in range(50):
            with lock.held(urgent=threading.get_ident() % 2 == 0), lock.held():
                with guard:
                    inside += 1
                    most = max(most, inside)
                with guard:
                    inside -= 1

    threads = [threading.Thread(target=write) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert most == 1 and inside == 0
