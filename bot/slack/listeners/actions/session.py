"""Buttons on a session's messages: the facilitator's controls and the participants' own."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.models.blocks import ButtonElement

from bot.domain.session import Status, TransitionError
from bot.domain.steps import Pace, Step
from bot.i18n import join_names, reading, t
from bot.services.sessions import Change, Note, NotFound, SessionSnapshot
from bot.slack import ids
from bot.slack.blocks import modals, notes
from bot.slack.blocks.session import end_confirmation, mention, private_note, slack_date, step_name, who_speaks
from bot.slack.context import Services, services_of
from bot.slack.listeners.common import (
    MAX_ID,
    REFUSALS,
    Refusal,
    clicked_session,
    clicked_value,
    explains_refusals,
    input_values,
    metadata_of,
    number_in,
    refusal_answer,
    say_privately,
    session_and_step,
    session_id_of,
    team_of,
)
from bot.slack.publisher import answering_click

log = logging.getLogger(__name__)

# (services, team, session, step, who clicked, the version the click was shown for or None) -> the change, applied
# atomically: with a version, only if the session is still at it (of ten identical clicks at once, one applies).
Control = Callable[[Services, str, int, Step, str, int | None], Change]


def _clicked(body: dict[str, Any]) -> tuple[str, str, int, Step, int | None]:
    """(team, user, session id, step, version) from a control's button: "<session>:<step>" with, since the
    buttons carry it, ":<version>". Anything else (garbled, forged) is a stale button."""
    value = clicked_value(body)
    head, versioned, version_part = value.rpartition(":") if value.count(":") == 2 else (value, "", "")
    parsed = session_and_step(head)
    version = number_in(version_part, 0, MAX_ID) if versioned else None
    if parsed is None or (versioned and version is None):
        raise TransitionError("stale_step")
    return team_of(body), body["user"]["id"], parsed[0], parsed[1], version


def _open_session(
    services: Services, clicked: tuple[str, str, int, Step, int | None], *, stale: str, who: str
) -> SessionSnapshot:
    """The session a control was clicked (or picked) for, as it is, for its facilitator. An ended session, a
    step that is over or a session changed since the control was shown (`stale`, a messages key) is said first,
    before anyone is offered to take it over; `who` is the key telling others only the facilitator may."""
    team_id, user_id, session_id, step, version = clicked
    snapshot = services.sessions.get(team_id, session_id)
    if snapshot.status is Status.ENDED:
        raise TransitionError("session_ended")
    if snapshot.step != step:
        raise TransitionError("stale_step")
    if version is not None and snapshot.version != version:  # its options may say the opposite now
        raise Refusal(t(stale))
    _authorize(services, snapshot, user_id, who)
    return snapshot


def _apply(
    services: Services,
    context: BoltContext,
    apply: Control,
    clicked: tuple[str, str, int, Step, int | None],
    stale: str,
) -> None:
    """Apply a control for the version it was shown at; a click that lost the race is told `stale`."""
    team_id, user_id, session_id, step, version = clicked
    try:
        change = apply(services, team_id, session_id, step, user_id, version)
    except TransitionError as refused:
        if refused.reason in ("stale_pick", "concurrent_change"):
            raise Refusal(t(stale)) from None
        raise
    _show(services, change, context)


def _facilitator_control(apply: Control) -> Callable[..., None]:
    """A listener for a facilitator-only button: authorize, apply atomically, then show the change."""

    @explains_refusals
    def listener(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack()
        services = services_of(context)
        clicked = _clicked(body)
        _open_session(services, clicked, stale="stale_click", who="only_facilitator")
        with answering_click(body, context.respond):  # the clicked step's message: redrawn without a Web API call
            _apply(services, context, apply, clicked, "stale_click")

    return listener


def _show(services: Services, change: Change, context: BoltContext) -> None:
    """Deliver what the change owes Slack; if Slack does not take it now, say so to whoever clicked."""
    untold = services.relay.show(change)
    if untold and context.respond is not None:
        say_privately(context.respond, untold)


def _authorize(services: Services, snapshot: SessionSnapshot, user_id: str, who: str = "only_facilitator") -> None:
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
    raise Refusal(t(who, facilitator=snapshot.facilitator_id))


def _facilitator_absent(services: Services, snapshot: SessionSnapshot) -> bool:
    """Deactivated, or silent a whole step's length past the deadline: the group may take over (not once the
    session has ended: there is nothing left to keep going)."""
    if snapshot.status is Status.ENDED:
        return False
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
    ids.NEXT: lambda s, team, sid, step, _user, version: s.sessions.next_step(
        team, sid, step, expected_version=version
    ),
    ids.EXTEND: lambda s, team, sid, step, user, version: s.sessions.extend(
        team, sid, step, note=notes.extended(user), expected_version=version
    ),
    ids.PAUSE: lambda s, team, sid, step, user, version: s.sessions.pause(
        team, sid, step, note=notes.paused(user), expected_version=version
    ),
    ids.RESUME: lambda s, team, sid, step, user, version: s.sessions.resume(
        team, sid, step, note=notes.resumed(user), expected_version=version
    ),
    ids.END: lambda s, team, sid, _step, _user, version: s.sessions.end(team, sid, expected_version=version),
}
# Buttons still carry these: the time's-up DM's Continue and Move on (with the version since they were sent,
# without it in DMs sent before), the End confirmation; forged clicks too. A versionless Move on is guarded by its
# step (a second tap finds the step over); a versionless Continue by the time being up (see extend).
next_step = _facilitator_control(CONTROLS[ids.NEXT])
pause = _facilitator_control(CONTROLS[ids.PAUSE])
resume = _facilitator_control(CONTROLS[ids.RESUME])


@explains_refusals
def extend(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The time's-up DM's Continue (and forged Extend buttons). One sent before buttons carried the session's
    version extends once per time's up: only while the step's time is really up, and only the session as it was
    then (a double tap, or Continue after Extend in the menu, is told the step has time left)."""
    ack()
    services = services_of(context)
    clicked = _clicked(body)
    team_id, user_id, session_id, step, version = clicked
    snapshot = _open_session(services, clicked, stale="stale_click", who="only_facilitator")
    if version is None and snapshot.status is Status.RUNNING:
        timebox = snapshot.timebox()
        if not timebox.is_overdue(services.clock.now()):
            raise Refusal(t("continue_not_needed", deadline=slack_date(timebox.deadline)))
        version = snapshot.version
    _apply(services, context, CONTROLS[ids.EXTEND], (team_id, user_id, session_id, step, version), "stale_click")


@explains_refusals
def end(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """End the session; clicked in the private confirmation (after "End the session…" in the Facilitator menu).
    The confirmation is put away whatever comes of it: gone once the session has ended, replaced by why not when
    the click is refused (a confirmation left since the session changed, or without a version, is stale)."""
    ack()
    services = services_of(context)
    in_confirmation = (body.get("container") or {}).get("is_ephemeral") is True and context.respond is not None
    try:
        clicked = _clicked(body)
        _open_session(services, clicked, stale="stale_click", who="only_facilitator")
        if clicked[4] is None:  # a confirmation from before they carried the version: ask again
            raise Refusal(t("stale_click"))
        _apply(services, context, CONTROLS[ids.END], clicked, "stale_click")
    except REFUSALS as refused:
        if not in_confirmation:
            raise
        text, note = refusal_answer(refused)
        assert context.respond is not None
        context.respond(text=text, response_type="ephemeral", replace_original=True, **note)
        return
    if in_confirmation:
        assert context.respond is not None
        context.respond(delete_original=True)


def end_cancel(ack: Ack, context: BoltContext) -> None:
    """The End confirmation's Cancel: nothing ends, the confirmation goes away."""
    ack()
    if context.respond is not None:
        context.respond(delete_original=True)


def _facilitator_modal(build: Callable[[SessionSnapshot], dict[str, Any]]) -> Callable[..., None]:
    """A listener for a facilitator-only button that opens a modal (hand over, edit)."""

    @explains_refusals
    def listener(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        ack()
        services = services_of(context)
        snapshot = _open_session(services, _clicked(body), stale="stale_click", who="only_facilitator")
        _open_modal(client, body["trigger_id"], build(snapshot))

    return listener


def _open_modal(client: WebClient, trigger_id: str, view: dict[str, Any]) -> None:
    """Open a modal; when Slack will not (the trigger expired: it lives 3 s), say so kindly instead."""
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as error:
        reason = error.response.get("error", "error")
        log.info("modal not opened: %s", reason)
        if reason == "expired_trigger_id":
            raise Refusal(t("pick_failed_expired")) from None
        raise Refusal(t("pick_failed", error=reason)) from None


MODALS: dict[str, Callable[[SessionSnapshot], dict[str, Any]]] = {
    ids.HANDOVER: modals.handover_modal,
    ids.EDIT: modals.edit_modal,
}
hand_over = _facilitator_modal(MODALS[ids.HANDOVER])
edit = _facilitator_modal(MODALS[ids.EDIT])


# ---- the Facilitator menu ------------------------------------------------------------------------------
def facilitator_menu(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """A pick in the step message's Facilitator menu: answered as the control's button was, once the menu is
    known to show the session as it is (no stale or double pick) and the picker to be its facilitator.

    Whatever comes of it, the picker is answered privately and the step's message is drawn again unless the
    pick changed the session (which redraws it): Slack keeps showing the picked option, and picking it again
    would send nothing, so a refused or failed pick must put the menu back to its label."""
    ack()
    services = services_of(context)
    try:
        action_id, session_id, step, version = _picked(body)
    except TransitionError as refused:  # garbled or forged: no session to redraw
        _tell(services, context, body, t(refused.reason))
        return
    team_id, user_id = team_of(body), body["user"]["id"]
    changed = False
    # The step's message picked in (closed by Next, redrawn after any pick) is replaced through the pick's
    # response_url: no Web API call for it.
    with answering_click(body, context.respond):
        try:
            changed = _answer_pick(
                services, context, client, body, action_id, (team_id, user_id, session_id, step, version)
            )
        except REFUSALS as refused:
            text, note = refusal_answer(refused)
            _tell(services, context, body, text, **note)
        finally:
            if not changed:
                _redraw(services, team_id, session_id, step)


def _answer_pick(
    services: Services,
    context: BoltContext,
    client: WebClient,
    body: dict[str, Any],
    action_id: str,
    picked: tuple[str, str, int, Step, int | None],
) -> bool:
    """Do what was picked; True when the session changed (and its messages are redrawn with it)."""
    snapshot = _open_session(services, picked, stale="stale_pick", who="only_facilitator_pick")
    if action_id == ids.END:  # destructive: a private confirmation first, its button ends the session
        note = end_confirmation(snapshot, snapshot.step)
        _tell(services, context, body, note.pop("text"), **note)
        return False
    if action_id in MODALS:
        _open_modal(client, body["trigger_id"], MODALS[action_id](snapshot))
        return False
    _apply(services, context, CONTROLS[action_id], picked, "stale_pick")
    return True


def _redraw(services: Services, team_id: str, session_id: int, step: Step) -> None:
    """The step's message drawn afresh (a new block id: the menu shows its label again), delivered now."""
    try:
        services.sessions.redraw_step(team_id, session_id, step)
    except NotFound:
        return
    services.relay.settle(team_id, session_id)


def _tell(services: Services, context: BoltContext, body: dict[str, Any], text: str, **extra: Any) -> None:
    """A private answer to whoever picked: through the pick's response_url; if Slack does not take it there,
    as an ephemeral message in the channel (a confirmation that never arrives would leave them wondering)."""
    if context.respond is not None:
        try:
            answer = context.respond(text=text, response_type="ephemeral", replace_original=False, **extra)
            if answer is None or answer.status_code == 200:  # None: no response_url, nowhere to answer
                return
            log.info("private answer refused by response_url (%s); posting it as an ephemeral", answer.status_code)
        except (OSError, SlackClientError):
            log.info("private answer not sent through response_url; posting it as an ephemeral", exc_info=True)
    channel_id = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    if channel_id:
        services.publisher.ephemeral(channel_id, body["user"]["id"], text, **extra)


def _picked(body: dict[str, Any]) -> tuple[str, int, Step, int]:
    """(control's action id, session id, step, version) from the picked option; a garbled one is stale."""
    option = body["actions"][0].get("selected_option")
    picked = option.get("value") if isinstance(option, dict) else None
    action_id, _, rest = picked.partition("|") if isinstance(picked, str) else ("", "", "")
    value, _, version_part = rest.rpartition(":")
    version = number_in(version_part, 0, MAX_ID)
    parsed = session_and_step(value)
    if action_id not in ids.FACILITATOR_CONTROLS or version is None or parsed is None:
        raise TransitionError("stale_step")
    return action_id, parsed[0], parsed[1], version


@explains_refusals
def take_over(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    services = services_of(context)
    team_id, user_id, session_id, _step = clicked_session(body)
    snapshot = services.sessions.get(team_id, session_id)
    if snapshot.status is Status.ENDED:
        raise TransitionError("session_ended")
    if user_id not in snapshot.participants or not _facilitator_absent(services, snapshot):
        raise Refusal(t("only_facilitator", facilitator=snapshot.facilitator_id))
    # The method lets the client keep the session going too when the facilitator has vanished.
    with reading(snapshot.language):  # the thread's note, in the channel's language
        note = Note(snapshot.step, {"text": t("took_over", user=user_id)})
    try:  # of two people taking over at once, one does; the other is told the session changed
        change = services.sessions.hand_over(
            team_id, snapshot.id, user_id, allow_client=True, note=note, expected_version=snapshot.version
        )
    except TransitionError as refused:
        if refused.reason in ("stale_pick", "concurrent_change"):
            raise Refusal(t("stale_click")) from None
        raise
    _show(services, change, context)


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
    everyone = set(snapshot.expected(step)) <= set(snapshot.done[step])
    with answering_click(body, respond):  # the step's message clicked in: redrawn without a Web API call
        services.relay.settle(team_id, session_id)  # the step's message counts them (Slack may take it later)
        if everyone and snapshot.close_when_all_done:
            _close_early(services, snapshot, step)
    if everyone and not snapshot.close_when_all_done:
        with reading(services.languages.person(team_id, snapshot.facilitator_id)):
            text = t("done_all", step=step_name(step))
        services.publisher.ephemeral(
            snapshot.channel_id, snapshot.facilitator_id, text, thread_ts=snapshot.steps[step].message_ts
        )


def _close_early(services: Services, snapshot: SessionSnapshot, step: Step) -> None:
    """Async sessions may move on as soon as everyone expected has said they are done."""
    with reading(snapshot.language):
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
    people = join_names(mention(u) for u in users) or t("summary_none")
    say_privately(respond, t("invited", people=people, channel=snapshot.channel_id))


def pace_changed(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    """Switching pace in the start modal refreshes the duration defaults, keeping what was chosen."""
    ack()
    view = body.get("view")
    if not isinstance(view, dict) or not view.get("id"):
        return  # not from the start modal: nothing to refresh
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
