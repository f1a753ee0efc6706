"""Buttons on a session's messages: the facilitator's controls and the participants' own."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import ButtonElement

from bot.domain.session import Status, TransitionError
from bot.domain.steps import Pace, Step
from bot.messages import t
from bot.services.sessions import Change, Note, SessionSnapshot
from bot.slack import ids
from bot.slack.blocks import modals, notes
from bot.slack.blocks.session import end_confirmation, mentions, private_note, step_name, who_speaks
from bot.slack.context import Services, services_of
from bot.slack.listeners.common import (
    MAX_ID,
    Refusal,
    clicked_session,
    explains_refusals,
    input_values,
    metadata_of,
    number_in,
    say_privately,
    session_and_step,
    session_id_of,
    team_of,
)

log = logging.getLogger(__name__)

# (services, team, session, step, who clicked) -> the change, applied atomically
Control = Callable[[Services, str, int, Step, str], Change]


def _facilitator_control(apply: Control) -> Callable[..., None]:
    """A listener for a facilitator-only button: authorize, apply atomically, then show the change."""

    @explains_refusals
    def listener(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack()
        _control(services_of(context), body, context, apply)

    return listener


def _control(services: Services, body: dict[str, Any], context: BoltContext, apply: Control) -> None:
    team_id, user_id, session_id, step = clicked_session(body)
    _authorize(services, services.sessions.get(team_id, session_id), user_id)
    _show(services, apply(services, team_id, session_id, step, user_id), context)


def _show(services: Services, change: Change, context: BoltContext) -> None:
    """Deliver what the change owes Slack; if Slack does not take it now, say so to whoever clicked."""
    untold = services.relay.show(change)
    if untold and context.respond is not None:
        say_privately(context.respond, untold)


def _authorize(services: Services, snapshot: SessionSnapshot, user_id: str) -> None:
    """Only the facilitator; a participant is offered to take over when the facilitator has vanished."""
    if user_id == snapshot.facilitator_id:
        return
    if user_id in snapshot.participants and _facilitator_absent(services, snapshot):
        button = ButtonElement(
            text=t("button_take_over"), action_id=ids.TAKE_OVER, value=f"{snapshot.id}:{int(snapshot.step)}"
        )
        note = private_note(
            t("facilitator_absent", facilitator=snapshot.facilitator_id), button=button, names=snapshot.names
        )
        raise Refusal(note.pop("text"), **note)
    raise Refusal(t("only_facilitator", facilitator=snapshot.facilitator_id))


def _facilitator_absent(services: Services, snapshot: SessionSnapshot) -> bool:
    """Deactivated, or silent a whole step's length past the deadline: the group may take over."""
    facts = services.people.lookup(snapshot.team_id, snapshot.facilitator_id)
    if facts is not None and facts.deleted:
        return True
    if snapshot.status is not Status.RUNNING:
        return False
    timebox = snapshot.timebox()
    return services.clock.now() >= timebox.deadline + max(timebox.duration, timedelta(minutes=1))


# ---- facilitator controls -----------------------------------------------------------------------------
# Pause, resume and extend say so in the step's thread, with the time left or the new deadline.
CONTROLS: dict[str, Control] = {
    ids.NEXT: lambda s, team, sid, step, _user: s.sessions.next_step(team, sid, step),
    ids.EXTEND: lambda s, team, sid, step, user: s.sessions.extend(team, sid, step, note=notes.extended(user)),
    ids.PAUSE: lambda s, team, sid, step, user: s.sessions.pause(team, sid, step, note=notes.paused(user)),
    ids.RESUME: lambda s, team, sid, step, user: s.sessions.resume(team, sid, step, note=notes.resumed(user)),
    ids.END: lambda s, team, sid, _step, _user: s.sessions.end(team, sid),
}
# Buttons still carry these (the time's-up DM's Continue and Move on, the End confirmation), forged clicks too.
next_step = _facilitator_control(CONTROLS[ids.NEXT])
extend = _facilitator_control(CONTROLS[ids.EXTEND])
pause = _facilitator_control(CONTROLS[ids.PAUSE])
resume = _facilitator_control(CONTROLS[ids.RESUME])


@explains_refusals
def end(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """End the session; clicked in the private confirmation (after "End the session…" in the Facilitator
    menu), that confirmation goes once the session has ended: its button has done its work."""
    ack()
    _control(services_of(context), body, context, CONTROLS[ids.END])
    if (body.get("container") or {}).get("is_ephemeral") is True and context.respond is not None:
        context.respond(delete_original=True)


def _facilitator_modal(build: Callable[[SessionSnapshot], dict[str, Any]]) -> Callable[..., None]:
    """A listener for a facilitator-only button that opens a modal (hand over, edit)."""

    @explains_refusals
    def listener(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        ack()
        _open_modal(services_of(context), body, client, build)

    return listener


def _open_modal(
    services: Services, body: dict[str, Any], client: WebClient, build: Callable[[SessionSnapshot], dict[str, Any]]
) -> None:
    team_id, user_id, session_id, _step = clicked_session(body)
    snapshot = services.sessions.get(team_id, session_id)
    if snapshot.status is Status.ENDED:
        raise TransitionError("session_ended")
    _authorize(services, snapshot, user_id)
    client.views_open(trigger_id=body["trigger_id"], view=build(snapshot))


MODALS: dict[str, Callable[[SessionSnapshot], dict[str, Any]]] = {
    ids.HANDOVER: modals.handover_modal,
    ids.EDIT: modals.edit_modal,
}
hand_over = _facilitator_modal(MODALS[ids.HANDOVER])
edit = _facilitator_modal(MODALS[ids.EDIT])


# ---- the Facilitator menu ------------------------------------------------------------------------------
@explains_refusals
def facilitator_menu(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """A pick in the step message's Facilitator menu: answered as the control's button was, once the picker is
    known to be the facilitator and the menu to show the session as it is (no stale or double pick)."""
    ack()
    services = services_of(context)
    action_id, value, version = _picked(body)
    parsed = session_and_step(value)
    if parsed is None:
        raise TransitionError("stale_step")
    session_id, step = parsed
    team_id, user_id = team_of(body), body["user"]["id"]
    snapshot = services.sessions.get(team_id, session_id)
    _authorize(services, snapshot, user_id)
    if snapshot.status is Status.ENDED:
        raise TransitionError("session_ended")
    if snapshot.step != step:
        raise TransitionError("stale_step")
    if snapshot.version != version:  # changed since the menu was drawn: its options may say the opposite now
        raise Refusal(t("stale_pick"))
    # The control's own button, as it carried the pick: the same listeners' code answers it.
    as_button = {**body, "actions": [{**body["actions"][0], "action_id": action_id, "value": value}]}
    if action_id == ids.END:  # destructive: a private confirmation first, its button ends the session
        note = end_confirmation(snapshot, step)
        if context.respond is not None:
            say_privately(context.respond, note.pop("text"), **note)
        services.sessions.redraw_step(team_id, session_id, step)
        services.relay.settle(team_id, session_id)
    elif action_id in MODALS:
        _open_modal(services, as_button, client, MODALS[action_id])
        services.sessions.redraw_step(team_id, session_id, step)
        services.relay.settle(team_id, session_id)
    else:
        _control(services, as_button, context, CONTROLS[action_id])


def _picked(body: dict[str, Any]) -> tuple[str, str, int]:
    """(control's action id, "<session>:<step>", version) from the picked option; a garbled one is stale."""
    option = body["actions"][0].get("selected_option")
    picked = option.get("value") if isinstance(option, dict) else None
    action_id, _, rest = picked.partition("|") if isinstance(picked, str) else ("", "", "")
    value, _, version_part = rest.rpartition(":")
    version = number_in(version_part, 0, MAX_ID)
    if action_id not in ids.FACILITATOR_CONTROLS or version is None:
        raise TransitionError("stale_step")
    return action_id, value, version


@explains_refusals
def take_over(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    services = services_of(context)
    team_id, user_id, session_id, _step = clicked_session(body)
    snapshot = services.sessions.get(team_id, session_id)
    if user_id not in snapshot.participants or not _facilitator_absent(services, snapshot):
        raise Refusal(t("only_facilitator", facilitator=snapshot.facilitator_id))
    # The method lets the client keep the session going too when the facilitator has vanished.
    note = Note(snapshot.step, {"text": t("took_over", user=user_id)})
    _show(services, services.sessions.hand_over(team_id, snapshot.id, user_id, allow_client=True, note=note), context)


# ---- everyone's buttons -------------------------------------------------------------------------------
@explains_refusals
def done(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    services = services_of(context)
    team_id, user_id, session_id, step = clicked_session(body)
    try:
        snapshot, new = services.sessions.mark_done(team_id, session_id, step, user_id)
    except TransitionError as refused:
        if refused.reason != "done_not_expected":
            raise
        snapshot = services.sessions.get(team_id, session_id)
        raise Refusal(t("done_not_expected", who=who_speaks(snapshot, step))) from None
    if not new:
        raise Refusal(t("done_already", step=step_name(step)))
    say_privately(respond, t("done_thanks", step=step_name(step)))
    services.relay.settle(team_id, session_id)  # the step's message counts them (Slack may take it later)
    if set(snapshot.expected(step)) <= set(snapshot.done[step]):
        if snapshot.close_when_all_done:
            _close_early(services, snapshot, step)
        else:
            services.publisher.ephemeral(
                snapshot.channel_id,
                snapshot.facilitator_id,
                t("done_all", step=step_name(step)),
                thread_ts=snapshot.steps[step].message_ts,
            )


def _close_early(services: Services, snapshot: SessionSnapshot, step: Step) -> None:
    """Async sessions may move on as soon as everyone expected has said they are done."""
    note = Note(step, {"text": t("timer_closed_early", step=step_name(step))})
    try:
        change = services.sessions.next_step(snapshot.team_id, snapshot.id, step, note=note)
    except TransitionError:
        return  # the facilitator (or another click) moved on first
    services.relay.show(change)


def _client_modal(step: Step, kind: str) -> Callable[..., None]:
    """A listener for the client's own button in Contract or Synthesis: opens their modal."""

    @explains_refusals
    def listener(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        ack()
        services = services_of(context)
        team_id, user_id, session_id, clicked_step = clicked_session(body)
        if clicked_step is not step:
            raise TransitionError("stale_step")
        snapshot = services.sessions.get(team_id, session_id)
        if user_id != snapshot.client_id:
            raise Refusal(t(f"{kind}_client_only", client=snapshot.client_id))
        if snapshot.status is Status.ENDED or snapshot.step is not step:
            raise Refusal(t(f"{kind}_closed"))
        if step is Step.CONTRACT:
            view = modals.contract_modal(snapshot)
        else:
            consultation = services.sessions.contributions(team_id, snapshot.id, Step.CONSULTATION)
            view = modals.synthesis_modal(snapshot, [c for c in consultation if c.user_id != snapshot.client_id])
        client.views_open(trigger_id=body["trigger_id"], view=view)

    return listener


open_contract = _client_modal(Step.CONTRACT, "contract")
open_synthesis = _client_modal(Step.SYNTHESIS, "synthesis")


@explains_refusals
def invite(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond) -> None:
    ack()
    services = services_of(context)
    session_part, _, users_part = (body["actions"][0].get("value") or "").partition(":")
    session_id = session_id_of(session_part)
    if session_id is None:  # garbled, forged, or too big for any session id
        raise TransitionError("stale_step")
    snapshot = services.sessions.get(team_of(body), session_id)
    if body["user"]["id"] != snapshot.facilitator_id:
        raise Refusal(t("only_facilitator", facilitator=snapshot.facilitator_id))
    # Only people who really are in the session can be invited, whatever the button says.
    users = [u for u in users_part.split(",") if u in snapshot.participants]
    try:
        if users:
            client.conversations_invite(channel=snapshot.channel_id, users=",".join(users))
    except SlackApiError as error:
        raise Refusal(t("invite_failed", error=error.response.get("error", "error"))) from None
    say_privately(respond, t("invited", people=mentions(users), channel=snapshot.channel_id))


def pace_changed(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    """Switching pace in the start modal refreshes the duration defaults, keeping what was chosen."""
    ack()
    view = body["view"]
    values = input_values(view)
    pace = Pace.parse(values.get(ids.START_PACE))
    metadata = metadata_of(view)
    try:
        client.views_update(
            view_id=view["id"],
            hash=view.get("hash"),
            view=modals.start_modal(
                topic=values.get("topic") or "",
                user_id=body["user"]["id"],
                channel_id=metadata.get("channel", ""),
                pace=pace,
                warning=metadata.get("warning") or None,
                values=values,
                **modals.start_modal_again(metadata),
            ),
        )
    except SlackApiError as error:
        # hash_conflict: the person changed the modal again meanwhile; their newer change brings its own update.
        log.info("start modal not refreshed for the pace: %s", error.response.get("error"))
