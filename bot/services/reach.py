"""When and whether codev may reach someone privately: their zone, quiet hours, and whether they are gone."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from bot.domain.calendar import QuietHours
from bot.domain.workcal import DEFAULT_CALENDAR, WorkingCalendar, from_quiet_hours, from_spec
from bot.storage.models import ChannelLeave, CodevGroup, PersonSettings, SlackUser


@dataclass(frozen=True)
class Reach:
    user_id: str
    tz: str | None
    hours: WorkingCalendar  # when they may be notified: their own quiet hours, else the calendar, in their zone
    nudges_off: bool
    deleted: bool  # deactivated, or left the workspace
    left_channel: bool
    name: str = ""  # as Slack last told it: how codev writes someone it must not notify

    @property
    def gone(self) -> bool:
        return self.deleted or self.left_channel


def reach_of(
    session: Session, team_id: str, channel_id: str, user_ids: list[str], calendar: WorkingCalendar | None = None
) -> dict[str, Reach]:
    """`calendar`: the session's; without one, the channel's group's, else the default (09:00-17:00, Mon-Fri)."""
    if not user_ids:
        return {}
    settings = {
        s.user_id: s
        for s in session.exec(
            select(PersonSettings).where(PersonSettings.team_id == team_id, col(PersonSettings.user_id).in_(user_ids))
        ).all()
    }
    people = {
        u.user_id: u
        for u in session.exec(
            select(SlackUser).where(SlackUser.team_id == team_id, col(SlackUser.user_id).in_(user_ids))
        ).all()
    }
    left = set(
        session.exec(
            select(ChannelLeave.user_id).where(
                ChannelLeave.team_id == team_id,
                ChannelLeave.channel_id == channel_id,
                col(ChannelLeave.user_id).in_(user_ids),
            )
        ).all()
    )
    if calendar is None:
        group_spec = session.exec(
            select(CodevGroup.calendar).where(CodevGroup.team_id == team_id, CodevGroup.channel_id == channel_id)
        ).first()
        calendar = from_spec(group_spec)
    reach = {}
    for user_id in user_ids:
        own, person = settings.get(user_id), people.get(user_id)
        reach[user_id] = Reach(
            user_id=user_id,
            tz=person.tz if person else None,
            hours=working_hours(own_quiet(own), person.tz if person else None, calendar),
            nudges_off=bool(own and own.nudges_off),
            deleted=bool(person and person.deleted),
            left_channel=user_id in left,
            name=person.name if person else "",
        )
    return reach


def own_quiet(settings: PersonSettings | None) -> QuietHours | None:
    if settings is None or settings.quiet_start is None or settings.quiet_end is None:
        return None
    return QuietHours(settings.quiet_start, settings.quiet_end, settings.quiet_weekends)


_default_hours = [DEFAULT_CALENDAR]  # CODEV_WORKING_DAYS/HOURS, set once by the composition root


def use_default_hours(calendar: WorkingCalendar) -> None:
    """The days and hours of people with no quiet hours of their own and no group calendar (the operator's)."""
    _default_hours[0] = calendar


def working_hours(own: QuietHours | None, tz: str | None, calendar: WorkingCalendar | None) -> WorkingCalendar:
    """A person's own quiet hours win; else the session's (or group's) calendar, else the default — read on the
    person's own zone's clock when Slack tells it (a Montreal member of a Paris group works Montreal hours)."""
    if own is not None:
        return from_quiet_hours(own, tz or (calendar.tz if calendar else None))
    return (calendar or _default_hours[0]).in_zone(tz)
