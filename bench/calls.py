"""Web API calls per session: one full live session through signed HTTP against the built-in Slack stand-in.

One client (Bob), one facilitator (Alice) and four consultants play the demo's session (bot/sandbox/demo.py):
all six steps, replies in the threads, the contract and the synthesis, the summary proposed and posted. The
stand-in records every Web API call; this prints them per method, and the total. Some people open their App
Home during the session (`--open-home`, the first N of Alice, Bob, Carol…), as people do; Home is published
to them, and to nobody else.

    python bench/calls.py [--open-home 2] [--pause 0.0]

Not a test and not a CI gate. Target: 30 calls or fewer per full session, none wasted.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import build_services, create_app
from bot.clock import FakeClock
from bot.config import Settings
from bot.sandbox import demo
from bot.sandbox.circle import ALICE, BOB, CAROL, DAVE, ERIN, FRANK, Circle, eventually, populate
from bot.sandbox.driver import SlackDriver
from bot.sandbox.standin import SlackStandIn
from bot.server import make_http_server, make_wsgi_app, run_until
from bot.storage.db import Database

TARGET = 30
HOME_OPENERS = [ALICE, BOB, CAROL, DAVE, ERIN, FRANK]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--open-home", type=int, default=2, help="how many people open their App Home (0-6)")
    parser.add_argument(
        "--pause", type=float, default=0.0, help="real seconds between the steps (Home's throttle is 3 s)"
    )
    parser.add_argument("--list", action="store_true", help="also print every call in order, briefly")
    args = parser.parse_args()
    calls, home_to, lines = run_session(open_home=max(0, min(args.open_home, 6)), pause=args.pause)
    if args.list:
        print("\n".join(lines))
    counts = Counter(calls)
    width = max((len(m) for m in counts), default=10)
    print(f"Web API calls for one full session ({args.open_home} people opened their Home):")
    for method, count in counts.most_common():
        print(f"  {method:<{width}} {count:>4}")
    print(f"  {'total':<{width}} {len(calls):>4}   (target: {TARGET} or fewer)")
    print(f"App Home published to: {', '.join(sorted(set(home_to))) or 'nobody'}")
    return 0


def run_session(*, open_home: int, pause: float) -> tuple[list[str], list[str], list[str]]:
    """The Web API methods called during one session (after start-up), whose Home was published, and each call
    in a line."""
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
        services = build_services(settings, db=db, clock=FakeClock(demo.START))
        app = create_app(services)
        server = make_http_server(make_wsgi_app(app, db, secret), host="127.0.0.1", port=0)
        stop = threading.Event()
        thread = threading.Thread(target=run_until, args=(server, stop), daemon=True)
        thread.start()
        try:
            driver = SlackDriver(f"http://127.0.0.1:{server.effective_port}/slack/events", secret, standin)
            circle = Circle(driver, standin, services)
            first = len(standin.calls)  # start-up (auth.test) is not the session's
            for person in HOME_OPENERS[:open_home]:
                driver.open_home(person)
                eventually(lambda p=person: p in standin.home_views)  # type: ignore[misc]
            circle.start(demo.TOPIC)
            if pause:
                _pausing_clicks(circle, pause)
            demo.play(circle)
            _settle(standin)
            calls = standin.calls[first:]
            lines = [f"{c.method:<22} {_brief(c.args)}" for c in calls]
            return (
                [c.method for c in calls],
                [c.args["user_id"] for c in calls if c.method == "views.publish"],
                lines,
            )
        finally:
            stop.set()
            thread.join(timeout=10)
            services.shut_down()
            db.dispose()
            standin.stop()


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
