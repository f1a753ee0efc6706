"""Delivering timed events in Slack: reminders, time's up, automatic move-on, nudges. Each exactly once."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import ActionsBlock, ButtonElement

from bot.clock import Clock
from bot.domain.session import Status, TransitionError
from bot.domain.timers import EventKind, EventState, Planned
from bot.i18n import join_names, reading, t
from bot.services.sessions import Note, NotFound, SessionService, SessionSnapshot
from bot.services.timers import EARLY_TOLERANCE, EventInfo
from bot.slack import ids, links, once
from bot.slack.blocks.common import as_dicts, escape, section
from bot.slack.blocks.session import extension_label, mention, slack_date, step_name, time_left_text
from bot.slack.publisher import Publisher, quietly
from bot.slack.relay import Relay

log = logging.getLogger(__name__)
METADATA_TYPE = "codev_timed_event"
RECOVER_WORKERS = 8  # sessions whose interrupted events are finished at once


class Deliverer:
    def __init__(
        self, client: WebClient, sessions: SessionService, publisher: Publisher, relay: Relay, clock: Clock
    ) -> None:
        self.client = client
        self.sessions = sessions
        self.publisher = publisher
        self.relay = relay
        self.clock = clock
        # One delivery at a time per session, so its thread reads its events in the order they fell due.
        self._sessions_busy: dict[int, tuple[threading.Lock, int]] = {}
        self._busy_guard = threading.Lock()

    def deliver(self, event_id: int) -> None:
        """Claim a due event and deliver it; a no-op when another process or an earlier run took it.

        After a downtime a session's overdue events all fire at once, on several threads: whichever runs
        first delivers every one due in that session, earliest first; the others then find theirs taken.
        """
        session_id = self.sessions.timers.session_of(event_id)
        if session_id is None:
            return
        with self._one_at_a_time(session_id):
            for due_id in self.sessions.timers.due_in_session(session_id, self.clock.now()):
                event = self.sessions.timers.claim(due_id, self.clock.now())
                if event is not None:
                    self._deliver(event, recovering=False)

    def recover(self, claimed_before: datetime | None = None) -> None:
        """Finish claimed events left unfinished, in due order, looking in Slack first so nothing is posted twice.

        At start every such event is a dead process's; later, only those claimed long ago (`claimed_before`),
        so a delivery still waiting on a rate limit is not taken for a lost one. Sessions are recovered side by
        side, each one's events in due order: an event takes a few slow calls (look in the thread, post, then the
        facilitator's DM the same way), and one after another they made the last of a dead leader's deliveries
        wait for all the others (1.5 s each at Slack's pace).
        """
        by_session: dict[int, list[EventInfo]] = {}
        for event in self.sessions.timers.interrupted(claimed_before):
            by_session.setdefault(event.session_id, []).append(event)
        if len(by_session) <= 1:
            for events in by_session.values():
                self._recover_session(events)
            return
        with ThreadPoolExecutor(min(len(by_session), RECOVER_WORKERS), thread_name_prefix="codev-recover") as pool:
            list(pool.map(self._recover_session, by_session.values()))  # the first failure is raised, once all end

    def _recover_session(self, events: list[EventInfo]) -> None:
        for event in events:
            with self._one_at_a_time(event.session_id):
                self._deliver(event, recovering=True)

    @contextmanager
    def _one_at_a_time(self, session_id: int) -> Iterator[None]:
        with self._busy_guard:
            lock, users = self._sessions_busy.get(session_id) or (threading.Lock(), 0)
            self._sessions_busy[session_id] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._busy_guard:
                lock, users = self._sessions_busy[session_id]
                if users == 1:
                    del self._sessions_busy[session_id]
                else:
                    self._sessions_busy[session_id] = (lock, users - 1)

    def _deliver(self, event: EventInfo, *, recovering: bool) -> None:
        now = self.clock.now()
        try:
            snapshot, planned = self.sessions.get_with_plan(event.team_id, event.session_id)
        except NotFound:
            self.sessions.timers.finish(event.id, EventState.DROPPED, now)
            return
        if not self._still_due(event, snapshot, planned, now):
            # A delivery interrupted after posting is done, whatever happened since; anything else is dropped.
            posted = self._posted_before(event, snapshot) if recovering else None
            self.sessions.timers.finish(event.id, EventState.DONE if posted else EventState.DROPPED, now, posted)
            return
        hours = snapshot.hours.get(event.user_id) if event.user_id else None
        if hours is not None and not recovering and not hours.may_notify(now):
            # Planned for their working hours, but delivered late (a downtime, a pause): wait for their next ones.
            self.sessions.timers.put_back(event.id, hours.next_working_instant(now), now)
            self.sessions.on_timers_changed()
            return
        try:
            with reading(snapshot.language):  # the thread's words; a DM says its own reader's (below)
                ts = self._act(event, snapshot, recovering)
        except SlackApiError:
            # The intent stays recorded as "firing": the next start (or recovery pass) retries it.
            log.warning("timed event %s not delivered", event.id, exc_info=True)
            return
        self.sessions.timers.finish(event.id, EventState.DONE, self.clock.now(), ts)

    def _still_due(self, event: EventInfo, snapshot: SessionSnapshot, planned: list[Planned], now: datetime) -> bool:
        """The session still implies this event, at a moment that has come (else it moved on: drop it)."""
        if snapshot.status is not Status.RUNNING or snapshot.step != event.step:
            return False
        if snapshot.steps[event.step].message_ts is None:
            return False  # nobody can see the step yet; its timers are planned anew when it is posted
        if event.kind is EventKind.REMINDER and snapshot.timebox().is_overdue(now):
            return False  # stale news after a downtime: "time's up" says it all, never "0 s left"
        key = (int(event.step), event.kind.value, event.user_id)
        if event.kind is EventKind.NUDGE:
            # The plan only lists consultants still silent; a nudge already claimed keeps its place.
            return any(p.key == key for p in planned) or self._still_silent(snapshot, event.user_id)
        return any(p.key == key and p.due_at <= now + EARLY_TOLERANCE for p in planned)

    def _still_silent(self, snapshot: SessionSnapshot, user_id: str) -> bool:
        """Neither replied nor said they are done."""
        if user_id in snapshot.done[snapshot.step]:
            return False
        replies = self.sessions.contributions(snapshot.team_id, snapshot.id, snapshot.step)
        return not any(c.user_id == user_id for c in replies)

    # ---- what each kind does ----------------------------------------------------------------------------
    def _act(self, event: EventInfo, snapshot: SessionSnapshot, recovering: bool) -> str | None:
        if event.kind is EventKind.TURN:
            return self._in_thread(event, snapshot, self._turn(snapshot, event.user_id), recovering)
        if event.kind is EventKind.REMINDER and event.user_id:
            return self._in_thread(event, snapshot, self._own_reminder(snapshot, event.user_id), recovering)
        if event.kind is EventKind.REMINDER:
            return self._in_thread(event, snapshot, self._reminder(snapshot), recovering)
        if event.kind is EventKind.DEADLINE and event.user_id:
            return self._facilitator_dm(event, snapshot, recovering)
        if event.kind is EventKind.DEADLINE:
            return self._deadline(event, snapshot, recovering)
        if event.kind is EventKind.AUTO_ADVANCE:
            return self._auto_advance(event, snapshot, recovering)
        return self._nudge(event, snapshot, recovering)

    def _reminder(self, snapshot: SessionSnapshot) -> dict[str, Any]:
        left = time_left_text(snapshot, self.clock.now())
        waiting = self._still_to_speak(snapshot)
        step = step_name(snapshot.step)
        if waiting:
            people = join_names(mention(u) for u in waiting)
            return {"text": t("timer_reminder_waiting", left=left, step=step, people=people)}
        return {"text": t("timer_reminder", left=left, step=step)}

    def _still_to_speak(self, snapshot: SessionSnapshot) -> list[str]:
        """Those the step expects who have not replied in its thread, nor said they are done without a word."""
        replied = {c.user_id for c in self.sessions.contributions(snapshot.team_id, snapshot.id, snapshot.step)}
        done = set(snapshot.done[snapshot.step])
        return [u for u in snapshot.expected(snapshot.step) if u not in replied and u not in done]

    def _turn(self, snapshot: SessionSnapshot, user_id: str) -> dict[str, Any]:
        """The step opened outside this person's working hours; their day has started."""
        timebox = snapshot.timebox()
        key = "timer_turn_late" if timebox.is_overdue(self.clock.now()) else "timer_turn"  # the step is still open
        return {"text": t(key, user=user_id, step=step_name(snapshot.step), deadline=slack_date(timebox.deadline))}

    def _own_reminder(self, snapshot: SessionSnapshot, user_id: str) -> dict[str, Any]:
        """The reminder came outside this person's working hours: theirs, now that they are working."""
        left = time_left_text(snapshot, self.clock.now())
        return {"text": t("timer_reminder_own", user=user_id, left=left, step=step_name(snapshot.step))}

    def _auto_moment(self, snapshot: SessionSnapshot) -> str:
        """When codev moves on by itself if nobody decides, as Slack shows a date; "" when it will not."""
        if not snapshot.auto_advance:
            return ""
        planned_auto = [
            e
            for e in self.sessions.timers.events_of(snapshot.team_id, snapshot.id)
            if e.kind is EventKind.AUTO_ADVANCE and e.step == snapshot.step
        ]
        if not planned_auto or planned_auto[0].due_at <= self.clock.now():
            return ""  # after a downtime the move-on is due too: it says so itself, right after
        return slack_date(planned_auto[0].due_at)

    def _deadline(self, event: EventInfo, snapshot: SessionSnapshot, recovering: bool) -> str | None:
        auto = self._auto_moment(snapshot)
        step = step_name(snapshot.step)
        text = t("timer_deadline_auto", step=step, moment=auto) if auto else t("timer_deadline", step=step)
        ts = self._in_thread(event, snapshot, {"text": text}, recovering)
        facilitator = snapshot.facilitator_id
        if snapshot.may_notify(facilitator, event.due_at) and snapshot.may_notify(facilitator, self.clock.now()):
            self._facilitator_dm(event, snapshot, recovering, auto)
        # Else the facilitator's own DEADLINE brings the DM when their day starts — or, delivered late (after a
        # downtime) outside their hours, the thread says it and no DM wakes them.
        return ts

    def _facilitator_dm(
        self, event: EventInfo, snapshot: SessionSnapshot, recovering: bool, auto: str | None = None
    ) -> str | None:
        """Time's up, privately: continue or move on."""
        auto = self._auto_moment(snapshot) if auto is None else auto
        # The version it is sent for: a double tap, or Continue after Extend in the menu, changes nothing more.
        value = f"{snapshot.id}:{int(snapshot.step)}:{snapshot.version}"
        key = "timer_deadline_facilitator_auto" if auto else "timer_deadline_facilitator"
        with reading(self.publisher.languages.person(snapshot.team_id, snapshot.facilitator_id)):
            text = t(key, step=step_name(snapshot.step), topic=escape(snapshot.topic), moment=auto)
            buttons = ActionsBlock(
                elements=[
                    ButtonElement(
                        text=t("button_continue", amount=extension_label(snapshot.pace)),
                        action_id=ids.EXTEND,
                        value=value,
                    ),
                    ButtonElement(text=t("button_move_on"), action_id=ids.NEXT, value=value, style="primary"),
                ]
            )
        return self._dm_once(
            event, snapshot.facilitator_id, {"text": text, "blocks": as_dicts([section(text), buttons])}, recovering
        )

    def _auto_advance(self, event: EventInfo, snapshot: SessionSnapshot, recovering: bool) -> str | None:
        """Move on; the thread's note goes with the change (the outbox), so it cannot be lost or doubled."""
        following = snapshot.step.next
        text = t("timer_auto_advanced", step=step_name(following)) if following else t("timer_auto_ended")
        try:
            change = self.sessions.next_step(
                snapshot.team_id, snapshot.id, event.step, note=Note(event.step, {"text": text})
            )
        except TransitionError:
            return None  # the facilitator acted meanwhile (or a first try did): nothing to do
        self.relay.show(change)
        return None

    def _nudge(self, event: EventInfo, snapshot: SessionSnapshot, recovering: bool) -> str | None:
        thread_ts = snapshot.steps[snapshot.step].message_ts
        link = f"<#{snapshot.channel_id}>"
        if thread_ts:
            try:
                link = links.permalink(self.client, snapshot.team_id, snapshot.channel_id, thread_ts)
            except (SlackApiError, OSError):
                log.info("no permalink for %s", thread_ts, exc_info=True)
        with reading(self.publisher.languages.person(snapshot.team_id, event.user_id)):
            text = t(
                "timer_nudge",
                step=step_name(snapshot.step),
                topic=escape(snapshot.topic),
                channel=snapshot.channel_id,
                deadline=slack_date(snapshot.timebox().deadline),
                link=link,
            )
        return self._dm_once(event, event.user_id, {"text": text}, recovering)

    # ---- posting at most once ---------------------------------------------------------------------------
    def _tag(self, event: EventInfo) -> dict[str, Any]:
        return once.tag(METADATA_TYPE, event.id, event.due_at)

    def _in_thread(
        self, event: EventInfo, snapshot: SessionSnapshot, message: dict[str, Any], recovering: bool
    ) -> str | None:
        thread_ts = snapshot.steps[event.step].message_ts
        if thread_ts is None:
            return None
        if recovering and (found := self._found_in_thread(event, snapshot, thread_ts)):
            return found
        # Who is off at its moment has an event of their own; who is off now (a late delivery) is not woken.
        message = quietly(snapshot, message, event.due_at, self.clock.now())
        return self.publisher.post_in_thread(snapshot, event.step, {**message, "metadata": self._tag(event)})

    def _found_in_thread(self, event: EventInfo, snapshot: SessionSnapshot, thread_ts: str) -> str | None:
        replies = self.client.conversations_replies(
            channel=snapshot.channel_id, ts=thread_ts, include_all_metadata=True
        )
        return once.find_tagged(replies["messages"], self._tag(event))

    def _posted_before(self, event: EventInfo, snapshot: SessionSnapshot) -> str | None:
        """Where an interrupted delivery of a thread message already posted it, if it did."""
        in_thread = event.kind in (EventKind.REMINDER, EventKind.TURN) or (
            event.kind is EventKind.DEADLINE and not event.user_id
        )
        thread_ts = snapshot.steps[event.step].message_ts
        if not in_thread or thread_ts is None:
            return None
        try:
            return self._found_in_thread(event, snapshot, thread_ts)
        except SlackApiError:
            log.info("could not look for timed event %s in its thread", event.id, exc_info=True)
            return None

    def _dm_once(self, event: EventInfo, user_id: str, message: dict[str, Any], recovering: bool) -> str | None:
        return once.dm_once(self.client, user_id, message, self._tag(event), recovering=recovering)
