"""The composition root: builds the services once and the Bolt app that serves them."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.scheduling import Agenda, Timekeeper
from bot.scheduling.leader import leadership_for
from bot.services.events import forget_old_deliveries
from bot.services.followups import FollowUpService
from bot.services.groups import GroupService
from bot.services.journal import JournalService
from bot.services.kickoffs import KickoffService
from bot.services.sessions import SessionService
from bot.services.tasks import TaskBook
from bot.slack.home import HomePublisher
from bot.slack.people import UserDirectory
from bot.slack.publisher import Publisher
from bot.slack.recurring import TaskDeliverer
from bot.slack.timekeeping import Deliverer
from bot.storage.db import Database

log = logging.getLogger(__name__)


@dataclass
class Services:
    """What listeners need, built once per process and handed to them through Bolt's context."""

    settings: Settings
    db: Database
    clock: Clock
    client: WebClient
    sessions: SessionService
    people: UserDirectory
    publisher: Publisher
    deliverer: Deliverer
    journal: JournalService
    home: HomePublisher
    groups: GroupService
    tasks: TaskBook
    kickoffs: KickoffService
    followups: FollowUpService
    task_deliverer: TaskDeliverer
    timekeeper: Timekeeper | None = None
    # Runs listeners' after-ack work; drained at shutdown so nothing is cut off halfway.
    listener_executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=16, thread_name_prefix="codev-listener")
    )

    def start_timekeeping(self) -> Timekeeper:
        """The scheduler fires timed events and tasks while this process holds the database's timer lock."""
        agendas = [
            Agenda("timed-event", self.sessions.timers.pending_until, self.deliverer.deliver, self.deliverer.recover),
            Agenda("task", self.tasks.pending_until, self.task_deliverer.deliver, self.task_deliverer.recover),
        ]
        timekeeper = Timekeeper(
            f"codev-{id(self)}",
            agendas,
            self.clock,
            leadership_for(self.db.url),
            housekeeping=lambda: forget_old_deliveries(self.db, self.clock.now()),
        )
        self.timekeeper = timekeeper
        self.sessions.on_timers_changed = timekeeper.poke
        self.tasks.on_changed = timekeeper.poke
        timekeeper.start()
        return timekeeper

    def stop_timekeeping(self) -> None:
        if self.timekeeper is not None:
            self.timekeeper.stop()
            self.timekeeper = None

    def shut_down(self) -> None:
        """Stop timers, let listeners finish what they started, cancel pending Home refreshes."""
        self.stop_timekeeping()
        self.listener_executor.shutdown(wait=True)
        self.home.close()


def build_services(
    settings: Settings, *, clock: Clock | None = None, db: Database | None = None, client: WebClient | None = None
) -> Services:
    from bot.slack.client import make_web_client

    db = db or Database(settings.database_url)
    clock = clock or SystemClock()
    client = client or make_web_client(settings.slack_bot_token, settings.slack_api_url)
    sessions = SessionService(db, clock, settings.clock_speed)
    journal = JournalService(db, clock)
    home = HomePublisher(client, journal, clock)
    tasks = TaskBook(db)
    groups = GroupService(db, clock, tasks)
    kickoffs = KickoffService(db, clock, tasks)
    followups = FollowUpService(db, clock, tasks)
    publisher = Publisher(
        client, sessions, clock, on_people_changed=home.refresh_many, charter_pending=groups.charter_pending
    )
    return Services(
        settings=settings,
        db=db,
        clock=clock,
        client=client,
        sessions=sessions,
        people=UserDirectory(db, client, clock),
        publisher=publisher,
        deliverer=Deliverer(client, sessions, publisher, clock),
        journal=journal,
        home=home,
        groups=groups,
        tasks=tasks,
        kickoffs=kickoffs,
        followups=followups,
        task_deliverer=TaskDeliverer(client, tasks, groups, kickoffs, followups, clock),
    )


def create_app(services: Services, *, verify_token: bool = True) -> App:
    """The Bolt app with every listener registered. No side effects beyond one auth.test call."""
    from bot.slack.listeners import register_listeners

    app = App(
        client=services.client,
        signing_secret=services.settings.slack_signing_secret or "",
        token_verification_enabled=verify_token,
        # Listeners ack first and then do their Web API work; Slack gets its answer within 3 seconds.
        process_before_response=False,
        raise_error_for_unhandled_request=False,
        listener_executor=services.listener_executor,
        # Bolt would otherwise ask the user to add `ignoring_self_events`; our message handlers filter bots.
        ignoring_self_events_enabled=True,
    )

    @app.middleware
    def provide_services(context: BoltContext, next: Any) -> Any:
        context["services"] = services
        return next()

    register_listeners(app)
    return app


def services_of(context: BoltContext) -> Services:
    return context["services"]
