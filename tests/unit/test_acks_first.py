"""Work after an ack waits for a lull in Slack's requests, and never longer than its limit; pools that hand work to
each other drain together."""

from __future__ import annotations

import threading

from bot.acks_first import AcksFirst
from bot.logs import ContextThreadPoolExecutor, drain_together


def waiting_for_a_lull(gate: AcksFirst) -> threading.Event:
    done = threading.Event()
    threading.Thread(target=lambda: (gate.wait_for_lull(), done.set()), daemon=True).start()
    return done


def test_work_starts_at_once_when_no_request_is_in_hand() -> None:
    assert waiting_for_a_lull(AcksFirst(quiet=0.001, longest=60)).wait(10)


def test_work_waits_while_a_request_is_in_hand_and_starts_once_it_is_answered() -> None:
    gate = AcksFirst(quiet=0.001, longest=60)
    with gate.acking():
        done = waiting_for_a_lull(gate)
        assert not done.wait(0.05), "the request in hand goes first"
    assert done.wait(10)


def test_a_steady_stream_of_requests_delays_work_but_never_starves_it() -> None:
    gate = AcksFirst(quiet=60, longest=0.05)  # never quiet enough: only the limit lets it through
    with gate.acking():
        assert waiting_for_a_lull(gate).wait(10)


def test_pools_handing_work_to_each_other_drain_together() -> None:
    first = ContextThreadPoolExecutor(max_workers=2)
    second = ContextThreadPoolExecutor(max_workers=2)
    finished: list[int] = []
    gate = threading.Event()

    def last(n: int) -> None:
        finished.append(n)

    def handed_over(n: int) -> None:
        gate.wait(10)
        second.submit(last, n)

    for n in range(6):
        first.submit(handed_over, n)
    threading.Timer(0.05, gate.set).start()
    drain_together([first, second], timeout=30)
    assert sorted(finished) == list(range(6)), "nothing refused by a pool shut down too early"


def test_the_limit_counts_from_the_ack_not_from_when_the_work_got_a_thread() -> None:
    import time

    gate = AcksFirst(quiet=60, longest=5)
    with gate.acking(), gate.acking():  # busy, and acked 10 s ago: the work is overdue already
        assert gate.wait_for_lull(since=time.monotonic() - 10) < 5
