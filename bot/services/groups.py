"""Groups that last: members, charter, time away, whose turn it is, and the group's record."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.clock import Clock
from bot.domain.cadence import Cadence
from bot.domain.rotation import PastSession, Turn, next_turn
from bot.domain.steps import Pace, Step, parse_duration_list
from bot.domain.workcal import WorkingCalendar, from_spec
from bot.services.tasks import TaskBook, TaskKind
from bot.storage.db import Database
from bot.storage.models import ChannelLeave, CodevGroup, CodevSession, Consultant, GroupMember, SlackUser

DEFAULT_EVALUATION_EVERY = 4
MAX_EVALUATION_EVERY = 52


@dataclass(frozen=True)
class GroupView:
    id: int
    team_id: str
    channel_id: str
    name: str
    charter: str
    pace: Pace
    members: list[str]
    away: dict[str, date]
    accepted: set[str]
    calendar: WorkingCalendar | None = None  # None: each member's zone with the default hours
    durations: dict[Step, int] | None = None  # in the pace's unit; None: the method's defaults
    cadence: Cadence | None = None
    created_by: str = ""
    charter_required: bool = False  # members take part in a session only once they accepted the charter
    evaluation_every: int = DEFAULT_EVALUATION_EVERY  # members evaluate how the group works every N sessions; 0: never
    language: str | None = None  # what the channel reads ('fr'); None: the language most members read

    @property
    def not_accepted(self) -> list[str]:
        return [m for m in self.members if m not in self.accepted]


@dataclass(frozen=True)
class GroupSettings:
    """What the group modal sets besides members."""

    name: str
    charter: str
    pace: Pace = Pace.LIVE
    calendar: WorkingCalendar | None = None
    durations: dict[Step, int] | None = None
    cadence: Cadence | None = None
    charter_required: bool = False
    evaluation_every: int = DEFAULT_EVALUATION_EVERY
    language: str | None = None  # None: automatic, the language most members read


@dataclass
class MemberRecord:
    user_id: str
    counts: dict[str, int] = field(default_factory=lambda: {"client": 0, "consultant": 0, "facilitator": 0})
    last: dict[str, date] = field(default_factory=dict)


@dataclass(frozen=True)
class GroupRecord:
    sessions_held: int
    members: list[MemberRecord]


class GroupService:
    def __init__(self, db: Database, clock: Clock, tasks: TaskBook) -> None:
        self.db = db
        self.clock = clock
        self.tasks = tasks

    def of_channel(self, team_id: str, channel_id: str) -> GroupView | None:
        with self.db.read() as session:
            group = session.exec(
                select(CodevGroup).where(CodevGroup.team_id == team_id, CodevGroup.channel_id == channel_id)
            ).first()
            return self._view(session, group) if group else None

    def save(
        self, team_id: str, channel_id: str, settings: GroupSettings, *, members: list[str], by: str
    ) -> tuple[GroupView, list[str]]:
        """Create or edit the channel's group; returns it and the members who are new to it.

        With a cadence, the next kick-off is scheduled (one date at a time); without, none is pending.
        """
        now = self.clock.now()
        with self.db.session() as session:
            group = self._of_channel_for_update(session, team_id, channel_id)
            if group is None:
                group = CodevGroup(
                    team_id=team_id,
                    channel_id=channel_id,
                    name=settings.name,
                    charter=settings.charter,
                    pace=settings.pace.value,
                    created_by=by,
                    created_at=now,
                )
                try:
                    with session.begin_nested():
                        session.add(group)
                except IntegrityError:  # a second submission created it meanwhile: this one edits it
                    group = self._of_channel_for_update(session, team_id, channel_id)
                    assert group is not None
            charter_changed = group.charter != settings.charter
            _apply(group, settings)
            session.add(group)
            self._plan_kickoff(session, group, now, now)
            existing = {
                m.user_id: m for m in session.exec(select(GroupMember).where(GroupMember.group_id == group.id)).all()
            }
            for user_id, member in existing.items():
                if user_id not in members:
                    session.delete(member)
            new: list[str] = []
            for position, user_id in enumerate(dict.fromkeys(members)):
                found = existing.get(user_id)
                if found is None:
                    member = GroupMember(group_id=group.id or 0, user_id=user_id, team_id=team_id)
                    new.append(user_id)
                else:
                    member = found
                    if charter_changed:
                        member.charter_accepted_at = None  # a new charter is accepted anew
                member.position = position
                session.add(member)
            session.flush()
            view = self._view(session, group)
        self.tasks.on_changed()
        return view, new

    @staticmethod
    def _of_channel_for_update(session: Session, team_id: str, channel_id: str) -> CodevGroup | None:
        query = select(CodevGroup).where(CodevGroup.team_id == team_id, CodevGroup.channel_id == channel_id)
        return session.exec(query.with_for_update()).first()

    def plan_next_kickoff(self, group_id: int, after: datetime) -> None:
        """Schedule the kick-off that follows `after` (the one just posted), if the group still has a cadence."""
        with self.db.session() as session:
            group = session.get(CodevGroup, group_id)
            if group is not None:
                self._plan_kickoff(session, group, after, self.clock.now())
        self.tasks.on_changed()

    def _plan_kickoff(self, session: Session, group: CodevGroup, after: datetime, now: datetime) -> None:
        assert group.id is not None
        cadence = _cadence_of(group)
        if cadence is None:
            self.tasks.cancel(session, TaskKind.KICKOFF, group.id, now)
        else:
            self.tasks.schedule(session, group.team_id, TaskKind.KICKOFF, group.id, cadence.next_after(after), now)

    def group(self, team_id: str, group_id: int) -> GroupView | None:
        with self.db.read() as session:
            group = session.get(CodevGroup, group_id)
            return self._view(session, group) if group and group.team_id == team_id else None

    def present_members(self, group: GroupView) -> list[str]:
        """Members who are neither away, nor gone from the workspace, nor out of the channel."""
        return [m for m in group.members if m not in self.absent(group)]

    def absent(self, group: GroupView) -> set[str]:
        today = self.clock.now().date()
        with self.db.read() as session:
            deleted = set(
                session.exec(
                    select(SlackUser.user_id).where(
                        SlackUser.team_id == group.team_id,
                        col(SlackUser.user_id).in_(group.members),
                        col(SlackUser.deleted).is_(True),
                    )
                ).all()
            )
            left = set(
                session.exec(
                    select(ChannelLeave.user_id).where(
                        ChannelLeave.team_id == group.team_id, ChannelLeave.channel_id == group.channel_id
                    )
                ).all()
            )
        away = {m for m, until in group.away.items() if until >= today}
        return away | deleted | left

    def left_channel(self, team_id: str, channel_id: str, user_id: str, *, left: bool) -> None:
        """member_left_channel / member_joined_channel: who is out of a channel, for rotation and nudges."""
        with self.db.session() as session:
            existing = session.get(ChannelLeave, (team_id, channel_id, user_id))
            if left and existing is None:
                session.add(
                    ChannelLeave(team_id=team_id, channel_id=channel_id, user_id=user_id, left_at=self.clock.now())
                )
            elif not left and existing is not None:
                session.delete(existing)

    def charter_pending(self, team_id: str, channel_id: str, people: list[str]) -> list[str]:
        """Of these people, the members of the channel's group who have not accepted its charter yet."""
        group = self.of_channel(team_id, channel_id)
        return [p for p in people if group and p in group.not_accepted]

    def accept_charter(self, team_id: str, group_id: int, user_id: str) -> bool:
        with self.db.session() as session:
            member = session.get(GroupMember, (group_id, user_id))
            if member is None or member.team_id != team_id:
                return False
            member.charter_accepted_at = self.clock.now()
            session.add(member)
            return True

    def set_away(self, team_id: str, channel_id: str, user_id: str, until: date | None) -> bool:
        with self.db.session() as session:
            group = session.exec(
                select(CodevGroup).where(CodevGroup.team_id == team_id, CodevGroup.channel_id == channel_id)
            ).first()
            member = session.get(GroupMember, (group.id, user_id)) if group else None
            if member is None:
                return False
            member.away_until = until
            session.add(member)
            return True

    def next_turn(self, group: GroupView, also_skip: AbstractSet[str] = frozenset()) -> Turn | None:
        """Whose turn it is, skipping members away, gone from the workspace or out of the channel."""
        skip = self.absent(group) | set(also_skip)
        return next_turn(group.members, self._history(group.team_id, group.channel_id), skip)

    def record(self, group: GroupView) -> GroupRecord:
        """Sessions held in the group's channel and, per member, counts and last date in each role.

        Aggregated in SQL (a count and a latest date per person and role): a group's history grows for years.
        """
        in_channel = (CodevSession.team_id == group.team_id, CodevSession.channel_id == group.channel_id)
        records = {m: MemberRecord(m) for m in group.members}
        with self.db.read() as session:
            held = session.exec(select(func.count()).select_from(CodevSession).where(*in_channel)).one()
            rows: list[tuple[str, str, int, datetime]] = []
            for role, person in (("client", CodevSession.client_id), ("facilitator", CodevSession.facilitator_id)):
                found = session.exec(
                    select(person, func.count(), func.max(CodevSession.created_at))
                    .where(*in_channel, col(person).in_(group.members))
                    .group_by(person)
                ).all()
                rows += [(user_id, role, n, last) for user_id, n, last in found]
            consulted = session.exec(
                select(Consultant.user_id, func.count(), func.max(CodevSession.created_at))
                .join(CodevSession, col(CodevSession.id) == Consultant.session_id)
                .where(*in_channel, col(Consultant.user_id).in_(group.members))
                .group_by(col(Consultant.user_id))
            ).all()
            rows += [(user_id, "consultant", n, last) for user_id, n, last in consulted]
        for user_id, role, n, last in rows:
            records[user_id].counts[role] = n
            records[user_id].last[role] = _utc_date(last)
        return GroupRecord(held, list(records.values()))

    def _history(self, team_id: str, channel_id: str) -> list[PastSession]:
        # Whatever actually happened counts as the turn: the sessions held in the channel.
        with self.db.read() as session:
            rows = session.exec(
                select(CodevSession)
                .where(CodevSession.team_id == team_id, CodevSession.channel_id == channel_id)
                .order_by(col(CodevSession.created_at))
            ).all()
        return [PastSession(r.created_at.date(), r.client_id, r.facilitator_id) for r in rows]

    @staticmethod
    def _view(session: Session, group: CodevGroup) -> GroupView:
        members = session.exec(
            select(GroupMember).where(GroupMember.group_id == group.id).order_by(col(GroupMember.position))
        ).all()
        return GroupView(
            id=group.id or 0,
            team_id=group.team_id,
            channel_id=group.channel_id,
            name=group.name,
            charter=group.charter,
            pace=Pace.parse(group.pace),
            members=[m.user_id for m in members],
            away={m.user_id: m.away_until for m in members if m.away_until},
            accepted={m.user_id for m in members if m.charter_accepted_at is not None},
            calendar=from_spec(group.calendar),
            durations=_durations_of(group),
            cadence=_cadence_of(group),
            created_by=group.created_by,
            charter_required=group.charter_required,
            evaluation_every=group.evaluation_every,
            language=group.language,
        )


def _utc_date(moment: datetime | str) -> date:
    """The UTC date of a stored instant (an aggregate may come back as the database's text on SQLite)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return (moment if moment.tzinfo is None else moment.astimezone(UTC)).date()


def _apply(group: CodevGroup, settings: GroupSettings) -> None:
    group.name, group.charter, group.pace = settings.name, settings.charter, settings.pace.value
    group.charter_required, group.evaluation_every = settings.charter_required, settings.evaluation_every
    group.language = settings.language
    cadence = settings.cadence
    group.calendar = settings.calendar.spec() if settings.calendar else None
    group.durations = ",".join(str(settings.durations[s]) for s in Step) if settings.durations else None
    if cadence is None:
        group.cadence_first = group.cadence_time = group.cadence_weeks = group.cadence_tz = None
    else:
        group.cadence_first, group.cadence_time = cadence.first, cadence.at
        group.cadence_weeks, group.cadence_tz = cadence.every_weeks, cadence.tz


def _durations_of(group: CodevGroup) -> dict[Step, int] | None:
    if not group.durations:
        return None
    try:
        return parse_duration_list(group.durations, Pace.parse(group.pace))
    except ValueError:
        return None


def _cadence_of(group: CodevGroup) -> Cadence | None:
    if group.cadence_first is None or group.cadence_time is None or not group.cadence_weeks or not group.cadence_tz:
        return None
    return Cadence(group.cadence_first, group.cadence_time, group.cadence_weeks, group.cadence_tz)
