"""The composition root: builds the services once and the Bolt app that serves them."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_sdk import WebClient

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.i18n import SOURCE_LANGUAGE, LazyLanguage, read_for, t
from bot.logs import bolt_log_context, log_context, team_var
from bot.metrics import count_web_api_calls
from bot.services.due import DueRows
from bot.services.followups import FollowUpService
from bot.services.groups import GroupService
from bot.services.home import HomeReadModel
from bot.services.journal import JournalService
from bot.services.kickoffs import KickoffService
from bot.services.languages import LanguageBook
from bot.services.outbox import Outbox
from bot.services.privacy import PrivacyService
from bot.services.processes import ProcessRegistry
from bot.services.reach import use_default_hours
from bot.services.sessions import SessionService
from bot.services.tasks import TaskBook
from bot.slack import links
from bot.slack.client import make_delivery_client, make_web_client
from bot.slack.context import Services
from bot.slack.home import HomePublisher
from bot.slack.listeners import register_listeners
from bot.slack.listeners.deferred import ack_first_when_busy
from bot.slack.listeners.events import accept_event, replay_orphans
from bot.slack.oauth import Tenancy
from bot.slack.people import UserDirectory
from bot.slack.publisher import Publisher
from bot.slack.recurring import TaskDeliverer
from bot.slack.relay import Relay
from bot.slack.timekeeping import Deliverer
from bot.storage.db import Database

OAUTH_ENV = ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")
LOOKUP_BEFORE_ACK = 1.0  # seconds a first-met person's profile (their language) may take before an answer
log = logging.getLogger(__name__)


def build_services(
    settings: Settings, *, clock: Clock | None = None, db: Database | None = None, client: WebClient | None = None
) -> Services:
    db = db or Database(settings.database_url)
    clock = clock or SystemClock()
    tenancy: Tenancy | None = None
    if settings.oauth:
        # Several workspaces: every call carries the token of the workspace at hand (bot/slack/client.py).
        tenancy = Tenancy(settings, db, clock, make_web_client(None, settings.slack_api_url))
        client = client or make_web_client(None, settings.slack_api_url, tokens=tenancy.token_for, team=team_var.get)
    client = client or make_web_client(settings.slack_bot_token, settings.slack_api_url)
    use_default_hours(settings.working_calendar)  # sessions outside a group, and everyone's hours by default
    sessions = SessionService(db, clock, settings.clock_speed)
    languages = LanguageBook(db)
    journal = JournalService(db, clock)
    home_model = HomeReadModel(db, clock)
    people = UserDirectory(db, client, clock)
    # A Home opened by someone codev has never seen asks Slack their language first (after the event's ack).
    home = HomePublisher(client, home_model, journal, clock, languages=languages, lookup=people.lookup)
    tasks = TaskBook(db)
    groups = GroupService(db, clock, tasks)
    kickoffs = KickoffService(db, clock, tasks)
    followups = FollowUpService(db, clock, tasks)
    publisher = Publisher(
        client, sessions, clock, languages, on_people_changed=home.refresh_many, charter_pending=groups.charter_pending
    )
    outbox = Outbox(db)
    processes = ProcessRegistry(db, clock)
    # The outbox posts through a client that never resends a post blindly (it looks first, then retries).
    delivery_client = make_delivery_client(client)
    delivery = Publisher(
        delivery_client,
        sessions,
        clock,
        languages,
        on_people_changed=home.refresh_many,
        charter_pending=groups.charter_pending,
    )
    relay = Relay(delivery_client, sessions, outbox, delivery, processes, clock)
    count_web_api_calls(client, delivery_client)  # GET /metrics (Bolt's per-request clients copy the counter)
    publisher.on_summary_posted = relay.settle  # the DMs a posted summary owes, delivered at once
    services = Services(
        settings=settings,
        db=db,
        clock=clock,
        client=client,
        sessions=sessions,
        people=people,
        publisher=publisher,
        deliverer=Deliverer(client, sessions, publisher, relay, clock),
        journal=journal,
        privacy=PrivacyService(db, clock),
        home_model=home_model,
        home=home,
        groups=groups,
        tasks=tasks,
        kickoffs=kickoffs,
        followups=followups,
        task_deliverer=TaskDeliverer(client, tasks, groups, kickoffs, followups, clock, languages),
        outbox=outbox,
        relay=relay,
        processes=processes,
        languages=languages,
        tenancy=tenancy,
    )
    if tenancy is not None:
        _work_in_the_rows_workspace(services, tenancy)
    return services


def _work_in_the_rows_workspace(services: Services, tenancy: Tenancy) -> None:
    """Background work (timers, tasks, the outbox, Home refreshes, profile look-ups) runs in its row's
    workspace: its Web API calls carry that workspace's token, and a workspace codev was removed from is
    left alone (nothing is posted; its claimed timers are finished by the recovery sweep once reinstalled).
    """

    def in_team(owner: object, name: str, team_of: Callable[..., str]) -> None:
        work = getattr(owner, name)

        def run(*args: Any, **kwargs: Any) -> Any:
            team_id = team_of(*args, **kwargs)
            if not tenancy.workspaces.is_active(team_id):
                log.debug("skipped %s for workspace %s: codev was removed from it", name, team_id)
                return None
            with log_context(team=team_id):
                return work(*args, **kwargs)

        setattr(owner, name, run)

    in_team(services.deliverer, "_deliver", lambda event, *a, **k: event.team_id)
    in_team(services.task_deliverer, "_deliver", lambda task, *a, **k: task.team_id)
    in_team(services.relay, "deliver_session", lambda team_id, *a, **k: team_id)
    in_team(services.home, "_publish", lambda team_id, *a, **k: team_id)
    in_team(services.home, "export", lambda team_id, *a, **k: team_id)
    in_team(services.people, "_ask_slack", lambda team_id, *a, **k: team_id)

    # The scheduler plans only active workspaces' rows: a removed workspace's due rows would otherwise be
    # scheduled at every poll and skipped at every firing. Installed again, they are due again at once.
    for book in (services.sessions.timers, services.tasks, services.outbox):
        _plan_active_only(book, tenancy)

    chores = services._housekeeping
    hourly = (
        ("codev's hourly chores", chores),
        ("refreshing expiring tokens", tenancy.refresh_expiring),  # nobody else waits for a refresh
        ("deleting the data of workspaces uninstalled long ago", tenancy.purge_due),
    )

    def housekeeping() -> None:  # the timer leader's hourly chores, plus the workspaces' own
        for name, chore in hourly:
            try:
                chore()
            except Exception:  # one chore's trouble stops neither the others nor the timers
                log.exception("an hourly chore failed: %s", name)

    setattr(services, "_housekeeping", housekeeping)  # noqa: B010 (an instance's own chores, not its class's)


def _plan_active_only(book: DueRows[Any, Any], tenancy: Tenancy) -> None:
    plan = book.pending_until

    def pending_until(horizon: datetime) -> dict[int, datetime]:
        pending = plan(horizon)
        if not pending:
            return pending
        paused = tenancy.workspaces.paused_rows(book.model, horizon)
        return {row_id: due for row_id, due in pending.items() if row_id not in paused}

    setattr(book, "pending_until", pending_until)  # noqa: B010 (this instance's plan, not its class's)


def create_app(services: Services, *, verify_token: bool = True) -> App:
    """The Bolt app with every listener registered. No side effects beyond one auth.test call (one token)."""
    tenancy: Tenancy | None = services.tenancy
    oauth: dict[str, Any] = {}
    if tenancy is not None:  # Bolt's authorize finds each request's workspace token in the installation store
        oauth = {
            "oauth_settings": tenancy.oauth_settings(),
            "installation_store_bot_only": True,
            "user_facing_authorize_error_message": t("oauth_not_installed"),
        }
    with _bolt_blind_to_oauth_env(tenancy is None):
        app = _bolt_app(services, tenancy, verify_token, oauth)

    @app.middleware
    def provide_services(context: BoltContext, next: Any) -> Any:
        context["services"] = services
        return next()

    app.middleware(bolt_log_context)  # log lines name the request's team (and session), text or JSON

    @app.middleware
    def workspace_url(context: BoltContext, next: Any) -> Any:
        """Links to messages are written from the workspace's URL, which Bolt's authorization knows already."""
        result = context.authorize_result
        if result is not None:
            enterprise = bool(result.enterprise_id or context.is_enterprise_install)
            links.learn(context.team_id, result.url, enterprise=enterprise)
        return next()

    def _look_up_briefly(team_id: str, user_id: str) -> None:
        # Often inside an ack: Slack waits 3 s for it, so the profile gets 1 s; after that, English this once.
        services.people.lookup_within(team_id, user_id, LOOKUP_BEFORE_ACK)

    @app.middleware
    def reader_language(context: BoltContext, next: Any) -> Any:
        """What the person at hand reads (ephemerals, modals, DMs to them) is in their language, looked up
        only when a text is rendered; code writing for someone else, or for a channel, says so itself."""
        team_id, user_id = context.team_id, context.user_id
        if team_id and user_id:
            read_for(LazyLanguage(lambda: services.languages.person(team_id, user_id, _look_up_briefly)))
        else:
            read_for(SOURCE_LANGUAGE)
        return next()

    register_listeners(app)
    services.replay_inbox = lambda: replay_orphans(app, services)
    services.ack_at_once = lambda request: _ack_at_once(app, services, request)
    return app


def _ack_at_once(app: App, services: Services, request: BoltRequest) -> BoltResponse | None:
    """The request URL's own ack, before Bolt (which then gets the request in the background), or None."""
    response = accept_event(app, services, request)
    return response if response is not None else ack_first_when_busy(app, services, request)


@contextmanager
def _bolt_blind_to_oauth_env(single_workspace: bool) -> Iterator[None]:
    """With SLACK_BOT_TOKEN, Bolt must not see SLACK_CLIENT_ID/SECRET in the environment: it would then set up
    its own OAuth (files in the home directory, an install page) and ignore the bot token."""
    hidden = {name: os.environ.pop(name) for name in OAUTH_ENV if single_workspace and name in os.environ}
    try:
        yield
    finally:
        os.environ.update(hidden)


def _bolt_app(services: Services, tenancy: Tenancy | None, verify_token: bool, oauth: dict[str, Any]) -> App:
    return App(
        client=services.client,
        signing_secret=services.settings.slack_signing_secret or "",
        token_verification_enabled=verify_token and tenancy is None,
        **oauth,
        # Listeners ack first and then do their Web API work; Slack gets its answer within 3 seconds.
        process_before_response=False,
        raise_error_for_unhandled_request=False,
        listener_executor=services.listener_executor,
        # Bolt would otherwise ask the user to add `ignoring_self_events`; our message handlers filter bots.
        ignoring_self_events_enabled=True,
    )
