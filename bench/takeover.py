"""Takeover benchmark: the timer leader dies in the middle of deliveries; how soon the follower finishes them.

Two `codev run --http` processes share one PostgreSQL database (the bench creates a database of its own on the
server `--database-url` names, and drops it afterwards): A leads the timers, B follows. Live sessions are
started through signed HTTP on B, on a sped-up clock (`--speed 40`: Presentation's 10 minutes last 15 s): first
`--interrupted` sessions (3) whose Presentation deadlines fall due together, then `--others` sessions (30)
started one after the other over `--spread` seconds, whose reminders and deadlines fall due during the takeover.

Just before the first sessions' deadlines, the stand-in holds every chat.postMessage and chat.update in their
channels: A's "Time's up" posts wait there, unanswered. Once it holds one per session, A is killed (SIGKILL) and
the held calls are dropped (Slack never got them), so B, once it leads, has to find them undelivered and post
them. Every call is answered after `--latency` seconds (0.3 by default, about what Slack takes).

    python bench/takeover.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
        [--interrupted 3] [--others 30] [--speed 40] [--spread 8] [--latency 0.3] [--seconds 15]

Prints the seconds from the kill until B leads and until each interrupted "Time's up" is in its thread (and that
each is there once), how late the other timers that fell due after the kill fired (from the timed_event rows; due
before B led, nobody could fire them yet; due after, recovery must not hold them up), and the load average.
Not a test and not a CI gate. Target (issue #16): a new leader resumes interrupted deliveries without pausing
the other timers.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlmodel import col, select

from bot.sandbox.circle import ALICE, BOB, CAROL, DAVE, ERIN, FRANK, PEOPLE, eventually
from bot.sandbox.driver import SlackDriver
from bot.sandbox.standin import SlackStandIn
from bot.storage.db import Database
from bot.storage.models import CodevSession, TimedEvent

HELD_METHODS = ("chat.postMessage", "chat.update")  # how a deadline's "Time's up" reaches its thread
TIMES_UP = "Time's up for"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"), help="a PostgreSQL server")
    parser.add_argument("--interrupted", type=int, default=3, help="deadlines the leader is delivering when killed")
    parser.add_argument("--others", type=int, default=30, help="sessions whose timers fall due during the takeover")
    parser.add_argument("--speed", type=float, default=40, help="CODEV_CLOCK_SPEED (40: Presentation lasts 15 s)")
    parser.add_argument("--spread", type=float, default=8, help="seconds over which the other sessions start")
    parser.add_argument("--latency", type=float, default=0.3, help="seconds the stand-in takes to answer each call")
    parser.add_argument("--seconds", type=float, default=15, help="how long to watch after the kill (at most)")
    args = parser.parse_args()
    if not args.database_url or not args.database_url.startswith(("postgresql", "postgres://")):
        raise SystemExit(
            "takeover.py needs PostgreSQL (two processes, one database): pass --database-url or set "
            "BENCH_DATABASE_URL to postgresql+psycopg://user@host:port/db"
        )
    server = make_url(args.database_url.replace("postgres://", "postgresql://", 1))
    if server.drivername == "postgresql":
        server = server.set(drivername="postgresql+psycopg")
    name = f"codev_bench_takeover_{uuid.uuid4().hex[:8]}"
    _admin(server, f'CREATE DATABASE "{name}"')
    try:
        return _run(args, server.set(database=name).render_as_string(hide_password=False))
    finally:
        _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Held:
    method: str
    args: dict[str, Any]
    released: bool = False
    dropped: bool = False


class HoldingStandIn(SlackStandIn):
    """The stand-in, answering each call `latency` seconds late; posts in some channels can be held.

    A held call waits unanswered until `release`; dropped then, it is not applied: Slack never got it."""

    latency = 0.0

    def __init__(self) -> None:
        super().__init__()
        self._holding: set[str] = set()
        self._held: list[Held] = []
        self._hold_changed = threading.Condition()

    def start(self) -> HoldingStandIn:
        super().start()
        # A's calls answered after its death find no one to read the answer: not worth a traceback each.
        assert self._server is not None
        self._server.handle_error = _quiet_when_gone  # type: ignore[method-assign]
        return self

    def hold(self, channels: set[str]) -> None:
        with self._hold_changed:
            self._holding = set(channels)

    def held(self) -> list[Held]:
        with self._hold_changed:
            return [h for h in self._held if not h.released]

    def release(self, *, drop: bool) -> int:
        """Stop holding; the calls held until now are answered, or dropped unanswered. Returns how many."""
        with self._hold_changed:
            self._holding = set()
            waiting = [h for h in self._held if not h.released]
            for h in waiting:
                h.released, h.dropped = True, drop
            self._hold_changed.notify_all()
            return len(waiting)

    def handle(self, method: str, args: dict[str, Any], has_bearer_token: bool, token: str | None = None) -> Any:
        with self._hold_changed:
            if method in HELD_METHODS and str(args.get("channel")) in self._holding:
                held = Held(method, dict(args))
                self._held.append(held)
                while not held.released:
                    self._hold_changed.wait()
                if held.dropped:
                    raise ConnectionAbortedError  # no answer, nothing applied: its caller is dead anyway
        if self.latency:
            time.sleep(self.latency)  # before the stand-in's lock: slow calls overlap, as they do in Slack
        return super().handle(method, args, has_bearer_token, token)


class Bot:
    """A `codev run --http` process, its log in the work directory."""

    def __init__(self, label: str, env: dict[str, str], workdir: Path) -> None:
        self.label = label
        self.port = _free_port()
        self.log_path = workdir / f"codev-{label}.log"
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "--http", "--host", "127.0.0.1"],
                env={**env, "PORT": str(self.port)},
                cwd=workdir,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"process {self.label} exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise SystemExit(f"process {self.label} did not start")

    def leads(self) -> bool:
        """Its /metrics says it fires the timers (each process answers for itself without PROMETHEUS_MULTIPROC_DIR)."""
        try:
            with urllib.request.urlopen(f"{self.url}/metrics", timeout=2) as response:
                body = response.read().decode()
        except OSError:
            return False
        return any(line.startswith("codev_timer_leader ") and float(line.split()[1]) == 1 for line in body.splitlines())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _run(args: argparse.Namespace, database_url: str) -> int:
    load_before = os.getloadavg()
    standin = HoldingStandIn()
    standin.start()
    standin.latency = args.latency
    people = [p[0] for p in PEOPLE]
    for user_id, user_name, zone in PEOPLE:
        standin.add_user(user_id, user_name, tz=zone)
    interrupted = [f"CTAKEK{n:04d}" for n in range(args.interrupted)]
    others = [f"CTAKEM{n:04d}" for n in range(args.others)]
    for n, channel in enumerate(interrupted + others):
        standin.add_channel(channel, f"takeover-{n}", is_private=True, members=people)
    secret = secrets.token_hex(16)
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": secret,
        "SLACK_API_URL": standin.api_url,
        "DATABASE_URL": database_url,
        "CODEV_CLOCK_SPEED": str(args.speed),
        "CODEV_WORKING_DAYS": "mon-sun",
        "CODEV_WORKING_HOURS": "00:00-24:00",
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
    }
    for variable in ("SLACK_APP_TOKEN", "PROMETHEUS_MULTIPROC_DIR"):
        env.pop(variable, None)  # HTTP mode; each process's /metrics answers for itself
    with tempfile.TemporaryDirectory(prefix="codev-bench-takeover-") as workdir:
        bots: list[Bot] = []
        try:
            a = Bot("A", env, Path(workdir))
            bots.append(a)
            a.wait_healthy()
            eventually(a.leads, timeout=30)
            b = Bot("B", env, Path(workdir))
            bots.append(b)
            b.wait_healthy()
            if b.leads():
                raise SystemExit("B leads beside A: the timer lock is not working")
            driver = SlackDriver(f"{b.url}/slack/events", secret, standin)  # sessions start on the follower

            # The sessions whose deadlines A will be delivering when it dies, started together.
            with ThreadPoolExecutor(max(args.interrupted, 1)) as pool:
                list(pool.map(lambda c: _start_session(driver, standin, c), interrupted))
            db = Database(database_url)
            k_sessions, k_due = _deadlines(db, interrupted)
            # The others, one after the other: their reminders and deadlines fall due through the takeover.
            pool = ThreadPoolExecutor(8)
            begin = time.monotonic()
            starts = [
                pool.submit(_start_session, driver, standin, channel, begin + n * args.spread / max(args.others, 1))
                for n, channel in enumerate(others)
            ]

            # Hold the posts in the interrupted sessions' channels just before their deadlines; then wait for A's.
            _sleep_until(min(k_due.values()) - timedelta(seconds=1))
            standin.hold(set(interrupted))
            try:
                eventually(
                    lambda: len([h for h in standin.held() if TIMES_UP in str(h.args.get("text"))]) >= args.interrupted,
                    timeout=30,
                )
            except AssertionError:
                raise SystemExit(f"A did not deliver the deadlines: held {standin.held()}") from None
            held = len(standin.held())
            a.process.send_signal(signal.SIGKILL)
            killed, killed_at = time.monotonic(), datetime.now(UTC)
            a.process.wait()
            dropped = standin.release(drop=True)

            # Watch: when B leads, when each interrupted "Time's up" is in its thread.
            led: float | None = None
            posted: dict[str, float] = {}
            until = killed + args.seconds
            while time.monotonic() < until and (led is None or len(posted) < len(interrupted)):
                if led is None and b.leads():
                    led = time.monotonic() - killed
                for channel in interrupted:
                    if channel not in posted and _times_up(standin, channel):
                        posted[channel] = time.monotonic() - killed
                time.sleep(0.02)
            for start in starts:
                start.result()
            pool.shutdown()
            # Let the other sessions' timers fall due and fire (their last deadline, and a margin).
            _, m_due = _deadlines(db, others)
            last_due = max(m_due.values(), default=killed_at)
            _sleep_until(min(last_due + timedelta(seconds=3), killed_at + timedelta(seconds=args.seconds)))
            ended_at = datetime.now(UTC)
            load_after = os.getloadavg()
            rows = _events(db, killed_at, ended_at, exclude=set(k_sessions.values()))
            once_each = {c: len(_times_up(standin, c)) for c in interrupted}
            doubled = [c for c in others if len(_times_up(standin, c)) > 1]
            dms = _facilitator_dms(standin, set(k_sessions))
            db.dispose()
        finally:
            for bot in bots:
                bot.stop()
            standin.stop()

        _report(args, load_before, load_after, held, dropped, led, posted, once_each, doubled, dms, rows, killed_at)
        if led is None or len(posted) < len(interrupted):
            print(f"\nB's log (last lines):\n{Path(bots[-1].log_path).read_text()[-3000:]}")
    return 0


def _start_session(driver: SlackDriver, standin: SlackStandIn, channel: str, at: float | None = None) -> None:
    """Alice starts a live session in `channel` (Bob as client), through the modal, as Slack would send it."""
    if at is not None:
        time.sleep(max(at - time.monotonic(), 0))
    topic = f"Takeover in {channel}"
    before = len(standin.views_for(ALICE))
    reply = driver.command(ALICE, f"start {topic}", channel_id=channel)
    assert reply.status == 200, reply
    view = eventually(
        lambda: next((v for v in reversed(standin.views_for(ALICE)[before:]) if topic in str(v)), None), timeout=60
    )
    values = {"client": BOB, "consultants": [CAROL, DAVE, ERIN, FRANK]}
    reply = driver.submit(ALICE, view["id"], values, timeout=30)
    assert reply.status == 200 and not reply.body, reply
    eventually(lambda: _step_one(standin, channel), timeout=60)


def _step_one(standin: SlackStandIn, channel: str) -> dict[str, Any] | None:
    return next((m for m in standin.messages(channel) if "Step 1/6" in str(m.get("blocks"))), None)


def _times_up(standin: SlackStandIn, channel: str) -> list[dict[str, Any]]:
    step = _step_one(standin, channel)
    if step is None:
        return []
    return [m for m in standin.thread(channel, step["ts"]) if TIMES_UP in m.get("text", "")]


def _deadlines(db: Database, channels: list[str]) -> tuple[dict[str, int], dict[str, datetime]]:
    """The sessions in these channels, and the due time of each one's Presentation deadline (the channel's)."""

    def found() -> tuple[dict[str, int], dict[str, datetime]] | None:
        with db.session() as session:
            sessions = {
                s.channel_id: s.id
                for s in session.exec(select(CodevSession).where(col(CodevSession.channel_id).in_(channels))).all()
                if s.id is not None
            }
            events = session.exec(
                select(TimedEvent).where(
                    col(TimedEvent.session_id).in_(list(sessions.values())),
                    TimedEvent.kind == "deadline",
                    TimedEvent.step == 1,
                    TimedEvent.user_id == "",
                )
            ).all()
        due = {c: e.due_at for e in events for c, sid in sessions.items() if sid == e.session_id}
        return (sessions, due) if len(due) == len(channels) else None

    return eventually(found, timeout=30)


def _events(db: Database, after: datetime, before: datetime, exclude: set[int]) -> list[TimedEvent]:
    """The other sessions' timed events that fell due between the kill and the end."""
    with db.session() as session:
        return list(
            session.exec(
                select(TimedEvent).where(
                    col(TimedEvent.due_at) >= after,
                    col(TimedEvent.due_at) <= before,
                    col(TimedEvent.session_id).not_in(exclude or {0}),
                )
            ).all()
        )


def _facilitator_dms(standin: SlackStandIn, channels: set[str]) -> int:
    """The "Time's up" DMs Alice got about the interrupted sessions (each names its session's topic)."""
    dm = standin.dm_channel(ALICE)
    return sum(
        1 for m in standin.messages(dm) if TIMES_UP in m.get("text", "") and any(c in m["text"] for c in channels)
    )


def _report(
    args: argparse.Namespace,
    load_before: tuple[float, float, float],
    load_after: tuple[float, float, float],
    held: int,
    dropped: int,
    led: float | None,
    posted: dict[str, float],
    once_each: dict[str, int],
    doubled: list[str],
    dms: int,
    rows: list[TimedEvent],
    killed_at: datetime,
) -> None:
    def loads(values: tuple[float, float, float]) -> str:
        return " ".join(f"{v:.2f}" for v in values)

    print(
        f"interrupted deliveries: {args.interrupted}   other sessions: {args.others} (started over {args.spread:g} s)"
        f"   clock speed: {args.speed:g}   Slack answered after {args.latency:g} s"
    )
    print(f"load average before: {loads(load_before)}   after: {loads(load_after)}   ({os.cpu_count()} CPUs)")
    print(f"calls held when A was killed: {held} (dropped unanswered: {dropped})")
    print(f"B leads {led:.2f} s after the kill" if led is not None else "B did not lead")
    each = "  ".join(f"{posted[c]:.2f}" if c in posted else "never" for c in sorted(once_each))
    worst = max(posted.values()) if len(posted) == len(once_each) else float("nan")
    print(f'interrupted "Time\'s up" in their threads, seconds after the kill: max {worst:.2f}   each: {each}')
    if led is not None and posted:
        print(f"  the last one, seconds after B led: {max(posted.values()) - led:.2f}")
    counts = ", ".join(str(n) for _, n in sorted(once_each.items()))
    verdict = "yes" if all(n == 1 for n in once_each.values()) else "NO"
    print(f"each one posted exactly once: {verdict} ({counts}); their facilitator DMs: {dms}")
    print(f'other sessions with a doubled "Time\'s up": {len(doubled)}')
    fired = [r for r in rows if r.fired_at is not None]
    waiting = [r for r in rows if r.state == "pending"]
    print(f"other timed events due after the kill: {len(rows)} ({len(fired)} fired, {len(waiting)} still pending)")
    if led is not None:
        leading_at = killed_at + timedelta(seconds=led)
        for label, chosen in (
            ("due before B led", [r for r in fired if r.due_at < leading_at]),
            ("due after B led", [r for r in fired if r.due_at >= leading_at]),
        ):
            late = sorted((r.fired_at - r.due_at).total_seconds() for r in chosen if r.fired_at is not None)
            if late:
                p50, p99 = late[len(late) // 2], late[min(int(0.99 * len(late)), len(late) - 1)]
                print(
                    f"  lateness, {label}: {len(late):3d} fired, p50 {p50:.3f} s, p99 {p99:.3f} s, max {late[-1]:.3f} s"
                )
    print(
        "target (issue #16): a new leader resumes interrupted deliveries without pausing the other timers "
        "(earlier figure: 3 s for 3 interrupted deadlines)"
    )


def _quiet_when_gone(request: Any, client_address: Any) -> None:
    error = sys.exc_info()[1]
    if not isinstance(error, (BrokenPipeError, ConnectionResetError)):
        traceback.print_exc()


def _sleep_until(moment: datetime) -> None:
    time.sleep(max((moment - datetime.now(UTC)).total_seconds(), 0))


def _admin(server: URL, statement: str) -> None:
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(statement))
    engine.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


if __name__ == "__main__":
    raise SystemExit(main())
