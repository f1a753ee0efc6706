"""Action follow-ups: on an action's due date its owner is asked how it went; the outcome is kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Session, col, select

from bot.clock import Clock
from bot.domain.workcal import follow_up_moment
from bot.services.reach import Reach, reach_of
from bot.services.tasks import TaskBook, TaskKind
from bot.storage.db import Database
from bot.storage.models import ActionItem, CodevSession

NOTE_LIMIT = 500


class ActionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    POSTPONED = "postponed"
    DROPPED = "dropped"


OPEN_STATUSES = (ActionStatus.OPEN.value, ActionStatus.POSTPONED.value)


@dataclass(frozen=True)
class Outcome:
    status: ActionStatus
    note: str = ""
    shared: bool = False
    new_date: date | None = None  # postponed to


@dataclass(frozen=True)
class ActionView:
    id: int
    team_id: str
    session_id: int
    owner_id: str
    text: str
    due_date: date | None
    status: ActionStatus
    note: str | None
    shared: bool
    outcome_at: datetime | None
    topic: str
    channel_id: str

    @property
    def is_open(self) -> bool:
        return self.status.value in OPEN_STATUSES


@dataclass(frozen=True)
class SharedOutcomes:
    client_id: str
    topic: str
    actions: list[ActionView]


class FollowUpService:
    def __init__(self, db: Database, clock: Clock, tasks: TaskBook) -> None:
        self.db = db
        self.clock = clock
        self.tasks = tasks

    def schedule_for(self, team_id: str, session_id: int) -> None:
        """Each open action of the session with a due date brings its owner a follow-up that day."""
        now = self.clock.now()
        with self.db.session() as session:
            row = session.get(CodevSession, session_id)
            if row is None or row.team_id != team_id:
                return
            actions = session.exec(
                select(ActionItem).where(ActionItem.team_id == team_id, ActionItem.session_id == session_id)
            ).all()
            self._schedule(session, row.channel_id, list(actions), now)
        self.tasks.on_changed()

    def _schedule(self, session: Session, channel_id: str, actions: list[ActionItem], now: datetime) -> None:
        reach = (
            reach_of(session, actions[0].team_id, channel_id, list({a.owner_id for a in actions})) if actions else {}
        )
        for action in actions:
            assert action.id is not None
            if action.due_date is None or action.status not in OPEN_STATUSES:
                self.tasks.cancel(session, TaskKind.FOLLOW_UP, action.id, now)
                continue
            owner = reach[action.owner_id]
            due = follow_up_moment(action.due_date, owner.hours, now)
            self.tasks.schedule(session, action.team_id, TaskKind.FOLLOW_UP, action.id, due, now)

    def owner_reach(self, action: ActionView) -> Reach:
        """Whether and when the action's owner may be asked (their zone, quiet hours, gone or not)."""
        with self.db.read() as session:
            return reach_of(session, action.team_id, action.channel_id, [action.owner_id])[action.owner_id]

    def get(self, team_id: str, action_id: int) -> ActionView | None:
        with self.db.read() as session:
            found = session.exec(
                self._with_session().where(ActionItem.id == action_id, ActionItem.team_id == team_id)
            ).first()
            return _view(*found) if found else None

    def record(self, team_id: str, user_id: str, action_id: int, outcome: Outcome) -> ActionView | None:
        """The owner's answer; None for anyone else (or an action that no longer exists)."""
        now = self.clock.now()
        with self.db.session() as session:
            found = session.exec(
                self._with_session().where(
                    ActionItem.id == action_id, ActionItem.team_id == team_id, ActionItem.owner_id == user_id
                )
            ).first()
            if found is None:
                return None
            action, row = found
            action.status = outcome.status.value
            action.outcome_note = outcome.note[:NOTE_LIMIT] or None
            action.outcome_shared, action.outcome_at = outcome.shared, now
            if outcome.new_date is not None:
                action.due_date = outcome.new_date
            session.add(action)
            session.flush()
            self._schedule(session, row.channel_id, [action], now)  # postponed: asked again on the new date
            view = _view(action, row)
        self.tasks.on_changed()
        return view

    def shared_before(self, team_id: str, channel_id: str, session_id: int | None = None) -> SharedOutcomes | None:
        """The previous session's client's outcomes in this channel that they chose to share, if any.

        "Previous" is the one before `session_id`, or the latest when the next one is not started yet.
        """
        with self.db.read() as session:
            query = select(CodevSession).where(
                col(CodevSession.team_id) == team_id, col(CodevSession.channel_id) == channel_id
            )
            if session_id is not None:
                query = query.where(col(CodevSession.id) < session_id)
            previous = session.exec(query.order_by(col(CodevSession.id).desc())).first()
            if previous is None:
                return None
            found = session.exec(
                self._with_session()
                .where(
                    ActionItem.session_id == previous.id,
                    ActionItem.owner_id == previous.client_id,
                    col(ActionItem.outcome_shared).is_(True),
                    col(ActionItem.outcome_at).is_not(None),
                )
                .order_by(col(ActionItem.position))
            ).all()
            if not found:
                return None
            return SharedOutcomes(previous.client_id, previous.topic, [_view(a, r) for a, r in found])

    @staticmethod
    def _with_session():  # type: ignore[no-untyped-def]
        return select(ActionItem, CodevSession).join(CodevSession, col(CodevSession.id) == ActionItem.session_id)


def _view(action: ActionItem, row: CodevSession) -> ActionView:
    assert action.id is not None
    return ActionView(
        action.id,
        action.team_id,
        action.session_id,
        action.owner_id,
        action.text,
        action.due_date,
        ActionStatus(action.status),
        action.outcome_note,
        action.outcome_shared,
        action.outcome_at,
        row.topic,
        row.channel_id,
    )
