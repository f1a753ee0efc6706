"""Block Kit for a group's life between sessions: cadence, kick-offs, action follow-ups and their outcomes."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
)

from bot.domain.cadence import Cadence
from bot.i18n import t
from bot.services.followups import ActionStatus, ActionView, SharedOutcomes
from bot.services.kickoffs import KickoffView
from bot.slack import ids
from bot.slack.blocks.common import as_dicts, cut, escape, section, slack_day
from bot.slack.blocks.modals import TOPIC_LIMIT, view_of
from bot.slack.blocks.session import FALLBACK_LIMIT, slack_date

MAX_VOLUNTEERS_SHOWN = 20  # a message holds 50 blocks


def cadence_text(cadence: Cadence) -> str:
    return t(
        f"cadence_every_{cadence.every_weeks}",
        weekday=t(f"weekday_{cadence.first.weekday()}"),
        at=cadence.at.strftime("%H:%M"),
        tz=cadence.tz,
    )


# ---- kick-off -----------------------------------------------------------------------------------------
def kickoff_message(kickoff: KickoffView, group_name: str, link: str | None = None) -> dict[str, Any]:
    name = escape(group_name)
    blocks: list[Block] = [
        section(
            t("kickoff_intro", name=name, moment=slack_date(kickoff.scheduled_for), facilitator=kickoff.facilitator_id)
        )
    ]
    if kickoff.volunteers:
        blocks.append(section(t("kickoff_volunteers")))
    else:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=t("kickoff_no_volunteer"))]))
    open_ = kickoff.status == "open"
    for volunteer in kickoff.volunteers[:MAX_VOLUNTEERS_SHOWN]:
        picked = volunteer.user_id == kickoff.picked_id
        key = "kickoff_volunteer_line_picked" if picked else "kickoff_volunteer_line"
        text = t(key, user=volunteer.user_id, topic=escape(volunteer.topic))
        accessory = (
            ButtonElement(
                text=t("kickoff_pick_button"), action_id=ids.KICKOFF_PICK, value=f"{kickoff.id}:{volunteer.user_id}"
            )
            if open_ and not picked
            else None
        )
        blocks.append(SectionBlock(text=MarkdownTextObject(text=cut(text, 3000)), accessory=accessory))
    if kickoff.status == "lapsed":
        blocks.append(section(t("kickoff_lapsed")))
        return {"text": t("kickoff_text", name=name), "blocks": as_dicts(blocks)}
    if not open_:
        blocks.append(section(t("kickoff_started", link=link or f"<#{kickoff.channel_id}>")))
        return {"text": t("kickoff_text", name=name), "blocks": as_dicts(blocks)}
    blocks.append(
        InputBlock(
            block_id=ids.KICKOFF_TOPIC_BLOCK,
            label=t("kickoff_topic_label"),
            optional=True,
            element=PlainTextInputElement(
                action_id=ids.KICKOFF_TOPIC,
                max_length=TOPIC_LIMIT,
                placeholder=cut(t("kickoff_topic_placeholder"), 150),
            ),
        )
    )
    buttons = [
        ButtonElement(
            text=t("kickoff_volunteer_button"), action_id=ids.KICKOFF_VOLUNTEER, value=str(kickoff.id), style="primary"
        )
    ]
    if kickoff.volunteers:
        buttons.append(
            ButtonElement(text=t("kickoff_withdraw_button"), action_id=ids.KICKOFF_WITHDRAW, value=str(kickoff.id))
        )
    if kickoff.picked_id:
        blocks.append(
            section(t("kickoff_start_hint", facilitator=kickoff.facilitator_id, client=f"<@{kickoff.picked_id}>"))
        )
        buttons.append(start_button(kickoff))
    blocks.append(ActionsBlock(block_id=ids.KICKOFF_ACTIONS_BLOCK, elements=buttons))
    return {"text": t("kickoff_text", name=name), "blocks": as_dicts(blocks)}


def start_button(kickoff: KickoffView) -> ButtonElement:
    return ButtonElement(
        text=t("kickoff_start_button"), action_id=ids.KICKOFF_START, value=str(kickoff.id), style="primary"
    )


def facilitator_ask(text: str, kickoff: KickoffView) -> dict[str, Any]:
    blocks: list[Block] = [section(text), ActionsBlock(elements=[start_button(kickoff)])]
    return {"text": cut(text, FALLBACK_LIMIT), "blocks": as_dicts(blocks)}


# ---- follow-up ----------------------------------------------------------------------------------------
FOLLOW_UP_BUTTONS = [
    (ActionStatus.DONE, ids.FOLLOW_UP_DONE, "primary"),
    (ActionStatus.POSTPONED, ids.FOLLOW_UP_POSTPONED, None),
    (ActionStatus.DROPPED, ids.FOLLOW_UP_DROPPED, None),
]


def follow_up_message(action: ActionView) -> dict[str, Any]:
    due = slack_day(action.due_date)
    text = t("follow_up_intro", action=escape(action.text), topic=escape(action.topic), due=due)
    buttons = [
        ButtonElement(text=t(f"follow_up_{status.value}"), action_id=action_id, value=str(action.id), style=style)
        for status, action_id, style in FOLLOW_UP_BUTTONS
    ]
    blocks: list[Block] = [section(text), ActionsBlock(block_id=ids.FOLLOW_UP_BLOCK, elements=buttons)]
    return {"text": cut(t("follow_up_text", action=action.text), FALLBACK_LIMIT), "blocks": as_dicts(blocks)}


def follow_up_answered(action: ActionView) -> dict[str, Any]:
    key = "follow_up_recorded" + ("_note" if action.note else "") + ("_shared" if action.shared else "")
    status = outcome_label(action.status.value, action.due_date)
    text = t(key, action=escape(action.text), status=status, note=escape(action.note or ""))
    return {"text": cut(text, FALLBACK_LIMIT), "blocks": as_dicts([section(text)])}


def follow_up_modal(
    action: ActionView, status: ActionStatus, *, dm_channel: str | None, dm_ts: str | None
) -> dict[str, Any]:
    options = [Option(value=s.value, text=t(f"follow_up_{s.value}")) for s, _a, _s in FOLLOW_UP_BUTTONS]
    chosen = next(o for o in options if o.value == status.value)
    share = Option(value="share", text=t("follow_up_share_option"))
    blocks: list[Block] = [
        section(
            t(
                "follow_up_intro",
                action=escape(action.text),
                topic=escape(action.topic),
                due=slack_day(action.due_date),
            )
        ),
        InputBlock(
            block_id="status",
            label=t("follow_up_status"),
            element=RadioButtonsElement(action_id="status", options=options, initial_option=chosen),
        ),
        InputBlock(
            block_id="due", label=t("follow_up_new_date"), optional=True, element=DatePickerElement(action_id="due")
        ),
        InputBlock(
            block_id="note",
            label=t("follow_up_note"),
            optional=True,
            hint=t("follow_up_note_hint"),
            element=PlainTextInputElement(action_id="note", max_length=500, multiline=True),
        ),
        # Off by default: what the owner shares is their call.
        InputBlock(
            block_id="share",
            label=t("follow_up_share"),
            optional=True,
            element=CheckboxesElement(action_id="share", options=[share]),
        ),
    ]
    return view_of(
        ids.FOLLOW_UP_VIEW,
        t("follow_up_title"),
        blocks,
        submit=t("follow_up_submit"),
        metadata={"action": action.id, "dm_channel": dm_channel, "dm_ts": dm_ts},
    )


def outcome_label(status: str, due_date: date | None) -> str:
    if status == ActionStatus.POSTPONED.value:
        return t("outcome_postponed", due=slack_day(due_date))
    return t(f"outcome_{status}")


def shared_outcomes_message(shared: SharedOutcomes) -> dict[str, Any]:
    lines = "\n".join(
        t(
            "shared_outcome_line_note" if a.note else "shared_outcome_line",
            action=escape(a.text),
            status=outcome_label(a.status.value, a.due_date),
            note=escape(a.note or ""),
        )
        for a in shared.actions
    )
    text = t("shared_outcomes", client=shared.client_id, topic=escape(shared.topic), lines=lines)
    return {"text": cut(text, FALLBACK_LIMIT), "blocks": as_dicts([section(text)])}


def parse_day(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
