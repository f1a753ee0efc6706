"""Timer benchmark: N concurrent async sessions on a sped-up clock, through signed HTTP and the real database.

Runs `codev run --http` as its own process against the built-in Slack stand-in, starts N sessions the way
Slack would (slash command, modal submission), lets their timeboxes run, then prints how late timed events
fired against their due time (real seconds), Web API calls per session, and the bot's peak RSS.

    python bench/timers.py [--sessions 1000] [--seconds 200] [--speed 240]

Sessions run on working-time calendars: each one's facilitator works in one of eight time zones, 09:00–17:00
every day of the week (CODEV_WORKING_DAYS/HOURS; weekends are working days here so that a run on a Saturday
still sees events), so at the default 240× a working day lasts 2 minutes (as a clock day did at 720× before
timeboxes counted working time) and a night 4, and deadlines, reminders and turn messages fall at the start
and inside each zone's working periods.

While the timers run, the stand-in answers every call after `--latency` seconds (0.3 by default, about what
Slack does) and a CPU-bound process runs beside the bot (`--no-hog` leaves it out), as on a busy machine.

Not a test and not a CI gate. Targets: p99 lateness under 1 s, peak RSS under 150 MB.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlmodel import select

from bot.sandbox.circle import PEOPLE, eventually, populate
from bot.sandbox.driver import SlackDriver
from bot.sandbox.standin import SlackStandIn
from bot.slack import ids
from bot.storage.db import Database
from bot.storage.models import TimedEvent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=200, help="how long to let timers run after the starts")
    parser.add_argument(
        "--speed", type=float, default=240, help="CODEV_CLOCK_SPEED (240: a working day of 8 h lasts 2 min)"
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument(
        "--latency", type=float, default=0.3, help="seconds the stand-in takes to answer each call while timers run"
    )
    parser.add_argument("--no-hog", action="store_true", help="without the CPU-bound process beside the bot")
    args = parser.parse_args()

    standin = SlowStandIn().start()
    populate(standin)
    people = [p[0] for p in PEOPLE]
    for user_id, zone in FACILITATORS:
        standin.add_user(user_id, user_id.title(), tz=zone)
    people += [user_id for user_id, _zone in FACILITATORS]
    for n in range(args.sessions):
        standin.add_channel(f"CBENCH{n:05d}", f"circle-{n}", is_private=True, members=people)
    with tempfile.TemporaryDirectory(prefix="codev-bench-") as workdir:
        database_url = args.database_url or f"sqlite:///{Path(workdir) / 'bench.db'}"
        secret = secrets.token_hex(16)
        port = _free_port()
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": secret,
            "SLACK_API_URL": standin.api_url,
            "DATABASE_URL": database_url,
            "PORT": str(port),
            "CODEV_CLOCK_SPEED": str(args.speed),
            "CODEV_WORKING_DAYS": "mon-sun",
            "CODEV_WORKING_HOURS": "09:00-17:00",
            "LOG_LEVEL": "WARNING",
        }
        env.pop("SLACK_APP_TOKEN", None)
        bot = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--http", "--host", "127.0.0.1"], env=env, cwd=workdir
        )
        hog: subprocess.Popen[bytes] | None = None
        try:
            _wait_healthy(port)
            driver = SlackDriver(f"http://127.0.0.1:{port}/slack/events", secret, standin)
            started = time.monotonic()
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(lambda n: _start_session(driver, standin, n), range(args.sessions)))
            start_seconds = time.monotonic() - started
            # While the timers run: Slack's usual pace, and another program busy on one of the machine's cores.
            standin.latency = args.latency
            if not args.no_hog:
                hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
            time.sleep(args.seconds)
            peak_rss_kb = _peak_rss_kb(bot.pid)
            print(f"load average at the end: {' '.join(f'{v:.2f}' for v in os.getloadavg())} ({os.cpu_count()} CPUs)")
        finally:
            if hog is not None:
                hog.kill()
                hog.wait()
            bot.send_signal(signal.SIGTERM)
            bot.wait(timeout=60)
            standin.stop()
        lateness = _lateness(database_url)
    _report(args, start_seconds, lateness, len(standin.calls), peak_rss_kb)
    return 0


class SlowStandIn(SlackStandIn):
    """The stand-in, answering each call `latency` seconds late (as Slack does, about 300 ms), calls overlapping."""

    latency = 0.0

    def handle(self, *args: Any, **kwargs: Any) -> Any:
        if self.latency:
            time.sleep(self.latency)  # before the stand-in's lock: slow calls overlap, as they do in Slack
        return super().handle(*args, **kwargs)


FACILITATORS = [
    (f"U0FAC{n}", zone)
    for n, zone in enumerate(
        (
            "Pacific/Auckland",
            "Asia/Tokyo",
            "Asia/Kolkata",
            "Europe/Paris",
            "America/Sao_Paulo",
            "America/New_York",
            "America/Los_Angeles",
            "Pacific/Honolulu",
        )
    )
]


def _start_session(driver: SlackDriver, standin: SlackStandIn, n: int) -> None:
    alice, bob, *consultants = (p[0] for p in PEOPLE)
    facilitator = FACILITATORS[n % len(FACILITATORS)][0]  # the session's calendar is in their zone
    channel = f"CBENCH{n:05d}"
    trigger_user = alice
    before = len(standin.views_for(trigger_user))
    driver.command(trigger_user, f"start Bench topic {n}", channel_id=channel)
    # Find this command's modal: the newest one for this channel.
    view = eventually(
        lambda: next(
            (v for v in reversed(standin.views_for(trigger_user)[before:]) if f"Bench topic {n}" in str(v)), None
        ),
        timeout=60,
    )
    driver.choose(alice, view["id"], ids.START_PACE, "async", {"client": bob})
    eventually(lambda: "timekeeping" in str(standin.views[view["id"]]["blocks"]), timeout=60)
    values = {"facilitator": facilitator, "consultants": consultants, "timekeeping": ["auto_advance", "nudges"]}
    reply = driver.submit(alice, view["id"], values, timeout=30)
    assert reply.status == 200 and not reply.body, reply


def _lateness(database_url: str) -> list[float]:
    db = Database(database_url)
    with db.session() as session:
        rows = session.exec(select(TimedEvent).where(TimedEvent.state == "done")).all()
    db.dispose()
    by_kind: dict[str, list[float]] = {}
    for r in rows:
        if r.fired_at:
            by_kind.setdefault(r.kind + ("" if not r.user_id else " (a person's)"), []).append(
                (r.fired_at - r.due_at).total_seconds()
            )
    for kind, late in sorted(by_kind.items()):
        late.sort()
        p50, p99 = late[len(late) // 2], late[int(0.99 * len(late))]
        print(f"  {kind:>24}: {len(late):5d} fired, p50 {p50:.3f} s, p99 {p99:.3f} s")
    return sorted(x for late in by_kind.values() for x in late)


def _report(
    args: argparse.Namespace, start_seconds: float, lateness: list[float], calls: int, peak_rss_kb: int
) -> None:
    def quantile(q: float) -> float:
        return lateness[min(int(q * len(lateness)), len(lateness) - 1)] if lateness else float("nan")

    print(
        f"sessions: {args.sessions}   clock speed: {args.speed:g}   timers ran for {args.seconds:g} s "
        f"after {start_seconds:.1f} s of starts"
    )
    hog = "none" if args.no_hog else "one CPU-bound process"
    print(f"while timers ran: Slack answered after {args.latency:g} s; beside the bot: {hog}")
    print(f"timed events fired: {len(lateness)}")
    worst = lateness[-1] if lateness else float("nan")
    mean = statistics.fmean(lateness) if lateness else float("nan")
    print(f"lateness (s): p50 {quantile(0.5):.3f}   p99 {quantile(0.99):.3f}   max {worst:.3f}   mean {mean:.3f}")
    print(f"Web API calls per session: {calls / max(args.sessions, 1):.1f}")
    print(f"bot peak RSS: {peak_rss_kb / 1024:.1f} MB")
    print("targets: p99 lateness < 1 s, peak RSS < 150 MB")


def _peak_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the bot did not start")


if __name__ == "__main__":
    raise SystemExit(main())
