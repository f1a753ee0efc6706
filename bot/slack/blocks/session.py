"""Block Kit for a session in its channel: the root message, each step's message, summaries, status."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    StaticSelectElement,
)

from bot.domain import session as core
from bot.domain.session import Status
from bot.domain.steps import EXTENSION, Pace, Step
from bot.i18n import format_moment, t, tn
from bot.services.sessions import GOT_ANSWERS, ContributionView, SessionSnapshot
from bot.slack import ids
from bot.slack.blocks.after import learning_prompts
from bot.slack.blocks.common import SECTION_TEXT_LIMIT, as_dicts, cut, escape, section, slack_day, without_mentions
from bot.slack.blocks.durations import calendar_text, working_time_label

HEADER_LIMIT = 150
FALLBACK_LIMIT = 3000


def step_name(step: Step) -> str:
    return t("step_" + step.key)


def mention(user_id: str) -> str:
    return f"<@{user_id}>"


def mentions(user_ids: list[str], person: Callable[[str], str] = mention) -> str:
    """People as Slack shows them (mentions), or as `person` writes each one (a name, for fallback texts)."""
    return ", ".join(person(u) for u in user_ids) or t("summary_none")


def slack_date(moment: datetime) -> str:
    """A date every reader sees in their own time zone; the fallback (notifications, old clients) is UTC."""
    fallback = t("date_fallback_utc", moment=format_moment(moment, UTC))
    # Slack fills in the tokens; the words around them are the reader's language's.
    tokens = t("date_at_time", date="{date_short_pretty}", time="{time}")
    return f"<!date^{int(moment.timestamp())}^{tokens}|{fallback}>"


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
    """Those a step expects (who may say "I'm done"), mentioned."""
    return mentions(snapshot.expected(step))


def display_name(snapshot: SessionSnapshot, user_id: str) -> str:
    """How a fallback text (notifications, screen readers) writes someone: the name Slack last told codev.

    Without one (never cached), the mention: Slack shows it as the person's name, never as the raw id."""
    name = snapshot.names.get(user_id)
    return escape(name) if name else f"<@{user_id}>"


def button_value(snapshot: SessionSnapshot, step: Step | None = None) -> str:
    return f"{snapshot.id}:{int(step or snapshot.step)}"


# ---- root message -------------------------------------------------------------------------------------
def root_message(snapshot: SessionSnapshot, charter_pending: Sequence[str] = ()) -> dict[str, Any]:
    """The session's card: topic, roles, pace and the plan of its six steps. It shows only what
    `SessionSnapshot.card()` holds (and who has not accepted the charter), never the current step or a pause: each
    step's own message announces it. So it is drawn again only when the card changes, and once at the end."""
    ended = snapshot.status is Status.ENDED
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
        section(t("root_plan", steps="\n".join(_plan_lines(snapshot)))),
    ]
    if ended:
        blocks.append(section(t("root_ended_summary", client=snapshot.client_id)))
    else:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=t("root_threads"))]))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=t("root_frame"))]))
    if charter_pending and not ended:
        blocks.append(
            ContextBlock(
                elements=[MarkdownTextObject(text=t("root_charter_pending", people=mentions(list(charter_pending))))]
            )
        )
    key = "root_fallback_ended" if ended else "root_fallback_card"
    return {"text": cut(t(key, topic=escape(snapshot.topic)), FALLBACK_LIMIT), "blocks": as_dicts(blocks)}


def _plan_lines(snapshot: SessionSnapshot) -> list[str]:
    """Each step with its planned time; once the session is over, which were held and which were skipped."""
    if snapshot.status is Status.ENDED:
        marks = core.progress(snapshot.state())
        return [t("root_plan_step_" + mark, number=int(step), step=step_name(step)) for step, mark in marks]
    return [
        t("root_plan_step", number=int(step), step=step_name(step), duration=_planned(snapshot, step)) for step in Step
    ]


def _planned(snapshot: SessionSnapshot, step: Step) -> str:
    """A step's planned time (extensions are the step message's business): working time when async."""
    duration = snapshot.steps[step].duration
    if snapshot.calendar is None:
        return human_duration(duration)
    return working_time_label(duration, snapshot.calendar.working_day)


# ---- step messages ------------------------------------------------------------------------------------
def step_message(
    snapshot: SessionSnapshot, step: Step, now: datetime, *, contract_link: str | None = None
) -> dict[str, Any]:
    """The message whose thread is the step: purpose, who speaks, deadline, done list and controls.

    Consultation opens with the client's contract, linked to the Contract thread (`contract_link`)."""
    record = snapshot.steps[step]
    is_open = record.ended_at is None and snapshot.status is not Status.ENDED and step == snapshot.step
    blocks: list[Block] = [
        HeaderBlock(text=t("step_header", number=int(step), step=step_name(step))),
        section(t("purpose_" + step.key, client=snapshot.client_id)),
    ]
    if step is Step.CONSULTATION:
        blocks[1:1] = contract_restatement(snapshot, contract_link)
    if step is Step.LEARNING:  # the method's four prompts: always shown, never folded away
        blocks.append(learning_prompts())
    timebox = snapshot.timebox(step)
    deadline = slack_date(timebox.deadline)
    if is_open:
        blocks.append(section(_plain_who(snapshot, step)))
        if snapshot.show_examples:  # folded away after a group's first sessions
            blocks.append(section(t("step_examples", examples=t("examples_" + step.key))))
        if snapshot.status is Status.PAUSED:
            status_line = t("step_paused", left=time_left_text(snapshot, now, step))
        else:
            status_line = deadline_line(snapshot, step)
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=status_line + " · " + t("step_reply_here"))]))
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=_done_line(snapshot, step))]))
        blocks.extend(_controls(snapshot, step, now))
        text = _fallback_turn(snapshot, step, deadline)
    else:
        count = snapshot.reply_counts.get(step, 0)
        closed = tn("step_closed", count)
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=closed)]))
        text = t("step_closed_fallback", number=int(step), step=step_name(step))
    return {"text": cut(text, FALLBACK_LIMIT), "blocks": as_dicts(blocks)}


def _plain_who(snapshot: SessionSnapshot, step: Step) -> str:
    """Whose turn it is, and who asks, who answers, who listens: everyone the step expects is mentioned (the
    blocks notify them; a new message goes through the working-hours delivery, which names whoever is off duty)."""
    return t("step_turn", who=mentions(snapshot.expected(step)), turn=_turn_line(snapshot, step, mention))


def _fallback_turn(snapshot: SessionSnapshot, step: Step, deadline: str) -> str:
    """The same for notifications and screen readers: names, never ids."""
    name = functools.partial(display_name, snapshot)
    who, turn = mentions(snapshot.expected(step), name), _turn_line(snapshot, step, name)
    return t("step_fallback_turn", number=int(step), step=step_name(step), turn=turn, who=who, deadline=deadline)


def _turn_line(snapshot: SessionSnapshot, step: Step, person: Callable[[str], str]) -> str:
    return t("turn_" + step.key, client=person(snapshot.client_id))


def _done_line(snapshot: SessionSnapshot, step: Step) -> str:
    expected = snapshot.expected(step)
    done = [u for u in snapshot.done[step] if u in expected]
    if not done:
        return t("step_done_none", total=len(expected))
    return t("step_done_count", count=len(done), total=len(expected), names=mentions(done))


def _controls(snapshot: SessionSnapshot, step: Step, now: datetime) -> list[Block]:
    """What participants may do (the client's own button, "I'm done"), and the facilitator's controls folded into
    one "Facilitator" menu: a static select, because an overflow menu holds 5 options and has no label.

    At most one primary button. The block id is new at each drawing (the version, the moment and a random part):
    Slack keeps showing the option last picked in a block it knows, and a select only speaks when its choice
    changes, so each redraw, even twice in a second at the same version, must put the menu back to its label."""
    value = button_value(snapshot, step)
    elements: list[ButtonElement | StaticSelectElement] = []
    if step is Step.CONTRACT:
        elements.append(
            ButtonElement(text=t("button_contract"), action_id=ids.CONTRACT_OPEN, value=value, style="primary")
        )
    if step is Step.SYNTHESIS:
        elements.append(
            ButtonElement(text=t("button_synthesis"), action_id=ids.SYNTHESIS_OPEN, value=value, style="primary")
        )
    elements.append(ButtonElement(text=t("button_done"), action_id=ids.DONE, value=value))
    elements.append(
        StaticSelectElement(
            action_id=ids.FACILITATOR_MENU,
            placeholder=t("facilitator_menu"),
            options=_facilitator_options(snapshot, step),
        )
    )
    block_id = f"{ids.PEOPLE_BLOCK}.{snapshot.version}.{int(now.timestamp())}.{secrets.token_hex(4)}"
    return [ActionsBlock(block_id=block_id, elements=elements)]


def facilitator_pick(action_id: str, snapshot: SessionSnapshot, step: Step) -> str:
    """A Facilitator menu option's value: the control, and the session, step and version it was shown for."""
    return f"{action_id}|{snapshot.id}:{int(step)}:{snapshot.version}"


def _facilitator_options(snapshot: SessionSnapshot, step: Step) -> list[Option]:
    paused = snapshot.status is Status.PAUSED
    choices = [
        (ids.NEXT, t("facilitator_option_finish" if step is Step.LEARNING else "facilitator_option_next")),
        (ids.EXTEND, t("facilitator_option_extend", amount=extension_label(snapshot.pace))),
        (ids.RESUME, t("facilitator_option_resume")) if paused else (ids.PAUSE, t("facilitator_option_pause")),
        (ids.HANDOVER, t("facilitator_option_handover")),
        (ids.EDIT, t("facilitator_option_edit")),
        (ids.END, t("facilitator_option_end")),
    ]
    return [Option(value=facilitator_pick(action, snapshot, step), text=label) for action, label in choices]


def end_confirmation(snapshot: SessionSnapshot, step: Step) -> dict[str, Any]:
    """The private confirm step after "End the session…" in the Facilitator menu: the danger button ends it,
    only if the session is still as it was then (its step and version); Cancel puts it away."""
    value = f"{button_value(snapshot, step)}:{snapshot.version}"
    buttons = ActionsBlock(
        elements=[
            ButtonElement(text=t("end_confirm_button"), action_id=ids.END, value=value, style="danger"),
            ButtonElement(text=t("end_confirm_cancel"), action_id=ids.END_CANCEL, value=value),
        ]
    )
    text = t("end_confirm_question")
    return {"text": text, "blocks": as_dicts([section(text), buttons])}


# ---- contract, synthesis, summary ---------------------------------------------------------------------
RESTATED_LIMIT = 700  # each part of the contract restated in the Consultation message; the thread has it all


def contract_message(snapshot: SessionSnapshot) -> dict[str, Any]:
    params = {
        "client": snapshot.client_id,
        "need": escape(snapshot.contract_need or ""),
        "expectations": escape(snapshot.contract_expectations or ""),
    }
    if snapshot.contract_problem:
        text = t("contract_post_with_problem", problem=escape(snapshot.contract_problem), **params)
    else:
        text = t("contract_post", **params)
    blocks: list[Block] = [section(chunk) for chunk in _chunks(text)]
    fallback = t("contract_fallback", client=display_name(snapshot, snapshot.client_id))
    return {"text": fallback, "blocks": as_dicts(blocks)}


def contract_restatement(snapshot: SessionSnapshot, link: str | None) -> list[Block]:
    """The client's contract at the top of the Consultation message: the consultants serve it. None written: said."""
    if not snapshot.contract_need:
        return [section(t("consultation_no_contract")), DividerBlock()]
    lines = [t("consultation_contract_linked", link=link) if link else t("consultation_contract_unlinked")]
    if snapshot.contract_problem:
        lines.append(t("consultation_contract_problem", problem=_restated(snapshot.contract_problem)))
    lines.append(t("consultation_contract_need", need=_restated(snapshot.contract_need)))
    if snapshot.contract_expectations:
        lines.append(t("consultation_contract_expectations", expectations=_restated(snapshot.contract_expectations)))
    return [section("\n".join(lines)), DividerBlock()]


def _restated(text: str) -> str:
    return escape(cut(" ".join(text.split()), RESTATED_LIMIT))


def contract_summary(snapshot: SessionSnapshot) -> str:
    """The contract as the synthesis modal shows it to the client, beside "did you get what you asked for?"."""
    lines = []
    if snapshot.contract_problem:
        lines.append(t("consultation_contract_problem", problem=_restated(snapshot.contract_problem)))
    lines.append(t("consultation_contract_need", need=_restated(snapshot.contract_need or "")))
    if snapshot.contract_expectations:
        lines.append(t("consultation_contract_expectations", expectations=_restated(snapshot.contract_expectations)))
    return "\n".join(lines)


def _got_lines(snapshot: SessionSnapshot, prefix: str) -> list[str]:
    """The answer to "did you get what you asked for?" as the client gave it (nothing when they did not)."""
    if snapshot.synthesis_got not in GOT_ANSWERS:
        return []
    lines = [t(f"{prefix}_{snapshot.synthesis_got}")]
    if snapshot.synthesis_got_note:
        lines.append(t(f"{prefix}_note", note=escape(" ".join(snapshot.synthesis_got_note.split()))))
    return lines


def synthesis_text(snapshot: SessionSnapshot, kept: list[ContributionView]) -> str:
    keep = escape((snapshot.synthesis_keep or "").strip())
    kept_lines = "\n".join(t("synthesis_kept_line", text=cut(c.text, 200), user=c.user_id) for c in kept)
    text = t(
        "synthesis_post",
        client=snapshot.client_id,
        keep=(keep + "\n") if keep else "",
        kept=kept_lines,
        actions=_action_lines(snapshot),
    )
    return "\n".join([text, *_got_lines(snapshot, "synthesis_got_post")])


def synthesis_message(snapshot: SessionSnapshot, kept: list[ContributionView]) -> dict[str, Any]:
    return {
        "text": t("synthesis_fallback", client=display_name(snapshot, snapshot.client_id)),
        "blocks": as_dicts([section(chunk) for chunk in _chunks(synthesis_text(snapshot, kept))]),
    }


def _action_lines(snapshot: SessionSnapshot) -> str:
    """The action plan: each action, its owner when it is not the client, its due date in the reader's words."""
    if not snapshot.actions:
        return t("synthesis_no_actions")
    lines = []
    for n, action in enumerate(snapshot.actions, start=1):
        owned = bool(action.owner_id) and action.owner_id != snapshot.client_id
        key = "action_line_owned" if owned else "synthesis_action_line"
        text, owner = escape(action.text), action.owner_id
        if action.due_date:
            lines.append(t(key + "_due", n=n, text=text, owner=owner, due=slack_day(action.due_date)))
        else:
            lines.append(t(key, n=n, text=text, owner=owner))
    return "\n".join(lines)


def _contribution_lines(snapshot: SessionSnapshot) -> str:
    """What each role said where it was expected to speak, step by step; the client's contract and synthesis,
    written in modals, count as one contribution each."""
    by_role = {"client": 0, "consultant": 0, "facilitator": 0}
    lines = []
    for step in Step:
        expected = set(snapshot.expected(step))
        count = 0
        for user_id, n in snapshot.said.get(step, {}).items():
            # By what they were expected to say: a client who took over facilitating still speaks as the client.
            role = "client" if user_id == snapshot.client_id else snapshot.role_of(user_id)
            if user_id in expected and role is not None:
                count += n
                by_role[role] += n
        key = "summary_contribution_line"
        if step is Step.CONTRACT and snapshot.contract_need:
            count, key = count + 1, "summary_contribution_contract_line"
            by_role["client"] += 1
        elif step is Step.SYNTHESIS and snapshot.synthesis_ts:
            count, key = count + 1, "summary_contribution_synthesis_line"
            by_role["client"] += 1
        lines.append(t(key, step=step_name(step), count=count))
    lines.append(
        t(
            "summary_contribution_roles",
            client=by_role["client"],
            consultants=by_role["consultant"],
            facilitator=by_role["facilitator"],
        )
    )
    return "\n".join(lines)


def summary_text(snapshot: SessionSnapshot, kept: list[ContributionView]) -> str:
    """The session summary, rendered from its fields (the client edits the fields, never this text)."""
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
        params = {
            "need": escape(snapshot.contract_need),
            "expectations": escape(snapshot.contract_expectations or "") or t("summary_none"),
        }
        if snapshot.contract_problem:
            parts.append(t("summary_contract_with_problem", problem=escape(snapshot.contract_problem), **params))
        else:
            parts.append(t("summary_contract", **params))
    if got := _got_lines(snapshot, "summary_got"):
        parts.append("\n".join(got))
    keep_lines = [escape(snapshot.synthesis_keep.strip())] if snapshot.synthesis_keep else []
    keep_lines += [t("synthesis_kept_line", text=cut(c.text, 200), user=c.user_id) for c in kept]
    parts.append(t("summary_keep", keep="\n".join(keep_lines) or t("summary_none")))
    parts.append(t("summary_actions", actions=_action_lines(snapshot)))
    parts.append(t("summary_contributions_expected", lines=_contribution_lines(snapshot)))
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
    text = _whole_lines(lines, SECTION_TEXT_LIMIT)
    names = {u: name for snapshot in snapshots for u, name in snapshot.names.items() if name}
    fallback = without_mentions(text, names)  # the notification reads names
    return {"response_type": "ephemeral", "text": cut(fallback, FALLBACK_LIMIT), "blocks": as_dicts([section(text)])}


def _whole_lines(lines: list[str], limit: int) -> str:
    """As many whole lines as fit in `limit` characters, then how many were left out, when some were."""
    text = "\n".join(lines)
    if len(text) <= limit:
        return text
    room = limit - len(tn("status_more", len(lines))) - 1
    shown: list[str] = []
    size = 0
    for line in lines:
        size += len(line) + 1
        if size > room:
            break
        shown.append(line)
    left_out = len(lines) - len(shown)
    more = tn("status_more", left_out)
    return "\n".join([*shown, more])


def private_note(
    text: str, *, button: ButtonElement | None = None, names: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """A private answer with an optional button; `names` (a session's) make its fallback read names, not ids."""
    blocks: list[Block] = [section(text)]
    if button is not None:
        blocks.append(ActionsBlock(elements=[button]))
    fallback = without_mentions(text, {u: n for u, n in (names or {}).items() if n})
    return {"text": cut(fallback, FALLBACK_LIMIT), "blocks": as_dicts(blocks)}
