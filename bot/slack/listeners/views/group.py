"""The group modal: members, charter, usual pace, working calendar. New members get the charter to accept."""

from __future__ import annotations

import logging
from datetime import date, time, timedelta
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.cadence import Cadence
from bot.domain.calendar import is_zone
from bot.domain.roles import peer_count_is_usual
from bot.domain.steps import (
    MAX_DURATION,
    NOMINAL_WORKING_DAY,
    Pace,
    Step,
    default_durations,
    format_duration_list,
    parse_duration_list,
)
from bot.domain.workcal import WorkingCalendar, parse_calendar
from bot.i18n import AUTO, languages, t, tn
from bot.services.groups import DEFAULT_EVALUATION_EVERY, MAX_EVALUATION_EVERY, GroupSettings
from bot.services.tasks import TaskKind
from bot.slack.blocks.modals import with_size_check
from bot.slack.blocks.recurring import parse_day
from bot.slack.blocks.session import slack_date
from bot.slack.charter import send_charter
from bot.slack.context import Services, services_of
from bot.slack.listeners.common import input_values, metadata_of, team_of
from bot.slack.listeners.views.submission import SubmissionAck
from bot.slack.people import describe


def submit_group(ack: SubmissionAck, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    team_id, user_id = team_of(body), body["user"]["id"]
    values = input_values(view)
    channel_id = metadata_of(view).get("channel") or ""
    name = " ".join((values.get("name") or "").split())[:100]
    charter = (values.get("charter") or "").strip() or t("group_default_charter")
    members = list(dict.fromkeys(values.get("members") or []))
    errors: dict[str, str] = {}
    unchecked_size = False
    if not name:
        errors["name"] = t("error_topic_empty")
    # Cached profiles, and those Slack sends in time; the others are checked after the answer (below).
    people = services.people.check(team_id, members, acting=user_id)
    for member in members:
        if (problem := people.problem(member)) is not None:
            errors["members"] = t(problem, user=member)
            break
    if not members:
        errors["members"] = t("role_missing_consultants")
    elif not peer_count_is_usual(len(members)) and "confirm" not in (values.get("group_size") or []):
        if _has_block(view, "group_size"):
            errors["group_size"] = tn("group_size_error", len(members))
        else:
            unchecked_size = True  # no check shown yet (members never changed): it is shown below, and why
    evaluation_every = _evaluation_every(values.get("evaluation_every"), errors)
    if not channel_id:
        errors["name"] = t("error_channel_missing")
    calendar = _calendar(values, errors)
    pace = Pace.parse(values.get("pace"))
    working_day = calendar.working_day if calendar else NOMINAL_WORKING_DAY
    durations = _durations(values.get("durations"), pace, working_day, errors)
    cadence = _cadence(values, services.clock.now().date(), errors)
    language = _language(values, errors) if "language" in values else _kept_language(services, team_id, channel_id)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    if unchecked_size:
        ack(response_action="update", view=with_size_check(view, members, explain=True))
        ack.give_back()  # the same view, submitted again once ticked, must act
        return
    ack()
    settings = GroupSettings(
        name=name,
        charter=charter,
        pace=pace,
        calendar=calendar,
        durations=durations,
        cadence=cadence,
        charter_required=_ticked(view, "charter_required"),
        evaluation_every=evaluation_every,
        language=language,
    )
    group, _new = services.groups.save(team_id, channel_id, settings, members=members, by=user_id)
    # The charter goes to everyone who has not accepted it: new members, or all when the charter changed;
    # to those off duty now, at their next working instant.
    send_charter(group, saved_by=user_id, publisher=services.publisher, tasks=services.tasks, now=services.clock.now())
    next_kickoff = services.tasks.pending_due(TaskKind.KICKOFF, group.id)
    if next_kickoff is not None:
        saved = tn("group_saved_cadence", len(group.members), name=group.name, moment=slack_date(next_kickoff))
    else:
        saved = tn("group_saved", len(group.members), name=group.name)
    services.publisher.dm(user_id, text=saved)
    if problems := people.settle():  # members Slack had not described in time
        services.publisher.dm(
            user_id,
            text=t("people_check_late_group", name=group.name, problems=describe(problems), channel=group.channel_id),
        )


def members_changed(ack: Ack, body: dict[str, Any], client: WebClient, logger: logging.Logger) -> None:
    """Members chosen in the group modal: the size check shows when their number is not 5 to 8, and goes otherwise."""
    ack()
    view = body.get("view")
    if not isinstance(view, dict) or not view.get("id"):
        return  # not from the group modal: nothing to update
    members = list(dict.fromkeys(input_values(view).get("members") or []))
    if not _has_block(view, "group_size") and peer_count_is_usual(len(members)):
        return  # nothing to show, nothing to take away
    try:
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=with_size_check(view, members))
    except SlackApiError as error:
        # hash_conflict: the view was updated since this payload left Slack (the time-zone lookup, or the update
        # of an earlier member change). This later change is the one dropped, so the size check may show for the
        # members as they were; the submission checks the size again and shows the check, with why, if it is due.
        logger.info("group modal not updated for its size: %s", error.response.get("error"))


def _has_block(view: dict[str, Any], block_id: str) -> bool:
    return any(block.get("block_id") == block_id for block in view.get("blocks") or [] if isinstance(block, dict))


def _ticked(view: dict[str, Any], action_id: str) -> bool:
    """Whether a checkbox of one option is ticked, read from the view's state."""
    blocks = (view.get("state") or {}).get("values") or {}
    for block in blocks.values():
        state = block.get(action_id) if isinstance(block, dict) else None
        if isinstance(state, dict) and isinstance(state.get("selected_options"), list):
            return bool(state["selected_options"])
    return False


def _evaluation_every(raw: object, errors: dict[str, str]) -> int:
    """After how many sessions members evaluate how the group works (0: never); an inline error otherwise."""
    text = str(raw if raw is not None else DEFAULT_EVALUATION_EVERY).strip()
    if text.isdigit() and int(text) <= MAX_EVALUATION_EVERY:
        return int(text)
    errors["evaluation_every"] = t("group_evaluation_every_error", max=MAX_EVALUATION_EVERY)
    return DEFAULT_EVALUATION_EVERY


def _language(values: dict[str, Any], errors: dict[str, str]) -> str | None:
    """The channel's language chosen: a code codev speaks, or None for automatic (most members'). A value codev
    does not speak (a modal opened before a language was removed, or a forged one) is refused on its block."""
    chosen = values.get("language")
    if chosen == AUTO:
        return None
    if chosen in languages():
        return str(chosen)
    errors["language"] = t("group_language_unknown")
    return None


def _kept_language(services: Services, team_id: str, channel_id: str) -> str | None:
    """A modal opened before the language was in it: the group keeps the language it had."""
    existing = services.groups.of_channel(team_id, channel_id) if channel_id else None
    return existing.language if existing else None


# The calendar's fields, as parse_calendar names them, and the modal's blocks that show their errors.
CALENDAR_BLOCKS = {"tz": "work_tz", "days": "work_days", "hours": "work_hours", "holidays": "holidays"}


def _calendar(values: dict[str, Any], errors: dict[str, str]) -> WorkingCalendar | None:
    """The group's working calendar, or None (no zone, the default days and hours, no holidays): each session
    then counts in its facilitator's own zone. Each field's error shows on its block."""
    tz = str(values.get("work_tz") or "").strip()
    days = str(values.get("work_days") or "").strip() or "mon-fri"
    hours = str(values.get("work_hours") or "").strip() or "09:00-17:00"
    holidays = str(values.get("holidays") or "")
    calendar, problems = parse_calendar(tz=tz or "UTC", days=days, hours=hours, holidays=holidays)
    for field_name, problem in problems.items():
        errors[CALENDAR_BLOCKS[field_name]] = t(problem.key, **problem.params)  # in the reader's words
    if tz or calendar is None:
        return calendar
    if calendar == WorkingCalendar():  # nothing but the defaults: no calendar of the group's own
        return None
    errors["work_tz"] = t("group_work_tz_missing")
    return None


def _durations(raw: object, pace: Pace, working_day: timedelta, errors: dict[str, str]) -> dict[Step, int] | None:
    text = str(raw or "").strip()
    if not text:
        return None
    try:
        return parse_duration_list(text, pace)
    except ValueError:
        errors["durations"] = t(
            "group_durations_error",
            live=MAX_DURATION[Pace.LIVE],
            async_=MAX_DURATION[Pace.ASYNC],
            example=format_duration_list(default_durations(pace, working_day)),
        )
        return None


def _cadence(values: dict[str, Any], today: date, errors: dict[str, str]) -> Cadence | None:
    """The cadence the modal describes, or None for "no cadence"; inline errors for what is missing."""
    raw = str(values.get("cadence") or "0")
    every = int(raw) if raw.isdigit() else 0
    if not every:
        return None
    first = parse_day(values.get("cadence_first"))
    if first is None or first < today:
        errors["cadence_first"] = t("group_cadence_error_date")
    at = values.get("cadence_time")
    if not at:
        errors["cadence_time"] = t("group_cadence_error_time")
    tz = str(values.get("cadence_tz") or "").strip()
    if not is_zone(tz):
        errors["cadence_tz"] = t("group_cadence_error_tz", tz=tz)
    if first is None or {"cadence_first", "cadence_time", "cadence_tz"} & set(errors):
        return None
    return Cadence(first=first, at=time.fromisoformat(str(at)), every_weeks=every, tz=tz)
