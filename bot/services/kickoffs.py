"""Recurring sessions' kick-offs: who volunteers, whom the facilitator picks, and which session came of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from bot.clock import Clock
from bot.domain.steps import VOLUNTEER_WINDOW
from bot.services.duty import notify_at
from bot.services.groups import GroupView
from bot.services.reach import reach_of
from bot.services.tasks import TaskBook, TaskKind
from bot.storage.db import Database
from bot.storage.models import CodevGroup, Kickoff, KickoffVolunteer


class KickoffRefused(Exception):
    """A click that cannot be honoured; `reason` is a message key, which may name the facilitator."""

    def __init__(self, reason: str, facilitator_id: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.facilitator_id = facilitator_id


@dataclass(frozen=True)
class Volunteer:
    user_id: str
    topic: str


@dataclass(frozen=True)
class KickoffView:
    id: int
    team_id: str
    group_id: int
    channel_id: str
    scheduled_for: datetime
    facilitator_id: str
    status: str  # open, started, lapsed (a later kick-off opened first)
    picked_id: str | None
    session_id: int | None
    message_ts: str | None
    volunteers: list[Volunteer] = field(default_factory=list)

    def topic_of(self, user_id: str | None) -> str:
        return next((v.topic for v in self.volunteers if v.user_id == user_id), "")


class KickoffService:
    def __init__(self, db: Database, clock: Clock, tasks: TaskBook) -> None:
        self.db = db
        self.clock = clock
        self.tasks = tasks

    def open(
        self, group: GroupView, scheduled_for: datetime, facilitator_id: str
    ) -> tuple[KickoffView, list[KickoffView]]:
        """The kick-off of this occurrence (created once), with its volunteer deadline scheduled (moved into
        the facilitator's working hours).

        Earlier kick-offs of the group that never led to a session lapse (one call for a client at a time);
        they are returned second, for their messages to say so.
        """
        now = self.clock.now()
        with self.db.session() as session:
            lapsed = []
            for earlier in session.exec(
                select(Kickoff).where(
                    Kickoff.group_id == group.id, Kickoff.status == "open", col(Kickoff.scheduled_for) < scheduled_for
                )
            ).all():
                earlier.status = "lapsed"
                session.add(earlier)
                self.tasks.cancel(session, TaskKind.VOLUNTEERS, earlier.id or 0, now)
                lapsed.append(earlier)
            row = self._occurrence(session, group.id, scheduled_for)
            if row is None:  # a recovered delivery finds the one it opened before (unique per occurrence)
                row = Kickoff(
                    team_id=group.team_id,
                    group_id=group.id,
                    channel_id=group.channel_id,
                    scheduled_for=scheduled_for,
                    facilitator_id=facilitator_id,
                    created_at=now,
                )
                session.add(row)
                session.flush()
                assert row.id is not None
                # The facilitator is asked privately: at the end of the window, or when their next day starts.
                deadline = max(scheduled_for, now) + VOLUNTEER_WINDOW[group.pace]
                reach = reach_of(session, group.team_id, group.channel_id, [facilitator_id], group.calendar)
                due = notify_at(reach[facilitator_id].hours, deadline)
                self.tasks.schedule(session, group.team_id, TaskKind.VOLUNTEERS, row.id, due, now)
            view, lapsed_views = self._view(session, row), [self._view(session, r) for r in lapsed]
        self.tasks.on_changed()
        return view, lapsed_views

    def open_in(self, team_id: str, channel_id: str) -> int | None:
        """The channel's kick-off still waiting for its session, if any (the latest)."""
        with self.db.read() as session:
            return session.exec(
                select(Kickoff.id)
                .where(Kickoff.team_id == team_id, Kickoff.channel_id == channel_id, Kickoff.status == "open")
                .order_by(col(Kickoff.scheduled_for).desc())
            ).first()

    def get(self, team_id: str, kickoff_id: int) -> KickoffView:
        with self.db.read() as session:
            row = session.get(Kickoff, kickoff_id)
            if row is None or row.team_id != team_id:
                raise KickoffRefused("kickoff_unknown")
            return self._view(session, row)

    def group_name(self, team_id: str, kickoff: KickoffView) -> str:
        with self.db.read() as session:
            group = session.get(CodevGroup, kickoff.group_id)
            return group.name if group and group.team_id == team_id else ""

    def set_message(self, kickoff_id: int, message_ts: str) -> None:
        with self.db.session() as session:
            row = session.get(Kickoff, kickoff_id)
            if row is not None:
                row.message_ts = message_ts
                session.add(row)

    def volunteer(self, team_id: str, kickoff_id: int, user_id: str, topic: str) -> KickoffView:
        """Add (or re-word) a volunteer; a kick-off whose session started takes none."""
        with self.db.session() as session:
            row = self._open_row(session, team_id, kickoff_id)
            existing = session.get(KickoffVolunteer, (kickoff_id, user_id))
            if existing is None:
                session.add(
                    KickoffVolunteer(
                        kickoff_id=kickoff_id,
                        user_id=user_id,
                        team_id=team_id,
                        topic=topic,
                        created_at=self.clock.now(),
                    )
                )
            else:
                existing.topic = topic
                session.add(existing)
            session.flush()
            return self._view(session, row)

    def withdraw(self, team_id: str, kickoff_id: int, user_id: str) -> KickoffView:
        with self.db.session() as session:
            row = self._open_row(session, team_id, kickoff_id)
            existing = session.get(KickoffVolunteer, (kickoff_id, user_id))
            if existing is None:
                raise KickoffRefused("kickoff_not_volunteer")
            session.delete(existing)
            if row.picked_id == user_id:
                row.picked_id = None
                session.add(row)
            session.flush()
            return self._view(session, row)

    def pick(self, team_id: str, kickoff_id: int, by: str, user_id: str) -> KickoffView:
        with self.db.session() as session:
            row = self._open_row(session, team_id, kickoff_id)
            if by != row.facilitator_id:
                raise KickoffRefused("kickoff_not_facilitator", row.facilitator_id)
            if session.get(KickoffVolunteer, (kickoff_id, user_id)) is None:
                raise KickoffRefused("kickoff_not_volunteer")
            row.picked_id = user_id
            session.add(row)
            session.flush()
            return self._view(session, row)

    def may_start(self, team_id: str, kickoff_id: int, by: str) -> KickoffView:
        """The kick-off, if `by` is its facilitator and its session has not started yet."""
        with self.db.read() as session:
            row = self._open_row(session, team_id, kickoff_id)
            if by != row.facilitator_id:
                raise KickoffRefused("kickoff_not_facilitator", row.facilitator_id)
            return self._view(session, row)

    def started(self, team_id: str, kickoff_id: int, session_id: int) -> KickoffView | None:
        """Record the session the kick-off led to; None when it had already led to one."""
        now = self.clock.now()
        with self.db.session() as session:
            row = session.get(Kickoff, kickoff_id)
            if row is None or row.team_id != team_id or row.status != "open":
                return None
            row.status, row.session_id = "started", session_id
            session.add(row)
            self.tasks.cancel(session, TaskKind.VOLUNTEERS, kickoff_id, now)
            session.flush()
            return self._view(session, row)

    # ---- reading rows -----------------------------------------------------------------------------------
    @staticmethod
    def _occurrence(session: Session, group_id: int, scheduled_for: datetime) -> Kickoff | None:
        return session.exec(
            select(Kickoff).where(Kickoff.group_id == group_id, Kickoff.scheduled_for == scheduled_for)
        ).first()

    @staticmethod
    def _open_row(session: Session, team_id: str, kickoff_id: int) -> Kickoff:
        row = session.get(Kickoff, kickoff_id)
        if row is None or row.team_id != team_id:
            raise KickoffRefused("kickoff_unknown")
        if row.status == "lapsed":
            raise KickoffRefused("kickoff_lapsed")
        if row.status != "open":
            raise KickoffRefused("kickoff_already_started")
        return row

    @staticmethod
    def _view(session: Session, row: Kickoff) -> KickoffView:
        assert row.id is not None
        volunteers = session.exec(
            select(KickoffVolunteer)
            .where(KickoffVolunteer.kickoff_id == row.id)
            .order_by(col(KickoffVolunteer.created_at))
        ).all()
        return KickoffView(
            row.id,
            row.team_id,
            row.group_id,
            row.channel_id,
            row.scheduled_for,
            row.facilitator_id,
            row.status,
            row.picked_id,
            row.session_id,
            row.message_ts,
            [Volunteer(v.user_id, v.topic) for v in volunteers],
        )
