"""Buttons in App Home and in the journal's DM. Every change is scoped to the person who clicked."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.i18n import current_language, t, tn
from bot.services.followups import ActionStatus, Outcome
from bot.services.kickoffs import KickoffRefused
from bot.slack import links
from bot.slack.blocks.home import entry_modal
from bot.slack.blocks.modals import start_modal
from bot.slack.blocks.recurring import follow_up_modal
from bot.slack.charter import charter_accepted_message
from bot.slack.context import Services, services_of
from bot.slack.listeners.common import number_in, say_privately, session_id_of, team_of
from bot.slack.recurring import refresh_kickoff

log = logging.getLogger(__name__)

LAST_PAGE = 100_000  # of the journal in Home: a bigger page number is no button of codev's


def _who(body: dict[str, Any]) -> tuple[str, str, str | None]:
    action = body["actions"][0]
    return team_of(body), body["user"]["id"], action.get("value")


def undo(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    services = services_of(context)
    team_id, user_id, value = _who(body)
    entry_id = session_id_of(value)
    removed = services.journal.delete(team_id, user_id, entry_id) if entry_id is not None else None
    respond(
        text=t("journal_undone" if removed else "journal_gone"),
        replace_original=removed is not None,
        response_type="ephemeral",
    )
    if removed:
        services.home.refresh(team_id, user_id)


def forget(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond, client: WebClient) -> None:
    """Forget-me, confirmed: the privacy service applies its plan; kick-off calls that listed a topic of theirs
    are shown again without it."""
    ack()
    services = services_of(context)
    team_id, user_id, _value = _who(body)
    # The answer is in the language they read until now: settled before their profile goes, or it would be
    # asked of Slack again (and their profile stored anew) as the answer is written.
    current_language()
    report = services.privacy.forget(team_id, user_id)
    services.languages.forget(team_id, user_id)  # their language choice went with their settings
    say_privately(
        respond,
        t(
            "forget_done",
            entries=report.journal_entries,
            topics=report.kickoff_topics,
            contributions=report.contributions,
            sessions=report.client_sessions,
            actions=report.actions,
            quotes=report.quotes,
            follow_ups=report.follow_ups,
            nudges=report.nudges,
        )
        + _evaluation_votes_note(report.evaluation_votes),
    )
    for kickoff_id in report.kickoffs:
        _show_kickoff_again(services, client, team_id, kickoff_id)
    services.home.refresh(team_id, user_id)


def _evaluation_votes_note(count: int) -> str:
    """Forget-me deleted who answered the group evaluations; the answers stay, anonymous."""
    if count == 0:
        return ""
    return "\n" + tn("forget_done_evaluation", count)


def _show_kickoff_again(services: Services, client: WebClient, team_id: str, kickoff_id: int) -> None:
    try:
        kickoff = services.kickoffs.get(team_id, kickoff_id)
    except KickoffRefused:
        return
    link = None
    root_ts = services.sessions.get(team_id, kickoff.session_id).root_ts if kickoff.session_id is not None else None
    if root_ts:
        try:
            link = links.permalink(client, team_id, kickoff.channel_id, root_ts)
        except (SlackApiError, OSError):
            log.info("no permalink for the session of kick-off %s", kickoff_id, exc_info=True)
    refresh_kickoff(client, services.kickoffs, kickoff, link)


def start_from_home(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    ack()
    client.views_open(
        trigger_id=body["trigger_id"], view=start_modal(topic="", user_id=body["user"]["id"], channel_id="")
    )


def export(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    services = services_of(context)
    team_id, user_id, _value = _who(body)
    services.publisher.dm(user_id, text=services.home.export(team_id, user_id))


def search(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    services = services_of(context)
    team_id, user_id, value = _who(body)
    services.home_model.set_view(team_id, user_id, query=(value or "").strip())
    services.home.refresh(team_id, user_id)


def page(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    services = services_of(context)
    team_id, user_id, value = _who(body)
    number = number_in(value, 0, LAST_PAGE)
    if number is not None:
        services.home_model.set_view(team_id, user_id, page=number)
    services.home.refresh(team_id, user_id)


def delete_entry(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    services = services_of(context)
    team_id, user_id, value = _who(body)
    entry_id = session_id_of(value)
    if entry_id is not None:
        services.journal.delete(team_id, user_id, entry_id)
    services.home.refresh(team_id, user_id)


def show_entry(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    ack()
    services = services_of(context)
    team_id, user_id, value = _who(body)
    entry_id = session_id_of(value)
    entries = [e for e in services.journal.all_entries(team_id, user_id) if e.id == entry_id]
    if entries:
        client.views_open(trigger_id=body["trigger_id"], view=entry_modal(entries[0]))


def action_done(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    services = services_of(context)
    team_id, user_id, value = _who(body)
    action_id = session_id_of(value)
    if action_id is not None:
        services.followups.record(team_id, user_id, action_id, Outcome(ActionStatus.DONE))
    services.home.refresh(team_id, user_id)


def action_postpone(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Postpone (or drop) from Home: the follow-up modal, with a new date, a note and sharing."""
    ack()
    services = services_of(context)
    team_id, user_id, value = _who(body)
    action = services.followups.get(team_id, session_id_of(value) or 0)
    if action is not None and action.owner_id == user_id:
        client.views_open(
            trigger_id=body["trigger_id"],
            view=follow_up_modal(action, ActionStatus.POSTPONED, dm_channel=None, dm_ts=None),
        )


def accept_charter(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    services = services_of(context)
    team_id, user_id, value = _who(body)
    group_id = session_id_of(value)
    if group_id is None or not services.groups.accept_charter(team_id, group_id, user_id):
        say_privately(respond, t("not_yours"))
        return
    group = services.groups.group(team_id, group_id)
    # The DM keeps the charter, to read again; only the button goes.
    thanks = charter_accepted_message(group) if group else {"text": t("group_charter_accepted")}
    respond(replace_original=True, response_type="ephemeral", **thanks)
    for running in services.sessions.running_in(team_id, group.channel_id) if group else []:
        if user_id in running.participants:  # its root no longer names them among those who have not accepted
            services.sessions.redraw_root(team_id, running.id)
            services.relay.settle(team_id, running.id)
