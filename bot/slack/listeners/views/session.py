"""Modals submitted during a session: contract, synthesis, hand over, summary edit."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from slack_bolt import BoltContext

from bot.domain.steps import Step
from bot.messages import t
from bot.services.sessions import MAX_ACTIONS, NotFound, SessionSnapshot
from bot.slack.blocks import notes
from bot.slack.blocks.modals import ACTION_TEXT_LIMIT, LONG_TEXT_LIMIT, parse_date, parse_durations
from bot.slack.context import Services, services_of
from bot.slack.listeners.common import Refusal, input_values, metadata_of, refuses_inline, team_of
from bot.slack.listeners.views.submission import SubmissionAck
from bot.slack.people import describe

log = logging.getLogger(__name__)


def _session_of(services: Services, body: dict[str, Any], view: dict[str, Any]) -> SessionSnapshot:
    """The session a modal belongs to (its private_metadata); NotFound for anything forged or gone."""
    session_id = metadata_of(view).get("session")
    if not isinstance(session_id, int):
        raise NotFound(session_id)
    return services.sessions.get(team_of(body), session_id)


@refuses_inline("need")
def submit_contract(ack: SubmissionAck, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    snapshot = _session_of(services, body, view)
    values = input_values(view)
    need = (values.get("need") or "").strip()[:LONG_TEXT_LIMIT]
    expectations = (values.get("expectations") or "").strip()[:LONG_TEXT_LIMIT]
    if body["user"]["id"] != snapshot.client_id:
        raise Refusal(t("contract_client_only", client=snapshot.client_id))
    if not need:
        raise Refusal(t("error_need_empty"))
    ack.accept()  # before the change: a second submission of this view must not save and post it again
    snapshot = services.sessions.save_contract(snapshot.team_id, snapshot.id, need, expectations)
    ack()
    services.relay.settle(snapshot.team_id, snapshot.id)  # posted in the Contract thread (the outbox)


@refuses_inline("keep")
def submit_synthesis(ack: SubmissionAck, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    snapshot = _session_of(services, body, view)
    values = input_values(view)
    if body["user"]["id"] != snapshot.client_id:
        raise Refusal(t("synthesis_client_only", client=snapshot.client_id))
    keep = (values.get("keep") or "").strip()[:LONG_TEXT_LIMIT]
    consultation = {c.id: c for c in services.sessions.contributions(snapshot.team_id, snapshot.id, Step.CONSULTATION)}
    kept_ids = [int(v) for v in values.get("kept") or [] if str(v).isdigit() and int(v) in consultation]
    actions: list[tuple[str, date | None]] = []
    errors: dict[str, str] = {}
    today = services.clock.now().date()
    for n in range(1, MAX_ACTIONS + 1):
        text = " ".join((values.get(f"action_{n}") or "").split())
        try:
            due = parse_date(values.get(f"due_{n}"))
        except ValueError:
            due = None
        if len(text) > ACTION_TEXT_LIMIT:
            errors[f"action_{n}"] = t("error_action_text_long", limit=ACTION_TEXT_LIMIT)
        if due is not None and due < today:
            errors[f"due_{n}"] = t("error_due_past")
        if text:
            actions.append((text, due))
    if not keep and not kept_ids and not actions:
        errors["keep"] = t("error_need_empty")
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack.accept()
    snapshot = services.sessions.save_synthesis(snapshot.team_id, snapshot.id, keep, kept_ids, actions)
    ack()
    services.followups.schedule_for(snapshot.team_id, snapshot.id)  # each dated action is followed up that day
    services.relay.settle(snapshot.team_id, snapshot.id)  # posted in the Synthesis thread (the outbox)


@refuses_inline("to")
def submit_handover(ack: SubmissionAck, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    snapshot = _session_of(services, body, view)
    user_id = body["user"]["id"]
    new_facilitator = input_values(view).get("to")
    if user_id != snapshot.facilitator_id:
        raise Refusal(t("only_facilitator", facilitator=snapshot.facilitator_id))
    if not new_facilitator:
        raise Refusal(t("role_unknown_user", user=""))
    people = services.people.check(snapshot.team_id, [new_facilitator], acting=user_id)
    if people.unconfirmed(new_facilitator):  # a bot or a deactivated facilitator could not hand back
        raise Refusal(t("people_check_slow", user=new_facilitator))
    if (problem := people.problem(new_facilitator)) is not None:
        raise Refusal(t(problem, user=new_facilitator))
    ack.accept()
    note = notes.handed_over(user_id)
    change = services.sessions.hand_over(snapshot.team_id, snapshot.id, new_facilitator, note=note)
    ack()
    if untold := services.relay.show(change):
        services.publisher.ephemeral(snapshot.channel_id, user_id, untold)


@refuses_inline("client")
def submit_edit(ack: SubmissionAck, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    snapshot = _session_of(services, body, view)
    user_id = body["user"]["id"]
    if user_id != snapshot.facilitator_id:
        raise Refusal(t("only_facilitator", facilitator=snapshot.facilitator_id))
    values = input_values(view)
    client_id = values.get("client")
    consultant_ids = list(dict.fromkeys(values.get("consultants") or []))
    steps = [step for step in Step if step >= snapshot.step]
    durations, errors = parse_durations(values, snapshot.pace, steps)
    people = services.people.check(snapshot.team_id, [client_id, *consultant_ids], acting=user_id)
    errors.update(people.role_errors(snapshot.facilitator_id, client_id, consultant_ids))
    if errors:
        ack(response_action="errors", errors=errors)
        return
    assert client_id is not None
    ack.accept()
    version = metadata_of(view).get("version")
    change = services.sessions.edit(
        snapshot.team_id,
        snapshot.id,
        expected_version=int(version or 0),
        client_id=client_id,
        consultant_ids=consultant_ids,
        durations=durations,
        note=notes.edited(user_id),  # with the current step's deadline as the edit left it
    )
    ack()
    if untold := services.relay.show(change):
        services.publisher.ephemeral(snapshot.channel_id, user_id, untold)
    if problems := people.settle():  # people Slack had not described in time, checked now
        text = t("people_check_late_edit", topic=snapshot.topic, problems=describe(problems))
        services.publisher.dm(user_id, text=text)


@refuses_inline("summary")
def submit_summary_edit(ack: SubmissionAck, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    snapshot = _session_of(services, body, view)
    user_id = body["user"]["id"]
    text = (input_values(view).get("summary") or "").strip()[:LONG_TEXT_LIMIT]
    if not text:
        raise Refusal(t("error_need_empty"))
    ack.accept()
    snapshot = services.sessions.approve_summary(snapshot.team_id, snapshot.id, user_id, text)
    ack()
    metadata = metadata_of(view)
    if not services.publisher.publish_summary(snapshot, metadata.get("dm_channel"), metadata.get("dm_ts")):
        services.publisher.dm(user_id, text=t("summary_post_failed"))
