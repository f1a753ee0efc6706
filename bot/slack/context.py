"""The services container listeners receive through Bolt's context, and its accessor.

It lives apart from the composition root (bot/app.py) so that listeners and the root both import it
and neither imports the other.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import BoltContext, BoltRequest, BoltResponse
from slack_sdk import WebClient

from bot import metrics
from bot.acks_first import AcksFirst
from bot.clock import Clock
from bot.config import Settings
from bot.logs import ContextThreadPoolExecutor, drain_together
from bot.scheduling import Agenda, Timekeeper
from bot.scheduling.leader import leadership_for
from bot.services.events import forget_old_deliveries
from bot.services.followups import FollowUpService
from bot.services.groups import GroupService
from bot.services.home import HomeReadModel
from bot.services.journal import JournalService
from bot.services.kickoffs import KickoffService
from bot.services.languages import LanguageBook
from bot.services.outbox import Outbox
from bot.services.privacy import PrivacyService
from bot.services.processes import HEARTBEAT_EVERY, ProcessRegistry
from bot.services.sessions import SessionService
from bot.services.tasks import TaskBook
from bot.slack.home import HomePublisher
from bot.slack.people import UserDirectory
from bot.slack.publisher import Publisher
from bot.slack.recurring import TaskDeliverer
from bot.slack.relay import Relay
from bot.slack.timekeeping import Deliverer
from bot.storage.db import Database

log = logging.getLogger(__name__)
ORPHAN_SWEEP_EVERY = 5.0  # seconds between the leader's looks for work a dead process left (outbox, inbox)


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
    privacy: PrivacyService  # forget-me: what codev keeps about a person, table by table
    home_model: HomeReadModel  # what a person's App Home shows, and their search and page
    home: HomePublisher
    groups: GroupService
    tasks: TaskBook
    kickoffs: KickoffService
    followups: FollowUpService
    task_deliverer: TaskDeliverer
    outbox: Outbox
    relay: Relay
    processes: ProcessRegistry
    languages: LanguageBook  # whose language: a person's (choice, else Slack's locale), a group's, a session's
    tenancy: Any = None  # several workspaces (OAuth): bot.slack.oauth.Tenancy; None with one SLACK_BOT_TOKEN
    timekeeper: Timekeeper | None = None
    # Set by create_app: finishes inbox deliveries a dead process acknowledged (needs the Bolt app).
    replay_inbox: Callable[[], int] | None = None
    # Runs listeners' after-ack work; drained at shutdown so nothing is cut off halfway.
    listener_executor: ContextThreadPoolExecutor = field(
        # Tasks see the submitter's context variables: log lines name the request's team and session.
        default_factory=lambda: ContextThreadPoolExecutor(max_workers=16, thread_name_prefix="codev-listener")
    )
    # Runs the Events API's work (after the inbox acked it) apart from the listeners': commands and clicks work out
    # their acks in listener threads, and must not queue behind a burst of events each waiting on Slack.
    event_executor: ContextThreadPoolExecutor = field(
        default_factory=lambda: ContextThreadPoolExecutor(max_workers=16, thread_name_prefix="codev-event")
    )
    # Commands and clicks acked first under load (bot/slack/listeners/deferred.py) are dispatched here, not behind
    # the events' work: a modal they open must be opened within 3 s of the click.
    deferred_executor: ContextThreadPoolExecutor = field(
        default_factory=lambda: ContextThreadPoolExecutor(max_workers=8, thread_name_prefix="codev-deferred")
    )
    # Work after an ack waits for a lull in Slack's requests (bot/acks_first.py); the HTTP server says when.
    acks_first: AcksFirst = field(default_factory=lambda: AcksFirst(on_waited=metrics.work_waited))
    # Set by create_app: the request URL's own ack, Bolt dispatching the request after it (None: Bolt answers):
    # an Events API delivery once the inbox keeps it; a command or click while other requests are in hand.
    ack_at_once: Callable[[BoltRequest], BoltResponse | None] | None = None

    def start_timekeeping(self) -> Timekeeper:
        """The scheduler fires timed events and tasks while this process holds the database's timer lock."""
        agendas = [
            Agenda("timed-event", self.sessions.timers.pending_until, self.deliverer.deliver, self.deliverer.recover),
            Agenda("task", self.tasks.pending_until, self.task_deliverer.deliver, self.task_deliverer.recover),
            Agenda("outbox", self.outbox.pending_until, self.relay.deliver, self.relay.recover),
        ]
        timekeeper = Timekeeper(
            f"codev-{id(self)}",
            agendas,
            self.clock,
            leadership_for(self.db.url),
            housekeeping=self._housekeeping,
            sweeps=[
                (ORPHAN_SWEEP_EVERY, self.relay.recover),  # deliveries a dead process left half-way
                *([(ORPHAN_SWEEP_EVERY, self.replay_inbox)] if self.replay_inbox else []),
            ],
            heartbeat=(HEARTBEAT_EVERY, self.processes.beat),
        )
        self.timekeeper = timekeeper
        self.sessions.on_timers_changed = timekeeper.poke
        self.tasks.on_changed = timekeeper.poke
        timekeeper.start()
        return timekeeper

    def _housekeeping(self) -> None:
        forget_old_deliveries(self.db, self.clock.now())
        self.processes.forget_dead(self.clock.now())

    def stop_timekeeping(self) -> None:
        if self.timekeeper is not None:
            self.timekeeper.stop()
            self.timekeeper = None

    @contextmanager
    def _alive_while_draining(self) -> Iterator[None]:
        """The heartbeat goes on while acknowledged work drains (it lived in the timekeeper, stopped first): a
        process draining for longer than PRESUMED_DEAD_AFTER would otherwise be taken for dead, and its events
        still in hand replayed by another process — handled twice."""
        done = threading.Event()

        def beat() -> None:
            while not done.wait(HEARTBEAT_EVERY):
                try:
                    self.processes.beat()
                except Exception:  # the database going away at shutdown: nothing more to say
                    log.info("no heartbeat while draining", exc_info=True)

        beating = threading.Thread(target=beat, name="codev-drain-heartbeat", daemon=True)
        beating.start()
        try:
            yield
        finally:
            done.set()
            beating.join(timeout=5)

    def shut_down(self) -> None:
        """Stop timers, let listeners finish what they started, cancel pending Home refreshes and look-ups."""
        self.stop_timekeeping()
        with self._alive_while_draining():
            # They hand work to each other (a kept event: its dispatch, Bolt's listener, then its handling; a
            # deferred command: its dispatch, then Bolt's listener).
            drain_together([self.deferred_executor, self.listener_executor, self.event_executor])
        self.home.close()
        self.people.close()  # profile look-ups still under way are dropped


def services_of(context: BoltContext) -> Services:
    services: Services = context["services"]
    return services
