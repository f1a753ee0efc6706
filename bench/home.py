"""App Home benchmark: time to build and publish one person's Home with 100 to 100,000 journal entries.

Uses the real database (a temporary SQLite file, or BENCH_DATABASE_URL) and the built-in Slack stand-in.
Each person's entries are one every 37 minutes up to now (100,000 of them span seven years), so all but the
last week's are candidates for the Home's "look back". "Own work" is codev's part (queries and Block Kit);
"with publish" is the person opening their Home: the mark, the build and views.publish to the stand-in on
loopback. Target: own work under 50 ms at 100,000 entries.

    python bench/home.py [--repeat 30] [--sizes 100,1000,10000,100000]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, text

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
    parser.add_argument("--sizes", default="100,1000,10000,100000", help="journal sizes, comma-separated")
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
        for size in [int(size) for size in args.sizes.split(",")]:
            user = f"U{size}"
            standin.add_user(user, f"Person {size}")
            _write_entries(db, user, size)
            gc.collect()  # the insert's garbage, lest its collection land in the timings
            written += size
            own = _timed(lambda u=user: home_view(read_model.home(TEAM, u)), args.repeat)
            total = _timed(lambda u=user: publisher.opened(TEAM, u), args.repeat)  # opening it publishes it
            print(f"{size:>8} {_ms(own, 0.5):>11.1f} ms {_ms(own, 0.95):>11.1f} ms {_ms(total, 0.5):>15.1f} ms")
        db.dispose()
    standin.stop()
    print("target: own work under 50 ms at 100,000 entries")
    return 0


def _write_entries(db: Database, user: str, count: int) -> None:
    start = SystemClock().now() - timedelta(minutes=count * 37)
    rows = [
        {
            "team_id": TEAM,
            "user_id": user,
            "text": f"Entry {n}: what I take away #tag{n % 17}",
            "tags": f"tag{n % 17}",
            "origin": "dm",
            "created_at": start + timedelta(minutes=n * 37),
        }
        for n in range(count)
    ]
    with db.session() as session:
        session.execute(insert(JournalEntry), rows)
    if db.engine.dialect.name == "postgresql":  # as autovacuum leaves a table: statistics, and index-only scans
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE journal_entry"))


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
