"""Every Block Kit builder rendered in every language codev speaks, so slack_sdk.models' own checks of Slack's
limits (button and option texts, header and section lengths, labels, hints) run on the translations too: a
French text longer than Slack allows fails here, not in someone's channel."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, time, timedelta
from typing import Any

import pytest

from bot.domain.session import Status
from bot.domain.steps import Pace, Step
from bot.domain.workcal import WorkingCalendar
from bot.i18n import SOURCE_LANGUAGE, languages, reading
from bot.services.evaluations import Aggregate, EvaluationView
from bot.services.followups import ActionStatus, SharedOutcomes
from bot.services.followups import ActionView as FollowUpAction
from bot.services.groups import GroupView
from bot.services.home import ActionLine, GroupLine, HomeData, SessionLine
from bot.services.journal import EntryView
from bot.services.kickoffs import KickoffView, Volunteer
from bot.services.sessions import ActionView, ContributionView, Got
from bot.slack.blocks import after, home, modals, recurring
from bot.slack.blocks import session as blocks
from bot.slack.blocks.common import usage_message
from tests.unit.test_blocks import NOW, snapshot

MODAL_TITLE_LIMIT = 24


@pytest.fixture(params=languages())
def language(request: pytest.FixtureRequest) -> Iterator[str]:
    """Each test runs once per language codev speaks, its texts rendered for a reader of that language."""
    with reading(request.param):
        yield request.param


def ended() -> Any:
    return snapshot(
        status=Status.ENDED,
        step=Step.LEARNING,
        ended_at=NOW + timedelta(hours=1),
        synthesis_keep="Say no in writing, then talk.",
        synthesis_got=Got("partly", "I still fear her answer").answer,
        actions=[
            ActionView(1, "Write to my director", date(2026, 12, 1), "open", "UB"),
            ActionView(2, "Ask a peer", None, "open", "UC"),
        ],
    )


def slack_checks(message: dict[str, Any]) -> None:
    """What slack_sdk.models does not check once a builder returned dicts: a modal's title and buttons."""
    for field in ("title", "submit", "close"):
        if field in message:
            assert len(message[field]["text"]) <= MODAL_TITLE_LIMIT, (field, message[field]["text"])


def test_session_messages_fit_slack(language: str) -> None:
    running = snapshot()
    assert blocks.root_message(running, charter_pending=["UC", "UD"])["blocks"]
    assert blocks.root_message(ended())["blocks"]
    for step in Step:
        at = snapshot(step=step, reply_counts={s: 1 for s in Step if s < step})
        blocks.step_message(at, step, NOW)
        if step > Step.PRESENTATION:
            blocks.step_message(at, Step(int(step) - 1), NOW)  # a closed step: "1 reply"
    paused = snapshot(status=Status.PAUSED)
    blocks.step_message(paused, Step.PRESENTATION, NOW + timedelta(hours=2))
    blocks.step_message(snapshot(pace=Pace.ASYNC), Step.PRESENTATION, NOW)
    blocks.end_confirmation(running, Step.PRESENTATION)
    blocks.contract_message(snapshot(step=Step.CONTRACT))
    kept = [ContributionView(1, Step.CONSULTATION, "UC", "Try writing first", "2.1", True, False)]
    blocks.synthesis_message(ended(), kept)
    blocks.summary_dm(ended())
    blocks.summary_dm_done(ended())
    blocks.summary_post(ended())
    blocks.status_message([running, paused, snapshot(pace=Pace.ASYNC)], NOW)
    usage_message(unknown="frobnicate")
    usage_message()


def test_modals_fit_slack(language: str) -> None:
    calendar = WorkingCalendar(tz="Europe/Paris", start=time(9), end=time(17))
    for pace in Pace:
        slack_checks(
            modals.start_modal(
                topic="Saying no",
                user_id="UA",
                channel_id="C1",
                pace=pace,
                warning="!",
                charter_pending=["UC"],
                charter_required=pace is Pace.ASYNC,
            )
        )
    consultation = [
        ContributionView(i, Step.CONSULTATION, "UC", f"idea {i} " + "y" * 200, f"2.{i}", False, False)
        for i in range(120)
    ]
    at_synthesis = snapshot(step=Step.SYNTHESIS)
    slack_checks(modals.synthesis_modal(at_synthesis, consultation))
    slack_checks(modals.contract_modal(snapshot(step=Step.CONTRACT)))
    slack_checks(modals.handover_modal(snapshot()))
    slack_checks(modals.edit_modal(snapshot()))
    hours = {s: replace(r, duration=timedelta(hours=12)) for s, r in snapshot().steps.items()}
    slack_checks(modals.edit_modal(snapshot(pace=Pace.ASYNC, calendar=calendar, steps=hours)))
    slack_checks(modals.edit_modal(snapshot(pace=Pace.ASYNC, calendar=None, steps=hours)))
    slack_checks(modals.summary_edit_modal(ended(), consultation, "D1", "1.1"))
    group = GroupView(1, "T1", "C1", "Circle", "Be kind", Pace.ASYNC, ["UA", "UB"], {}, set(), calendar=calendar)
    view = modals.group_modal(channel_id="C1", group=group, user_id="UA", tz="Europe/Paris")
    slack_checks(view)
    slack_checks(modals.with_size_check(view, ["UA", "UB"], explain=True))
    slack_checks(modals.group_modal(channel_id="C1", group=None, user_id="UA", tz=None))


def test_after_the_session_fits_slack(language: str) -> None:
    evaluation = EvaluationView(1, "T1", 1, "Circle", "C1", 1, None, 0, NOW, 6)
    after.summary_link_dm(ended(), "UC", "https://example.slack.com/archives/C1/p1")
    slack_checks(after.debrief_modal(ended(), again=True, dm_channel="D1", dm_ts="1.1"))
    after.evaluation_dm(evaluation)
    after.evaluation_dm_answered(evaluation)
    slack_checks(after.evaluation_modal(evaluation, dm_channel="D1", dm_ts="1.1"))
    for count in (1, 3, 6):
        after.evaluation_results(evaluation, Aggregate(count, 4.5, 4.0, 3.5, ["Good listening", "More time"]))


def test_kickoffs_and_follow_ups_fit_slack(language: str) -> None:
    kickoff = KickoffView(1, "T1", 1, "C1", NOW, "UA", "open", None, None, None)
    recurring.kickoff_message(kickoff, "Circle")
    two = replace(kickoff, volunteers=[Volunteer("UB", "Saying no"), Volunteer("UC", "A new team")], picked_id="UB")
    recurring.kickoff_message(two, "Circle", "https://example.slack.com/archives/C1/p1")
    recurring.kickoff_message(replace(two, status="started"), "Circle")
    action = FollowUpAction(
        1,
        "T1",
        1,
        "UB",
        "Write to my director",
        date(2026, 12, 1),
        ActionStatus.OPEN,
        None,
        False,
        None,
        "Saying no",
        "C1",
    )
    recurring.follow_up_message(action)
    for status in (ActionStatus.DONE, ActionStatus.POSTPONED, ActionStatus.DROPPED):
        answered = replace(action, status=status, note="It went well", shared=True)
        recurring.follow_up_answered(answered)
        slack_checks(recurring.follow_up_modal(action, status, dm_channel="D1", dm_ts="1.1"))
    shared = [replace(action, status=ActionStatus.DONE, note="It went well"), replace(action, id=2)]
    recurring.shared_outcomes_message(SharedOutcomes("UB", "Saying no", shared))


def test_home_fits_slack(language: str) -> None:
    entry = EntryView(
        1,
        "I learned to wait " * 40,
        ["listening"],
        NOW - timedelta(days=20),
        1,
        "Saying no",
        Step.CONSULTATION,
        "dm",
        None,
        None,
    )
    data = HomeData(
        user_id="UA",
        sessions=[SessionLine(1, "Saying no", "client", Status.RUNNING, Step.CLARIFICATION, "C1", NOW)],
        actions=[
            ActionLine(1, "Write to my director", date(2026, 12, 1), "open", "Saying no"),
            ActionLine(2, "Ask a peer", None, "open", "Saying no"),
        ],
        entries=[entry, replace(entry, id=2, tags=[], session_id=None, session_topic=None, step=None)],
        total_entries=30,
        query="",
        page=0,
        role_counts={"client": 1, "consultant": 4, "facilitator": 2},
        look_back=entry,
        now=NOW,
        outcomes=[
            ActionLine(3, "Say no", None, "done", "Saying no", "It worked"),
            ActionLine(4, "Wait", date(2026, 12, 8), "postponed", "Saying no"),
        ],
        groups=[
            GroupLine("Circle", "C1", NOW + timedelta(days=7), date(2026, 12, 24)),
            GroupLine("Square", "C2", None, None),
        ],
    )
    home.home_view(data)
    home.saved_confirmation(entry)
    slack_checks(home.entry_modal(entry))
    assert home.export_markdown([entry], NOW, "Europe/Paris")


def test_the_catalogue_is_what_renders(language: str) -> None:
    """A French reader reads French: the builders above really render the translation, not the English."""
    root = str(blocks.root_message(snapshot())["blocks"])
    with reading(SOURCE_LANGUAGE):
        english = str(blocks.root_message(snapshot())["blocks"])
    assert (root == english) is (language == SOURCE_LANGUAGE)
