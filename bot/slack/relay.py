"""Delivering the outbox: a session's messages in Slack catch up with what its rows say, once each.

Called right after a change commits (by the request that made it) and by the timer leader for what is
left. Rows are delivered in order under the session's lease; the first one Slack refuses stops the run
and is tried again later with backoff, so a later row never overtakes an earlier one.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from enum import Enum
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import Clock
from bot.domain.session import Status
from bot.domain.steps import Step
from bot.i18n import reading, t
from bot.services.due import EARLY_TOLERANCE
from bot.services.outbox import Outbox, OutboxItem, OutboxKind
from bot.services.processes import PRESUMED_DEAD_AFTER, ProcessRegistry
from bot.services.sessions import POSTING_TOLERANCE, Change, NotFound, SessionService, SessionSnapshot
from bot.slack import after, once
from bot.slack.blocks import session as blocks
from bot.slack.publisher import ChannelLost, Publisher, quietly

log = logging.getLogger(__name__)
STEP_MESSAGE = "codev_step"
ROOT_MESSAGE = "codev_root"
NOTE_MESSAGE = "codev_note"
CLIENT_MESSAGE = "codev_client_text"
RENEW_LEASE_AFTER = 60.0  # seconds; the lease's own expiry is a last resort (its holder's liveness comes first)
WAIT_FOR_OTHER_DELIVERY = 3.0  # seconds: how long a request waits for another delivery of its session


class Delivery(Enum):
    DONE = "done"  # Slack shows everything the session's changes owed
    DEFERRED = "deferred"  # Slack refused or did not answer: the leader tries again later
    ELSEWHERE = "elsewhere"  # another thread or process is delivering this session right now


class Relay:
    def __init__(
        self,
        client: WebClient,
        sessions: SessionService,
        outbox: Outbox,
        publisher: Publisher,
        processes: ProcessRegistry,
        clock: Clock,
    ) -> None:
        self.client = client
        self.sessions = sessions
        self.outbox = outbox
        self.publisher = publisher
        self.processes = processes
        self.clock = clock
        self._busy: set[tuple[str, int]] = set()  # sessions a thread of this process is delivering
        self._guard = threading.Lock()

    # ---- entry points -----------------------------------------------------------------------------------
    def deliver_session(self, team_id: str, session_id: int, *, due_only: bool = False) -> Delivery:
        """Deliver everything the session owes, in order; loops while rows arrive during the run.

        One thread of one process at a time: threads here by a set, processes by the session's lease. The
        leader passes `due_only`: a row waiting out its backoff is not tried early.
        """
        key = (team_id, session_id)
        with self._guard:
            if key in self._busy:
                return Delivery.ELSEWHERE
            self._busy.add(key)
        try:
            return self._drain(team_id, session_id, due_only)
        finally:
            with self._guard:
                self._busy.discard(key)

    def _drain(self, team_id: str, session_id: int, due_only: bool) -> Delivery:
        me = self.processes.me
        while True:
            if not self.outbox.take_lease(team_id, session_id, me, self.clock.now()):
                return Delivery.ELSEWHERE
            renewed = time.monotonic()
            try:
                for item in self.outbox.owed(team_id, session_id):
                    if item.waiting_aside(self.clock.now() + EARLY_TOLERANCE):
                        continue  # a DM kept for its person's working hours holds no other row back
                    if (
                        (due_only or item.held)
                        and not item.interrupted
                        and item.due_at > self.clock.now() + EARLY_TOLERANCE
                    ):
                        if item.held:  # kept for its person's working hours: later rows are due with it, not before
                            self.outbox.wait_until(team_id, session_id, item.due_at, self.clock.now())
                        return Delivery.DEFERRED  # its backoff is not over; later rows wait behind it
                    if time.monotonic() - renewed > RENEW_LEASE_AFTER:  # a long run (Slack slow): keep it
                        if not self.outbox.keep_lease(team_id, session_id, me, self.clock.now()):
                            return Delivery.ELSEWHERE  # taken over (this process was taken for dead)
                        renewed = time.monotonic()
                    if not self._deliver(item):
                        if item.aside:  # one person's DM, refused: it waits out its backoff alone
                            continue
                        return Delivery.DEFERRED
            finally:
                self.outbox.release_lease(team_id, session_id, me)
            now = self.clock.now() + EARLY_TOLERANCE
            if all(item.waiting_aside(now) for item in self.outbox.owed(team_id, session_id)):
                return Delivery.DONE  # what is left waits for its people's working hours (the leader sends it)

    def settle(self, team_id: str, session_id: int) -> bool:
        """Deliver what the session owes now; False when Slack refused or did not answer some of it.

        Another thread or process may be delivering the session: its run takes our rows too, so wait a
        little for it; rows still in its hands, not refused, are no reason to say Slack is failing.
        """
        mine = self.outbox.last_id(team_id, session_id)
        deadline = time.monotonic() + WAIT_FOR_OTHER_DELIVERY
        while self.deliver_session(team_id, session_id) is Delivery.ELSEWHERE and time.monotonic() < deadline:
            time.sleep(0.05)
        return not self.outbox.refused_up_to(team_id, session_id, mine)

    def show(self, change: Change) -> str | None:
        """Deliver what a change owes. When Slack has not taken it yet: what to tell the person who made it."""
        if self.settle(change.after.team_id, change.after.id):
            return None
        if change.ended:
            return t("slack_deferred_ended")
        if change.step_changed:
            return t("slack_deferred_step", step=blocks.step_name(change.after.step))
        return t("slack_deferred_change")

    def deliver(self, row_id: int) -> None:
        """The leader's job for a due row: deliver its session (a no-op when done meanwhile)."""
        found = self.outbox.session_of(row_id)
        if found is not None:
            self._deliver_or_wait(*found)

    def recover(self, claimed_before: datetime | None = None) -> None:
        """Sessions whose delivery a dead process left half-way (or one stuck that long): finish them."""
        for team_id, session_id in self.outbox.stuck_sessions(claimed_before, self.processes.alive(self.clock.now())):
            self._deliver_or_wait(team_id, session_id)

    def _deliver_or_wait(self, team_id: str, session_id: int) -> None:
        """The leader's delivery; while another live process delivers the session, its rows wait a little."""
        if self.deliver_session(team_id, session_id, due_only=True) is Delivery.ELSEWHERE:
            now = self.clock.now()
            self.outbox.wait_until(team_id, session_id, now + PRESUMED_DEAD_AFTER, now)

    # ---- one row ----------------------------------------------------------------------------------------
    def _deliver(self, item: OutboxItem) -> bool:
        """True when the row is done with (delivered, or nothing left to deliver it to)."""
        self.outbox.mark_firing(item.id, self.clock.now())
        try:
            snapshot = self.sessions.get(item.team_id, item.session_id)
        except NotFound:
            self.outbox.dropped(item.id, self.clock.now())
            return True
        try:
            ts = self._act(item, snapshot)
        except ChannelLost as lost:
            self._on_lost_channel(snapshot, lost.error)
            self.outbox.dropped(item.id, self.clock.now())
            return True
        except after.GiveUp:  # a DM Slack will never take (logged where it was decided)
            self.outbox.dropped(item.id, self.clock.now())
            return True
        except (SlackApiError, OSError) as error:
            code = error.response.get("error", "error") if isinstance(error, SlackApiError) else type(error).__name__
            due = self.outbox.failed(item.id, item.attempts, str(code), self.clock.now())
            log.warning(
                "session %s: Slack did not take its %s (%s); trying again at %s",
                item.session_id,
                item.kind.value,
                code,
                due.isoformat(timespec="seconds"),
            )
            return False
        except Exception as error:  # a bug or a database hiccup: the row waits, its session's others behind it
            due = self.outbox.failed(item.id, item.attempts, type(error).__name__, self.clock.now())
            log.exception("session %s: delivering its %s failed; trying again at %s", item.session_id, item.kind, due)
            return False
        self.outbox.delivered(item.id, self.clock.now(), ts)
        return True

    def _act(self, item: OutboxItem, snapshot: SessionSnapshot) -> str | None:
        if item.kind in (OutboxKind.SYNC, OutboxKind.NOTE, OutboxKind.CLIENT_TEXT):
            with reading(snapshot.language):  # what the whole channel reads
                return self._in_channel(item, snapshot)
        if item.kind in (OutboxKind.AFTER, OutboxKind.EVALUATION):  # the loop after the session
            return after.deliver(self.client, self.publisher, self.sessions.db, self.clock, item, snapshot)
        self.publisher.propose_summary(snapshot.team_id, snapshot.id, recovering=item.recovering)
        return None

    def _in_channel(self, item: OutboxItem, snapshot: SessionSnapshot) -> str | None:
        if item.kind is OutboxKind.SYNC:
            self._sync(item, snapshot)
            return None
        if item.kind is OutboxKind.NOTE:
            return self._post_note(item, snapshot, item.payload)
        return self._client_text(item, snapshot)

    def _sync(self, item: OutboxItem, snapshot: SessionSnapshot) -> None:
        """Post what is missing (root, opened steps), then refresh what changed: the steps the row names, and the
        root only when what it shows changed (`root`; rows written before it said so draw it again)."""
        draw_root = bool(item.payload.get("root", True))
        if snapshot.root_ts is None:
            draw_root = False  # posted now, from the session as it is
            message = quietly(snapshot, self.publisher.root_message(snapshot), snapshot.created_at, self.clock.now())
            root = self._post_once(snapshot, message, _tag(ROOT_MESSAGE, snapshot.id), item)
            self.sessions.set_root_ts(snapshot.team_id, snapshot.id, root)
            snapshot = self.sessions.get(snapshot.team_id, snapshot.id)
        for step in Step:
            record = snapshot.steps[step]
            if record.started_at is None or record.message_ts is not None:
                continue
            # Who is off when the step opens is written by name; their TURN tells them when their day starts. A
            # step posted late after retries opens now (step_posted), and its TURNs are planned from now.
            now = self.clock.now()
            late = item.recovering and now - record.started_at > POSTING_TOLERANCE
            opened = now if late else record.started_at
            message = quietly(snapshot, self.publisher.step_message(snapshot, step), opened, now)
            ts = self._post_once(snapshot, message, _tag(STEP_MESSAGE, snapshot.id, step=int(step)), item)
            # The timebox starts when people can see the step, not when it was decided.
            snapshot = self.sessions.step_posted(
                snapshot.team_id, snapshot.id, step, ts, self.clock.now(), after_retries=item.recovering
            )
        for step in item.payload.get("refresh", []):
            self.publisher.refresh_step(snapshot, Step(step))
        if draw_root:
            self.publisher.refresh_root(snapshot)
        if item.payload.get("note"):
            self._post_note(item, snapshot, item.payload["note"])
        if item.payload.get("people"):
            self.publisher.on_people_changed(snapshot.team_id, list(item.payload["people"]))

    def _post_note(self, item: OutboxItem, snapshot: SessionSnapshot, note: dict[str, Any]) -> str | None:
        """A message in a step's thread, once: tagged with its row, looked for before any second try."""
        thread_ts = snapshot.steps[Step(note["step"])].message_ts
        if thread_ts is None:
            return None  # the step's message never made it (the channel was lost): nowhere to say it
        wanted = _tag(NOTE_MESSAGE, snapshot.id, note=item.id)
        if item.recovering and (found := self._find_in_thread(snapshot, thread_ts, wanted)):
            return found
        message = quietly(snapshot, note["message"], self.clock.now())
        return self.publisher.post(snapshot.channel_id, thread_ts=thread_ts, metadata=wanted, **message)

    def _client_text(self, item: OutboxItem, snapshot: SessionSnapshot) -> str | None:
        """The client's contract or synthesis: posted in its thread the first time, then that message updated."""
        step = Step(item.payload["step"])
        if step is Step.CONTRACT:
            message, field = blocks.contract_message(snapshot), "contract_ts"
        else:
            consultation = self.sessions.contributions(snapshot.team_id, snapshot.id, Step.CONSULTATION)
            message, field = blocks.synthesis_message(snapshot, [c for c in consultation if c.kept]), "synthesis_ts"
        posted = getattr(snapshot, field)
        if posted:
            self.publisher.update(snapshot.channel_id, posted, **message)
            return posted
        thread_ts = snapshot.steps[step].message_ts
        if thread_ts is None:
            return None  # the step's message never made it (the channel was lost): nowhere to post it
        wanted = _tag(CLIENT_MESSAGE, snapshot.id, step=int(step))
        ts = self._find_in_thread(snapshot, thread_ts, wanted) if item.recovering else None
        message = quietly(snapshot, message, self.clock.now())
        ts = ts or self.publisher.post(snapshot.channel_id, thread_ts=thread_ts, metadata=wanted, **message)
        self.sessions.set_message_ts(snapshot.team_id, snapshot.id, **{field: ts})
        return ts

    def _find_in_thread(self, snapshot: SessionSnapshot, thread_ts: str, wanted: dict[str, Any]) -> str | None:
        replies = self.client.conversations_replies(
            channel=snapshot.channel_id, ts=thread_ts, include_all_metadata=True
        )
        return once.find_tagged(replies["messages"], wanted)

    def _post_once(
        self, snapshot: SessionSnapshot, message: dict[str, Any], wanted: dict[str, Any], item: OutboxItem
    ) -> str:
        """A top-level message, unless a delivery that may have happened already finds it in the channel."""
        if item.recovering:
            history = self.client.conversations_history(
                channel=snapshot.channel_id, include_all_metadata=True, limit=50
            )["messages"]
            found = once.find_tagged(history, wanted)
            if found:
                return found
        return self.publisher.post(snapshot.channel_id, metadata=wanted, **message)

    def _on_lost_channel(self, snapshot: SessionSnapshot, error: str) -> None:
        if snapshot.status is Status.RUNNING:
            self.publisher.lost_channel(snapshot, error)


def _tag(event_type: str, session_id: int, **more: int) -> dict[str, Any]:
    return {"event_type": event_type, "event_payload": {"session_id": session_id, **more}}
