"""Who may be notified when, outside a session: kick-offs, the facilitator's volunteer deadline, the charter.

A person's hours are those `reach_of` gives (their own quiet hours, else the group's calendar on their own
zone's clock, else the default). A new message that mentions someone off duty writes their name instead; a DM
to them waits for their next working instant.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from bot.domain.workcal import WorkingCalendar
from bot.services.reach import Reach, reach_of
from bot.storage.db import Database


def reach_now(
    db: Database, team_id: str, channel_id: str, user_ids: Iterable[str], calendar: WorkingCalendar | None = None
) -> dict[str, Reach]:
    """`reach_of` in a transaction of its own (`calendar`: the group's; None looks it up by channel)."""
    people = list(dict.fromkeys(u for u in user_ids if u))
    with db.read() as session:
        return reach_of(session, team_id, channel_id, people, calendar)


def off_duty(reach: Mapping[str, Reach], at: datetime) -> dict[str, str]:
    """Those outside their working hours at that moment, with the name to write instead of a mention."""
    return {user_id: r.name for user_id, r in reach.items() if not r.hours.may_notify(at)}


def notify_at(hours: WorkingCalendar | None, at: datetime) -> datetime:
    """When a DM meant for `at` may reach the person: `at` itself inside their hours (or its very end), else the
    start of their next working period. No hours (a live session's people are all there): `at`."""
    if hours is None or hours.may_notify(at):
        return at
    return hours.next_working_instant(at)
