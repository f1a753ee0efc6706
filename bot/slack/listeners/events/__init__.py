"""Events API listeners, behind the inbox: every delivery is kept before its ack and marked once handled."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse

from bot import metrics
from bot.services.events import claim_replay, first_delivery, orphans, processed, release, start_processing
from bot.slack.context import Services, services_of
from bot.slack.listeners import deferred
from bot.slack.listeners.common import REACHED, team_of
from bot.slack.listeners.events.messages import on_message
from bot.slack.listeners.events.people import on_user_change

log = logging.getLogger(__name__)


REPLAY = "codev_replay"  # set in a replayed request's context (never reachable from HTTP)
KEPT = "codev_kept"  # set in the context of a delivery the request URL kept and acknowledged (accept_event)

EventListener = Callable[[dict[str, Any], dict[str, Any], BoltContext], None]


def register(app: App) -> None:
    app.middleware(store_before_ack)
    app.middleware(home_in_use)
    app.event("message")(from_inbox(on_message))
    app.event("app_home_opened")(from_inbox(on_home_opened))
    app.event("member_left_channel")(from_inbox(on_member_left))
    app.event("member_joined_channel")(from_inbox(on_member_joined))
    app.event("user_change")(from_inbox(on_user_change))
    app.event("app_uninstalled")(from_inbox(on_removed))  # several workspaces: bot/slack/oauth.py
    app.event("tokens_revoked")(from_inbox(on_removed))
    # Registered last: Bolt runs the first matching listener, and an unhandled event would get a 404,
    # which Slack treats as a failure and retries.
    app.event(re.compile(".*"))(from_inbox(ignore_event))


def accept_event(app: App, services: Services, request: BoltRequest) -> BoltResponse | None:
    """The request URL's ack of an Events API delivery: 200 once the inbox keeps it (one small insert), Bolt
    dispatching it afterwards in the events' threads; a retry of one already kept gets its 200 and nothing more.
    None for any other request: Bolt answers those.

    Bolt's middlewares and listener matching ran before the insert, on every delivery; they now run after the
    ack. If the insert fails, Slack gets a 500 and retries."""
    body = request.body
    event_id = body.get("event_id")
    if body.get("type") != "event_callback" or not isinstance(event_id, str):
        return None
    team_id = team_of(body)
    try:
        new = first_delivery(
            services.db, team_id, event_id, services.clock.now(), request.raw_body, services.processes.me
        )
    except Exception:
        log.exception("could not keep event %s of %s: Slack will send it again", event_id, team_id)
        return BoltResponse(status=500, body="")
    if new:
        try:
            services.event_executor.submit(_dispatch_kept, app, services, body, time.monotonic())
        except RuntimeError:  # shutting down: it is kept, and the next timer leader finishes it
            log.info("event %s of %s is left to the next timer leader (shutting down)", event_id, team_id)
        metrics.acked_first(body)
    return BoltResponse(status=200, body="")


def _dispatch_kept(app: App, services: Services, body: dict[str, Any], acked_at: float) -> None:
    """Bolt's turn with a delivery acknowledged by accept_event, once the acks in hand are answered."""
    services.acks_first.wait_for_lull(since=acked_at)
    # Socket Mode's shape: Bolt takes the parsed body as is (its signature was checked before the ack).
    request = BoltRequest(body=body, mode="socket_mode", context={KEPT: True})
    try:
        response = app.dispatch(request)
    except Exception:
        log.exception("could not dispatch event %s", body.get("event_id"))
        response = BoltResponse(status=500)
    _close_if_stopped(services, body, request, response)


def _close_if_stopped(services: Services, body: dict[str, Any], request: BoltRequest, response: BoltResponse) -> None:
    """A delivery Bolt stopped before codev's middlewares gets no listener: closed when Bolt meant to drop it
    (codev's own message, a workspace it cannot authorize), handed back to the inbox's replay when Bolt failed
    (a middleware's error: the database out of reach, say), as Slack would have sent it again."""
    if request.context.get(REACHED):
        return
    team_id, event_id, me = team_of(body), str(body["event_id"]), services.processes.me
    if response.status >= 500:
        log.warning("event %s of %s could not reach its listener; it will be tried again", event_id, team_id)
        release(services.db, team_id, event_id, me, services.clock.now())
    else:
        processed(services.db, team_id, event_id, me)


def store_before_ack(body: dict[str, Any], request: BoltRequest, context: BoltContext, next: Callable[[], Any]) -> Any:
    """Keep each delivery (the inbox) before Slack gets its 200; a retry of one already kept gets 200 only.
    Over HTTP, accept_event kept it already; this is Socket Mode's way (and a replay's, which skips it)."""
    event_id = body.get("event_id")
    context[REACHED] = True
    if context.get(KEPT):
        return next()
    if body.get("type") != "event_callback" or not isinstance(event_id, str) or context.get(REPLAY):
        return next()
    services = services_of(context)
    payload = request.raw_body or json.dumps(body)  # Socket Mode hands a parsed body
    if not first_delivery(services.db, team_of(body), event_id, services.clock.now(), payload, services.processes.me):
        return BoltResponse(status=200, body="")
    return next()


def from_inbox(listener: EventListener) -> EventListener:
    """Run the listener in the events' own threads (Services.event_executor), and mark the delivery processed once
    it has done its work (a failure leaves it to be replayed).

    Bolt runs every listener in its executor, where commands and clicks also work out their acks: a burst of
    events, each waiting on Slack for a few hundred milliseconds, kept a command from acking within Slack's 3 s.
    """

    def handle(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        services_of(context).event_executor.submit(_handle, listener, event, body, context)

    handle.__name__ = listener.__name__
    handle.__doc__ = listener.__doc__
    return handle


def _handle(listener: EventListener, event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
    try:
        if not context.get(KEPT):  # a kept delivery waited for its lull before Bolt had it
            services_of(context).acks_first.wait_for_lull()
        event_id = body.get("event_id")
        if not isinstance(event_id, str):
            listener(event, body, context)
            return
        services = services_of(context)
        me, team_id = services.processes.me, team_of(body)
        if not context.get(REPLAY) and not start_processing(services.db, team_id, event_id, me, services.clock.now()):
            return  # this process was taken for dead meanwhile and a replay took it: handled there, once
        listener(event, body, context)
        processed(services.db, team_id, event_id, me)
    except Exception as error:  # Bolt's error handler is out of reach here; the delivery stays pending
        log.exception("unhandled error in a listener: %s", error)


def replay_orphans(app: App, services: Services) -> int:
    """Process deliveries acknowledged by a process that died before finishing them. Returns how many."""
    replayed = 0
    now = services.clock.now()
    alive = services.processes.alive(now)
    for team_id, event_id in orphans(services.db, alive, now):
        payload = claim_replay(services.db, team_id, event_id, services.processes.me, alive, now)
        if payload is None:
            continue
        if event_id.startswith(deferred.REQUEST_KEY_PREFIX):  # a command or click acked under load
            log.warning("finishing a request acknowledged by a process that stopped before handling it")
            contextvars.copy_context().run(deferred.replay, app, services, json.loads(payload), event_id)
            replayed += 1
            continue
        log.warning(
            "finishing event %s of %s, acknowledged by a process that stopped before handling it", event_id, team_id
        )
        # Socket Mode's shape: Bolt takes the parsed body as is and checks no signature (it was checked once).
        # In a context of its own: the request's middlewares set its team and reader for the rest of it, and this
        # thread (the scheduler's) must not keep them.
        body = json.loads(payload)
        request = BoltRequest(body=body, mode="socket_mode", context={REPLAY: True})
        response = contextvars.copy_context().run(app.dispatch, request)
        _close_if_stopped(services, body, request, response)
        replayed += 1
    return replayed


def on_home_opened(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
    """Publish the person's Home as they open it, unless the view Slack shows them is current already."""
    if event.get("tab", "home") == "home" and event.get("user"):
        shown = event.get("view")
        services_of(context).home.opened(
            body.get("team_id", ""), event["user"], shown if isinstance(shown, dict) else None
        )


def home_in_use(body: dict[str, Any], context: BoltContext, next: Callable[[], Any]) -> Any:
    """A click or a search in someone's Home says it is open in front of them: its changes are published to them."""
    view = body.get("view")
    user = body.get("user")
    if (
        body.get("type") == "block_actions"
        and isinstance(view, dict)
        and view.get("type") == "home"
        and isinstance(user, dict)
        and isinstance(user.get("id"), str)
    ):
        try:
            services_of(context).home.seen(team_of(body), user["id"])
        except Exception:  # best effort: the click itself must go on
            log.warning("could not note that a Home is open", exc_info=True)
    return next()


def on_member_left(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
    """Someone left a channel: skipped in its group's rotation and in its sessions' nudges until they return."""
    if event.get("user") and event.get("channel"):
        services_of(context).groups.left_channel(body.get("team_id", ""), event["channel"], event["user"], left=True)


def on_member_joined(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
    if event.get("user") and event.get("channel"):
        services_of(context).groups.left_channel(body.get("team_id", ""), event["channel"], event["user"], left=False)


def on_removed(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
    """codev was uninstalled from the workspace, or its bot token revoked: tokens deleted, work paused."""
    tenancy = services_of(context).tenancy
    if tenancy is None:  # one SLACK_BOT_TOKEN: the operator reinstalls and updates .env (AuthWatch says so)
        log.warning("Slack says %s for workspace %s", event.get("type"), team_of(body))
        return
    if event.get("type") == "tokens_revoked" and not (event.get("tokens") or {}).get("bot"):
        return  # only user tokens, which codev never asks for
    tenancy.uninstalled(team_of(body), str(event.get("type")))


def ignore_event(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
    """Events codev does not act on are acknowledged and dropped."""
