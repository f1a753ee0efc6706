"""The start modal: check everything, answer inline errors, or start the session."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import ButtonElement

from bot.domain.roles import peer_count, peer_count_is_usual
from bot.domain.steps import Pace, Step
from bot.i18n import join_names, reading, t, tn
from bot.services.groups import GroupView
from bot.services.sessions import ChannelBusy, NewSession, Note, SessionSnapshot
from bot.services.submissions import claim_view
from bot.slack import ids, links
from bot.slack.blocks.modals import TOPIC_LIMIT, parse_durations
from bot.slack.blocks.recurring import shared_outcomes_message
from bot.slack.blocks.session import mention, private_note
from bot.slack.charter import ask_before_session
from bot.slack.context import Services, services_of
from bot.slack.listeners.common import input_values, metadata_of, team_of
from bot.slack.listeners.views.submission import SubmissionAck
from bot.slack.people import PeopleCheck, describe
from bot.slack.recurring import refresh_kickoff

log = logging.getLogger(__name__)


def submit_start(
    ack: SubmissionAck,
    body: dict[str, Any],
    view: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    logger: logging.Logger,
) -> None:
    services = services_of(context)
    team_id = team_of(body)
    user_id = body["user"]["id"]
    values = input_values(view)
    pace = Pace.parse(values.get(ids.START_PACE))
    errors: dict[str, str] = {}

    topic = " ".join((values.get("topic") or "").split())
    if not topic:
        errors["topic"] = t("error_topic_empty")
    elif len(topic) > TOPIC_LIMIT:
        errors["topic"] = t("error_topic_long", limit=TOPIC_LIMIT)

    durations, duration_errors = parse_durations(values, pace, list(Step))
    errors.update(duration_errors)

    facilitator_id = values.get("facilitator")
    client_id = values.get("client")
    consultant_ids = list(dict.fromkeys(values.get("consultants") or []))
    # Cached profiles, and those Slack sends in time; the others are checked after the answer (below).
    people = services.people.check(team_id, [facilitator_id, client_id, *consultant_ids], acting=user_id)
    errors.update(people.role_errors(facilitator_id, client_id, consultant_ids))
    if people.unconfirmed(facilitator_id) and "facilitator" not in errors:  # no Edit could undo a bot facilitator
        errors["facilitator"] = t("people_check_slow", user=facilitator_id)

    reminder_share = _reminder_share(values.get("reminder"))
    if reminder_share is None:
        errors["reminder"] = t("error_reminder")

    channel_id = values.get("channel") or metadata_of(view).get("channel")
    if not channel_id:
        errors["channel"] = t("error_channel_missing")
    elif services.sessions.running_in(team_id, channel_id):
        errors["channel"] = t("error_channel_busy")

    group = services.groups.of_channel(team_id, channel_id) if channel_id else None
    refused = _charter_refusals(group, people, facilitator_id, client_id, consultant_ids, errors)

    if facilitator_id and client_id and consultant_ids and "consultants" not in errors:
        count = peer_count(facilitator_id, client_id, consultant_ids)
        if not peer_count_is_usual(count) and "confirm" not in (values.get("group_size") or []):
            errors["group_size"] = tn("error_group_size", count)

    if errors:
        ack(response_action="errors", errors=errors)
        # They get the charter to accept, unless it is in their DM already: as the session would reach them (an
        # async session's people off duty get it at their next working instant), once per modal and people.
        if group is not None and refused and _first_ask(services, team_id, view, group, refused):
            ask_before_session(client, services.tasks, group, refused, services.clock.now(), live=pace is Pace.LIVE)
        return
    ack()

    assert facilitator_id and client_id and channel_id
    timekeeping = set(values.get("timekeeping") or []) if pace is Pace.ASYNC else set()
    new = NewSession(
        team_id=team_id,
        channel_id=channel_id,
        topic=topic,
        facilitator_id=facilitator_id,
        client_id=client_id,
        consultant_ids=consultant_ids,
        pace=pace,
        durations=durations,
        created_by=user_id,
        auto_advance="auto_advance" in timekeeping,
        close_when_all_done="close_early" in timekeeping,
        nudges="nudges" in timekeeping,
        reminder_share=reminder_share or 0.0,
    )
    try:
        snapshot = services.sessions.start(new, notes=_previous_outcomes(services, team_id, channel_id))
    except ChannelBusy:  # another start won the race between our check and now
        services.publisher.dm(user_id, text=t("error_channel_busy"))
        return
    if not services.relay.settle(team_id, snapshot.id):
        services.publisher.ephemeral(channel_id, user_id, t("slack_deferred_start"))
    published = services.sessions.get(team_id, snapshot.id)  # now with its root and step messages
    # The kick-off this came from; or, for a session started with /codev start, the channel's open one.
    kickoff_id = metadata_of(view).get("kickoff") or services.kickoffs.open_in(team_id, snapshot.channel_id)
    if isinstance(kickoff_id, int):
        _close_kickoff(services, client, kickoff_id, published)
    _offer_invitations(services, client, snapshot, user_id)
    _ask_charter(services, client, snapshot)
    _report_late_checks(services, people, snapshot, user_id)


def _charter_refusals(
    group: GroupView | None,
    people: PeopleCheck,
    facilitator_id: str | None,
    client_id: str | None,
    consultant_ids: list[str],
    errors: dict[str, str],
) -> list[str]:
    """A group that asks for its charter before taking part: each role's field names, by name, whoever in it has
    not accepted it yet. Returns them all."""
    if group is None or not group.charter_required:
        return []
    refused: list[str] = []
    for field_name, chosen in (
        ("facilitator", [facilitator_id]),
        ("client", [client_id]),
        ("consultants", consultant_ids),
    ):
        pending = [p for p in chosen if p and p in group.not_accepted and p not in refused]
        if not pending or field_name in errors:
            continue
        refused += pending
        names = join_names(_name(people, p) for p in pending)
        errors[field_name] = tn("start_charter_required", len(pending), names=names)
    return refused


def _first_ask(services: Services, team_id: str, view: dict[str, Any], group: GroupView, refused: list[str]) -> bool:
    """Whether this start modal has not asked these people for this charter yet. The same start refused again
    asks nobody again, so their DMs are not looked up (for the charter already there) at every attempt."""
    asked = "\n".join([str(view.get("id")), str(group.id), group.charter, *sorted(refused)])
    # A claim among the views' (it goes with them): a digest, no person's id in its key.
    return claim_view(
        services.db, team_id, "charter:" + hashlib.sha256(asked.encode()).hexdigest()[:24], services.clock.now()
    )


def _name(people: PeopleCheck, user_id: str) -> str:
    facts = people.facts.get(user_id)
    return facts.name if facts is not None and facts.name else user_id


def _ask_charter(services: Services, client: WebClient, snapshot: SessionSnapshot) -> None:
    """In a group's channel, participants who have not accepted its charter are asked privately as their session
    starts (once: not if it is in their DM already); the facilitator is told who they are."""
    group = services.groups.of_channel(snapshot.team_id, snapshot.channel_id)
    if group is None:
        return
    live = snapshot.pace is Pace.LIVE
    pending = ask_before_session(client, services.tasks, group, snapshot.participants, services.clock.now(), live=live)
    if pending:
        with reading(services.languages.person(snapshot.team_id, snapshot.facilitator_id)):
            note = tn("charter_pending_note", len(pending), people=join_names(mention(p) for p in pending))
        services.publisher.ephemeral(snapshot.channel_id, snapshot.facilitator_id, note)


def _report_late_checks(services: Services, people: PeopleCheck, snapshot: SessionSnapshot, user_id: str) -> None:
    """Participants Slack had not described in time are checked now; who started it hears of any problem."""
    problems = people.settle()
    if not problems:
        return
    for person in dict.fromkeys([user_id, snapshot.facilitator_id]):
        with reading(services.languages.person(snapshot.team_id, person)):
            text = t(
                "people_check_late_start",
                topic=snapshot.topic,
                problems=describe(problems),
                facilitator=snapshot.facilitator_id,
            )
        services.publisher.dm(person, text=text)


def _previous_outcomes(services: Services, team_id: str, channel_id: str) -> list[Note]:
    """In a group's channel, the Presentation thread opens with what the last client chose to share."""
    if services.groups.of_channel(team_id, channel_id) is None:
        return []
    shared = services.followups.shared_before(team_id, channel_id)
    if shared is None:
        return []
    with reading(services.languages.group(team_id, channel_id)):  # the session's channel reads its group's language
        return [Note(Step.PRESENTATION, shared_outcomes_message(shared))]


def _close_kickoff(services: Services, client: WebClient, kickoff_id: int, snapshot: SessionSnapshot) -> None:
    """The kick-off that led here shows the session's link and takes no more volunteers."""
    kickoff = services.kickoffs.started(snapshot.team_id, kickoff_id, snapshot.id)
    if kickoff is None:
        return
    link = None
    if snapshot.root_ts:
        try:
            link = links.permalink(client, snapshot.team_id, snapshot.channel_id, snapshot.root_ts)
        except (SlackApiError, OSError):
            log.info("no permalink for the root of session %s", snapshot.id, exc_info=True)
    refresh_kickoff(client, services.kickoffs, kickoff, link)


def _reminder_share(raw: object) -> float | None:
    text = str(raw or "20").strip()
    if not text.isdigit() or int(text) > 90:
        return None
    return int(text) / 100


def _offer_invitations(services: Services, client: WebClient, snapshot: SessionSnapshot, user_id: str) -> None:
    """Participants outside the channel would see nothing: tell the facilitator and offer to invite them."""
    try:
        members = set(client.conversations_members(channel=snapshot.channel_id, limit=1000)["members"])
    except SlackApiError:
        log.info("could not list members of %s", snapshot.channel_id, exc_info=True)
        return
    missing = [u for u in snapshot.participants if u not in members]
    if not missing:
        return
    people = join_names(mention(u) for u in missing)
    text = tn("invite_missing", len(missing), people=people, channel=snapshot.channel_id)
    button = ButtonElement(
        text=t("invite_button"), action_id=ids.INVITE, value=f"{snapshot.id}:{','.join(missing)}"[:2000]
    )
    note = private_note(text, button=button, names=snapshot.names)  # its notification reads names
    services.publisher.ephemeral(snapshot.channel_id, user_id, **note)
