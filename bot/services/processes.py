"""Which codev processes are alive: each says so every few seconds, so work a dead one held is taken over.

Several processes may serve one database (replicas, or a restart while the old one is still stopping). An
outbox delivery or an inbox event held by a live process is never taken from it, however slow Slack is;
one held by a process that stopped saying it is alive is finished by another.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import col, select

from bot.clock import Clock
from bot.storage.db import Database
from bot.storage.models import CodevProcess

HEARTBEAT_EVERY = 3.0  # seconds
# A process silent this long is taken for dead (several heartbeats missed, even on a busy machine).
PRESUMED_DEAD_AFTER = timedelta(seconds=12)
FORGET_AFTER = timedelta(days=1)


class ProcessRegistry:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self.me = f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def beat(self) -> None:
        """I am alive (called by every process's scheduler, leader or not)."""
        now = self.clock.now()
        with self.db.session() as session:
            result = session.exec(update(CodevProcess).where(col(CodevProcess.id) == self.me).values(seen_at=now))
            if result.rowcount == 0:
                session.add(CodevProcess(id=self.me, started_at=now, seen_at=now))

    def alive(self, now: datetime) -> set[str]:
        with self.db.read() as session:
            return set(
                session.exec(
                    select(CodevProcess.id).where(col(CodevProcess.seen_at) >= now - PRESUMED_DEAD_AFTER)
                ).all()
            )

    def forget_dead(self, now: datetime) -> int:
        with self.db.session() as session:
            result = session.exec(delete(CodevProcess).where(col(CodevProcess.seen_at) < now - FORGET_AFTER))
            return result.rowcount
