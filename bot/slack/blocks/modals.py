"""Block Kit modals: start a session, contract, synthesis, hand over, edit the summary."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ContextBlock,
    ConversationFilter,
    ConversationSelectElement,
    DatePickerElement,
    DividerBlock,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    StaticMultiSelectElement,
    StaticSelectElement,
    TimePickerElement,
    UserMultiSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.domain.cadence import MAX_EVERY_WEEKS
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
from bot.domain.workcal import WorkingCalendar, describe_days, describe_holidays, describe_hours, from_spec
from bot.i18n import AUTO, SOURCE_LANGUAGE, join_names, language_name, languages, t, tn, weekday_names
from bot.services.groups import DEFAULT_EVALUATION_EVERY, MAX_EVALUATION_EVERY, GroupView
from bot.services.sessions import GOT_ANSWERS, MAX_ACTIONS, ContributionView, SessionSnapshot
from bot.slack import ids
from bot.slack.blocks.common import cut, section
from bot.slack.blocks.durations import (
    calendar_text,
    clock_text,
    working_days_label,
    working_days_list,
    working_time_label,
)
from bot.slack.blocks.session import contract_summary, step_name

TOPIC_LIMIT = 300
LONG_TEXT_LIMIT = 3000
ACTION_TEXT_LIMIT = 500
OPTION_TEXT_LIMIT = 75
HINT_LIMIT = 2000
PLACEHOLDER_LIMIT = 150
MAX_OPTIONS = 100
TIMEKEEPING_OPTIONS = [
    ("auto_advance", "start_auto_advance"),
    ("close_early", "start_close_early"),
    ("nudges", "start_nudges"),
]


def view_of(
    callback_id: str,
    title: str,
    blocks: list[Block],
    *,
    submit: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A modal with codev's title and button limits, and JSON private metadata."""
    view = View(
        type="modal",
        callback_id=callback_id,
        title=cut(title, 24),
        blocks=blocks,
        submit=cut(submit, 24) if submit else None,
        close=t("cancel"),
        private_metadata=json.dumps(metadata or {}, separators=(",", ":")),
    )
    return view.to_dict()


def notice_view(title: str, text: str) -> dict[str, Any]:
    view = View(type="modal", callback_id=ids.NOTICE_VIEW, title=cut(title, 24), blocks=[section(text)], close="OK")
    return view.to_dict()


# ---- start a session ----------------------------------------------------------------------------------
def start_modal(
    *,
    topic: str,
    user_id: str,
    channel_id: str,
    pace: Pace = Pace.LIVE,
    warning: str | None = None,
    values: dict[str, Any] | None = None,
    group_durations: dict[Step, int] | None = None,
    group_pace: Pace | None = None,
    kickoff: int | None = None,
    calendar: WorkingCalendar | None = None,
    charter_pending: Sequence[str] = (),
    charter_required: bool = False,
) -> dict[str, Any]:
    """The start modal; `values` re-fills people chosen before a pace switch rebuilt it.

    In a group's channel, `charter_pending` are its members who have not accepted its charter yet: the modal
    names them, for the facilitator to know (and, when the group requires it, not to choose them yet).

    A group's own step durations are proposed for the group's pace; `kickoff` ties the session to the
    kick-off of a recurring session that led to it. `calendar` is the one an async session would count in
    (`SessionService.calendar_for`): async timeboxes are typed in its working hours, and the defaults keep their
    share of its working day. None: the default days and hours, in the facilitator's zone.
    """
    values = values or {}
    working_day = calendar.working_day if calendar else NOMINAL_WORKING_DAY
    group_fits = group_durations and pace is group_pace
    durations = group_durations if group_durations and group_fits else default_durations(pace, working_day)
    if pace is Pace.ASYNC:
        intro = t("start_durations_async", day=clock_text(working_day), calendar=calendar_text(calendar))
    else:
        intro = t("start_durations")
    blocks: list[Block] = [section(t("start_intro"))]
    if warning:
        blocks.append(ContextBlock(block_id="confidential", elements=[MarkdownTextObject(text=warning)]))
    if charter_pending:
        key = "start_charter_pending_required" if charter_required else "start_charter_pending"
        text = tn(key, len(charter_pending), people=join_names(f"<@{p}>" for p in charter_pending))
        blocks.append(ContextBlock(block_id="charter_pending", elements=[MarkdownTextObject(text=cut(text, 3000))]))
    blocks += [
        InputBlock(
            block_id="topic",
            label=t("start_topic"),
            hint=t("start_topic_hint"),
            element=PlainTextInputElement(
                action_id="topic", initial_value=cut(topic, TOPIC_LIMIT) or None, max_length=TOPIC_LIMIT
            ),
        ),
        InputBlock(
            block_id="facilitator",
            label=t("start_facilitator"),
            element=UserSelectElement(action_id="facilitator", initial_user=values.get("facilitator") or user_id),
        ),
        InputBlock(
            block_id="client",
            label=t("start_client"),
            element=UserSelectElement(action_id="client", initial_user=values.get("client")),
        ),
        InputBlock(
            block_id="consultants",
            label=t("start_consultants"),
            element=UserMultiSelectElement(action_id="consultants", initial_users=values.get("consultants") or None),
        ),
        InputBlock(
            block_id="channel",
            label=t("start_channel"),
            element=ConversationSelectElement(
                action_id="channel",
                initial_conversation=values.get("channel") or channel_id or None,
                filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
            ),
        ),
        InputBlock(
            block_id="pace",
            label=t("start_pace"),
            dispatch_action=True,
            element=RadioButtonsElement(
                action_id=ids.START_PACE,
                options=_pace_options(),
                initial_option=_pace_options()[list(Pace).index(pace)],
            ),
        ),
        section(intro),
    ]
    for step in Step:
        proposed = working_days_label(durations[step], working_day)
        blocks.append(
            InputBlock(
                # The pace in the block_id makes Slack show the new defaults after a pace switch.
                block_id=f"duration_{pace.value}_{step.key}",
                label=step_name(step),
                hint=t("start_duration_proposed", label=proposed) if pace is Pace.ASYNC else None,
                element=NumberInputElement(
                    action_id=f"duration_{step.key}", is_decimal_allowed=False, initial_value=str(durations[step])
                ),
            )
        )
    blocks.append(
        InputBlock(
            block_id="reminder",
            label=t("start_reminder"),
            optional=True,
            hint=t("start_reminder_hint"),
            element=NumberInputElement(
                action_id="reminder",
                is_decimal_allowed=False,
                min_value="0",
                max_value="90",
                initial_value=str(values.get("reminder") or 20),
            ),
        )
    )
    if pace is Pace.ASYNC:
        options = [Option(value=value, text=t(key)) for value, key in TIMEKEEPING_OPTIONS]
        blocks.append(
            InputBlock(
                block_id="timekeeping",
                label=t("start_timekeeping"),
                optional=True,
                element=CheckboxesElement(action_id="timekeeping", options=options, initial_options=options),
            )
        )
    blocks.append(
        InputBlock(
            block_id="group_size",
            label=t("start_group_size"),
            optional=True,
            hint=t("start_group_size_hint"),
            element=CheckboxesElement(
                action_id="group_size", options=[Option(value="confirm", text=t("start_group_size_confirm"))]
            ),
        )
    )
    metadata: dict[str, Any] = {"channel": channel_id, "warning": warning or ""}
    if group_durations and group_pace:
        metadata["group_durations"], metadata["group_pace"] = format_duration_list(group_durations), group_pace.value
    if kickoff is not None:
        metadata["kickoff"] = kickoff
    if charter_pending:  # for the pace switch
        metadata["pending"] = ",".join(list(charter_pending)[:50])
        metadata["required"] = "yes" if charter_required else ""
    if calendar is not None:  # for the pace switch; its holidays do not change what the modal shows
        metadata["calendar"] = replace(calendar, holidays=frozenset()).spec()
    return view_of(ids.START_VIEW, t("start_title"), blocks, submit=t("start_submit"), metadata=metadata)


def _pace_options() -> list[Option]:
    return [Option(value=pace.value, text=t("pace_" + pace.value)) for pace in Pace]


# ---- contract -----------------------------------------------------------------------------------------
def contract_modal(snapshot: SessionSnapshot) -> dict[str, Any]:
    blocks: list[Block] = [
        _long_text(
            "problem",
            t("contract_problem"),
            snapshot.contract_problem or None,
            hint=t("contract_problem_hint"),
            optional=True,
        ),
        _long_text("need", t("contract_need"), snapshot.contract_need or None, hint=t("contract_need_hint")),
        _long_text(
            "expectations",
            t("contract_expectations"),
            snapshot.contract_expectations or None,
            hint=t("contract_expectations_hint"),
            optional=True,
        ),
    ]
    return view_of(
        ids.CONTRACT_VIEW, t("contract_title"), blocks, submit=t("contract_submit"), metadata={"session": snapshot.id}
    )


# ---- synthesis ----------------------------------------------------------------------------------------
def synthesis_modal(snapshot: SessionSnapshot, consultation: list[ContributionView]) -> dict[str, Any]:
    blocks: list[Block] = []
    options = _kept_options(consultation)
    if options:
        initial = [o for o, c in options if c.kept]
        blocks.append(
            InputBlock(
                block_id="kept",
                label=t("synthesis_kept"),
                optional=True,
                hint=t("synthesis_kept_hint"),
                element=StaticMultiSelectElement(
                    action_id="kept", options=[o for o, _ in options], initial_options=initial or None
                ),
            )
        )
    blocks.append(_long_text("keep", t("synthesis_keep"), snapshot.synthesis_keep or None, optional=bool(options)))
    for n in range(1, MAX_ACTIONS + 1):
        blocks.extend(_action_row(snapshot, n, text_label="synthesis_action", due_label="synthesis_due"))
    blocks.extend(_got_blocks(snapshot))
    return view_of(
        ids.SYNTHESIS_VIEW,
        t("synthesis_title"),
        blocks,
        submit=t("synthesis_submit"),
        metadata={"session": snapshot.id},
    )


def _action_row(
    snapshot: SessionSnapshot, n: int, *, text_label: str, due_label: str, owner_label: str | None = None
) -> list[Block]:
    """The n-th action's inputs (text, then its owner when asked, then its due date), filled from the session."""
    existing = snapshot.actions[n - 1] if n <= len(snapshot.actions) else None
    row: list[Block] = [
        InputBlock(
            block_id=f"action_{n}",
            label=t(text_label, n=n),
            optional=True,
            element=PlainTextInputElement(
                action_id=f"action_{n}",
                max_length=ACTION_TEXT_LIMIT,
                initial_value=cut(existing.text, ACTION_TEXT_LIMIT) if existing else None,
            ),
        )
    ]
    if owner_label is not None:
        owner = (existing.owner_id if existing else "") or snapshot.client_id
        row.append(
            InputBlock(
                block_id=f"owner_{n}",
                label=t(owner_label, n=n),
                optional=True,
                element=UserSelectElement(action_id=f"owner_{n}", initial_user=owner),
            )
        )
    due = existing.due_date.isoformat() if existing and existing.due_date else None
    row.append(
        InputBlock(
            block_id=f"due_{n}",
            label=t(due_label, n=n),
            optional=True,
            element=DatePickerElement(action_id=f"due_{n}", initial_date=due),
        )
    )
    return row


def _got_blocks(snapshot: SessionSnapshot) -> list[Block]:
    """The question "did you get what you asked for?", with the contract it asks about (or the fact there is none)."""
    if snapshot.contract_need:
        context = t("synthesis_contract_context", contract=contract_summary(snapshot))
    else:
        context = t("synthesis_no_contract_context")
    options = [Option(value=answer, text=t("synthesis_got_" + answer)) for answer in GOT_ANSWERS]
    initial = next((o for o in options if o.value == snapshot.synthesis_got), None)
    return [
        DividerBlock(),
        section(context),
        InputBlock(
            block_id="got",
            label=t("synthesis_got"),
            optional=True,
            element=RadioButtonsElement(action_id="got", options=options, initial_option=initial),
        ),
        _long_text(
            "got_note",
            t("synthesis_got_note"),
            snapshot.synthesis_got_note or None,
            hint=t("synthesis_got_note_hint"),
            optional=True,
        ),
    ]


# ---- hand over, summary -------------------------------------------------------------------------------
def handover_modal(snapshot: SessionSnapshot) -> dict[str, Any]:
    blocks: list[Block] = [InputBlock(block_id="to", label=t("handover_to"), element=UserSelectElement(action_id="to"))]
    return view_of(
        ids.HANDOVER_VIEW, t("handover_title"), blocks, submit=t("handover_submit"), metadata={"session": snapshot.id}
    )


def edit_modal(snapshot: SessionSnapshot) -> dict[str, Any]:
    """Swap the client or consultants; change the timeboxes of the current and later steps."""
    pace = snapshot.pace
    calendar = snapshot.calendar
    working_day = calendar.working_day if calendar else NOMINAL_WORKING_DAY
    # Async sessions started before working calendars keep clock hours: no working days to speak of.
    in_working_time = pace is Pace.ASYNC and calendar is not None
    if in_working_time:
        intro = t("edit_intro_async", day=clock_text(working_day), calendar=calendar_text(calendar))
    else:
        intro = t("edit_intro_clock_hours") if pace is Pace.ASYNC else t("edit_intro")
    blocks: list[Block] = [
        section(intro),
        InputBlock(
            block_id="client",
            label=t("start_client"),
            element=UserSelectElement(action_id="client", initial_user=snapshot.client_id),
        ),
        InputBlock(
            block_id="consultants",
            label=t("start_consultants"),
            element=UserMultiSelectElement(action_id="consultants", initial_users=snapshot.consultant_ids),
        ),
    ]
    for step in Step:
        if step < snapshot.step:
            continue
        duration = snapshot.steps[step].duration
        amount = int(duration / pace.unit)
        now = working_time_label(duration, working_day)
        blocks.append(
            InputBlock(
                block_id=f"duration_{pace.value}_{step.key}",
                label=step_name(step),
                hint=t("edit_duration_now", label=now) if in_working_time else None,
                element=NumberInputElement(
                    action_id=f"duration_{step.key}", is_decimal_allowed=False, initial_value=str(amount)
                ),
            )
        )
    return view_of(
        ids.EDIT_VIEW,
        t("edit_title"),
        blocks,
        submit=t("edit_submit"),
        metadata={"session": snapshot.id, "version": snapshot.version},
    )


def summary_edit_modal(
    snapshot: SessionSnapshot, consultation: list[ContributionView], dm_channel: str | None, dm_ts: str | None
) -> dict[str, Any]:
    """The summary's fields (what the client keeps, the actions), never its mrkdwn: codev writes the rest."""
    blocks: list[Block] = [section(t("summary_edit_intro"))]
    options = _kept_options(consultation)
    if options:
        initial = [o for o, c in options if c.kept]
        blocks.append(
            InputBlock(
                block_id="kept",
                label=t("summary_edit_kept"),
                optional=True,
                element=StaticMultiSelectElement(
                    action_id="kept", options=[o for o, _ in options], initial_options=initial or None
                ),
            )
        )
    blocks.append(
        _long_text(
            "keep", t("summary_edit_keep"), cut(snapshot.synthesis_keep or "", LONG_TEXT_LIMIT) or None, optional=True
        )
    )
    for n in range(1, MAX_ACTIONS + 1):
        blocks.extend(
            _action_row(
                snapshot,
                n,
                text_label="summary_edit_action",
                due_label="summary_edit_due",
                owner_label="summary_edit_owner",
            )
        )
    return view_of(
        ids.SUMMARY_EDIT_VIEW,
        t("summary_edit_title"),
        blocks,
        submit=t("summary_edit_submit"),
        # Each row's action, by id: a row cleared deletes its action, a row written anew creates one.
        metadata={
            "session": snapshot.id,
            "dm_channel": dm_channel,
            "dm_ts": dm_ts,
            "actions": ",".join(str(a.id) for a in snapshot.actions[:MAX_ACTIONS]),
        },
    )


def _kept_options(consultation: list[ContributionView]) -> list[tuple[Option, ContributionView]]:
    """The consultants' replies to pick from: Slack allows 100 options of 75 characters, the newest win."""
    return [
        (Option(value=str(c.id), text=cut(c.text, OPTION_TEXT_LIMIT)), c)
        for c in consultation[-MAX_OPTIONS:]
        if c.text.strip()
    ]


def shown_reply_ids(consultation: list[ContributionView]) -> set[int]:
    """The replies a synthesis or summary-edit modal offers to keep: those it does not show keep their state."""
    return {c.id for _, c in _kept_options(consultation)}


def group_modal(
    *,
    channel_id: str,
    group: GroupView | None,
    user_id: str,
    tz: str | None,
    warning: str | None = None,
    most_members: str = SOURCE_LANGUAGE,
) -> dict[str, Any]:
    """Create or edit a channel's group; `tz` is the person's zone, proposed for the working hours and the cadence
    when the group has none of its own; `most_members` is the language most members read (the channel's when
    its language is automatic).

    The size check (a checkbox to keep a group of another size than 5 to 8) shows only for such a size: here for
    a group that has one already; then as members are chosen (`with_size_check`, on the members' dispatch).
    """
    pace = group.pace if group else Pace.LIVE
    calendar = group.calendar if group else None
    cadence = group.cadence if group else None
    work_tz = calendar.tz if calendar else (cadence.tz if cadence else tz)
    shown = calendar or WorkingCalendar()  # the days and hours proposed to a group without a calendar
    live, async_ = default_durations(Pace.LIVE), default_durations(Pace.ASYNC, shown.working_day)
    durations_hint = t(
        "group_durations_hint",
        live=format_duration_list(live),
        async_=format_duration_list(async_),
        days=working_days_list([async_[step] for step in Step], shown.working_day),
        day=clock_text(shown.working_day),
    )
    rhythm = [Option(value="0", text=t("group_cadence_none"))] + [
        Option(value=str(n), text=t(f"group_cadence_every_{n}")) for n in range(1, MAX_EVERY_WEEKS + 1)
    ]
    blocks: list[Block] = []
    if warning:
        blocks.append(ContextBlock(block_id="confidential", elements=[MarkdownTextObject(text=warning)]))
    blocks += [
        InputBlock(
            block_id="name",
            label=t("group_name"),
            element=PlainTextInputElement(
                action_id="name", max_length=100, initial_value=group.name if group else None
            ),
        ),
        InputBlock(
            block_id="members",
            label=t("group_members"),
            hint=t("group_members_hint"),
            dispatch_action=True,  # each change of members tells codev, which shows the size check or hides it
            element=UserMultiSelectElement(action_id="members", initial_users=group.members if group else [user_id]),
        ),
    ]
    if group is not None and not peer_count_is_usual(len(group.members)):
        blocks.append(group_size_block(len(group.members)))
    required = Option(value="required", text=t("group_charter_required_option"))
    blocks += [
        _long_text(
            "charter",
            t("group_charter"),
            group.charter if group else t("group_default_charter"),
            hint=t("group_charter_hint"),
        ),
        InputBlock(
            block_id="charter_required",
            label=t("group_charter_required"),
            optional=True,
            hint=t("group_charter_required_hint"),
            element=CheckboxesElement(
                action_id="charter_required",
                options=[required],
                initial_options=[required] if group and group.charter_required else None,
            ),
        ),
        InputBlock(
            block_id="pace",
            label=t("group_pace"),
            element=RadioButtonsElement(
                action_id="pace", options=_pace_options(), initial_option=_pace_options()[list(Pace).index(pace)]
            ),
        ),
        group_language_block(group.language if group else None, most_members),
        InputBlock(
            block_id="work_tz",
            label=t("group_work_tz"),
            optional=True,
            hint=t("group_work_tz_hint"),
            element=PlainTextInputElement(action_id="work_tz", max_length=64, initial_value=work_tz or None),
        ),
        InputBlock(
            block_id="work_days",
            label=t("group_work_days"),
            hint=t("group_work_days_hint"),
            element=PlainTextInputElement(
                action_id="work_days", max_length=60, initial_value=describe_days(shown.days, weekday_names())
            ),
        ),
        InputBlock(
            block_id="work_hours",
            label=t("group_work_hours"),
            hint=t("group_work_hours_hint"),
            element=PlainTextInputElement(action_id="work_hours", max_length=30, initial_value=describe_hours(shown)),
        ),
        _long_text(
            "holidays",
            t("group_holidays"),
            cut(describe_holidays(calendar, "\n"), LONG_TEXT_LIMIT) if calendar else None,
            hint=t("group_holidays_hint"),
            optional=True,
        ),
        InputBlock(
            block_id="durations",
            label=t("group_durations"),
            optional=True,
            hint=cut(durations_hint, HINT_LIMIT),
            element=PlainTextInputElement(
                action_id="durations",
                max_length=60,
                placeholder=cut(
                    t(
                        "group_durations_placeholder",
                        live=format_duration_list(live),
                        async_=format_duration_list(async_),
                    ),
                    PLACEHOLDER_LIMIT,
                ),
                initial_value=format_duration_list(group.durations) if group and group.durations else None,
            ),
        ),
        InputBlock(
            block_id="cadence",
            label=t("group_cadence"),
            optional=True,
            element=StaticSelectElement(
                action_id="cadence", options=rhythm, initial_option=rhythm[cadence.every_weeks if cadence else 0]
            ),
        ),
        InputBlock(
            block_id="cadence_first",
            label=t("group_cadence_first"),
            optional=True,
            hint=t("group_cadence_first_hint"),
            element=DatePickerElement(
                action_id="cadence_first", initial_date=cadence.first.isoformat() if cadence else None
            ),
        ),
        InputBlock(
            block_id="cadence_time",
            label=t("group_cadence_time"),
            optional=True,
            element=TimePickerElement(
                action_id="cadence_time", initial_time=cadence.at.strftime("%H:%M") if cadence else None
            ),
        ),
        InputBlock(
            block_id="cadence_tz",
            label=t("group_cadence_tz"),
            optional=True,
            hint=t("group_cadence_tz_hint"),
            element=PlainTextInputElement(
                action_id="cadence_tz", max_length=64, initial_value=(cadence.tz if cadence else tz) or None
            ),
        ),
        InputBlock(
            block_id="evaluation_every",
            label=t("group_evaluation_every"),
            hint=t("group_evaluation_every_hint"),
            element=NumberInputElement(
                action_id="evaluation_every",
                is_decimal_allowed=False,
                min_value="0",
                max_value=str(MAX_EVALUATION_EVERY),
                initial_value=str(group.evaluation_every if group else DEFAULT_EVALUATION_EVERY),
            ),
        ),
    ]
    return view_of(
        ids.GROUP_VIEW, t("group_modal_title"), blocks, submit=t("group_submit"), metadata={"channel": channel_id}
    )


def group_language_block(language: str | None, most_members: str) -> InputBlock:
    """The channel's language: automatic (most members', named as it is now), or one codev speaks."""
    automatic = Option(
        value=AUTO, text=cut(t("group_language_auto", language=language_name(most_members)), OPTION_TEXT_LIMIT)
    )
    options = [automatic, *(Option(value=code, text=language_name(code)) for code in languages())]
    initial = next((o for o in options if o.value == language), automatic)  # a language no longer spoken: auto
    return InputBlock(
        block_id="language",
        label=t("group_language"),
        hint=t("group_language_hint"),
        element=StaticSelectElement(action_id="language", options=options, initial_option=initial),
    )


GROUP_SIZE_BLOCKS = ("group_size", "group_size_note")
VIEW_KEPT = ("type", "callback_id", "title", "submit", "close", "private_metadata")  # what a rebuilt view keeps


def group_size_block(count: int) -> InputBlock:
    """The checkbox that keeps a group of another size than the method's 5 to 8."""
    return InputBlock(
        block_id="group_size",
        label=t("start_group_size"),
        optional=True,
        hint=tn("group_size_count_hint", count),
        element=CheckboxesElement(
            action_id="group_size", options=[Option(value="confirm", text=t("start_group_size_confirm"))]
        ),
    )


def with_size_check(view: dict[str, Any], members: list[str], *, explain: bool = False) -> dict[str, Any]:
    """The group modal as Slack sent it back (a dispatch, a submission), rebuilt for views.update or a
    `response_action: update`: the size check right under the members when their number is not 5 to 8, none
    otherwise; `explain` adds why at the top (a submission that needs the check). What was typed is kept: the
    block ids do not change, and each input starts from what its state holds."""
    state = (view.get("state") or {}).get("values") or {}
    blocks = []
    for block in view.get("blocks") or []:
        if not isinstance(block, dict) or block.get("block_id") in GROUP_SIZE_BLOCKS:
            continue
        blocks.append(_with_state(block, state.get(str(block.get("block_id") or "")) or {}))
        if block.get("block_id") == "members" and not peer_count_is_usual(len(members)):
            blocks.append(group_size_block(len(members)).to_dict())
    if explain and not peer_count_is_usual(len(members)):
        note = ContextBlock(
            block_id="group_size_note",
            elements=[MarkdownTextObject(text=tn("group_size_explain", len(members)))],
        )
        blocks.insert(0, note.to_dict())
    kept = {key: view[key] for key in VIEW_KEPT if key in view}
    rebuilt = View(**{**kept, "blocks": blocks})
    return rebuilt.to_dict()


def _with_state(block: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    """An input block whose element starts from the value its state holds (Slack keeps it too, by block id)."""
    element = block.get("element")
    if block.get("type") != "input" or not isinstance(element, dict):
        return block
    value = state.get(str(element.get("action_id") or "")) or {}
    kind, element = element.get("type"), dict(element)
    for field_name, initial in (
        ("value", "initial_value"),
        ("selected_users", "initial_users"),
        ("selected_option", "initial_option"),
        ("selected_options", "initial_options"),
        ("selected_date", "initial_date"),
        ("selected_time", "initial_time"),
        ("selected_user", "initial_user"),
        ("selected_conversation", "initial_conversation"),
    ):
        if field_name not in value:
            continue
        chosen = value[field_name]
        if chosen in (None, "", []):
            element.pop(initial, None)
        elif kind != "number_input" or str(chosen).lstrip("-").isdigit():  # Slack refuses a non-number there
            element[initial] = chosen
    return {**block, "element": element}


def parse_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def start_modal_again(metadata: dict[str, Any]) -> dict[str, Any]:
    """The start modal's arguments kept in its metadata, for a rebuild (pace switch, warning)."""
    kept: dict[str, Any] = {"kickoff": metadata.get("kickoff"), "calendar": from_spec(metadata.get("calendar"))}
    pending = str(metadata.get("pending") or "")
    if pending:  # metadata holds text: the ids, comma-separated
        kept["charter_pending"] = [p for p in pending.split(",") if p.strip()][:50]
        kept["charter_required"] = metadata.get("required") == "yes"
    group_pace = Pace.parse(metadata.get("group_pace"))
    try:
        kept["group_durations"] = parse_duration_list(str(metadata.get("group_durations") or ""), group_pace)
        kept["group_pace"] = group_pace
    except ValueError:
        pass
    return kept


def parse_durations(
    values: dict[str, Any], pace: Pace, steps: list[Step]
) -> tuple[dict[Step, timedelta], dict[str, str]]:
    """Timeboxes typed in a modal, in the pace's unit, with an inline error for each one that makes no sense."""
    durations: dict[Step, timedelta] = {}
    errors: dict[str, str] = {}
    for step in steps:
        block_id = f"duration_{pace.value}_{step.key}"
        raw = str(values.get(f"duration_{step.key}") or "").strip()
        try:
            amount = int(raw)
        except ValueError:
            errors[block_id] = t("error_duration_not_number_" + pace.value)
            continue
        if amount <= 0:
            errors[block_id] = t("error_duration_not_positive_" + pace.value)
        elif amount > MAX_DURATION[pace]:
            errors[block_id] = tn("error_duration_absurd_" + pace.value, MAX_DURATION[pace])
        else:
            durations[step] = pace.unit * amount
    return durations, errors


def _long_text(
    block_id: str, label: str, initial: str | None, *, hint: str | None = None, optional: bool = False
) -> InputBlock:
    """A multiline text field of up to LONG_TEXT_LIMIT characters whose action id is its block id."""
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        hint=hint,
        element=PlainTextInputElement(
            action_id=block_id, multiline=True, max_length=LONG_TEXT_LIMIT, initial_value=initial
        ),
    )
