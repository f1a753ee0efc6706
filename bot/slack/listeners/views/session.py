"""Modals submitted during a session: contract, synthesis, hand over, summary edit."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date
from typing import Any

from slack_bolt import BoltContext

from bot.domain.steps import Step
from bot.i18n import reading, t
from bot.services.sessions import (
    GOT_ANSWERS,
    MAX_ACTIONS,
    ActionView,
    Got,
    NotFound,
    SessionSnapshot,
    SummaryAction,
    SummaryEdit,
)
from bot.slack.blocks import notes
from bot.slack.blocks.modals import ACTION_TEXT_LIMIT, LONG_TEXT_LIMIT, parse_date, parse_durations, shown_reply_ids
from bot.slack.blocks.session import summary_text
from bot.slack.context import Services, services_of
from bot.slack.listeners.common import MAX_ID, Refusal, input_values, metadata_of, refuses_inline, team_of
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
    texts = {field: (values.get(field) or "").strip() for field in ("problem", "need", "expectations")}
    if body["user"]["id"] != snapshot.client_id:
        raise Refusal(t("contract_client_only", client=snapshot.client_id))
    if not texts["need"]:
        raise Refusal(t("error_need_empty"))
    errors = {
        f: t("error_text_long", limit=LONG_TEXT_LIMIT) for f, text in texts.items() if len(text) > LONG_TEXT_LIMIT
    }
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack.accept()  # before the change: a second submission of this view must not save and post it again
    snapshot = services.sessions.save_contract(
        snapshot.team_id, snapshot.id, texts["need"], texts["expectations"], problem=texts["problem"]
    )
    ack()
    services.relay.settle(snapshot.team_id, snapshot.id)  # posted in the Contract thread (the outbox)


@refuses_inline("keep")
def submit_synthesis(ack: SubmissionAck, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    snapshot = _session_of(services, body, view)
    values = input_values(view)
    if body["user"]["id"] != snapshot.client_id:
        raise Refusal(t("synthesis_client_only", client=snapshot.client_id))
    keep = (values.get("keep") or "").strip()
    got_note = (values.get("got_note") or "").strip()
    consultation = {c.id: c for c in services.sessions.contributions(snapshot.team_id, snapshot.id, Step.CONSULTATION)}
    kept_ids = [int(v) for v in values.get("kept") or [] if str(v).isdigit() and int(v) in consultation]
    # A reply kept but too old for the modal's 100 options stays kept.
    shown = frozenset(shown_reply_ids(list(consultation.values())))
    kept_unshown = [c.id for c in consultation.values() if c.kept and c.id not in shown]
    actions: list[tuple[str, date | None]] = []
    errors: dict[str, str] = {}
    for field, text in (("keep", keep), ("got_note", got_note)):
        if len(text) > LONG_TEXT_LIMIT:
            errors[field] = t("error_text_long", limit=LONG_TEXT_LIMIT)
    got_answer = values.get("got")
    got = Got(got_answer, got_note) if got_answer in GOT_ANSWERS else None
    if got_note and got is None:
        errors["got"] = t("error_got_missing")
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
    if not keep and not kept_ids and not kept_unshown and not actions:
        errors.setdefault("keep", t("error_need_empty"))
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack.accept()
    snapshot = services.sessions.save_synthesis(
        snapshot.team_id, snapshot.id, keep, kept_ids, actions, got=got, shown_ids=shown
    )
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


@refuses_inline("keep")
def submit_summary_edit(ack: SubmissionAck, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    """The client's summary, edited field by field, then posted: rendered from the fields, never typed mrkdwn."""
    services = services_of(context)
    snapshot = _session_of(services, body, view)
    user_id = body["user"]["id"]
    if user_id != snapshot.client_id:
        raise Refusal(t("summary_client_only"))
    if snapshot.summary_state != "proposed":
        raise Refusal(t("summary_already_posted"))
    values = input_values(view)
    consultation = {c.id: c for c in services.sessions.contributions(snapshot.team_id, snapshot.id, Step.CONSULTATION)}
    kept_ids = [int(v) for v in values.get("kept") or [] if str(v).isdigit() and int(v) in consultation]
    shown = frozenset(shown_reply_ids(list(consultation.values())))
    # The replies kept: those picked in the modal, and those kept before that are too old for its 100 options.
    kept = [c for c in consultation.values() if c.id in kept_ids or (c.kept and c.id not in shown)]
    keep = (values.get("keep") or "").strip()
    errors: dict[str, str] = {}
    if len(keep) > LONG_TEXT_LIMIT:
        errors["keep"] = t("error_text_long", limit=LONG_TEXT_LIMIT)
    actions, cleared, action_errors = _summary_actions(services, snapshot, values, _rows_shown(view, snapshot))
    errors.update(action_errors)
    if not keep and not kept and not actions:
        errors.setdefault("keep", t("error_summary_empty"))
    if errors:
        ack(response_action="errors", errors=errors)
        return
    edit = SummaryEdit(keep, kept_ids, actions, cleared, shown)
    # The summary as the fields make it: the same renderer as the first proposal, on the edited fields.
    edited = replace(
        snapshot,
        synthesis_keep=keep,
        actions=[ActionView(0, a.text, a.due_date, "open", a.owner_id) for a in actions],
    )
    with reading(snapshot.language):  # the summary is posted for the channel: in its language
        text = summary_text(edited, kept)
    ack.accept()
    snapshot = services.sessions.approve_summary(snapshot.team_id, snapshot.id, user_id, text, edit=edit)
    ack()
    services.followups.schedule_for(snapshot.team_id, snapshot.id)  # dated actions are followed up that day
    metadata = metadata_of(view)
    if not services.publisher.publish_summary(snapshot, metadata.get("dm_channel"), metadata.get("dm_ts")):
        services.publisher.dm(user_id, text=t("summary_post_failed"))


def _rows_shown(view: dict[str, Any], snapshot: SessionSnapshot) -> list[int | None]:
    """The action each row of the summary-edit modal showed (metadata 'actions': ids, comma-separated), None
    for a row that was empty or names no action of this session; MAX_ACTIONS long."""
    ours = {a.id for a in snapshot.actions}
    shown: list[int | None] = []
    for part in str(metadata_of(view).get("actions") or "").split(",")[:MAX_ACTIONS]:
        action_id = int(part) if part.strip().isdigit() and len(part.strip()) <= 19 else None
        shown.append(action_id if action_id is not None and 0 < action_id <= MAX_ID and action_id in ours else None)
    return (shown + [None] * MAX_ACTIONS)[:MAX_ACTIONS]


def _summary_actions(
    services: Services, snapshot: SessionSnapshot, values: dict[str, Any], shown: list[int | None]
) -> tuple[list[SummaryAction], list[int], dict[str, str]]:
    """The actions of the summary-edit modal (each row with the action it showed), the actions whose rows were
    cleared, and an inline error for each field that cannot stand."""
    errors: dict[str, str] = {}
    today = services.clock.now().date()
    rows = []
    cleared: list[int] = []
    for n in range(1, MAX_ACTIONS + 1):
        text = " ".join((values.get(f"action_{n}") or "").split())
        owner = values.get(f"owner_{n}") or ""
        try:
            due = parse_date(values.get(f"due_{n}"))
        except ValueError:
            due = None
        if len(text) > ACTION_TEXT_LIMIT:
            errors[f"action_{n}"] = t("error_action_text_long", limit=ACTION_TEXT_LIMIT)
        if text and not owner:
            errors[f"owner_{n}"] = t("error_action_owner")
        if text and due is not None and due < today:
            errors[f"due_{n}"] = t("error_due_past")
        if text:
            rows.append((n, owner, text, due))
        elif (was := shown[n - 1]) is not None:
            cleared.append(was)
    others = [owner for _n, owner, _text, _due in rows if owner and owner != snapshot.client_id]
    if others:
        people = services.people.check(snapshot.team_id, others, acting=snapshot.client_id)
        for n, owner, _text, _due in rows:
            if owner in others and not people.unconfirmed(owner) and (problem := people.problem(owner)):
                errors[f"owner_{n}"] = t(problem, user=owner)
    actions = [SummaryAction(owner, text, due, shown[n - 1]) for n, owner, text, due in rows]
    return actions, cleared, errors
