"""The session's root message is its card: drawn from `SessionSnapshot.card()` only, so a change that leaves the
card alone (a step change, a pause, an extension, "I'm done") never needs the root drawn again (issue 16)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.domain.session import Status
from bot.domain.steps import Step
from bot.slack.blocks import session as blocks
from tests.unit.test_blocks import snapshot


def test_the_root_does_not_change_with_the_step_a_pause_an_extension_or_who_is_done() -> None:
    first = snapshot()
    later = replace(
        first,
        step=Step.CONSULTATION,
        status=Status.PAUSED,
        version=9,
        done={**first.done, Step.CONSULTATION: ["UC"]},
        reply_counts={Step.PRESENTATION: 3},
        steps={
            **first.steps,
            Step.CONSULTATION: replace(first.steps[Step.CONSULTATION], extended=timedelta(minutes=5)),
        },
    )
    assert first.card() == later.card()
    assert blocks.root_message(first) == blocks.root_message(later)


def test_what_the_card_shows_changes_its_fingerprint() -> None:
    first = snapshot()
    ended = replace(first, status=Status.ENDED, step=Step.CONTRACT)
    assert first.card() != replace(first, facilitator_id="UC", consultant_ids=["UA", "UD", "UE"]).card()
    assert first.card() != replace(first, topic="Another case").card()
    longer = replace(first.steps[Step.LEARNING], duration=timedelta(minutes=20))
    assert first.card() != replace(first, steps={**first.steps, Step.LEARNING: longer}).card()
    assert first.card() != ended.card()
    assert ended.card() != replace(ended, step=Step.SYNTHESIS).card(), "which steps were held shows at the end"
    assert blocks.root_message(first) != blocks.root_message(ended)


def test_the_card_shows_the_plan_of_the_six_steps_and_the_end() -> None:
    running = str(blocks.root_message(snapshot())["blocks"])
    assert all(f"{int(step)}. " in running for step in Step)
    assert running.count("· 10 min") == 6
    ended = blocks.root_message(replace(snapshot(), status=Status.ENDED, step=Step.CLARIFICATION))
    shown = str(ended["blocks"])
    assert ":white_check_mark: 2. Clarification" in shown and ":heavy_minus_sign: ~3. Contract~" in shown
    assert "approves it" in shown and "ended" in ended["text"]
