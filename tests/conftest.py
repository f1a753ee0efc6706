"""One fixture set: a migrated temp database, the Slack stand-in, the running app and a signed-request driver."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.app import build_services, create_app
from bot.clock import FakeClock
from bot.config import Settings
from bot.sandbox.circle import ALICE, BOB, CAROL, CHANNEL, DAVE, ERIN, FRANK, PEOPLE, Circle, eventually, populate
from bot.sandbox.driver import SlackDriver
from bot.sandbox.standin import SlackStandIn
from bot.server import make_http_server, make_wsgi_app, run_until
from bot.slack.context import Services
from bot.storage.db import Database
from tests.support.faulty_standin import FaultyStandIn
from tests.support.spec import SpecChecker

SPEC_DIR = Path(__file__).parent / "slack-spec"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


# ---- database ------------------------------------------------------------------------------------------
def _base_url() -> str:
    return os.environ.get("DATABASE_URL", "").strip() or "sqlite://"


def is_postgres() -> bool:
    return _base_url().startswith(("postgresql", "postgres://"))


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated once per run (through the migrations only); each test gets a copy."""
    if is_postgres():
        url = make_url(_base_url().replace("postgresql://", "postgresql+psycopg://", 1))
        name = f"codev_tpl_{uuid.uuid4().hex[:10]}"
        _pg_admin(url, f'CREATE DATABASE "{name}"')
        template = Database(url.set(database=name).render_as_string(hide_password=False))
        template.upgrade()
        template.dispose()  # a template with open connections cannot be copied
        yield name
        _pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp_path_factory.mktemp("db") / "template.db"
        db = Database(f"sqlite:///{path}")
        db.upgrade()
        db.dispose()
        yield str(path)


def _pg_admin(url, statement: str) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(statement))
    engine.dispose()


@pytest.fixture
def database_url(database_template: str, tmp_path: Path) -> Iterator[str]:
    if is_postgres():
        url = make_url(_base_url().replace("postgresql://", "postgresql+psycopg://", 1))
        name = f"codev_t_{uuid.uuid4().hex[:12]}"
        _pg_admin(url, f'CREATE DATABASE "{name}" TEMPLATE "{database_template}"')
        yield url.set(database=name).render_as_string(hide_password=False)
        _pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp_path / "codev.db"
        shutil.copy(database_template, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


# ---- Slack ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def spec_checker() -> SpecChecker:
    return SpecChecker(SPEC_DIR / "web-api-openapi.json")


@pytest.fixture
def standin(spec_checker: SpecChecker) -> Iterator[FaultyStandIn]:
    """The Slack Web API stand-in, spec-checked and failing on demand, with a small group in a private channel."""
    fake_slack = FaultyStandIn(spec=spec_checker).start()
    populate(fake_slack)
    fake_slack.add_user("U0HELPERBOT", "Helper bot", is_bot=True)
    fake_slack.add_user("U0GONE", "Gone Person", deleted=True)
    yield fake_slack
    fake_slack.stop()
    assert fake_slack.violations == [], "calls that break Slack's Web API spec"


__all__ = ["ALICE", "BOB", "CAROL", "CHANNEL", "DAVE", "ERIN", "FRANK", "PEOPLE", "eventually"]


@dataclass
class RunningApp:
    url: str
    services: Services
    clock: FakeClock

    @property
    def base_url(self) -> str:
        return self.url.rsplit("/slack/events", 1)[0]


def settings_for(standin: SlackStandIn, database_url: str, **overrides: object) -> Settings:
    values = dict(
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=SIGNING_SECRET,
        slack_app_token=None,
        slack_api_url=standin.api_url,
        database_url=database_url,
        port=0,
        clock_speed=1.0,
        log_level="INFO",
    )
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def running_app(standin: SlackStandIn, db: Database) -> Iterator[RunningApp]:
    """The real app, served over HTTP by waitress on a free loopback port."""
    clock = FakeClock()
    services = build_services(settings_for(standin, db.url), clock=clock, db=db)
    services.home.min_interval = 0.5  # the same throttle, shorter, so tests do not wait on it
    app = create_app(services)
    server = make_http_server(make_wsgi_app(app, services, SIGNING_SECRET), host="127.0.0.1", port=0)
    stop = threading.Event()
    thread = threading.Thread(target=run_until, args=(server, stop), name="codev-http", daemon=True)
    thread.start()
    yield RunningApp(f"http://127.0.0.1:{server.effective_port}/slack/events", services, clock)
    stop.set()
    thread.join(timeout=10)
    services.shut_down()


@pytest.fixture
def slack(running_app: RunningApp, standin: SlackStandIn) -> SlackDriver:
    """Talks to the running app as Slack does."""
    return SlackDriver(running_app.url, SIGNING_SECRET, standin)


@pytest.fixture
def group(slack: SlackDriver, standin: SlackStandIn, running_app: RunningApp) -> Circle:
    return Circle(slack, standin, running_app.services)


Group = Circle  # tests name the fixture's type this way


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen[str]) -> None:
    import time
    import urllib.request

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("codev run did not become healthy")


class BotProcess:
    """A `codev run --http` process that can be killed and started again on the same database."""

    def __init__(self, standin: SlackStandIn, database_url: str, workdir: Path, clock_speed: float = 1.0) -> None:
        self.port = free_port()
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": standin.api_url,
            "DATABASE_URL": database_url,
            "PORT": str(self.port),
            "CODEV_CLOCK_SPEED": str(clock_speed),
            "LOG_LEVEL": "WARNING",
            # The wall clock runs these tests at any hour: sessions outside a group work around the clock.
            "CODEV_WORKING_DAYS": "mon-sun",
            "CODEV_WORKING_HOURS": "00:00-24:00",
        }
        self.workdir = workdir
        self.process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    def start(self) -> None:
        # Logs go to a file: a pipe nobody reads fills up and blocks the bot mid-test.
        self.log_path = self.workdir / f"codev-{self.port}.log"
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "--http", "--host", "127.0.0.1"],
                env=self.env,
                cwd=self.workdir,
                stdout=subprocess.DEVNULL,
                stderr=log,
                text=True,
            )
        wait_healthy(f"http://127.0.0.1:{self.port}/healthz", self.process)

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=20)


@pytest.fixture
def bot(standin: SlackStandIn, database_url: str, tmp_path: Path) -> Iterator[BotProcess]:
    """A real `codev run --http` on the test's database and stand-in, at the wall clock's pace."""
    running = BotProcess(standin, database_url, tmp_path)
    yield running
    running.stop()
    print(running.log())  # shown when the test fails
