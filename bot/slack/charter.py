"""A group's charter, sent by DM to each member who has not accepted it yet — inside their working hours.

When the group is saved, members on duty (and whoever saved it: they are awake) get it at once; the others
get it at their next working instant, from one CHARTER task per group that moves on to the next member's
morning as long as someone is still waiting. Each DM carries the charter's tag, and the task looks for it
before sending: nobody gets the same charter twice from it.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import ButtonElement

from bot.i18n import reading, t
from bot.services.duty import notify_at, reach_now
from bot.services.groups import GroupView
from bot.services.languages import languages_of
from bot.services.tasks import TaskBook, TaskKind
from bot.slack import ids, once
from bot.slack.blocks.session import private_note
from bot.slack.publisher import Publisher

log = logging.getLogger(__name__)
CHARTER_MESSAGE = "codev_charter"
# Slack will never deliver a DM to this person: skip them rather than retry the whole task.
UNREACHABLE = {"user_not_found", "user_disabled", "account_inactive", "cannot_dm_bot", "user_not_visible"}


def charter_message(group: GroupView, *, before_session: bool = False) -> dict[str, Any]:
    """The charter with its "I accept" button; `before_session`: sent as a session they are part of starts."""
    button = ButtonElement(
        text=t("group_charter_accept"), action_id=ids.CHARTER_ACCEPT, value=str(group.id), style="primary"
    )
    key = "group_charter_dm_session" if before_session else "group_charter_dm"
    text = t(key, name=group.name, channel=group.channel_id, charter=group.charter)
    return private_note(text, button=button)


def charter_accepted_message(group: GroupView) -> dict[str, Any]:
    """What the DM becomes once accepted: the thanks, and the charter itself, kept to read again."""
    return private_note(
        t("group_charter_accepted_dm", name=group.name, channel=group.channel_id, charter=group.charter)
    )


def ask_before_session(
    client: WebClient, tasks: TaskBook, group: GroupView, participants: list[str], now: datetime, *, live: bool
) -> list[str]:
    """Participants of a session in the group's channel who have not accepted its charter, asked privately first.

    Each gets the charter now, unless this charter is in their DM already (sent when the group was saved, or as
    an earlier session started): nobody gets it twice. An async session's participants who are off duty get it at
    their next working instant, from the group's CHARTER task; a live session's people are all there. Returns
    those who have not accepted it, for the facilitator to know.
    """
    pending = [p for p in dict.fromkeys(participants) if p in group.not_accepted]
    if not pending:
        return []
    reach = reach_now(tasks.db, group.team_id, group.channel_id, pending, group.calendar)
    languages = languages_of(tasks.db, group.team_id, pending)
    later = []
    for member in pending:
        person = reach[member]
        if person.deleted:
            continue
        if live or person.hours.may_notify(now):
            with reading(languages[member]):
                message = charter_message(group, before_session=True)
            _send_once(client, member, group, message)  # best effort: the session starts all the same
            continue
        try:
            if not _has_it(client, member, group):
                later.append(notify_at(person.hours, now))
        except (SlackApiError, OSError):
            later.append(notify_at(person.hours, now))
    if later:
        held = tasks.pending_due(TaskKind.CHARTER, group.id)  # others may be waiting for an earlier morning
        due = min(later) if held is None else min(*later, held)
        with tasks.db.session() as session:
            tasks.schedule(session, group.team_id, TaskKind.CHARTER, group.id, due, now)
        tasks.on_changed()
    return pending


def charter_tag(group: GroupView) -> dict[str, Any]:
    """Names the group and this wording of its charter (a changed charter is a new one to send)."""
    digest = hashlib.sha256(group.charter.encode()).hexdigest()[:16]
    return {"event_type": CHARTER_MESSAGE, "event_payload": {"group_id": group.id, "charter": digest}}


def send_charter(group: GroupView, *, saved_by: str, publisher: Publisher, tasks: TaskBook, now: datetime) -> None:
    """The charter to everyone who has not accepted it: at once to who is on duty now, later to the others."""
    pending = group.not_accepted
    reach = reach_now(tasks.db, group.team_id, group.channel_id, pending, group.calendar)
    languages = languages_of(tasks.db, group.team_id, pending)
    later = []
    for member in pending:
        hours = reach[member].hours
        if member == saved_by or hours.may_notify(now):
            # Saving the group again (another setting changed) does not send the same charter a second time.
            with reading(languages[member]):
                message = charter_message(group)
            _send_once(publisher.client, member, group, message)
        else:
            later.append(notify_at(hours, now))
    _hold(tasks, group, later, now)


def _send_once(client: WebClient, member: str, group: GroupView, message: dict[str, Any]) -> None:
    """This charter to the member, unless their DM with codev holds it already; best effort."""
    try:
        once.dm_once(client, member, message, charter_tag(group), recovering=True)
    except (SlackApiError, OSError) as error:  # refused, or Slack unreachable after the client's retries
        log.warning("charter of group %s not sent to %s: %s", group.id, member, error)


def deliver_held_charter(client: WebClient, tasks: TaskBook, group: GroupView, now: datetime) -> None:
    """The CHARTER task: the charter to each member still to accept it who is on duty now and has not got this
    charter yet; the task moves on to the next morning of those still off duty."""
    pending = group.not_accepted
    reach = reach_now(tasks.db, group.team_id, group.channel_id, pending, group.calendar)
    languages = languages_of(tasks.db, group.team_id, pending)
    later = []
    for member in pending:
        person = reach[member]
        if person.deleted:
            continue
        if not person.hours.may_notify(now):
            if not _has_it(client, member, group):  # who got it already only has to accept it: no waiting for them
                later.append(notify_at(person.hours, now))
            continue
        try:  # "recovering": their DM is looked at first, so whoever got it when the group was saved is skipped
            with reading(languages[member]):
                message = charter_message(group)
            once.dm_once(client, member, message, charter_tag(group), recovering=True)
        except SlackApiError as error:
            if error.response.get("error") not in UNREACHABLE:
                raise  # the task stays "firing" and is retried whole: who got it already is skipped then
            log.warning("charter of group %s not sent to %s: %s", group.id, member, error.response.get("error"))
    _hold(tasks, group, later, now)


def _has_it(client: WebClient, member: str, group: GroupView) -> bool:
    """Whether this charter is in the member's DM with codev already (sent when the group was saved, or earlier)."""
    try:
        channel = client.conversations_open(users=member)["channel"]["id"]
        history = client.conversations_history(channel=channel, include_all_metadata=True, limit=50)["messages"]
    except SlackApiError as error:
        if error.response.get("error") in UNREACHABLE:
            return True  # nothing will ever reach them: do not wait for them
        raise
    return once.find_tagged(history, charter_tag(group)) is not None


def _hold(tasks: TaskBook, group: GroupView, later: list[datetime], now: datetime) -> None:
    """The group's one pending CHARTER task is due at the earliest of these mornings; none when nobody waits."""
    with tasks.db.session() as session:
        if later:
            tasks.schedule(session, group.team_id, TaskKind.CHARTER, group.id, min(later), now)
        else:
            tasks.cancel(session, TaskKind.CHARTER, group.id, now)
    tasks.on_changed()
