"""When and whether codev may reach someone privately: their zone, quiet hours, and whether they are gone."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from bot.domain.calendar import QuietHours, choose_quiet_hours
from bot.services.groups import group_quiet_hours
from bot.storage.models import ChannelLeave, CodevGroup, PersonSettings, SlackUser


@dataclass(frozen=True)
class Reach:
    user_id: str
    tz: str | None
    quiet: QuietHours  # own > the channel's group's > the default
    nudges_off: bool
    deleted: bool  # deactivated, or left the workspace
    left_channel: bool

    @property
    def gone(self) -> bool:
        return self.deleted or self.left_channel


def reach_of(session: Session, team_id: str, channel_id: str, user_ids: list[str]) -> dict[str, Reach]:
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
    group = group_quiet_hours(
        session.exec(
            select(CodevGroup).where(CodevGroup.team_id == team_id, CodevGroup.channel_id == channel_id)
        ).first()
    )
    reach = {}
    for user_id in user_ids:
        own, person = settings.get(user_id), people.get(user_id)
        reach[user_id] = Reach(
            user_id=user_id,
            tz=person.tz if person else None,
            quiet=choose_quiet_hours(own_quiet(own), group),
            nudges_off=bool(own and own.nudges_off),
            deleted=bool(person and person.deleted),
            left_channel=user_id in left,
        )
    return reach


def own_quiet(settings: PersonSettings | None) -> QuietHours | None:
    if settings is None or settings.quiet_start is None or settings.quiet_end is None:
        return None
    return QuietHours(settings.quiet_start, settings.quiet_end, settings.quiet_weekends)
