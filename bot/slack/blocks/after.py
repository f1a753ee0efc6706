"""Block Kit of the loop after the session: the Learning prompts, the DMs once the summary is posted, the
facilitator's debrief, and the group's anonymous evaluation."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.i18n import t, tn
from bot.services.evaluations import (
    COMMENT_LIMIT,
    DEBRIEF_LIMIT,
    SCORES,
    Aggregate,
    EvaluationView,
    next_threshold,
)
from bot.services.sessions import SessionSnapshot
from bot.slack.blocks.common import as_dicts, cut, escape, section

FALLBACK_LIMIT = 3000
COMMENTS_SHOWN = 40  # a message holds 50 blocks: the rest are counted, not dropped silently

# action_id, block_id and callback_id values (the contract with bot/slack/listeners/*/after.py)
DEBRIEF_OPEN = "debrief_open"  # value: "<session id>"
DEBRIEF_VIEW = "debrief_view"
EVALUATION_OPEN = "evaluation_open"  # value: "<evaluation id>"
EVALUATION_VIEW = "evaluation_view"
DEBRIEF_QUESTIONS = ("frame", "timing", "climate")
EVALUATION_QUESTIONS = ("climate", "listening", "method")


# ---- the Learning step ----------------------------------------------------------------------------------
def learning_prompts() -> SectionBlock:
    """The method's four prompts, shown in the Learning step's message every time."""
    return section(t("learning_prompts"))


# ---- once the summary is posted -------------------------------------------------------------------------
def summary_link_dm(
    snapshot: SessionSnapshot, user_id: str, link: str | None, *, debriefed: bool = False
) -> dict[str, Any]:
    """One DM per participant: the summary's link and a journal prompt; the facilitator's offers a debrief
    (once written, the offer becomes a note saying where it went)."""
    topic = escape(snapshot.topic)
    if link:
        posted = t("after_summary_posted", topic=topic, link=link)
    else:
        posted = t("after_summary_posted_nolink", topic=topic, channel=snapshot.channel_id)
    blocks: list[Block] = [section(posted), section(t("after_journal_prompt"))]
    text = t("after_fallback", topic=topic)
    if user_id == snapshot.facilitator_id:
        text = t("after_fallback_facilitator", topic=topic)
        if debriefed:
            blocks.append(ContextBlock(elements=[MarkdownTextObject(text=t("debrief_saved"))]))
        else:
            button = ButtonElement(
                text=t("debrief_button"), action_id=DEBRIEF_OPEN, value=str(snapshot.id), style="primary"
            )
            blocks += [section(t("debrief_offer")), ActionsBlock(elements=[button])]
    return {"text": cut(text, FALLBACK_LIMIT), "blocks": as_dicts(blocks)}


# ---- the facilitator's debrief ----------------------------------------------------------------------------
def debrief_modal(
    snapshot: SessionSnapshot, *, again: bool, dm_channel: str | None, dm_ts: str | None
) -> dict[str, Any]:
    blocks: list[Block] = [section(t("debrief_intro", topic=escape(snapshot.topic)))]
    if again:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=t("debrief_again"))]))
    for question in DEBRIEF_QUESTIONS:
        blocks.append(
            InputBlock(
                block_id=question,
                label=t(f"debrief_{question}"),
                hint=t(f"debrief_{question}_hint"),
                optional=True,
                element=PlainTextInputElement(action_id=question, multiline=True, max_length=DEBRIEF_LIMIT),
            )
        )
    return _view(
        DEBRIEF_VIEW,
        t("debrief_title"),
        blocks,
        submit=t("debrief_submit"),
        metadata={"session": snapshot.id, "dm_channel": dm_channel, "dm_ts": dm_ts},
    )


def debrief_entry(topic: str, answers: dict[str, str]) -> str:
    """The journal entry: one line per answered question, under the session's topic."""
    lines = [t("debrief_entry_title", topic=topic)]
    lines += [t(f"debrief_entry_{q}", text=answers[q]) for q in DEBRIEF_QUESTIONS if answers.get(q)]
    return "\n".join(lines)


# ---- the group's evaluation -----------------------------------------------------------------------------
def evaluation_dm(evaluation: EvaluationView) -> dict[str, Any]:
    text = t("evaluation_dm", group=escape(evaluation.group_name))
    button = ButtonElement(
        text=t("evaluation_button"), action_id=EVALUATION_OPEN, value=str(evaluation.id), style="primary"
    )
    blocks: list[Block] = [
        section(text),
        ContextBlock(elements=[MarkdownTextObject(text=t("evaluation_anonymous"))]),
        ActionsBlock(elements=[button]),
    ]
    return {"text": cut(text, FALLBACK_LIMIT), "blocks": as_dicts(blocks)}


def evaluation_dm_answered(evaluation: EvaluationView) -> dict[str, Any]:
    text = t("evaluation_thanks", group=escape(evaluation.group_name))
    return {"text": text, "blocks": as_dicts([section(text)])}


def evaluation_modal(evaluation: EvaluationView, *, dm_channel: str | None, dm_ts: str | None) -> dict[str, Any]:
    scale = [Option(value=str(score), text=t(f"evaluation_score_{score}")) for score in SCORES]
    blocks: list[Block] = [section(t("evaluation_intro", group=escape(evaluation.group_name)))]
    for question in EVALUATION_QUESTIONS:
        blocks.append(
            InputBlock(
                block_id=question,
                label=t(f"evaluation_{question}"),
                hint=t(f"evaluation_{question}_hint"),
                element=RadioButtonsElement(action_id=question, options=scale),
            )
        )
    blocks.append(
        InputBlock(
            block_id="comment",
            label=t("evaluation_comment"),
            hint=t("evaluation_comment_hint"),
            optional=True,
            element=PlainTextInputElement(action_id="comment", multiline=True, max_length=COMMENT_LIMIT),
        )
    )
    return _view(
        EVALUATION_VIEW,
        t("evaluation_title"),
        blocks,
        submit=t("evaluation_submit"),
        metadata={"evaluation": str(evaluation.id), "dm_channel": dm_channel, "dm_ts": dm_ts},
    )


def evaluation_results(evaluation: EvaluationView, aggregate: Aggregate) -> dict[str, Any]:
    """The group's aggregate: averages and the number of answers, comments without names, never who said what."""
    group = escape(evaluation.group_name)
    averages = {
        "climate": _average(aggregate.climate),
        "listening": _average(aggregate.listening),
        "method": _average(aggregate.method),
    }
    blocks: list[Block] = [
        HeaderBlock(text=cut(t("evaluation_results_header", group=evaluation.group_name), 150)),
        section(tn("evaluation_results_count", aggregate.count)),
        section(t("evaluation_results_scores", **averages)),
    ]
    if aggregate.comments:
        blocks.append(section(t("evaluation_results_comments")))
        shown = aggregate.comments[:COMMENTS_SHOWN]  # sorted by their own text: never their order of arrival
        blocks += [section(cut(t("evaluation_results_comment", text=escape(c)), 3000)) for c in shown]
        more = len(aggregate.comments) - len(shown)
        if more:
            blocks.append(section(tn("evaluation_results_more", more)))
    notes = [t("evaluation_results_anonymous"), _refreshed(evaluation, aggregate.count)]
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=note) for note in notes]))
    text = tn("evaluation_results_fallback", aggregate.count, group=group, **averages)
    return {"text": cut(text, FALLBACK_LIMIT), "blocks": as_dicts(blocks)}


def _refreshed(evaluation: EvaluationView, count: int) -> str:
    """When the results change: only at growing thresholds of answers, never after a single answer."""
    following = next_threshold(count)
    if following <= evaluation.members:
        return tn("evaluation_results_refreshed", count, next=following)
    return tn("evaluation_results_refreshed_last", count)


def _average(value: float) -> str:
    return f"{value:.1f}"


def _view(
    callback_id: str, title: str, blocks: list[Block], *, submit: str, metadata: dict[str, Any]
) -> dict[str, Any]:
    view = View(
        type="modal",
        callback_id=callback_id,
        title=cut(title, 24),
        blocks=blocks,
        submit=cut(submit, 24),
        close=t("cancel"),
        private_metadata=json.dumps(metadata, separators=(",", ":")),
    )
    return view.to_dict()
