"""Block Kit builders: pure functions, checked against Slack's limits by slack_sdk.models."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.domain.session import Status
from bot.domain.steps import Pace, Step
from bot.domain.workcal import WorkingCalendar
from bot.i18n import languages, reading, t, tn
from bot.messages import EN, Plural, placeholders
from bot.services.groups import GroupView
from bot.services.sessions import ActionView, ContributionView, SessionSnapshot, StepRecord
from bot.slack.blocks import modals
from bot.slack.blocks import session as blocks
from bot.slack.blocks.common import cut, usage_message

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def snapshot(**changes: object) -> SessionSnapshot:
    steps = {
        step: StepRecord(
            step,
            timedelta(minutes=10),
            timedelta(0),
            timedelta(0),
            NOW if step is Step.PRESENTATION else None,
            None,
            None,
            f"1.{int(step)}",
        )
        for step in Step
    }
    values: dict[str, object] = dict(
        id=1,
        team_id="T1",
        channel_id="C1",
        topic="Handing over",
        facilitator_id="UA",
        client_id="UB",
        consultant_ids=["UC", "UD", "UE"],
        pace=Pace.LIVE,
        status=Status.RUNNING,
        step=Step.PRESENTATION,
        version=1,
        root_ts="1.0",
        created_at=NOW,
        ended_at=None,
        clock_speed=1.0,
        steps=steps,
        done={step: [] for step in Step},
        reply_counts={},
    )
    values.update(changes)
    return SessionSnapshot(**values)  # type: ignore[arg-type]


def test_cut_adds_an_ellipsis_only_when_needed() -> None:
    assert cut("short", 10) == "short"
    assert cut("x" * 20, 10) == "x" * 9 + "…"


def test_a_topic_of_the_maximum_length_fits_the_header() -> None:
    message = blocks.root_message(snapshot(topic="é" * 300))
    assert len(message["blocks"][0]["text"]["text"]) <= 150


def test_step_message_has_the_deadline_and_mentions_who_speaks() -> None:
    message = blocks.step_message(snapshot(), Step.PRESENTATION, NOW)
    assert message["text"].startswith("Step 1/6 · Presentation: <@UB>")
    assert f"<!date^{int((NOW + timedelta(minutes=10)).timestamp())}^" in str(message["blocks"])
    actions = [e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert actions == ["step_done", "step_facilitator_menu"], "participants' button, the facilitator's one menu"
    (menu,) = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"] if e["type"] != "button"]
    assert menu["type"] == "static_select" and menu["placeholder"]["text"] == "Facilitator"
    picks = [o["value"].partition("|")[0] for o in menu["options"]]
    assert picks == ["step_next", "step_extend", "step_pause", "step_handover", "step_edit", "step_end"]
    assert all(o["value"].endswith("|1:1:1") for o in menu["options"]), "session, step and version"
    named = blocks.step_message(snapshot(names={"UB": "Bob"}), Step.PRESENTATION, NOW)
    assert named["text"].startswith("Step 1/6 · Presentation: Bob presents"), "the notification reads names"


def test_a_paused_step_offers_resume_and_says_the_time_left() -> None:
    paused = snapshot(status=Status.PAUSED)
    record = paused.steps[Step.PRESENTATION]
    paused.steps[Step.PRESENTATION] = StepRecord(
        record.step,
        record.duration,
        record.extended,
        record.paused,
        record.started_at,
        NOW + timedelta(minutes=4),
        None,
        "1.1",
    )
    message = blocks.step_message(paused, Step.PRESENTATION, NOW + timedelta(hours=2))
    assert "6 min left" in str(message["blocks"])
    assert "step_resume" in str(message["blocks"])


def test_a_closed_step_counts_replies_and_has_no_controls() -> None:
    closed = snapshot(step=Step.CLARIFICATION, reply_counts={Step.PRESENTATION: 3})
    message = blocks.step_message(closed, Step.PRESENTATION, NOW)
    assert "Closed · 3 replies" in str(message["blocks"])
    assert all(b["type"] != "actions" for b in message["blocks"])


def test_synthesis_modal_respects_the_select_limits() -> None:
    consultation = [
        ContributionView(i, Step.CONSULTATION, "UC", f"idea {i} " + "y" * 200, f"2.{i}", False, False)
        for i in range(150)
    ]
    view = modals.synthesis_modal(snapshot(step=Step.SYNTHESIS), consultation)
    options = view["blocks"][0]["element"]["options"]
    assert len(options) == 100
    assert all(len(o["text"]["text"]) <= 75 for o in options)
    assert options[-1]["value"] == "149", "the newest replies are offered"


def test_summary_splits_long_text_into_sections() -> None:
    long = snapshot(summary_text="line\n" * 2000, actions=[ActionView(1, "Do it", date(2026, 12, 1), "open")])
    message = blocks.summary_dm(long)
    assert all(len(b["text"]["text"]) <= 3000 for b in message["blocks"] if b["type"] == "section")
    assert len(message["blocks"]) <= 50


def test_start_modal_fits_slacks_limits_and_prefills_per_pace() -> None:
    view = modals.start_modal(topic="t" * 5000, user_id="UA", channel_id="C1", pace=Pace.ASYNC)
    blocks_by_id = {b.get("block_id"): b for b in view["blocks"]}
    assert len(blocks_by_id["topic"]["element"]["initial_value"]) == 300
    assert blocks_by_id["duration_async_consultation"]["element"]["initial_value"] == "12"
    assert blocks_by_id["duration_async_consultation"]["hint"]["text"] == "Proposed: 1½ working days."
    assert "a working day is 8 h here (mon-fri 09:00–17:00, the facilitator's time zone)" in str(view["blocks"])
    assert len(view["title"]["text"]) <= 24


def test_the_start_modal_counts_in_the_calendars_working_day_and_keeps_it_for_a_pace_switch() -> None:
    morning = WorkingCalendar(tz="Europe/Paris", start=time(9), end=time(13), holidays=frozenset({date(2026, 12, 25)}))
    view = modals.start_modal(topic="t", user_id="UA", channel_id="C1", pace=Pace.LIVE, calendar=morning)
    assert "Proposed" not in str(view["blocks"]), "live timeboxes are clock minutes"
    again = modals.start_modal_again(json.loads(view["private_metadata"]))
    assert again["calendar"] == replace(morning, holidays=frozenset())
    view = modals.start_modal(topic="t", user_id="UA", channel_id="C1", pace=Pace.ASYNC, **again)
    proposed = [b["element"]["initial_value"] for b in view["blocks"] if b.get("block_id", "").startswith("duration")]
    assert proposed == ["2", "4", "2", "6", "2", "4"]
    assert "a working day is 4 h here (mon-fri 09:00–13:00, Europe/Paris)" in str(view["blocks"])


def test_the_group_modal_shows_its_calendar_within_slacks_limits() -> None:
    holidays = frozenset(date(2026, 1, 1) + timedelta(days=n) for n in range(400))
    calendar = WorkingCalendar(tz="Europe/Paris", start=time(9), end=time(17), holidays=holidays)
    group = GroupView(1, "T1", "C1", "Circle", "Be kind", Pace.ASYNC, ["UA"], {}, set(), calendar=calendar)
    view = modals.group_modal(channel_id="C1", group=group, user_id="UA", tz="America/Montreal")
    by_id = {b.get("block_id"): b for b in view["blocks"]}
    assert by_id["work_tz"]["element"]["initial_value"] == "Europe/Paris"
    assert by_id["work_days"]["element"]["initial_value"] == "mon-fri"
    assert by_id["work_hours"]["element"]["initial_value"] == "09:00-17:00"
    assert len(by_id["holidays"]["element"]["initial_value"]) <= 3000
    assert "½, 1, ½, 1½, ½, 1 working days" in by_id["durations"]["hint"]["text"]
    assert "async 4, 8, 4, 12, 4, 8" in by_id["durations"]["element"]["placeholder"]["text"]
    assert not any(
        b.get("element", {}).get("type") == "timepicker" and "quiet" in b["block_id"] for b in view["blocks"]
    )
    fresh = modals.group_modal(channel_id="C1", group=None, user_id="UA", tz="America/Montreal")
    by_id = {b.get("block_id"): b for b in fresh["blocks"]}
    assert by_id["work_tz"]["element"]["initial_value"] == "America/Montreal"
    assert by_id["work_hours"]["element"]["initial_value"] == "09:00-17:00"
    assert "initial_value" not in by_id["holidays"]["element"]


def test_the_edit_modal_of_an_async_session_is_in_working_hours() -> None:
    calendar = WorkingCalendar(tz="Europe/Paris", start=time(9), end=time(17))
    steps = snapshot().steps
    hours = {step: replace(record, duration=timedelta(hours=12)) for step, record in steps.items()}
    view = modals.edit_modal(snapshot(pace=Pace.ASYNC, calendar=calendar, steps=hours))
    by_id = {b.get("block_id"): b for b in view["blocks"]}
    assert by_id["duration_async_consultation"]["element"]["initial_value"] == "12"
    assert by_id["duration_async_consultation"]["hint"]["text"] == "Now: 1½ working days."
    assert "in *working hours* — a working day is 8 h here (mon-fri 09:00–17:00, Europe/Paris)" in str(view)


def test_the_edit_modal_of_an_async_session_from_before_calendars_is_in_clock_hours() -> None:
    steps = snapshot().steps
    hours = {step: replace(record, duration=timedelta(hours=24)) for step, record in steps.items()}
    view = modals.edit_modal(snapshot(pace=Pace.ASYNC, calendar=None, steps=hours))
    by_id = {b.get("block_id"): b for b in view["blocks"]}
    assert by_id["duration_async_consultation"]["element"]["initial_value"] == "24"
    assert "hint" not in by_id["duration_async_consultation"] and "working" not in str(view)


def test_usage_message_for_an_unknown_command_is_cut_and_friendly() -> None:
    message = usage_message(unknown="x" * 40)
    assert message["response_type"] == "ephemeral"
    assert message["text"].startswith("Unknown command 'xxxx")


@pytest.mark.parametrize("language", languages())
def test_every_message_formats_with_its_placeholders(language: str) -> None:
    with reading(language):
        for key, english in EN.items():
            params = {name: "x" for name in placeholders(key)}
            if isinstance(english, Plural):
                assert tn(key, 2, **{name: value for name, value in params.items() if name != "count"})
            else:
                assert t(key, **params)


def test_an_unknown_locale_falls_back_to_english() -> None:
    with reading("xx-XX"):
        assert t("usage_fallback") == EN["usage_fallback"]


def test_human_durations() -> None:
    assert blocks.human_duration(timedelta(days=2, hours=3, minutes=5)) == "2 d 3 h"
    assert blocks.human_duration(timedelta(minutes=7)) == "7 min"
    assert blocks.human_duration(timedelta(seconds=20)) == "20 s"


def test_names_written_instead_of_mentions_keep_a_text_within_slacks_limit() -> None:
    from bot.slack.blocks.common import without_mentions

    text = ("<@U0CAROL> " * 272)[:2990]
    message = {"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}], "text": "<@U0CAROL>"}
    quiet = without_mentions(message, {"U0CAROL": "Caroline-Marie de la Fontaine-Beauregard"})
    assert len(quiet["blocks"][0]["text"]["text"]) == 3000 and "<@" not in quiet["blocks"][0]["text"]["text"]
    assert quiet["text"] == "@Caroline-Marie de la Fontaine-Beauregard"
    assert without_mentions(message, {"U0BOB": "Bob"}) == message, "only the people named change"
