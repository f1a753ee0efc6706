"""Session use cases: start, move through the steps, record what people write. No Slack in here."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.clock import Clock
from bot.domain import session as core
from bot.domain.session import SessionState, Status, Timebox, TransitionError
from bot.domain.steps import EXTENSION, Pace, Step, expected_speakers
from bot.domain.text import hashtags
from bot.domain.timers import EventState, Planned
from bot.domain.workcal import WorkingCalendar, from_spec
from bot.i18n import supported
from bot.services import evaluations, outbox
from bot.services.duty import notify_at
from bot.services.languages import session_language
from bot.services.outbox import OutboxKind
from bot.services.reach import Reach, reach_of, working_hours
from bot.services.tasks import TaskKind
from bot.services.timers import TimerBook
from bot.storage.db import Database
from bot.storage.models import (
    ActionItem,
    CodevGroup,
    CodevSession,
    Consultant,
    Contribution,
    JournalEntry,
    ScheduledTask,
    SessionStep,
    SlackUser,
    StepDone,
)

MAX_ACTIONS = 5
GOT_ANSWERS = ("yes", "partly", "no")
# A step whose message needed retries and came this long after it was opened (Slack was down) gets its whole
# timebox from then. A first try that went through counts from the click: people saw it at once.
POSTING_TOLERANCE = timedelta(seconds=2)


class ChannelBusy(Exception):
    """A session is already running in that channel."""

    def __init__(self, session_id: int) -> None:
        super().__init__(session_id)
        self.session_id = session_id


class NotFound(Exception):
    """No such session in this workspace (a forged or outdated id)."""


@dataclass(frozen=True)
class NewSession:
    team_id: str
    channel_id: str
    topic: str
    facilitator_id: str
    client_id: str
    consultant_ids: list[str]
    pace: Pace
    durations: dict[Step, timedelta]  # method time, before CODEV_CLOCK_SPEED (working time when async)
    created_by: str
    auto_advance: bool = False
    close_when_all_done: bool = False
    nudges: bool = False
    reminder_share: float = 0.2
    calendar: WorkingCalendar | None = None  # async: None takes the group's, else the facilitator's zone's


@dataclass(frozen=True)
class StepRecord:
    step: Step
    duration: timedelta
    extended: timedelta
    paused: timedelta
    started_at: datetime | None
    paused_at: datetime | None
    ended_at: datetime | None
    message_ts: str | None


@dataclass(frozen=True)
class ActionView:
    id: int
    text: str
    due_date: date | None
    status: str
    owner_id: str = ""


@dataclass(frozen=True)
class Got:
    """The answer to "did you get what you asked for?": yes, partly or no, and the client's word about it."""

    answer: str  # one of GOT_ANSWERS
    note: str = ""


@dataclass(frozen=True)
class SummaryAction:
    owner_id: str
    text: str
    due_date: date | None
    id: int | None = None  # the action this row showed; None for a row written anew


@dataclass(frozen=True)
class SummaryEdit:
    """The summary's fields as the client edits them before posting.

    `cleared_ids` are the actions whose rows the client emptied: they go. `shown_ids` are the replies the modal
    offered to keep (None: all of them); the others keep their state.
    """

    keep: str
    kept_ids: list[int]
    actions: list[SummaryAction]
    cleared_ids: list[int] = field(default_factory=list)
    shown_ids: frozenset[int] | None = None


@dataclass(frozen=True)
class ContributionView:
    id: int
    step: Step
    user_id: str
    text: str
    ts: str
    late: bool
    kept: bool


EXAMPLE_SESSIONS = 3  # a group's first sessions show each step's examples


@dataclass(frozen=True)
class SessionSnapshot:
    """Everything about one session, read in one go: what Block Kit builders and rules need."""

    id: int
    team_id: str
    channel_id: str
    topic: str
    facilitator_id: str
    client_id: str
    consultant_ids: list[str]
    pace: Pace
    status: Status
    step: Step
    version: int
    root_ts: str | None
    created_at: datetime
    ended_at: datetime | None
    clock_speed: float
    steps: dict[Step, StepRecord]
    done: dict[Step, list[str]]
    reply_counts: dict[Step, int]
    contract_need: str | None = None
    contract_expectations: str | None = None
    contract_ts: str | None = None
    contract_problem: str | None = None  # "How I see my problem now", written after Clarification
    synthesis_keep: str | None = None
    synthesis_got: str | None = None  # "Did you get what you asked for?": yes, partly or no
    synthesis_got_note: str | None = None
    said: Mapping[Step, Mapping[str, int]] = field(default_factory=dict)  # replies per step, per person
    synthesis_ts: str | None = None
    summary_state: str = "none"
    summary_text: str | None = None
    summary_ts: str | None = None
    actions: list[ActionView] = field(default_factory=list)
    auto_advance: bool = False
    close_when_all_done: bool = False
    nudges: bool = False
    calendar: WorkingCalendar | None = None  # async sessions count working time in it; live ones clock time
    hours: Mapping[str, WorkingCalendar] = field(default_factory=dict)  # async: when each person may be notified
    names: Mapping[str, str] = field(default_factory=dict)  # how to write someone without notifying them
    reach: Mapping[str, Reach] = field(default_factory=dict)  # async: all the above, as the timers read it
    # The steps' "For example" bullets: shown outside a group and in a group's first sessions, folded after.
    show_examples: bool = True
    language: str = "en"  # what the channel reads (fixed as the session started): root, steps, notes, summary

    @property
    def participants(self) -> list[str]:
        return [self.facilitator_id, self.client_id, *self.consultant_ids]

    def role_of(self, user_id: str) -> str | None:
        if user_id == self.facilitator_id:
            return "facilitator"
        if user_id == self.client_id:
            return "client"
        return "consultant" if user_id in self.consultant_ids else None

    def timebox(self, step: Step | None = None) -> Timebox:
        record = self.steps[step or self.step]
        speed = self.clock_speed
        return Timebox(
            started_at=record.started_at or self.created_at,
            duration=core.scaled(record.duration, speed),
            extended=core.scaled(record.extended, speed),
            paused_total=record.paused,
            paused_at=record.paused_at,
            calendar=self.calendar,
        )

    def may_notify(self, user_id: str, at: datetime) -> bool:
        """Whether a mention of this person at that moment is inside their working hours (always, when live)."""
        hours = self.hours.get(user_id)
        return hours is None or hours.may_notify(at)

    def off_duty(self, at: datetime) -> dict[str, str]:
        """Participants outside their working hours at that moment, with the name to write instead of a mention."""
        return {u: self.names.get(u) or "" for u in self.hours if not self.may_notify(u, at)}

    def state(self) -> SessionState:
        return SessionState(self.step, self.status, self.version, self.timebox())

    def expected(self, step: Step) -> list[str]:
        return expected_speakers(step, self.client_id, self.consultant_ids, self.facilitator_id)

    def card(self) -> tuple[object, ...]:
        """What the session's root message (its card) shows: topic, people, pace, the planned steps, and once it
        is over, which steps were held. A change that leaves this alone does not touch the root (a Web API call
        saved at every step): the current step and a pause are on the step's own message."""
        ended = self.status is Status.ENDED
        return (
            self.topic,
            self.client_id,
            self.facilitator_id,
            tuple(self.consultant_ids),
            self.pace,
            tuple(self.steps[step].duration for step in Step),
            ended,
            self.step if ended else None,
        )


@dataclass(frozen=True)
class Change:
    before: SessionSnapshot
    after: SessionSnapshot

    @property
    def step_changed(self) -> bool:
        return self.before.step != self.after.step

    @property
    def ended(self) -> bool:
        return self.after.status is Status.ENDED and self.before.status is not Status.ENDED


@dataclass(frozen=True)
class Note:
    """A message a change also owes one step's thread ("Dana took over", "everyone is done: moving on")."""

    step: Step
    message: dict[str, Any]


# A note written from the session as the change left it (its new deadline, its new facilitator…), inside the
# change's own transaction: what it says is what the change did, not a guess made before it.
NoteFor = Callable[[SessionSnapshot], Note]


@dataclass(frozen=True)
class ReplyOutcome:
    session: SessionSnapshot
    step: Step
    late: bool
    new: bool


class SessionService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        clock_speed: float = 1.0,
        on_timers_changed: Callable[[], None] | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.clock_speed = clock_speed
        self.timers = TimerBook(db, clock_speed)
        # Tells this process's scheduler to look at the table now rather than at its next poll.
        self.on_timers_changed = on_timers_changed or (lambda: None)

    # ---- reading ----------------------------------------------------------------------------------------
    def get(self, team_id: str, session_id: int) -> SessionSnapshot:
        with self.db.read() as session:
            return self._snapshot(session, team_id, session_id)

    def running_in(self, team_id: str, channel_id: str) -> list[SessionSnapshot]:
        with self.db.read() as session:
            ids = session.exec(
                select(CodevSession.id)
                .where(
                    CodevSession.team_id == team_id,
                    CodevSession.channel_id == channel_id,
                    col(CodevSession.status).in_([Status.RUNNING.value, Status.PAUSED.value]),
                )
                .order_by(col(CodevSession.id))
            ).all()
            return [self._snapshot(session, team_id, session_id) for session_id in ids if session_id is not None]

    def planned_events(self, team_id: str, session_id: int) -> list[Planned]:
        """The timed events the session's current state implies."""
        return self.get_with_plan(team_id, session_id)[1]

    def get_with_plan(self, team_id: str, session_id: int) -> tuple[SessionSnapshot, list[Planned]]:
        """The session and the timed events its state implies, read together."""
        with self.db.read() as session:
            snapshot = self._snapshot(session, team_id, session_id)
            row = self._row(session, team_id, session_id)
            planned = self.timers.plan_for(session, row, snapshot.state(), snapshot.reach)
            return snapshot, planned

    def contributions(self, team_id: str, session_id: int, step: Step | None = None) -> list[ContributionView]:
        with self.db.read() as session:
            query = select(Contribution).where(
                Contribution.team_id == team_id,
                Contribution.session_id == session_id,
                col(Contribution.deleted).is_(False),
            )
            if step is not None:
                query = query.where(Contribution.step == int(step))
            rows = session.exec(query.order_by(col(Contribution.ts))).all()
            return [ContributionView(r.id or 0, Step(r.step), r.user_id, r.text, r.ts, r.late, r.kept) for r in rows]

    # ---- starting ---------------------------------------------------------------------------------------
    def calendar_for(self, team_id: str, channel_id: str, facilitator_id: str | None) -> WorkingCalendar:
        """The working calendar an async session here would count in: the channel's group's, else the default
        days and hours in the facilitator's Slack time zone."""
        with self.db.read() as session:
            return self._calendar_for(session, team_id, channel_id, facilitator_id)

    def _calendar_for(
        self, session: Session, team_id: str, channel_id: str, facilitator_id: str | None
    ) -> WorkingCalendar:
        spec = session.exec(
            select(CodevGroup.calendar).where(CodevGroup.team_id == team_id, CodevGroup.channel_id == channel_id)
        ).first()
        group_calendar = from_spec(spec)
        if group_calendar is not None:
            return group_calendar
        tz = None
        if facilitator_id:
            tz = session.exec(
                select(SlackUser.tz).where(SlackUser.team_id == team_id, SlackUser.user_id == facilitator_id)
            ).first()
        return working_hours(None, tz, None)  # the operator's days and hours, on the facilitator's clock

    def start(self, new: NewSession, notes: Sequence[Note] = ()) -> SessionSnapshot:
        now = self.clock.now()
        with self.db.session() as session:
            calendar = None
            if new.pace is Pace.ASYNC:
                calendar = new.calendar or self._calendar_for(session, new.team_id, new.channel_id, new.facilitator_id)
            busy = session.exec(
                select(CodevSession.id).where(
                    CodevSession.team_id == new.team_id,
                    CodevSession.channel_id == new.channel_id,
                    col(CodevSession.status).in_([Status.RUNNING.value, Status.PAUSED.value]),
                )
            ).first()
            if busy is not None:
                raise ChannelBusy(busy)
            row = CodevSession(
                team_id=new.team_id,
                channel_id=new.channel_id,
                topic=new.topic,
                facilitator_id=new.facilitator_id,
                client_id=new.client_id,
                created_by=new.created_by,
                pace=new.pace.value,
                status=Status.RUNNING.value,
                step=int(Step.PRESENTATION),
                version=1,
                created_at=now,
                auto_advance=new.auto_advance,
                close_when_all_done=new.close_when_all_done,
                nudges=new.nudges,
                reminder_share=new.reminder_share,
                calendar=calendar.spec() if calendar else None,
                language=session_language(session, new.team_id, new.channel_id, new.facilitator_id),
            )
            session.add(row)
            session.flush()
            assert row.id is not None
            for position, user_id in enumerate(new.consultant_ids):
                session.add(Consultant(session_id=row.id, user_id=user_id, team_id=new.team_id, position=position))
            for step in Step:
                session.add(
                    SessionStep(
                        session_id=row.id,
                        step=int(step),
                        team_id=new.team_id,
                        duration_seconds=int(new.durations[step].total_seconds()),
                        started_at=now if step is Step.PRESENTATION else None,
                    )
                )
            session.flush()
            snapshot = self._sync_timers(session, new.team_id, row.id, now)
            # The root is posted from the session as it is then: nothing to draw again (root=False).
            outbox.add(
                session, new.team_id, row.id, OutboxKind.SYNC, now, refresh=[], root=False, people=snapshot.participants
            )
            for note in notes:
                outbox.add(
                    session, new.team_id, row.id, OutboxKind.NOTE, now, step=int(note.step), message=note.message
                )
        self.on_timers_changed()
        return snapshot

    def set_root_ts(self, team_id: str, session_id: int, ts: str) -> None:
        self._set_session_field(team_id, session_id, root_ts=ts)

    def step_posted(
        self, team_id: str, session_id: int, step: Step, ts: str, posted_at: datetime, *, after_retries: bool
    ) -> SessionSnapshot:
        """The step's message is in Slack. If that took retries (Slack was down), its timebox starts now."""
        with self.db.session() as session:
            row = session.get(SessionStep, (session_id, int(step)))
            if row is None or row.team_id != team_id:
                raise NotFound(session_id)
            row.message_ts = ts
            late = (
                after_retries
                and row.started_at is not None
                and row.ended_at is None
                and row.paused_at is None
                and posted_at - row.started_at > POSTING_TOLERANCE
            )
            if late:
                row.started_at = posted_at
            session.add(row)
            session.flush()
            if not late:
                return self._snapshot(session, team_id, session_id)
            snapshot = self._sync_timers(session, team_id, session_id, posted_at)
        self.on_timers_changed()
        return snapshot

    # ---- moving through the steps -----------------------------------------------------------------------
    def next_step(
        self,
        team_id: str,
        session_id: int,
        expected_step: Step,
        *,
        note: Note | NoteFor | None = None,
        expected_version: int | None = None,
    ) -> Change:
        def advance(state: SessionState, now: datetime, snapshot: SessionSnapshot) -> SessionState:
            following = state.step.next
            duration = snapshot.timebox(following).duration if following else None
            return core.advance(state, now, duration, expected_step=expected_step)

        return self._transition(team_id, session_id, advance, note=note, expected_version=expected_version)

    def extend(
        self,
        team_id: str,
        session_id: int,
        expected_step: Step,
        *,
        note: Note | NoteFor | None = None,
        expected_version: int | None = None,
    ) -> Change:
        def extend(state: SessionState, _now: datetime, snapshot: SessionSnapshot) -> SessionState:
            # Async: half of the calendar's working day ("+½ day" on the button), whatever its length.
            amount = snapshot.calendar.working_day / 2 if snapshot.calendar else EXTENSION[snapshot.pace]
            return core.extend(state, core.scaled(amount, self.clock_speed), expected_step=expected_step)

        return self._transition(team_id, session_id, extend, note=note, expected_version=expected_version)

    def pause(
        self,
        team_id: str,
        session_id: int,
        expected_step: Step | None,
        *,
        note: Note | NoteFor | None = None,
        expected_version: int | None = None,
    ) -> Change:
        return self._transition(
            team_id,
            session_id,
            lambda s, now, _snap: core.pause(s, now, expected_step=expected_step),
            note=note,
            expected_version=expected_version,
        )

    def resume(
        self,
        team_id: str,
        session_id: int,
        expected_step: Step | None,
        *,
        note: Note | NoteFor | None = None,
        expected_version: int | None = None,
    ) -> Change:
        return self._transition(
            team_id,
            session_id,
            lambda s, now, _snap: core.resume(s, now, expected_step=expected_step),
            note=note,
            expected_version=expected_version,
        )

    def end(self, team_id: str, session_id: int, *, expected_version: int | None = None) -> Change:
        return self._transition(
            team_id, session_id, lambda s, _now, _snap: core.end(s), expected_version=expected_version
        )

    def hand_over(
        self,
        team_id: str,
        session_id: int,
        new_facilitator: str,
        *,
        allow_client: bool = False,
        note: Note | NoteFor | None = None,
        expected_version: int | None = None,
    ) -> Change:
        """Give facilitation to someone else; a consultant who takes it stops being a consultant. With
        `expected_version`, only if the session is still as it was then (a stale or double click changes nothing)."""
        with self.db.session() as session:
            before = self._snapshot(session, team_id, session_id)
            if before.status is Status.ENDED:
                raise TransitionError("session_ended")
            if expected_version is not None and before.version != expected_version:
                raise TransitionError("stale_pick")
            if new_facilitator == before.client_id and not allow_client:
                raise TransitionError("handover_to_client")
            self._update_if_unchanged(session, team_id, session_id, before.version, facilitator_id=new_facilitator)
            consultant = session.get(Consultant, (session_id, new_facilitator))
            if consultant is not None:
                session.delete(consultant)
            session.flush()
            change = Change(before, self._snapshot(session, team_id, session_id))
            self._owe_slack(session, change, self.clock.now(), note)
            return change

    def edit(
        self,
        team_id: str,
        session_id: int,
        *,
        expected_version: int,
        client_id: str,
        consultant_ids: list[str],
        durations: dict[Step, timedelta],
        note: Note | NoteFor | None = None,
    ) -> Change:
        """Swap people or change the timeboxes of the current and later steps, if nobody changed it meanwhile."""
        with self.db.session() as session:
            before = self._snapshot(session, team_id, session_id)
            if before.status is Status.ENDED:
                raise TransitionError("session_ended")
            self._update_if_unchanged(session, team_id, session_id, expected_version, client_id=client_id)
            for old in session.exec(select(Consultant).where(Consultant.session_id == session_id)).all():
                session.delete(old)
            session.flush()
            for position, user_id in enumerate(consultant_ids):
                session.add(Consultant(session_id=session_id, user_id=user_id, team_id=team_id, position=position))
            for step, duration in durations.items():
                if step < before.step:
                    continue  # closed steps keep their history
                row = session.get(SessionStep, (session_id, int(step)))
                assert row is not None
                row.duration_seconds = int(duration.total_seconds())
                session.add(row)
            session.flush()
            change = Change(before, self._sync_timers(session, team_id, session_id, self.clock.now()))
            self._owe_slack(session, change, self.clock.now(), note)
        self.on_timers_changed()
        return change

    def _transition(
        self,
        team_id: str,
        session_id: int,
        action: Callable[[SessionState, datetime, SessionSnapshot], SessionState],
        note: Note | NoteFor | None = None,
        expected_version: int | None = None,
    ) -> Change:
        """Apply a state change atomically: the UPDATE only lands if nobody changed the session meanwhile.

        With `expected_version` (the version a click or menu pick was shown for), only if the session is still at
        that version: of ten identical clicks at once, one applies and the others raise (stale_pick)."""
        now = self.clock.now()
        with self.db.session() as session:
            before = self._snapshot(session, team_id, session_id)
            if (
                expected_version is not None
                and before.version != expected_version
                and before.status is not Status.ENDED
            ):
                raise TransitionError("stale_pick")
            state = before.state()
            after = action(state, now, before)
            values: dict[str, object] = {"step": int(after.step), "status": after.status.value}
            if after.status is Status.ENDED:
                values["ended_at"] = now
            self._update_if_unchanged(session, team_id, session_id, state.version, **values)
            self._save_timebox(session, session_id, state, after, now)
            session.flush()
            change = Change(before, self._sync_timers(session, team_id, session_id, now))
            self._owe_slack(session, change, now, note)
        self.on_timers_changed()
        return change

    def _save_timebox(
        self, session: Session, session_id: int, before: SessionState, after: SessionState, now: datetime
    ) -> None:
        current = session.get(SessionStep, (session_id, int(before.step)))
        assert current is not None
        if after.step != before.step or after.status is Status.ENDED:
            current.ended_at = now
            if current.paused_at is not None:  # ended while paused: the pause counts until now
                current.paused_seconds += int((now - current.paused_at).total_seconds())
                current.paused_at = None
            if after.step != before.step:
                following = session.get(SessionStep, (session_id, int(after.step)))
                assert following is not None
                following.started_at = now
                session.add(following)
        else:
            extended = after.timebox.extended - before.timebox.extended
            current.extended_seconds += int((extended * self.clock_speed).total_seconds())
            current.paused_at = after.timebox.paused_at
            current.paused_seconds = int(after.timebox.paused_total.total_seconds())
        session.add(current)

    # ---- what people write ------------------------------------------------------------------------------
    def record_reply(
        self, team_id: str, channel_id: str, thread_ts: str, ts: str, user_id: str, text: str
    ) -> ReplyOutcome | None:
        """Store a reply in a step's thread. None when the thread is not a codev step."""
        now = self.clock.now()
        with self.db.session() as session:
            found = session.exec(
                select(SessionStep, CodevSession)
                .join(CodevSession, col(CodevSession.id) == SessionStep.session_id)
                .where(
                    SessionStep.team_id == team_id,
                    SessionStep.message_ts == thread_ts,
                    CodevSession.channel_id == channel_id,
                )
            ).first()
            if found is None:
                return None
            step_row, session_row = found
            step = Step(step_row.step)
            late = step_row.ended_at is not None or session_row.status == Status.ENDED.value
            contribution = Contribution(
                team_id=team_id,
                session_id=step_row.session_id,
                step=int(step),
                channel_id=channel_id,
                ts=ts,
                thread_ts=thread_ts,
                user_id=user_id,
                text=text,
                late=late,
                created_at=now,
            )
            try:
                with session.begin_nested():
                    session.add(contribution)
            except IntegrityError:
                return ReplyOutcome(self._snapshot(session, team_id, step_row.session_id), step, late, new=False)
            if step is Step.LEARNING:
                session.add(
                    JournalEntry(
                        team_id=team_id,
                        user_id=user_id,
                        text=text,
                        tags=" ".join(hashtags(text)),
                        session_id=step_row.session_id,
                        step=int(step),
                        source_channel_id=channel_id,
                        source_ts=ts,
                        created_at=now,
                        origin="learning",
                    )
                )
            session.flush()
            snapshot = self._sync_timers(session, team_id, step_row.session_id, now)  # a reply cancels a nudge
        self.on_timers_changed()
        return ReplyOutcome(snapshot, step, late, new=True)

    def edit_reply(self, team_id: str, channel_id: str, ts: str, text: str) -> bool:
        now = self.clock.now()
        with self.db.session() as session:
            contribution = self._contribution(session, team_id, channel_id, ts)
            if contribution is None:
                return False
            contribution.text = text
            contribution.edited_at = now
            session.add(contribution)
            for entry in self._journal_copies(session, team_id, channel_id, ts):
                entry.text = text
                entry.tags = " ".join(hashtags(text))
                session.add(entry)
            return True

    def delete_reply(self, team_id: str, channel_id: str, ts: str) -> bool:
        """The author deleted it in Slack: it leaves summaries and their journal, the row stays marked."""
        with self.db.session() as session:
            contribution = self._contribution(session, team_id, channel_id, ts)
            if contribution is None:
                return False
            contribution.deleted = True
            session.add(contribution)
            for entry in self._journal_copies(session, team_id, channel_id, ts):
                session.delete(entry)
            return True

    def mark_done(self, team_id: str, session_id: int, step: Step, user_id: str) -> tuple[SessionSnapshot, bool]:
        """Record "I'm done"; the flag says whether it was new."""
        with self.db.session() as session:
            # One session's clicks take turns, so the last of several simultaneous clicks sees the others' and
            # closes the step early: under PostgreSQL's READ COMMITTED each would otherwise count one missing.
            # FOR NO KEY UPDATE: rows that merely point at the session (a reply, a timer) are added without waiting.
            session.get(CodevSession, session_id, with_for_update={"key_share": True})
            snapshot = self._snapshot(session, team_id, session_id)
            if snapshot.status is Status.ENDED:
                raise TransitionError("session_ended")
            if snapshot.step != step:
                raise TransitionError("stale_step")
            if user_id not in snapshot.expected(step):
                raise TransitionError("done_not_expected")
            try:
                with session.begin_nested():
                    session.add(
                        StepDone(
                            session_id=session_id,
                            step=int(step),
                            user_id=user_id,
                            team_id=team_id,
                            done_at=self.clock.now(),
                        )
                    )
            except IntegrityError:
                return snapshot, False
            # The step's message shows who is done: refreshed through the outbox, in order with the rest.
            self._owe_step_redraw(session, team_id, session_id, step)
            session.flush()
            return self._snapshot(session, team_id, session_id), True

    def redraw_step(self, team_id: str, session_id: int, step: Step) -> None:
        """Show a step's message afresh (its Facilitator menu back to its label after a pick that changed nothing
        yet: a modal opened, a confirmation asked), through the outbox, in order with the rest."""
        with self.db.session() as session:
            self._row(session, team_id, session_id)  # this workspace's session, or NotFound
            self._owe_step_redraw(session, team_id, session_id, step)

    def _owe_step_redraw(self, session: Session, team_id: str, session_id: int, step: Step) -> None:
        """The step's message drawn afresh, through the outbox: the root and the people's Homes are left alone."""
        outbox.add(
            session, team_id, session_id, OutboxKind.SYNC, self.clock.now(), refresh=[int(step)], root=False, people=[]
        )

    def redraw_root(self, team_id: str, session_id: int) -> None:
        """Show the session's root (its card) afresh: something it shows from outside the session changed (who
        has not accepted the group's charter), through the outbox, in order with the rest."""
        with self.db.session() as session:
            self._row(session, team_id, session_id)  # this workspace's session, or NotFound
            outbox.add(
                session, team_id, session_id, OutboxKind.SYNC, self.clock.now(), refresh=[], root=True, people=[]
            )

    def save_contract(
        self, team_id: str, session_id: int, need: str, expectations: str, problem: str = ""
    ) -> SessionSnapshot:
        """The client's contract: their need, what they expect, and how they see their problem now (optional)."""
        with self.db.session() as session:
            snapshot = self._snapshot(session, team_id, session_id)
            if snapshot.status is Status.ENDED or snapshot.step is not Step.CONTRACT:
                raise TransitionError("contract_closed")
            row = self._row(session, team_id, session_id)
            row.contract_need, row.contract_expectations = need, expectations
            row.contract_problem = problem or None
            session.add(row)
            outbox.add(session, team_id, session_id, OutboxKind.CLIENT_TEXT, self.clock.now(), step=int(Step.CONTRACT))
            session.flush()
            return self._snapshot(session, team_id, session_id)

    def save_synthesis(
        self,
        team_id: str,
        session_id: int,
        keep: str,
        kept_ids: list[int],
        actions: list[tuple[str, date | None]],
        got: Got | None = None,
        shown_ids: frozenset[int] | None = None,
    ) -> SessionSnapshot:
        """The client's synthesis; `got` answers "did you get what you asked for?" against the contract.

        `shown_ids` are the replies the modal offered to keep (None: all of them); the others keep their state.
        """
        now = self.clock.now()
        with self.db.session() as session:
            snapshot = self._snapshot(session, team_id, session_id)
            if snapshot.status is Status.ENDED or snapshot.step is not Step.SYNTHESIS:
                raise TransitionError("synthesis_closed")
            row = self._row(session, team_id, session_id)
            row.synthesis_keep = keep
            if got is not None:
                row.synthesis_got, row.synthesis_got_note = got.answer, got.note or None
            session.add(row)
            self._keep_replies(session, team_id, session_id, kept_ids, shown_ids)
            olds = session.exec(
                select(ActionItem).where(ActionItem.team_id == team_id, ActionItem.session_id == session_id)
            ).all()
            for old in olds:
                session.delete(old)
            self._cancel_follow_ups(session, [old.id for old in olds if old.id is not None], now)
            for position, (text, due) in enumerate(actions[:MAX_ACTIONS]):
                session.add(
                    ActionItem(
                        team_id=team_id,
                        session_id=session_id,
                        owner_id=snapshot.client_id,
                        text=text,
                        due_date=due,
                        position=position,
                        created_at=now,
                    )
                )
            outbox.add(session, team_id, session_id, OutboxKind.CLIENT_TEXT, now, step=int(Step.SYNTHESIS))
            session.flush()
            return self._snapshot(session, team_id, session_id)

    def set_message_ts(self, team_id: str, session_id: int, **fields: str) -> None:
        """Remember where a contract, synthesis or summary was posted (contract_ts, synthesis_ts, summary_ts)."""
        allowed = {"contract_ts", "synthesis_ts", "summary_ts"}
        assert set(fields) <= allowed
        self._set_session_field(team_id, session_id, **fields)

    def propose_summary(self, team_id: str, session_id: int, text: str) -> bool:
        """Store the summary for the client's approval; False when one was already proposed."""
        with self.db.session() as session:
            result = session.exec(
                update(CodevSession)
                .where(
                    col(CodevSession.id) == session_id,
                    col(CodevSession.team_id) == team_id,
                    col(CodevSession.summary_state) == "none",
                )
                .values(summary_state="proposed", summary_text=text)
            )
            return result.rowcount == 1

    def approve_summary(
        self,
        team_id: str,
        session_id: int,
        user_id: str,
        text: str | None = None,
        edit: SummaryEdit | None = None,
    ) -> SessionSnapshot:
        """The client approves (maybe after editing); only one approval ever posts.

        An edit (what the client keeps, the actions) is saved with the approval, in its transaction: `text` is the
        summary rendered from it.
        """
        now = self.clock.now()
        with self.db.session() as session:
            snapshot = self._snapshot(session, team_id, session_id)
            if user_id != snapshot.client_id:
                raise TransitionError("summary_client_only")
            values: dict[str, object] = {"summary_state": "posting"}
            if text is not None:
                values["summary_text"] = text
            result = session.exec(
                update(CodevSession)
                .where(
                    col(CodevSession.id) == session_id,
                    col(CodevSession.summary_state) == "proposed",
                )
                .values(**values)
            )
            if result.rowcount != 1:
                raise TransitionError("summary_already_posted")
            if edit is not None:
                self._save_summary_edit(session, team_id, session_id, edit, now)
            session.flush()
            return self._snapshot(session, team_id, session_id)

    def _save_summary_edit(
        self, session: Session, team_id: str, session_id: int, edit: SummaryEdit, now: datetime
    ) -> None:
        row = self._row(session, team_id, session_id)
        row.synthesis_keep = edit.keep
        session.add(row)
        self._keep_replies(session, team_id, session_id, edit.kept_ids, edit.shown_ids)
        existing = {
            item.id: item
            for item in session.exec(
                select(ActionItem)
                .where(ActionItem.team_id == team_id, ActionItem.session_id == session_id)
                .order_by(col(ActionItem.position))
            ).all()
        }
        # Each row is matched to its action by id: an action keeps its row (and its follow-up) however the rows
        # around it change; a row written anew creates one; a row cleared deletes its action.
        edited: list[ActionItem] = []
        for action in edit.actions[:MAX_ACTIONS]:
            item = existing.pop(action.id, None) if action.id is not None else None
            if item is None:
                item = ActionItem(
                    team_id=team_id, session_id=session_id, owner_id=action.owner_id, text="", created_at=now
                )
            item.owner_id, item.text, item.due_date = action.owner_id, action.text, action.due_date
            edited.append(item)
        gone = [existing.pop(action_id) for action_id in dict.fromkeys(edit.cleared_ids) if action_id in existing]
        for item in gone:
            session.delete(item)
        self._cancel_follow_ups(session, [item.id for item in gone if item.id is not None], now)
        # An action the modal did not show (none, unless written since) stays, after the edited ones.
        for position, item in enumerate([*edited, *existing.values()]):
            item.position = position
            session.add(item)

    @staticmethod
    def _cancel_follow_ups(session: Session, action_ids: list[int], now: datetime) -> None:
        """The pending follow-ups of actions deleted in this change will not come."""
        if action_ids:
            session.exec(
                update(ScheduledTask)
                .where(
                    col(ScheduledTask.kind) == TaskKind.FOLLOW_UP.value,
                    col(ScheduledTask.state) == EventState.PENDING.value,
                    col(ScheduledTask.subject_id).in_(action_ids),
                )
                .values(state=EventState.CANCELLED.value, updated_at=now)
            )

    @staticmethod
    def _keep_replies(
        session: Session, team_id: str, session_id: int, kept_ids: list[int], shown_ids: frozenset[int] | None
    ) -> None:
        """The replies kept among those shown (None: all); a reply the modal did not show keeps its state."""
        kept = set(kept_ids)
        for contribution in session.exec(
            select(Contribution).where(Contribution.team_id == team_id, Contribution.session_id == session_id)
        ).all():
            if shown_ids is not None and contribution.id not in shown_ids:
                continue
            contribution.kept = contribution.id in kept
            session.add(contribution)

    def summary_posted(self, team_id: str, session_id: int, ts: str) -> None:
        with self.db.session() as session:
            row = self._row(session, team_id, session_id)
            first = row.summary_state != "posted"
            row.summary_state, row.summary_ts = "posted", ts
            session.add(row)
            session.flush()
            if first:  # the loop after the session: the DMs it owes people, in this same change
                evaluations.owe_after_summary(session, self._snapshot(session, team_id, session_id), self.clock.now())

    def summary_failed(self, team_id: str, session_id: int) -> None:
        self._set_session_field(team_id, session_id, summary_state="proposed")

    # ---- internals --------------------------------------------------------------------------------------
    @staticmethod
    def _owe_slack(session: Session, change: Change, now: datetime, note: Note | NoteFor | None) -> None:
        """Record, in the change's own transaction, what Slack must show because of it (the outbox)."""
        before, after = change.before, change.after
        if callable(note):
            note = note(after)
        moved = change.step_changed or change.ended
        refresh = [int(before.step)] if moved else [int(after.step)]
        people = (
            sorted({*before.participants, *after.participants})
            if moved or (before.participants != after.participants)
            else []
        )
        # The thread's note travels in the same row: one delivery, in order, fewer writes.
        extra = {"note": {"step": int(note.step), "message": note.message}} if note is not None else {}
        root = before.card() != after.card()  # the root is drawn again only when what it shows changed
        outbox.add(
            session, after.team_id, after.id, OutboxKind.SYNC, now, refresh=refresh, root=root, people=people, **extra
        )
        if change.ended:
            # The summary DM waits for the client's working hours (async: live sessions end while all are there).
            held = notify_at(after.hours.get(after.client_id), now)
            outbox.add_held(session, after.team_id, after.id, OutboxKind.SUMMARY, now, held)

    @staticmethod
    def _update_if_unchanged(session: Session, team_id: str, session_id: int, version: int, **values: object) -> None:
        """Optimistic concurrency: the UPDATE lands, bumping the version, only if the session is still at `version`."""
        result = session.exec(
            update(CodevSession)
            .where(
                col(CodevSession.id) == session_id,
                col(CodevSession.team_id) == team_id,
                col(CodevSession.version) == version,
            )
            .values(version=version + 1, **values)
        )
        if result.rowcount != 1:
            raise TransitionError("concurrent_change")

    def _sync_timers(self, session: Session, team_id: str, session_id: int, now: datetime) -> SessionSnapshot:
        """Bring the session's timed events in line with its new state, in the same transaction."""
        session.flush()
        snapshot = self._snapshot(session, team_id, session_id)
        self.timers.sync(session, self._row(session, team_id, session_id), snapshot.state(), now, snapshot.reach)
        return snapshot

    def _set_session_field(self, team_id: str, session_id: int, **values: object) -> None:
        with self.db.session() as session:
            session.exec(
                update(CodevSession)
                .where(col(CodevSession.id) == session_id, col(CodevSession.team_id) == team_id)
                .values(**values)
            )

    @staticmethod
    def _row(session: Session, team_id: str, session_id: int) -> CodevSession:
        row = session.get(CodevSession, session_id)
        if row is None or row.team_id != team_id:
            raise NotFound(session_id)
        return row

    @staticmethod
    def _contribution(session: Session, team_id: str, channel_id: str, ts: str) -> Contribution | None:
        return session.exec(
            select(Contribution).where(
                Contribution.team_id == team_id, Contribution.channel_id == channel_id, Contribution.ts == ts
            )
        ).first()

    @staticmethod
    def _journal_copies(session: Session, team_id: str, channel_id: str, ts: str) -> list[JournalEntry]:
        return list(
            session.exec(
                select(JournalEntry).where(
                    JournalEntry.team_id == team_id,
                    JournalEntry.source_channel_id == channel_id,
                    JournalEntry.source_ts == ts,
                )
            ).all()
        )

    @staticmethod
    def _shows_examples(session: Session, row: CodevSession) -> bool:
        """A group learns the steps in its first sessions: their examples fold away once it has held this many
        before (counted up to that many, however long its history). Outside a group, they always show."""
        group = select(CodevGroup.id).where(CodevGroup.team_id == row.team_id, CodevGroup.channel_id == row.channel_id)
        earlier = session.exec(
            select(CodevSession.id)
            .where(
                CodevSession.team_id == row.team_id,
                CodevSession.channel_id == row.channel_id,
                col(CodevSession.id) < (row.id or 0),
                group.exists(),
            )
            .limit(EXAMPLE_SESSIONS)
        ).all()
        return len(earlier) < EXAMPLE_SESSIONS

    def _snapshot(self, session: Session, team_id: str, session_id: int) -> SessionSnapshot:
        row = self._row(session, team_id, session_id)
        calendar = from_spec(row.calendar)
        consultants = session.exec(
            select(Consultant.user_id).where(Consultant.session_id == session_id).order_by(col(Consultant.position))
        ).all()
        steps = {
            Step(s.step): StepRecord(
                Step(s.step),
                timedelta(seconds=s.duration_seconds),
                timedelta(seconds=s.extended_seconds),
                timedelta(seconds=s.paused_seconds),
                s.started_at,
                s.paused_at,
                s.ended_at,
                s.message_ts,
            )
            for s in session.exec(select(SessionStep).where(SessionStep.session_id == session_id)).all()
        }
        done: dict[Step, list[str]] = {step: [] for step in Step}
        for d in session.exec(
            select(StepDone).where(StepDone.session_id == session_id).order_by(col(StepDone.done_at))
        ).all():
            done[Step(d.step)].append(d.user_id)
        said: dict[Step, dict[str, int]] = {}
        for step_number, user_id, count in session.exec(
            select(Contribution.step, Contribution.user_id, func.count())
            .where(Contribution.session_id == session_id, col(Contribution.deleted).is_(False))
            .group_by(col(Contribution.step), col(Contribution.user_id))
        ).all():
            said.setdefault(Step(step_number), {})[user_id] = count
        counts = {step: sum(by_person.values()) for step, by_person in said.items()}
        actions = [
            ActionView(a.id or 0, a.text, a.due_date, a.status, a.owner_id)
            for a in session.exec(
                select(ActionItem).where(ActionItem.session_id == session_id).order_by(col(ActionItem.position))
            ).all()
        ]
        return SessionSnapshot(
            id=session_id,
            team_id=row.team_id,
            channel_id=row.channel_id,
            topic=row.topic,
            language=supported(row.language),
            facilitator_id=row.facilitator_id,
            client_id=row.client_id,
            consultant_ids=list(consultants),
            pace=Pace(row.pace),
            status=Status(row.status),
            step=Step(row.step),
            version=row.version,
            root_ts=row.root_ts,
            created_at=row.created_at,
            ended_at=row.ended_at,
            clock_speed=self.clock_speed,
            steps=steps,
            done=done,
            reply_counts=counts,
            contract_need=row.contract_need,
            contract_expectations=row.contract_expectations,
            contract_ts=row.contract_ts,
            contract_problem=row.contract_problem,
            synthesis_keep=row.synthesis_keep,
            synthesis_got=row.synthesis_got,
            synthesis_got_note=row.synthesis_got_note,
            said=said,
            synthesis_ts=row.synthesis_ts,
            summary_state=row.summary_state,
            summary_text=row.summary_text,
            summary_ts=row.summary_ts,
            actions=actions,
            auto_advance=row.auto_advance,
            close_when_all_done=row.close_when_all_done,
            nudges=row.nudges,
            calendar=calendar,
            show_examples=self._shows_examples(session, row),
            **self._hours(session, row, [row.facilitator_id, row.client_id, *consultants], calendar),
        )

    @staticmethod
    def _hours(session: Session, row: CodevSession, people: list[str], calendar: WorkingCalendar | None) -> Any:
        """Each participant's name as Slack last told it (for texts that must read names, never ids); their
        working hours too in async sessions only (live ones happen while all are there)."""
        if calendar is None:
            rows = session.exec(
                select(SlackUser.user_id, SlackUser.name).where(
                    SlackUser.team_id == row.team_id, col(SlackUser.user_id).in_(list(dict.fromkeys(people)))
                )
            ).all()
            return {"names": {user_id: name for user_id, name in rows if name}}
        reach = reach_of(session, row.team_id, row.channel_id, list(dict.fromkeys(people)), calendar)
        return {
            "hours": {user_id: r.hours for user_id, r in reach.items()},
            "names": {user_id: r.name for user_id, r in reach.items()},
            "reach": reach,
        }
