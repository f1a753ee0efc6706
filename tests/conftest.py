"""One fixture set: a migrated temp database, the Slack stand-in, the running app and a signed-request driver."""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.app import Services, build_services, create_app
from bot.clock import FakeClock
from bot.config import Settings
from bot.sandbox.driver import SlackDriver
from bot.sandbox.spec import SpecChecker
from bot.sandbox.standin import SlackStandIn
from bot.server import make_http_server, make_wsgi_app, run_until
from bot.storage.db import Database

SPEC_DIR = Path(__file__).parent / "slack-spec"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
CHANNEL = "C0CODEV01"


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
def standin(spec_checker: SpecChecker) -> Iterator[SlackStandIn]:
    """The Slack Web API stand-in, with a small co-development group in a private channel."""
    fake_slack = SlackStandIn(spec=spec_checker).start()
    for user_id, name, tz in PEOPLE:
        fake_slack.add_user(user_id, name, tz=tz)
    fake_slack.add_user("U0HELPERBOT", "Helper bot", is_bot=True)
    fake_slack.add_user("U0GONE", "Gone Person", deleted=True)
    fake_slack.add_channel(CHANNEL, "codev-circle", is_private=True, members=[p[0] for p in PEOPLE])
    yield fake_slack
    fake_slack.stop()
    assert fake_slack.violations == [], "calls that break Slack's Web API spec"


PEOPLE = [
    ("U0ALICE", "Alice", "Europe/Paris"),
    ("U0BOB", "Bob", "America/Montreal"),
    ("U0CAROL", "Carol", "Europe/Paris"),
    ("U0DAVE", "Dave", "Europe/Brussels"),
    ("U0ERIN", "Erin", "America/Toronto"),
    ("U0FRANK", "Frank", "Europe/Paris"),
]


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
    app = create_app(services)
    server = make_http_server(make_wsgi_app(app, db, SIGNING_SECRET), host="127.0.0.1", port=0)
    stop = threading.Event()
    thread = threading.Thread(target=run_until, args=(server, stop), name="codev-http", daemon=True)
    thread.start()
    yield RunningApp(f"http://127.0.0.1:{server.effective_port}/slack/events", services, clock)
    stop.set()
    thread.join(timeout=10)


@pytest.fixture
def slack(running_app: RunningApp, standin: SlackStandIn) -> SlackDriver:
    """Talks to the running app as Slack does."""
    return SlackDriver(running_app.url, SIGNING_SECRET, standin)


# ---- helpers that read like a session ------------------------------------------------------------------
def eventually(check, timeout: float = 10.0):  # type: ignore[no-untyped-def]
    """Wait for the app's after-ack work: returns check()'s first truthy value, or fails."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
        except (AssertionError, LookupError, KeyError):
            result = None
            if time.monotonic() >= deadline:
                raise
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError("the app did not get there in time")
        time.sleep(0.02)


ALICE, BOB, CAROL, DAVE, ERIN, FRANK = (p[0] for p in PEOPLE)


class Group:
    """A co-development group in #codev-circle, driving the app through the stand-in and signed requests."""

    def __init__(self, slack: SlackDriver, standin: SlackStandIn, app: RunningApp) -> None:
        self.slack = slack
        self.standin = standin
        self.app = app
        self.channel = CHANNEL

    # -- starting --
    def open_start_modal(self, user_id: str = ALICE, topic: str = "Handing over my team", *,
                         channel_id: str = CHANNEL) -> dict:
        before = len(self.standin.views_for(user_id))
        reply = self.slack.command(user_id, f"start {topic}".strip(), channel_id=channel_id)
        assert reply.status == 200, reply
        return eventually(lambda: self.standin.views_for(user_id)[before:] and self.standin.views_for(user_id)[-1])

    def submit_start(self, view: dict, user_id: str = ALICE, **values: object):  # type: ignore[no-untyped-def]
        defaults: dict[str, object] = {"client": BOB, "consultants": [CAROL, DAVE, ERIN, FRANK]}
        defaults.update(values)
        return self.slack.submit(user_id, view["id"], defaults)

    def start(self, topic: str = "Handing over my team", **values: object) -> dict:
        """Alice starts a session with Bob as client; returns the step 1 message."""
        view = self.open_start_modal(ALICE, topic)
        reply = self.submit_start(view, **values)
        assert reply.status == 200 and not reply.body, reply
        return eventually(lambda: self.step_message(1))

    # -- reading the channel --
    def messages(self) -> list[dict]:
        return self.standin.messages(self.channel)

    def root(self) -> dict:
        return self.messages()[0]

    def step_message(self, number: int) -> dict | None:
        header = f"Step {number}/6"
        for message in self.messages():
            blocks = message.get("blocks") or []
            if blocks and blocks[0].get("type") == "header" and blocks[0]["text"]["text"].startswith(header):
                return message
        return None

    def thread(self, number: int) -> list[dict]:
        message = self.step_message(number)
        assert message is not None
        return self.standin.thread(self.channel, message["ts"])

    def private_notes(self, user_id: str | None = None) -> list[str]:
        """What people were told privately: ephemeral messages and answers to their clicks."""
        notes = [e["text"] for e in self.standin.ephemerals if user_id in (None, e["user"])]
        notes += [r.get("text", "") for r in self.standin.responses]
        return notes

    # -- acting --
    def click(self, user_id: str, action_id: str, step: int | None = None, **kwargs: object):  # type: ignore[no-untyped-def]
        message = self.step_message(step) if step else None
        ts = message["ts"] if message else None
        return self.slack.click(user_id, action_id, channel_id=self.channel, message_ts=ts, **kwargs)

    def reply(self, user_id: str, step: int, text: str) -> dict:
        """Someone replies in a step's thread; returns once the app has stored it."""
        message = self.step_message(step)
        assert message is not None
        posted = self.slack.say(user_id, self.channel, text, thread_ts=message["ts"])
        eventually(lambda: self.stored(posted["ts"]))
        return posted

    def stored(self, ts: str):  # type: ignore[no-untyped-def]
        from sqlmodel import select

        from bot.storage.models import Contribution

        with self.app.services.db.session() as session:
            return session.exec(select(Contribution).where(Contribution.ts == ts)).first()

    def current_step(self) -> int:
        session = self.app.services.sessions.running_in(self.standin.team_id, self.channel)
        return int(session[0].step) if session else 0


@pytest.fixture
def group(slack: SlackDriver, standin: SlackStandIn, running_app: RunningApp) -> Group:
    return Group(slack, standin, running_app)
