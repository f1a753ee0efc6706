"""Delivering scheduled tasks: a group's kick-off, the volunteer deadline, action follow-ups, a charter held for
members' working hours. Each once."""

from __future__ import annotations

import logging
import re
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import Clock
from bot.domain.timers import EventState
from bot.i18n import reading, t, tn
from bot.services.duty import off_duty, reach_now
from bot.services.followups import FollowUpService
from bot.services.groups import GroupService
from bot.services.kickoffs import KickoffRefused, KickoffService, KickoffView
from bot.services.languages import LanguageBook, languages_of_channel
from bot.services.tasks import TaskBook, TaskInfo, TaskKind
from bot.slack import once
from bot.slack.blocks.common import escape, without_mentions
from bot.slack.blocks.recurring import facilitator_ask, follow_up_message, kickoff_message
from bot.slack.blocks.session import slack_date
from bot.slack.charter import deliver_held_charter
from bot.slack.publisher import LOST_CHANNEL

log = logging.getLogger(__name__)
METADATA_TYPE = "codev_task"


class TaskDeliverer:
    def __init__(
        self,
        client: WebClient,
        tasks: TaskBook,
        groups: GroupService,
        kickoffs: KickoffService,
        followups: FollowUpService,
        clock: Clock,
        languages: LanguageBook,
    ) -> None:
        self.client = client
        self.languages = languages
        self.tasks = tasks
        self.groups = groups
        self.kickoffs = kickoffs
        self.followups = followups
        self.clock = clock

    def deliver(self, task_id: int) -> None:
        """Claim a due task and deliver it; a no-op when another process or an earlier run took it."""
        task = self.tasks.claim(task_id, self.clock.now())
        if task is not None:
            self._deliver(task, recovering=False)

    def recover(self, claimed_before: datetime | None = None) -> None:
        for task in self.tasks.interrupted(claimed_before):
            self._deliver(task, recovering=True)

    def _deliver(self, task: TaskInfo, *, recovering: bool) -> None:
        handlers = {
            TaskKind.KICKOFF: self._kickoff,
            TaskKind.VOLUNTEERS: self._volunteers,
            TaskKind.FOLLOW_UP: self._follow_up,
            TaskKind.CHARTER: self._charter,
        }
        try:
            state, ts = handlers[task.kind](task, recovering)
        except SlackApiError as error:
            if error.response.get("error") in LOST_CHANNEL:
                log.warning("task %s dropped: %s", task.id, error.response.get("error"))
                self.tasks.finish(task.id, EventState.DROPPED, self.clock.now())
            else:  # stays "firing": the recovery pass retries it
                log.warning("task %s not delivered", task.id, exc_info=True)
            return
        self.tasks.finish(task.id, state, self.clock.now(), ts)

    # ---- kick-off ---------------------------------------------------------------------------------------
    def _kickoff(self, task: TaskInfo, recovering: bool) -> tuple[EventState, str | None]:
        group = self.groups.group(task.team_id, task.subject_id)
        if group is None or group.cadence is None:
            return EventState.DROPPED, None
        # One date at a time, always a future one: after downtime, missed dates are not posted in a row.
        self.groups.plan_next_kickoff(group.id, max(task.due_at, self.clock.now()))
        turn = self.groups.next_turn(group)
        kickoff, lapsed = self.kickoffs.open(group, task.due_at, turn.facilitator_id if turn else group.created_by)
        self._close_lapsed(lapsed, group.name)
        if kickoff.message_ts:
            return EventState.DONE, kickoff.message_ts
        # Whoever it mentions outside their working hours now is written by name (edits never notify).
        people = [*group.members, kickoff.facilitator_id, *(v.user_id for v in kickoff.volunteers)]
        reach = reach_now(self.tasks.db, group.team_id, group.channel_id, people, group.calendar)
        with reading(self.languages.group(group.team_id, group.channel_id)):
            message = without_mentions(kickoff_message(kickoff, group.name), off_duty(reach, self.clock.now()))
        try:
            ts = once.post_once(
                self.client,
                group.channel_id,
                message,
                once.tag(METADATA_TYPE, task.id, task.due_at),
                recovering=recovering,
            )
        except SlackApiError as error:
            if error.response.get("error") not in LOST_CHANNEL:
                raise
            # Archived, or codev was removed: whoever set the group up hears it (the next date is still planned).
            with reading(self.languages.person(group.team_id, group.created_by)):
                text = t(
                    "kickoff_lost_channel",
                    name=escape(group.name),
                    channel=group.channel_id,
                    error=error.response.get("error"),
                )
            self._dm(group.created_by, text)
            return EventState.DROPPED, None
        self.kickoffs.set_message(kickoff.id, ts)
        return EventState.DONE, ts

    def _dm(self, user_id: str, text: str) -> None:
        try:
            channel = self.client.conversations_open(users=user_id)["channel"]["id"]
            self.client.chat_postMessage(channel=channel, text=text)
        except SlackApiError:
            log.warning("could not tell %s", user_id, exc_info=True)

    def _close_lapsed(self, lapsed: list[KickoffView], group_name: str) -> None:
        for kickoff in lapsed:
            if kickoff.message_ts:
                try:
                    with reading(self.languages.group(kickoff.team_id, kickoff.channel_id)):
                        message = kickoff_message(kickoff, group_name)
                    self.client.chat_update(channel=kickoff.channel_id, ts=kickoff.message_ts, **message)
                except SlackApiError:
                    log.info("lapsed kick-off %s not updated", kickoff.id, exc_info=True)

    def _volunteers(self, task: TaskInfo, recovering: bool) -> tuple[EventState, str | None]:
        """The volunteer deadline: the facilitator is asked privately, unless the session already started."""
        try:
            kickoff = self.kickoffs.get(task.team_id, task.subject_id)
        except KickoffRefused:  # the group was deleted meanwhile
            return EventState.DROPPED, None
        if kickoff.status != "open":
            return EventState.DROPPED, None
        with reading(self.languages.person(kickoff.team_id, kickoff.facilitator_id)):
            text = self._ask_text(kickoff)
            message = facilitator_ask(text, kickoff)
        # Its notification reads the names Slack last told codev, not ids (the blocks keep the mentions).
        named = reach_now(self.tasks.db, kickoff.team_id, kickoff.channel_id, re.findall(r"<@([A-Z0-9]+)>", text))
        message["text"] = without_mentions(message["text"], {u: r.name for u, r in named.items() if r.name})
        ts = once.dm_once(
            self.client,
            kickoff.facilitator_id,
            message,
            once.tag(METADATA_TYPE, task.id, task.due_at),
            recovering=recovering,
        )
        return EventState.DONE, ts

    def _ask_text(self, kickoff: KickoffView) -> str:
        group = self.groups.group(kickoff.team_id, kickoff.group_id)
        name = escape(group.name if group else "")
        moment = slack_date(kickoff.scheduled_for)
        if len(kickoff.volunteers) == 1:
            return t(
                "kickoff_waiting_pick_person", user=kickoff.volunteers[0].user_id, name=name, channel=kickoff.channel_id
            )
        if kickoff.volunteers:
            return tn("kickoff_waiting_pick", len(kickoff.volunteers), name=name, channel=kickoff.channel_id)
        turn = self.groups.next_turn(group, also_skip={kickoff.facilitator_id}) if group else None
        if turn is None:
            return t("kickoff_nobody_no_turn", name=name, moment=moment, channel=kickoff.channel_id)
        return t("kickoff_nobody", name=name, moment=moment, channel=kickoff.channel_id, client=turn.client_id)

    # ---- the charter, for those who were off duty when it was sent ----------------------------------------
    def _charter(self, task: TaskInfo, recovering: bool) -> tuple[EventState, str | None]:
        group = self.groups.group(task.team_id, task.subject_id)
        if group is None:
            return EventState.DROPPED, None
        deliver_held_charter(self.client, self.tasks, group, self.clock.now())
        return EventState.DONE, None

    # ---- follow-up --------------------------------------------------------------------------------------
    def _follow_up(self, task: TaskInfo, recovering: bool) -> tuple[EventState, str | None]:
        action = self.followups.get(task.team_id, task.subject_id)
        if action is None or not action.is_open:
            return EventState.DROPPED, None  # answered already (from Home), or rewritten in the synthesis
        if self.followups.owner_reach(action).deleted:
            return EventState.DROPPED, None  # left the workspace: nobody to ask
        with reading(self.languages.person(task.team_id, action.owner_id)):
            message = follow_up_message(action)
        ts = once.dm_once(
            self.client,
            action.owner_id,
            message,
            once.tag(METADATA_TYPE, task.id, task.due_at),
            recovering=recovering,
        )
        return EventState.DONE, ts


def refresh_kickoff(client: WebClient, kickoffs: KickoffService, kickoff: KickoffView, link: str | None = None) -> None:
    """Show the kick-off as it stands now (volunteers, pick, started)."""
    if not kickoff.message_ts:
        return
    with reading(languages_of_channel(kickoffs.db, kickoff.team_id, kickoff.channel_id)):  # the channel reads it
        message = kickoff_message(kickoff, kickoffs.group_name(kickoff.team_id, kickoff), link)
    try:
        client.chat_update(channel=kickoff.channel_id, ts=kickoff.message_ts, **message)
    except SlackApiError:
        log.warning("kick-off %s not updated", kickoff.id, exc_info=True)
