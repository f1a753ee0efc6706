"""Block Kit for App Home, the journal's DM confirmations and its Markdown export. Pure functions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.domain.calendar import zone
from bot.domain.session import Status
from bot.i18n import format_day, format_moment, t, tn
from bot.services.home import GroupLine, HomeData
from bot.services.journal import PAGE_SIZE, EntryView
from bot.slack import ids
from bot.slack.blocks.common import as_dicts, cut, escape, section, slack_day, without_mentions
from bot.slack.blocks.recurring import outcome_label
from bot.slack.blocks.session import slack_date, step_name

ENTRY_PREVIEW = 600
HOME_BLOCK_LIMIT = 100


def home_view(data: HomeData) -> dict[str, Any]:
    blocks: list[Block] = [
        HeaderBlock(text=t("home_title")),
        ActionsBlock(
            block_id="home_top",
            elements=[
                ButtonElement(text=t("home_start"), action_id=ids.HOME_START, value="start", style="primary"),
                ButtonElement(text=t("home_export"), action_id=ids.HOME_EXPORT, value="export"),
            ],
        ),
        ContextBlock(elements=[MarkdownTextObject(text=_role_counts(data.role_counts))]),
    ]
    if data.look_back is not None:
        blocks.append(
            section(
                t("home_look_back", ago=_ago(data.look_back.created_at, data.now), text=cut(data.look_back.text, 500))
            )
        )
    if data.groups:
        blocks.append(section(f"*{t('home_groups')}*\n" + "\n".join(_group_line(g) for g in data.groups[:10])))
    blocks += [DividerBlock(), HeaderBlock(text=t("home_sessions"))]
    blocks += _sessions(data) or [section(t("home_sessions_none"))]
    blocks += [DividerBlock(), HeaderBlock(text=t("home_actions"))]
    blocks += _actions(data) or [section(t("home_actions_none"))]
    if data.outcomes:
        lines = [
            t(
                "home_outcome_line_note" if o.note else "home_outcome_line",
                action=escape(o.text),
                status=outcome_label(o.status, o.due_date),
                note=escape(o.note or ""),
                topic=escape(o.session_topic),
            )
            for o in data.outcomes
        ]
        blocks.append(section(f"*{t('home_outcomes')}*\n" + "\n".join(lines)))
    blocks += [
        DividerBlock(),
        HeaderBlock(text=t("home_journal")),
        ContextBlock(elements=[MarkdownTextObject(text=t("home_journal_private"))]),
        InputBlock(
            block_id="home_search",
            label=t("home_search"),
            dispatch_action=True,
            optional=True,
            element=PlainTextInputElement(
                action_id=ids.HOME_SEARCH,
                initial_value=data.query or None,
                max_length=200,
                dispatch_action_config={"trigger_actions_on": ["on_enter_pressed"]},
            ),
        ),
    ]
    blocks += _entries(data)
    assert len(blocks) <= HOME_BLOCK_LIMIT
    return View(type="home", callback_id="home", blocks=blocks).to_dict()


def _sessions(data: HomeData) -> list[Block]:
    lines = []
    for line in data.sessions:
        if line.status is Status.ENDED:
            where = t("home_session_ended")
        else:
            where = t("home_session_running", number=int(line.step), step=step_name(line.step), channel=line.channel_id)
        lines.append(t("home_session_line", topic=escape(line.topic), role=t("home_role_" + line.role), where=where))
    return [section("\n".join(lines))] if lines else []


def _group_line(group: GroupLine) -> str:
    key = "home_group_line"
    params: dict[str, str] = {"name": escape(group.name), "channel": group.channel_id}
    if group.next_kickoff is not None:
        key, params["moment"] = key + "_next", slack_date(group.next_kickoff)
    if group.away_until is not None:
        key, params["date"] = key + "_away", format_day(group.away_until)
    return t(key, **params)


def _actions(data: HomeData) -> list[Block]:
    blocks: list[Block] = []
    for action in data.actions[:8]:
        text, topic = escape(action.text), escape(action.session_topic)
        if action.due_date:
            line = t("home_action_line_due", text=text, due=slack_day(action.due_date), topic=topic)
        else:
            line = t("home_action_line", text=text, topic=topic)
        blocks.append(section(line))
        blocks.append(
            ActionsBlock(
                block_id=f"action_{action.id}",
                elements=[
                    ButtonElement(text=t("home_action_done"), action_id=ids.HOME_ACTION_DONE, value=str(action.id)),
                    ButtonElement(
                        text=t("home_action_postpone"), action_id=ids.HOME_ACTION_POSTPONE, value=str(action.id)
                    ),
                ],
            )
        )
    return blocks


def _entries(data: HomeData) -> list[Block]:
    if not data.entries:
        text = t("home_journal_no_match", query=data.query) if data.query else t("home_journal_none")
        return [section(text)]
    blocks: list[Block] = []
    for entry in data.entries:
        blocks.append(
            SectionBlock(
                block_id=f"entry_{entry.id}",
                text=MarkdownTextObject(text=_preview(entry)),
                accessory=ButtonElement(
                    text=t("home_entry_delete"),
                    action_id=ids.HOME_ENTRY_DELETE,
                    value=str(entry.id),
                    style="danger",
                    confirm=ConfirmObject(
                        title=t("home_entry_delete_title"),
                        text=t("home_entry_delete_text"),
                        confirm=t("home_entry_delete"),
                        deny=t("cancel"),
                        style="danger",
                    ),
                ),
            )
        )
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=_meta(entry))]))
        if len(entry.text) > ENTRY_PREVIEW:
            blocks.append(
                ActionsBlock(
                    elements=[
                        ButtonElement(text=t("home_entry_more"), action_id=ids.HOME_ENTRY_MORE, value=str(entry.id))
                    ]
                )
            )
    first = data.page * PAGE_SIZE + 1
    last = data.page * PAGE_SIZE + len(data.entries)
    blocks.append(
        ContextBlock(
            elements=[MarkdownTextObject(text=t("home_page", first=first, last=last, total=data.total_entries))]
        )
    )
    paging = []
    if data.page > 0:
        paging.append(ButtonElement(text=t("home_newer"), action_id=ids.HOME_PAGE, value=str(data.page - 1)))
    if last < data.total_entries:
        paging.append(ButtonElement(text=t("home_older"), action_id=ids.HOME_PAGE, value=str(data.page + 1)))
    if paging:
        blocks.append(ActionsBlock(block_id="home_paging", elements=paging))
    return blocks


def _preview(entry: EntryView) -> str:
    text = entry_text(entry)
    return cut(text, ENTRY_PREVIEW) if len(text) > ENTRY_PREVIEW else text


def entry_text(entry: EntryView) -> str:
    if entry.quote_author_id:
        return t("journal_quote", text=entry.text, author=entry.quote_author_id)
    return entry.text


def _meta(entry: EntryView) -> str:
    """When, from which session, with which tags: items set apart by " · ", each whole in itself."""
    items = [slack_date(entry.created_at)]
    if entry.session_topic and entry.step:
        items.append(t("home_entry_session", topic=escape(cut(entry.session_topic, 80)), step=step_name(entry.step)))
    if entry.tags:
        items.append(" ".join("#" + tag for tag in entry.tags))
    return " · ".join(items)


def _ago(moment: datetime, now: datetime) -> str:
    days = max((now - moment).days, 0)
    return tn("home_ago_weeks", days // 7) if days >= 14 else tn("home_ago_days", days)


# ---- DMs and modals -----------------------------------------------------------------------------------
def saved_confirmation(entry: EntryView) -> dict[str, Any]:
    if entry.tags:
        text = t("journal_saved_tags", tags=", ".join("#" + tag for tag in entry.tags))
    else:
        text = t("journal_saved")
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(text=text),
            accessory=ButtonElement(text=t("journal_undo"), action_id=ids.JOURNAL_UNDO, value=str(entry.id)),
        ),
        ContextBlock(elements=[MarkdownTextObject(text=t("journal_saved_hint"))]),
    ]
    return {"text": text, "blocks": as_dicts(blocks)}


def latest_entries(
    entries: list[EntryView], total: int, name_of: Callable[[str], str | None] = lambda _user_id: None
) -> dict[str, Any]:
    """The latest entries; `name_of` (the cached Slack names) makes the fallback read quoted authors' names."""
    if not entries:
        return {"text": t("journal_empty")}
    lines = [t("journal_latest", total=total)]
    lines += [t("journal_entry_line", when=slack_date(e.created_at), text=cut(entry_text(e), 300)) for e in entries]
    text = "\n".join(lines)
    authors = {e.quote_author_id for e in entries if e.quote_author_id}
    names = {user_id: name for user_id in authors if (name := name_of(user_id))}
    return {"text": cut(without_mentions(text, names), 3000), "blocks": as_dicts([section(text)])}


def entry_modal(entry: EntryView) -> dict[str, Any]:
    text = entry_text(entry)
    chunks = [text[i : i + 2900] for i in range(0, len(text), 2900)][:90] or [""]
    blocks: list[Block] = [section(chunk) for chunk in chunks]
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=_meta(entry))]))
    return View(type="modal", callback_id=ids.NOTICE_VIEW, title=t("home_journal"), close="OK", blocks=blocks).to_dict()


def export_markdown(entries: list[EntryView], now: datetime, tz: str | None = None) -> str:
    """The whole journal as Markdown, grouped by session (loose entries last), newest first; its times are read in
    the person's zone `tz` (their Slack profile's; UTC when codev does not know it)."""
    local = zone(tz)
    zone_name = tz if tz and str(local) == tz else "UTC"

    def stamp(moment: datetime) -> str:
        return format_moment(moment, local)

    exported = t("journal_export_stamp", moment=stamp(now), tz=zone_name)
    lines = [f"# {t('journal_export_title')}", "", f"_{exported}_", ""]
    groups: dict[str, list[EntryView]] = {}
    order: list[str] = []
    for entry in entries:  # already newest first
        key = entry.session_topic or ""
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(entry)
    order.sort(key=lambda key: key == "")  # sessions first, in order of their newest entry
    for key in order:
        lines += [f"## {key or t('journal_export_loose')}", ""]
        for entry in groups[key]:
            step = f" · {step_name(entry.step)}" if entry.step else ""
            tags = " " + " ".join("#" + tag for tag in entry.tags) if entry.tags else ""
            lines.append(f"### {stamp(entry.created_at)}{step}{tags}")
            lines.append("")
            if entry.quote_author_id:
                lines += [f"> {line}" for line in entry.text.splitlines()] + [""]
                lines.append(f"— <@{entry.quote_author_id}>" + (f" ({entry.permalink})" if entry.permalink else ""))
            else:
                lines.append(entry.text)
            lines.append("")
    return "\n".join(lines)


def _role_counts(counts: dict[str, int]) -> str:
    return t(
        "home_counts",
        client=counts.get("client", 0),
        consultant=counts.get("consultant", 0),
        facilitator=counts.get("facilitator", 0),
    )
