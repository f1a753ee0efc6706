"""Block Kit for a session in its channel: the root message, each step's message, summaries, status."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
)

from bot.domain import session as core
from bot.domain.session import Status
from bot.domain.steps import EXTENSION, SPEAKERS, Pace, Speakers, Step
from bot.messages import t
from bot.services.sessions import ContributionView, SessionSnapshot
from bot.slack import ids
from bot.slack.blocks.common import as_dicts, cut, escape, section
from bot.slack.blocks.durations import calendar_text, working_time_label

HEADER_LIMIT = 150
FALLBACK_LIMIT = 3000


def step_name(step: Step) -> str:
    return t("step_" + step.key)


def mentions(user_ids: list[str]) -> str:
    return ", ".join(f"<@{u}>" for u in user_ids) or t("summary_none")


def slack_date(moment: datetime) -> str:
    """A date every reader sees in their own time zone; the fallback is UTC."""
    fallback = moment.strftime("%a %d %b %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def human_duration(delta: timedelta) -> str:
    seconds = max(int(delta.total_seconds()), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = []
    if days:
        parts.append(t("duration_days", n=days))
    if hours:
        parts.append(t("duration_hours", n=hours))
    if minutes and not days:
        parts.append(t("duration_minutes", n=minutes))
    if not parts:
        parts.append(t("duration_seconds", n=seconds))
    return " ".join(parts)


def extension_label(pace: Pace) -> str:
    amount = EXTENSION[pace]
    if pace is Pace.LIVE:
        return t("amount_minutes", n=int(amount.total_seconds() // 60))
    return t("amount_half_day")


def time_left_text(snapshot: SessionSnapshot, now: datetime, step: Step | None = None) -> str:
    """What is left of a step: working time in an async session ("1 working day and 2 h"), else clock time."""
    timebox = snapshot.timebox(step)
    left = timebox.time_left(now)
    if snapshot.calendar is None:
        return human_duration(left)
    return working_time_label(left, snapshot.calendar.working_day)


def deadline_line(snapshot: SessionSnapshot, step: Step) -> str:
    """The step's deadline; for an async step, also how much working time it is given and in which calendar."""
    timebox = snapshot.timebox(step)
    deadline = slack_date(timebox.deadline)
    calendar = snapshot.calendar
    if calendar is None:
        return t("step_deadline", deadline=deadline)
    record = snapshot.steps[step]
    amount = working_time_label(record.duration + record.extended, calendar.working_day)
    return t("step_deadline_working", deadline=deadline, amount=amount, calendar=calendar_text(calendar))


def who_speaks(snapshot: SessionSnapshot, step: Step) -> str:
    speakers = SPEAKERS[step]
    if speakers is Speakers.CLIENT:
        return t("who_client", client=snapshot.client_id)
    if speakers is Speakers.CONSULTANTS:
        return t("who_consultants", consultants=mentions(snapshot.consultant_ids))
    return t("who_everyone")


def button_value(snapshot: SessionSnapshot, step: Step | None = None) -> str:
    return f"{snapshot.id}:{int(step or snapshot.step)}"


# ---- root message -------------------------------------------------------------------------------------
def root_message(snapshot: SessionSnapshot, charter_pending: Sequence[str] = ()) -> dict[str, Any]:
    marks = core.progress(snapshot.state())
    progress = "  →  ".join(t("progress_" + mark, step=step_name(step)) for step, mark in marks)
    blocks: list[Block] = [
        HeaderBlock(text=cut(t("root_title", topic=snapshot.topic), HEADER_LIMIT)),
        section(
            t(
                "root_roles",
                client=snapshot.client_id,
                facilitator=snapshot.facilitator_id,
                consultants=mentions(snapshot.consultant_ids),
            )
        ),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=t("root_pace", pace=t("pace_" + snapshot.pace.value), started=slack_date(snapshot.created_at))
                )
            ]
        ),
        section(progress),
    ]
    if snapshot.status is Status.PAUSED:
        blocks.append(section(t("root_paused")))
    elif snapshot.status is Status.ENDED:
        blocks.append(section(t("root_ended")))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=t("root_frame"))]))
    if charter_pending and snapshot.status is not Status.ENDED:
        blocks.append(
            ContextBlock(
                elements=[MarkdownTextObject(text=t("root_charter_pending", people=mentions(list(charter_pending))))]
            )
        )
    if snapshot.status is Status.ENDED:
        text = t("root_fallback_ended", topic=escape(snapshot.topic))
    else:
        text = t(
            "root_fallback", topic=escape(snapshot.topic), number=int(snapshot.step), step=step_name(snapshot.step)
        )
    return {"text": cut(text, FALLBACK_LIMIT), "blocks": as_dicts(blocks)}


# ---- step messages ------------------------------------------------------------------------------------
def step_message(snapshot: SessionSnapshot, step: Step, now: datetime) -> dict[str, Any]:
    """The message whose thread is the step: purpose, who speaks, deadline, done list and controls."""
    record = snapshot.steps[step]
    is_open = record.ended_at is None and snapshot.status is not Status.ENDED and step == snapshot.step
    blocks: list[Block] = [
        HeaderBlock(text=t("step_header", number=int(step), step=step_name(step))),
        section(t("purpose_" + step.key, client=snapshot.client_id)),
    ]
    timebox = snapshot.timebox(step)
    deadline = slack_date(timebox.deadline)
    if is_open:
        blocks.append(section(t("step_speaking_now", who=_plain_who(snapshot, step))))
        blocks.append(section(t("step_examples", examples=t("examples_" + step.key))))
        if snapshot.status is Status.PAUSED:
            status_line = t("step_paused", left=time_left_text(snapshot, now, step))
        else:
            status_line = deadline_line(snapshot, step)
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=status_line + " · " + t("step_reply_here"))]))
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=_done_line(snapshot, step))]))
        blocks.extend(_controls(snapshot, step))
        who = _plain_who(snapshot, step)
        text = t("step_fallback", number=int(step), step=step_name(step), who=who, deadline=deadline)
    else:
        count = snapshot.reply_counts.get(step, 0)
        closed = t("step_closed", count=count, replies=t("reply_one" if count == 1 else "reply_many"))
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=closed)]))
        text = t("step_closed_fallback", number=int(step), step=step_name(step))
    return {"text": cut(text, FALLBACK_LIMIT), "blocks": as_dicts(blocks)}


def _plain_who(snapshot: SessionSnapshot, step: Step) -> str:
    # Mentions in the fallback text notify the people expected to speak now.
    return mentions(snapshot.expected(step)) if SPEAKERS[step] is not Speakers.EVERYONE else t("who_everyone")


def _done_line(snapshot: SessionSnapshot, step: Step) -> str:
    expected = snapshot.expected(step)
    done = [u for u in snapshot.done[step] if u in expected]
    if not done:
        return t("step_done_none", total=len(expected))
    return t("step_done_count", count=len(done), total=len(expected), names=mentions(done))


def _controls(snapshot: SessionSnapshot, step: Step) -> list[Block]:
    value = button_value(snapshot, step)
    people: list[ButtonElement] = [ButtonElement(text=t("button_done"), action_id=ids.DONE, value=value)]
    if step is Step.CONTRACT:
        people.insert(
            0, ButtonElement(text=t("button_contract"), action_id=ids.CONTRACT_OPEN, value=value, style="primary")
        )
    if step is Step.SYNTHESIS:
        people.insert(
            0, ButtonElement(text=t("button_synthesis"), action_id=ids.SYNTHESIS_OPEN, value=value, style="primary")
        )
    paused = snapshot.status is Status.PAUSED
    facilitator = [
        ButtonElement(
            text=t("button_finish" if step is Step.LEARNING else "button_next"),
            action_id=ids.NEXT,
            value=value,
            style="primary",
        ),
        ButtonElement(
            text=t("button_extend", amount=extension_label(snapshot.pace)), action_id=ids.EXTEND, value=value
        ),
        ButtonElement(
            text=t("button_resume" if paused else "button_pause"),
            action_id=ids.RESUME if paused else ids.PAUSE,
            value=value,
        ),
        ButtonElement(text=t("button_handover"), action_id=ids.HANDOVER, value=value),
        ButtonElement(text=t("button_edit"), action_id=ids.EDIT, value=value),
        ButtonElement(
            text=t("button_end"),
            action_id=ids.END,
            value=value,
            style="danger",
            confirm=ConfirmObject(
                title=t("confirm_end_title"),
                text=t("confirm_end_text"),
                confirm=t("confirm_end_yes"),
                deny=t("confirm_end_no"),
                style="danger",
            ),
        ),
    ]
    return [
        ActionsBlock(block_id=ids.PEOPLE_BLOCK, elements=people),
        ActionsBlock(block_id=ids.FACILITATOR_BLOCK, elements=facilitator),
    ]


# ---- contract, synthesis, summary ---------------------------------------------------------------------
def contract_message(snapshot: SessionSnapshot) -> dict[str, Any]:
    text = t(
        "contract_post",
        client=snapshot.client_id,
        need=escape(snapshot.contract_need or ""),
        expectations=escape(snapshot.contract_expectations or ""),
    )
    return {"text": t("contract_fallback", client=snapshot.client_id), "blocks": as_dicts([section(text)])}


def synthesis_text(snapshot: SessionSnapshot, kept: list[ContributionView]) -> str:
    keep = escape((snapshot.synthesis_keep or "").strip())
    kept_lines = "\n".join(t("synthesis_kept_line", text=cut(c.text, 200), user=c.user_id) for c in kept)
    return t(
        "synthesis_post",
        client=snapshot.client_id,
        keep=(keep + "\n") if keep else "",
        kept=kept_lines,
        actions=_action_lines(snapshot),
    )


def synthesis_message(snapshot: SessionSnapshot, kept: list[ContributionView]) -> dict[str, Any]:
    return {
        "text": t("synthesis_fallback", client=snapshot.client_id),
        "blocks": as_dicts([section(synthesis_text(snapshot, kept))]),
    }


def _action_lines(snapshot: SessionSnapshot) -> str:
    if not snapshot.actions:
        return t("synthesis_no_actions")
    return "\n".join(
        t(
            "synthesis_action_line",
            n=i,
            text=escape(a.text),
            due=t("synthesis_due_suffix", due=a.due_date.isoformat()) if a.due_date else "",
        )
        for i, a in enumerate(snapshot.actions, start=1)
    )


def summary_text(snapshot: SessionSnapshot, kept: list[ContributionView]) -> str:
    """The session summary as the client first sees it (and may edit): plain mrkdwn."""
    parts = [
        t("summary_header", topic=escape(snapshot.topic)),
        t(
            "summary_roles",
            client=snapshot.client_id,
            facilitator=snapshot.facilitator_id,
            consultants=mentions(snapshot.consultant_ids),
        ),
    ]
    if snapshot.contract_need:
        parts.append(
            t(
                "summary_contract",
                need=escape(snapshot.contract_need),
                expectations=escape(snapshot.contract_expectations or "") or t("summary_none"),
            )
        )
    keep_lines = [escape(snapshot.synthesis_keep.strip())] if snapshot.synthesis_keep else []
    keep_lines += [t("synthesis_kept_line", text=cut(c.text, 200), user=c.user_id) for c in kept]
    parts.append(t("summary_keep", keep="\n".join(keep_lines) or t("summary_none")))
    parts.append(t("summary_actions", actions=_action_lines(snapshot)))
    lines = "\n".join(
        t("summary_contribution_line", step=step_name(step), count=snapshot.reply_counts.get(step, 0)) for step in Step
    )
    parts.append(t("summary_contributions", lines=lines))
    return "\n\n".join(parts)


def summary_dm(snapshot: SessionSnapshot) -> dict[str, Any]:
    value = str(snapshot.id)
    blocks: list[Block] = [
        section(t("summary_dm", topic=escape(snapshot.topic), channel=snapshot.channel_id)),
        DividerBlock(),
        *[section(chunk) for chunk in _chunks(snapshot.summary_text or "")],
        ActionsBlock(
            block_id=ids.SUMMARY_BLOCK,
            elements=[
                ButtonElement(text=t("button_post_summary"), action_id=ids.SUMMARY_POST, value=value, style="primary"),
                ButtonElement(text=t("button_edit_summary"), action_id=ids.SUMMARY_EDIT, value=value),
            ],
        ),
    ]
    return {"text": t("summary_dm_fallback"), "blocks": as_dicts(blocks)}


def summary_dm_done(snapshot: SessionSnapshot) -> dict[str, Any]:
    blocks = [section(chunk) for chunk in _chunks(snapshot.summary_text or "")]
    blocks.append(section(t("summary_posted", channel=snapshot.channel_id)))
    return {"text": t("summary_posted", channel=snapshot.channel_id), "blocks": as_dicts(blocks)}


def summary_post(snapshot: SessionSnapshot) -> dict[str, Any]:
    blocks = [section(chunk) for chunk in _chunks(snapshot.summary_text or "")]
    return {"text": t("summary_posted_fallback", topic=escape(snapshot.topic)), "blocks": as_dicts(blocks)}


def _chunks(text: str, size: int = 2900) -> list[str]:
    """Split long text into section-sized pieces, on line breaks where possible (at most 20 pieces)."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > size:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:size])
            line = line[size:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > size:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks[:20] or [t("summary_none")]


# ---- status -------------------------------------------------------------------------------------------
def status_message(snapshots: list[SessionSnapshot], now: datetime) -> dict[str, Any]:
    if not snapshots:
        return {"response_type": "ephemeral", "text": t("status_none")}
    lines = []
    for snapshot in snapshots:
        timebox = snapshot.timebox()
        if snapshot.status is Status.PAUSED:
            left = t("status_paused")
        elif timebox.is_overdue(now):
            left = t("status_overdue", left=human_duration(now - timebox.deadline))
        else:
            left = t("status_left", left=time_left_text(snapshot, now))
        lines.append(
            t(
                "status_line",
                topic=escape(snapshot.topic),
                number=int(snapshot.step),
                step=step_name(snapshot.step),
                left=left,
                facilitator=snapshot.facilitator_id,
            )
        )
    text = "\n".join(lines)
    return {"response_type": "ephemeral", "text": cut(text, FALLBACK_LIMIT), "blocks": as_dicts([section(text)])}


def private_note(text: str, *, button: ButtonElement | None = None) -> dict[str, Any]:
    blocks: list[Block] = [section(text)]
    if button is not None:
        blocks.append(ActionsBlock(elements=[button]))
    return {"text": cut(text, FALLBACK_LIMIT), "blocks": as_dicts(blocks)}
