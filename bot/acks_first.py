"""Acks first: the work a process does after acknowledging Slack waits for a lull in Slack's requests.

Slack waits for each ack (3 s at most, and people see a spinner meanwhile); nobody waits for an event's work by
the millisecond (a journal entry's "Saved" note, a Home refresh). In one Python process both compete for the same
interpreter, so the work of the events just acknowledged slowed the acks of those arriving: 5× a bare Bolt app's
under a stream of DMs. Work after an ack therefore starts once no Slack request has been in hand for `quiet`
seconds, and after `longest` seconds whatever happens, so a steady stream of requests delays it but never
starves it. The work itself costs what it cost; it is only moved out of the acks' way.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

QUIET = 0.005  # seconds without a request in hand: Slack's next request is not right behind the last one
LONGEST = 1.0  # seconds work waits at most, however busy the request URL


class AcksFirst:
    def __init__(
        self, quiet: float = QUIET, longest: float = LONGEST, on_waited: Callable[[float], None] | None = None
    ) -> None:
        self.quiet = quiet
        self.longest = longest
        self.on_waited = on_waited or (lambda _seconds: None)  # the metrics' histogram
        self._count = threading.Lock()
        self._in_hand = 0
        self._last_answered = 0.0  # time.monotonic() of the last answer
        # Work waiting for a lull waits here, one task watching at a time: the requests wake nobody.
        self._watch = threading.Lock()

    @contextmanager
    def acking(self) -> Iterator[None]:
        """Around the handling of one request from Slack, until its answer is ready."""
        with self._count:
            self._in_hand += 1
        try:
            yield
        finally:
            with self._count:
                self._in_hand -= 1
                self._last_answered = time.monotonic()

    def others_in_hand(self) -> bool:
        """Whether requests other than the caller's own (inside `acking`) are being handled right now."""
        return self._in_hand > 1

    def wait_for_lull(self, since: float | None = None) -> float:
        """Block until no request has been in hand for `quiet` seconds, or until `longest` seconds after `since`
        (time.monotonic() of the ack the work follows; now by default): the limit counts from the ack, however
        many tasks wait in line before this one. Returns the seconds waited."""
        began = time.monotonic()
        deadline = (began if since is None else since) + self.longest
        if not self._watch.acquire(timeout=max(deadline - began, 0.0)):
            waited = time.monotonic() - began
            self.on_waited(waited)
            return waited
        try:
            while (now := time.monotonic()) < deadline:
                quiet_for = now - self._last_answered
                if not self._in_hand and quiet_for >= self.quiet:
                    break
                time.sleep(min(self.quiet - quiet_for if not self._in_hand else self.quiet, deadline - now))
        finally:
            self._watch.release()
        waited = time.monotonic() - began
        self.on_waited(waited)
        return waited
