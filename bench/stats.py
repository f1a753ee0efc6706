"""`/codev group stats` at scale: a group's record with 10,000 past sessions, timed in codev's own code.

    python bench/stats.py [--sessions 10000] [--database-url postgresql+psycopg://… (an empty database)]

Prints the median and worst of 20 reads of GroupService.record (one SQL aggregate per role). Target: under
200 ms at 10,000 sessions. Not a test and not a CI gate.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.clock import FakeClock
from bot.services.groups import GroupService, GroupSettings
from bot.services.tasks import TaskBook
from bot.storage.db import Database
from bot.storage.models import CodevSession, Consultant

TEAM, CHANNEL = "T0BENCH", "C0BENCH"
MEMBERS = [f"U0M{n}" for n in range(8)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="codev-bench-") as workdir:
        db = Database(args.database_url or f"sqlite:///{Path(workdir) / 'stats.db'}")
        db.upgrade()
        groups = GroupService(db, FakeClock(), TaskBook(db))
        group, _new = groups.save(
            TEAM, CHANNEL, GroupSettings(name="Bench", charter="Be kind."), members=MEMBERS, by=MEMBERS[0]
        )
        _fill(db, args.sessions)
        times = []
        for _ in range(20):
            began = time.perf_counter()
            record = groups.record(group)
            times.append((time.perf_counter() - began) * 1000)
        db.dispose()
    print(f"group record with {record.sessions_held} past sessions and {len(MEMBERS)} members")
    print(f"read in ms: median {statistics.median(times):.1f}   worst {max(times):.1f}   (target: under 200)")
    return 0


def _fill(db: Database, count: int) -> None:
    start = datetime(2020, 1, 6, 9, 0, tzinfo=UTC)
    with db.session() as session:
        for n in range(count):
            client, facilitator = MEMBERS[n % 8], MEMBERS[(n + 3) % 8]
            row = CodevSession(
                team_id=TEAM,
                channel_id=CHANNEL,
                topic=f"case {n}",
                facilitator_id=facilitator,
                client_id=client,
                created_by=facilitator,
                pace="live",
                status="ended",
                step=6,
                created_at=start + timedelta(hours=6 * n),
            )
            session.add(row)
            session.flush()
            assert row.id is not None
            for user_id in MEMBERS:
                if user_id not in (client, facilitator):
                    session.add(Consultant(session_id=row.id, user_id=user_id, team_id=TEAM))


if __name__ == "__main__":
    raise SystemExit(main())
