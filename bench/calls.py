"""Web API calls per session: two full live sessions of one group, in a row, through signed HTTP against the
built-in Slack stand-in.

One client (Bob), one facilitator (Alice) and four consultants play the demo's session (bot/sandbox/demo.py):
all six steps, replies in the threads, the contract and the synthesis, the summary proposed and posted. A week
later the same people play it again in the same channel. The stand-in records every Web API call; this prints
them per method for each session and the total. Some people open their App Home as each session starts
(`--open-home`, the first N of Alice, Bob, Carol…), as people do; Home is published to them, and to nobody else.

The first session carries one-time costs: the profiles of people codev has never seen (users.info), the
workspace's URL links are written from (auth.test, once per process). The second is what a group's regular
session costs: the target applies to it.

    python bench/calls.py [--open-home 2] [--pause 0.0] [--list]

Not a test and not a CI gate. Target: 30 calls or fewer per (regular) full session, none wasted.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import build_services, create_app
from bot.clock import FakeClock
from bot.config import Settings
from bot.sandbox import demo
from bot.sandbox.circle import ALICE, BOB, CAROL, DAVE, ERIN, FRANK, Circle, populate
from bot.sandbox.driver import SlackDriver
from bot.sandbox.standin import SlackStandIn
from bot.server import make_http_server, make_wsgi_app, run_until
from bot.storage.db import Database

TARGET = 30
HOME_OPENERS = [ALICE, BOB, CAROL, DAVE, ERIN, FRANK]


WEEK = timedelta(days=7)


@dataclass
class Session:
    """The Web API calls one session made: each call's method, to whom Home was published, each call in a line."""

    methods: list[str]
    home_to: list[str]
    lines: list[str]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--open-home", type=int, default=2, help="how many people open their App Home (0-6)")
    parser.add_argument(
        "--pause", type=float, default=0.0, help="real seconds between the steps (Home's throttle is 3 s)"
    )
    parser.add_argument("--list", action="store_true", help="also print every call in order, briefly")
    args = parser.parse_args()
    opening = max(0, min(args.open_home, 6))
    first, regular = run_sessions(open_home=opening, pause=args.pause)
    if args.list:
        for title, session in (("first session", first), ("second session", regular)):
            print(f"-- {title} --")
            print("\n".join(session.lines))
    one, two = Counter(first.methods), Counter(regular.methods)
    methods = sorted(set(one) | set(two), key=lambda m: (-two[m], -one[m], m))
    width = max((len(m) for m in methods), default=10)
    print(f"Web API calls per full session ({opening} people opened their Home as each session started):")
    print(f"  {'method':<{width}} {'first':>6} {'regular':>8}")
    for method in methods:
        print(f"  {method:<{width}} {one[method]:>6} {two[method]:>8}")
    print(f"  {'total':<{width}} {len(first.methods):>6} {len(regular.methods):>8}   (target: {TARGET} or fewer)")
    once = {m: one[m] - two[m] for m in methods if one[m] > two[m]}
    said = ", ".join(f"{m} {n}" for m, n in once.items()) or "none"
    # users.info: profiles of people codev had never seen; auth.test: the workspace's URL, once per process.
    print(f"What the first session called more (one-time costs: profiles, the workspace's URL): {said}")
    verdict = "met" if len(regular.methods) <= TARGET else "NOT met"
    print(f"Target for a group's regular session: {len(regular.methods)} calls, {TARGET} or fewer: {verdict}")
    for title, session in (("first", first), ("regular", regular)):
        print(f"App Home published in the {title} session to: {', '.join(sorted(set(session.home_to))) or 'nobody'}")
    return 0


def run_sessions(*, open_home: int, pause: float) -> tuple[Session, Session]:
    """Two full sessions of one group, a week apart, in one codev process: the calls each made."""
    standin = SlackStandIn().start()
    populate(standin)
    with tempfile.TemporaryDirectory(prefix="codev-bench-calls-") as workdir:
        secret = secrets.token_hex(16)
        settings = Settings(
            slack_bot_token="xoxb-bench",
            slack_signing_secret=secret,
            slack_app_token=None,
            slack_api_url=standin.api_url,
            database_url=f"sqlite:///{Path(workdir) / 'calls.db'}",
            port=0,
            clock_speed=1.0,
            log_level="WARNING",
        )
        db = Database(settings.database_url)
        db.upgrade()
        clock = FakeClock(demo.START)
        services = build_services(settings, db=db, clock=clock)
        app = create_app(services)
        server = make_http_server(make_wsgi_app(app, services, secret), host="127.0.0.1", port=0)
        stop = threading.Event()
        thread = threading.Thread(target=run_until, args=(server, stop), daemon=True)
        thread.start()
        try:
            driver = SlackDriver(f"http://127.0.0.1:{server.effective_port}/slack/events", secret, standin)
            circle = Circle(driver, standin, services)
            first = _one_session(circle, standin, open_home, pause, session_id=1)
            # A week later, same time, same people, same channel: the group's regular session.
            clock.set(demo.START + WEEK)
            circle = _Since(driver, standin, services, since=standin.new_ts())
            regular = _one_session(
                circle,
                standin,
                open_home,
                pause,
                session_id=2,
                morning=demo.BOB_MORNING + WEEK,
                due=(date.fromisoformat(demo.FOLLOW_UP_DAY) + WEEK).isoformat(),
            )
            return first, regular
        finally:
            stop.set()
            thread.join(timeout=10)
            services.shut_down()
            db.dispose()
            standin.stop()


def _one_session(
    circle: Circle, standin: SlackStandIn, open_home: int, pause: float, *, session_id: int, **play: Any
) -> Session:
    first = len(standin.calls)  # start-up (Bolt's auth.test) and the session before are not this session's
    for person in HOME_OPENERS[:open_home]:
        circle.slack.open_home(person)
    _settle(standin, quiet=1.0)  # each open is answered (a publish, or none when Home shows it already)
    circle.start(demo.TOPIC)
    if pause:
        _pausing_clicks(circle, pause)
    demo.play(circle, session_id=session_id, **play)
    _settle(standin)
    calls = standin.calls[first:]
    return Session(
        [c.method for c in calls],
        [c.args["user_id"] for c in calls if c.method == "views.publish"],
        [f"{c.method:<22} {_brief(c.args)}" for c in calls],
    )


class _Since(Circle):
    """The group as it reads the channel for its next session: the messages posted since it began."""

    def __init__(self, *args: Any, since: str) -> None:
        super().__init__(*args)
        self.since = since

    def messages(self) -> list[dict[str, Any]]:
        return [m for m in super().messages() if float(m["ts"]) > float(self.since)]


def _brief(args: dict[str, object]) -> str:
    said = {k: args[k] for k in ("channel", "user", "users", "user_id", "ts", "thread_ts") if k in args}
    text = str(args.get("text") or "").replace("\n", " ")[:60]
    return f"{said} {text}"


def _pausing_clicks(circle: Circle, pause: float) -> None:
    """Wait `pause` real seconds before each click of the session (steps a few seconds apart)."""
    click = circle.click

    def slower(*args, **kwargs):  # type: ignore[no-untyped-def]
        time.sleep(pause)
        return click(*args, **kwargs)

    circle.click = slower  # type: ignore[method-assign]


def _settle(standin: SlackStandIn, quiet: float = 4.0) -> None:
    """Wait until no call came for `quiet` seconds (Home publishes held back by the throttle come late)."""
    count, since = len(standin.calls), time.monotonic()
    while time.monotonic() - since < quiet:
        time.sleep(0.1)
        if len(standin.calls) != count:
            count, since = len(standin.calls), time.monotonic()


if __name__ == "__main__":
    raise SystemExit(main())
