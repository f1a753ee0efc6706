"""App Home benchmark: time to build and publish one person's Home with 100, 1,000 and 10,000 journal entries.

Uses the real database (a temporary SQLite file, or BENCH_DATABASE_URL) and the built-in Slack stand-in.
"Own work" is codev's part (queries and Block Kit); "publish" adds the views.publish round trip to the
stand-in on loopback. Target: own work under 50 ms at 10,000 entries.

    python bench/home.py [--repeat 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.clock import SystemClock
from bot.sandbox.standin import SlackStandIn
from bot.services.home import HomeReadModel
from bot.services.journal import JournalService
from bot.slack.blocks.home import home_view
from bot.slack.client import make_web_client
from bot.slack.home import HomePublisher
from bot.storage.db import Database
from bot.storage.models import JournalEntry

TEAM = "T0BENCH"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    standin = SlackStandIn().start()
    client = make_web_client("xoxb-bench", standin.api_url)
    print(f"{'entries':>8} {'own work p50':>14} {'own work p95':>14} {'with publish p50':>18}")
    with tempfile.TemporaryDirectory(prefix="codev-bench-home-") as workdir:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{Path(workdir) / 'home.db'}"
        db = Database(url)
        db.upgrade()
        read_model = HomeReadModel(db, SystemClock())
        publisher = HomePublisher(client, read_model, JournalService(db, SystemClock()), SystemClock(), min_interval=0)
        written = 0
        for size in (100, 1_000, 10_000):
            user = f"U{size}"
            standin.add_user(user, f"Person {size}")
            _write_entries(db, user, size)
            written += size
            own = _timed(lambda u=user: home_view(read_model.home(TEAM, u)), args.repeat)
            total = _timed(lambda u=user: publisher.refresh(TEAM, u), args.repeat)
            print(f"{size:>8} {_ms(own, 0.5):>11.1f} ms {_ms(own, 0.95):>11.1f} ms {_ms(total, 0.5):>15.1f} ms")
        db.dispose()
    standin.stop()
    print("target: own work under 50 ms at 10,000 entries")
    return 0


def _write_entries(db: Database, user: str, count: int) -> None:
    start = SystemClock().now() - timedelta(days=400)
    with db.session() as session:
        for n in range(count):
            session.add(
                JournalEntry(
                    team_id=TEAM,
                    user_id=user,
                    text=f"Entry {n}: what I take away #tag{n % 17}",
                    tags=f"tag{n % 17}",
                    created_at=start + timedelta(minutes=n * 37),
                )
            )


def _timed(action, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    action()  # warm up
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        samples.append(time.perf_counter() - began)
    return samples


def _ms(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return 1000 * (statistics.median(ordered) if q == 0.5 else ordered[min(int(q * len(ordered)), len(ordered) - 1)])


if __name__ == "__main__":
    raise SystemExit(main())
