"""Ack benchmark: codev against a bare Bolt app (bench/bare_app.py), same waitress server, same thread count.

Both run as their own processes (`codev run --http` on a temporary SQLite database, or BENCH_DATABASE_URL; the
bare app through Bolt's WSGI adapter) against one Slack stand-in. This process sends signed requests as Slack
would and times each one until its answer: a slash command (`/codev status` in a channel with a running session),
a click (a consultant's *Done* on the step message), and a DM event (a journal entry, so codev's inbox keeps it
before the ack). Each measure runs on both apps in turn, alternating which goes first, round after round, so the
machine's other load falls on both alike: sequentially (one request at a time), then with 20 concurrent clients.
Before each measure, both processes are left to go idle: the work codev does after its acks (the journal entry, its
"Saved" note) falls on its own measure, not on the bare app's next one. Last, with the stand-in answering each Web
API call in 300 ms (about what Slack takes), a burst of DM events then a few commands: how long the commands wait
for their acks behind the events' work.

    python bench/acks.py [--rounds 5] [--requests 50] [--clients 20] [--concurrent-requests 400] [--kinds dm_event]

Prints p50 and p99 per app, their ratios (codev / bare) and the throughput ratio under concurrency, with the
load average, and each app's CPU time per request (its work after the ack included; Linux only). Not a test and
not a CI gate. Targets: DM event p50 within 1.5x the bare app's and its throughput at least half the bare app's;
commands and clicks within 1.2x.
"""

from __future__ import annotations

import argparse
import itertools
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
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.sandbox.circle import CAROL, CHANNEL, DAVE, ERIN, FRANK, Circle, populate
from bot.sandbox.driver import Reply, SlackDriver
from bot.sandbox.standin import SlackStandIn
from bot.slack import ids

KINDS = ("command", "click", "dm_event")
TARGETS = {"command": 1.2, "click": 1.2, "dm_event": 1.5}
BENCH = Path(__file__).resolve().parent


class RecordingDriver(SlackDriver):
    """Builds the request Slack would send, without sending it: (body, content type, extra headers)."""

    def post(self, body: bytes, content_type: str, **kwargs: Any) -> Reply:  # type: ignore[override]
        self.recorded = (body, content_type, kwargs.get("extra_headers") or {})
        return Reply(200, "", {})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=50, help="sequential requests per kind, app and round")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument(
        "--concurrent-requests", type=int, default=400, help="requests per kind, app and round, over the clients"
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--kinds", default=",".join(KINDS), help=f"which of {', '.join(KINDS)}, comma-separated")
    parser.add_argument("--burst", type=int, default=250, help="DM events sent at once before the commands (0: none)")
    args = parser.parse_args()
    args.kinds = [kind for kind in KINDS if kind in args.kinds.split(",")]

    standin = SlowStandIn()
    standin.start()
    populate(standin)
    secret = secrets.token_hex(16)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="codev-bench-acks-") as workdir:
        database_url = args.database_url or f"sqlite:///{Path(workdir) / 'acks.db'}"
        codev_port, bare_port = _free_port(), _free_port()
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": secret,
            "SLACK_API_URL": standin.api_url,
            "DATABASE_URL": database_url,
            "PORT": str(codev_port),
            "LOG_LEVEL": "WARNING",
            "CODEV_WORKING_DAYS": "mon-sun",
            "CODEV_WORKING_HOURS": "00:00-24:00",
        }
        env.pop("SLACK_APP_TOKEN", None)
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "--http", "--host", "127.0.0.1"], env=env, cwd=workdir
            ),
            subprocess.Popen(
                [
                    sys.executable,
                    str(BENCH / "bare_app.py"),
                    "--port",
                    str(bare_port),
                    "--signing-secret",
                    secret,
                    "--api-url",
                    standin.api_url,
                ],
                cwd=workdir,
            ),
        ]
        try:
            _wait_healthy(f"http://127.0.0.1:{codev_port}/healthz")
            urls = {
                "codev": f"http://127.0.0.1:{codev_port}/slack/events",
                "bare": f"http://127.0.0.1:{bare_port}/slack/events",
            }
            step_ts = _start_a_session(SlackDriver(urls["codev"], secret, standin), standin)
            _wait_listening(bare_port)
            makers = _request_makers(RecordingDriver(urls["codev"], secret, standin), step_ts)
            pids = {"codev": processes[0].pid, "bare": processes[1].pid}
            results = _measure(urls, secret, makers, args, pids)
            after_burst = _commands_after_a_burst(urls, secret, makers, args, standin) if args.burst else {}
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                process.wait(timeout=60)
            standin.stop()
    _report(results, args, load_before, os.getloadavg())
    for app, (took, statuses) in after_burst.items():
        print(
            f"{app}: commands right after {args.burst} DM events, Slack answering in {SLACK_LATENCY * 1000:.0f} ms: "
            + ", ".join(f"{1000 * seconds:.0f} ms ({status})" for seconds, status in zip(took, statuses, strict=True))
        )
    return 0


SLACK_LATENCY = 0.3  # seconds Slack takes to answer a Web API call, about


class SlowStandIn(SlackStandIn):
    """The stand-in, answering each call `latency` seconds late when told (calls overlap, as they do in Slack)."""

    latency = 0.0

    def handle(self, *args: Any, **kwargs: Any) -> Any:
        if self.latency:
            time.sleep(self.latency)
        return super().handle(*args, **kwargs)


def _commands_after_a_burst(
    urls: dict[str, str],
    secret: str,
    makers: dict[str, Callable[[int], tuple[bytes, str]]],
    args: Any,
    standin: SlowStandIn,
) -> dict[str, tuple[list[float], list[str]]]:
    """Per app: how long each of a few commands took to be acked (and its status), sent right after a burst of DM
    events, while every Web API call takes SLACK_LATENCY. Bolt acks a command from its listener threads."""
    serial = itertools.count(10**6)
    found: dict[str, tuple[list[float], list[str]]] = {}
    standin.latency = SLACK_LATENCY
    try:
        for app, url in urls.items():
            bodies = [makers["dm_event"](next(serial)) for _ in range(args.burst)]
            with ThreadPoolExecutor(args.clients) as pool:
                list(pool.map(lambda body, u=url: _send(u, secret, *body), bodies))
            took, statuses = [], []
            for _ in range(3):
                began = time.perf_counter()
                try:
                    _send(url, secret, *makers["command"](next(serial)))
                    statuses.append("200")
                except (OSError, RuntimeError) as error:  # Bolt gave up waiting for the ack: Slack shows a timeout
                    statuses.append(str(getattr(error, "code", None) or type(error).__name__))
                took.append(time.perf_counter() - began)
            found[app] = (took, statuses)
    finally:
        standin.latency = 0.0
    return found


def _start_a_session(driver: SlackDriver, standin: SlackStandIn) -> str:
    """A running session in the channel: `/codev status` has a line to say, and its step message a Done button."""
    circle = Circle(driver, standin, services=None)
    step = circle.start("Bench: acks")
    return str(step["ts"])


def _request_makers(recorder: RecordingDriver, step_ts: str) -> dict[str, Callable[[int], tuple[bytes, str]]]:
    """For each kind, a function making the n-th request's body (a fresh event id for every event)."""
    consultants = [CAROL, DAVE, ERIN, FRANK]
    counter = itertools.count(1)

    def command(n: int) -> tuple[bytes, str]:
        recorder.command(consultants[n % 4], "status", channel_id=CHANNEL)
        return recorder.recorded[0], recorder.recorded[1]

    def click(n: int) -> tuple[bytes, str]:
        payload = recorder.click_payload(
            consultants[n % 4], ids.DONE, channel_id=CHANNEL, message_ts=step_ts, value="1:1:1"
        )
        recorder.post_payload(payload)
        return recorder.recorded[0], recorder.recorded[1]

    def dm_event(n: int) -> tuple[bytes, str]:
        user = consultants[n % 4]
        ts = f"{time.time():.6f}"
        event = {
            "type": "message",
            "channel": recorder.standin.dm_channel(user),
            "channel_type": "im",
            "user": user,
            "text": f"What I learned, note {next(counter)}",
            "ts": ts,
            "event_ts": ts,
        }
        recorder.event(event, event_id=f"EvBench{next(counter):010d}")
        return recorder.recorded[0], recorder.recorded[1]

    return {"command": command, "click": click, "dm_event": dm_event}


def _send(url: str, secret: str, body: bytes, content_type: str) -> float:
    """Post one signed request; the seconds until its answer (the ack), or raise when it was not a 200."""
    from bot.sandbox.driver import sign

    stamp = str(int(time.time()))
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": sign(secret, stamp, body),
    }
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    began = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        status = response.status
    took = time.perf_counter() - began
    if status != 200:
        raise RuntimeError(f"{url} answered {status}")
    return took


Results = dict[tuple[str, str, str], list[float]]  # (app, kind, mode) -> latencies; mode "seq" or "conc"
Measured = tuple[Results, dict[tuple[str, str], list[float]], dict[tuple[str, str], list[float]]]


def _measure(
    urls: dict[str, str],
    secret: str,
    makers: dict[str, Callable[[int], tuple[bytes, str]]],
    args: Any,
    pids: dict[str, int],
) -> Measured:
    latencies: Results = defaultdict(list)
    throughput: dict[tuple[str, str], list[float]] = defaultdict(list)
    cpu: dict[tuple[str, str], list[float]] = defaultdict(list)  # (app, kind) -> CPU seconds per request
    serial = itertools.count()
    for kind in args.kinds:  # warm both up
        for app in urls:
            for _ in range(5):
                _send(urls[app], secret, *makers[kind](next(serial)))
    for round_number in range(args.rounds):
        order = ["codev", "bare"] if round_number % 2 == 0 else ["bare", "codev"]
        for kind in args.kinds:
            for app in order:
                bodies = [makers[kind](next(serial)) for _ in range(args.requests)]
                _wait_idle(pids.values())
                spent = _cpu_seconds(pids[app])
                latencies[(app, kind, "seq")] += [_send(urls[app], secret, *body) for body in bodies]
                _wait_idle(pids.values())
                cpu[(app, kind)].append((_cpu_seconds(pids[app]) - spent) / len(bodies))
            for app in order:
                bodies = [makers[kind](next(serial)) for _ in range(args.concurrent_requests)]
                _wait_idle(pids.values())
                began = time.perf_counter()
                with ThreadPoolExecutor(args.clients) as pool:
                    took = list(pool.map(lambda body, a=app: _send(urls[a], secret, *body), bodies))
                throughput[(app, kind)].append(len(bodies) / (time.perf_counter() - began))
                latencies[(app, kind, "conc")] += took
    return latencies, throughput, cpu


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far (Linux's /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_idle(pids: Any, *, window: float = 0.2, busy: float = 0.05, timeout: float = 60.0) -> None:
    """Until each process uses under `busy` of a CPU over `window` seconds: its work after the acks is done."""
    deadline = time.monotonic() + timeout
    before = {pid: _cpu_seconds(pid) for pid in pids}
    while time.monotonic() < deadline:
        time.sleep(window)
        now = {pid: _cpu_seconds(pid) for pid in pids}
        if all(now[pid] - before[pid] < busy * window for pid in pids):
            return
        before = now


def _report(
    measured: Measured,
    args: Any,
    load_before: tuple[float, float, float],
    load_after: tuple[float, float, float],
) -> None:
    latencies, throughput, cpu = measured
    print(
        f"acks: {args.rounds} rounds; {args.requests} sequential requests and {args.concurrent_requests} over "
        f"{args.clients} concurrent clients, per kind, app and round"
    )
    print(f"load average before: {_load(load_before)}; after: {_load(load_after)} ({os.cpu_count()} CPUs)")
    header = (
        f"{'kind':<9} {'mode':<11} {'codev p50':>10} {'bare p50':>9} {'ratio':>6} "
        f"{'codev p99':>10} {'bare p99':>9} {'ratio':>6} {'codev/s':>8} {'bare/s':>7} {'ratio':>6}"
    )
    print(header)
    for kind in args.kinds:
        for mode in ("seq", "conc"):
            codev, bare = latencies[("codev", kind, mode)], latencies[("bare", kind, mode)]
            line = (
                f"{kind:<9} {'sequential' if mode == 'seq' else f'{args.clients} clients':<11} "
                f"{_ms(codev, 0.5):>8.1f}ms {_ms(bare, 0.5):>7.1f}ms {_ms(codev, 0.5) / _ms(bare, 0.5):>6.2f} "
                f"{_ms(codev, 0.99):>8.1f}ms {_ms(bare, 0.99):>7.1f}ms {_ms(codev, 0.99) / _ms(bare, 0.99):>6.2f}"
            )
            if mode == "conc":
                ours, theirs = (
                    statistics.median(throughput[("codev", kind)]),
                    statistics.median(throughput[("bare", kind)]),
                )
                line += f" {ours:>8.0f} {theirs:>7.0f} {ours / theirs:>6.2f}"
            print(line)
    print(
        "CPU per request, sequential, work after the ack included: "
        + ", ".join(
            f"{kind} {1000 * statistics.median(cpu[('codev', kind)]):.2f} ms vs "
            f"{1000 * statistics.median(cpu[('bare', kind)]):.2f} ms"
            for kind in args.kinds
        )
    )
    print(
        "targets: p50 ratio ≤ "
        + ", ".join(f"{k} {v}" for k, v in TARGETS.items())
        + "; dm_event throughput ratio ≥ 0.5"
    )


def _ms(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    return 1000 * (statistics.median(ordered) if q == 0.5 else ordered[min(int(q * len(ordered)), len(ordered) - 1)])


def _load(values: tuple[float, float, float]) -> str:
    return " ".join(f"{v:.2f}" for v in values)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer")


def _wait_listening(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"the bare app did not listen on {port}")


if __name__ == "__main__":
    raise SystemExit(main())
