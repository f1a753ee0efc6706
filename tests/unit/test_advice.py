"""The coaching detectors on the labelled set (tests/unit/coaching_cases.py): advice, judgment, questions.

"Needs a hint" is advice or judgment. The set is judged as a whole (precision and recall per language and
overall, with floors), and case by case so that a regression names the message it broke.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from bot.domain.advice import Remark, blunt_verdict, count_questions, fold, looks_like_advice, remark
from bot.domain.coaching import Hint, hint_for, hints_given
from bot.domain.steps import Step
from bot.messages import EN, Plural
from tests.unit.coaching_cases import ADVICE, CASES, CONSULTATION, NEUTRAL, QUESTIONS, SITUATIONS

MIN_PRECISION = 0.95
MIN_RECALL = 0.85

# Misses the detector is known to make, kept visible rather than removed from the set.
KNOWN_MISSES = {
    "Et un agenda partagé pour toute l'équipe ?",  # an elliptic proposal: no verb to read
    # The last batch, only measured (the detector was not tuned after it): its misses stay visible here.
    "Maybe start by listing what you can drop?",
    "Peut-être commencer par lister ce que tu peux lâcher ?",
    # (its three judgments missed then are caught since the seventh batch's tuning, which read them: no longer
    # held out)
    # The eighth batch, only measured after the seventh's tuning: its misses stay visible here.
    "Maybe talk to her before the review?",
    "You let this drag on way too long.",
    "Honestly, you messed that one up.",
    "Un petit sondage, ça ne t'en dirait pas plus ?",
    "Tu as laissé traîner ça beaucoup trop longtemps.",
    "Franchement, tu t'es planté sur ce coup.",
    "That was such a stupid thing to do.",  # (in Consultation)
}
# Follow-ups the question count reads as a second question though they only narrow the first (eighth batch).
KNOWN_MISCOUNTS = {"Who signs off? You or the director?", "Qui valide ? Toi ou le directeur ?"}


def _needs_a_hint(text: str) -> bool:
    return remark(text) is not None


def _judged_in_consultation(text: str) -> bool:
    return hint_for(Step.CONSULTATION, "consultant", text) is Hint.JUDGMENT


def _scores(
    cases: list[tuple[str, str, str]], flags: Callable[[str], bool] = _needs_a_hint
) -> tuple[float, float, int, int, int]:
    true_pos = false_pos = false_neg = 0
    for _, label, text in cases:
        flagged, needs = flags(text), label != NEUTRAL
        true_pos += flagged and needs
        false_pos += flagged and not needs
        false_neg += needs and not flagged
    precision = true_pos / (true_pos + false_pos) if true_pos + false_pos else 1.0
    recall = true_pos / (true_pos + false_neg) if true_pos + false_neg else 1.0
    return precision, recall, true_pos, false_pos, false_neg


@pytest.mark.parametrize("language", ["en", "fr", "all"])
def test_precision_and_recall_of_needs_a_hint(language: str) -> None:
    cases = [case for case in CASES if language in ("all", case[0])]
    precision, recall, true_pos, false_pos, false_neg = _scores(cases)
    detail = (
        f"{language}: precision {precision:.3f}, recall {recall:.3f} ({true_pos} TP, {false_pos} FP, {false_neg} FN)"
    )
    assert precision >= MIN_PRECISION, detail
    assert recall >= MIN_RECALL, detail


def _in_consultation(language: str) -> list[tuple[str, str, str]]:
    """The Consultation part, and every Clarification message but the judgments, read as Consultation messages:
    advice is welcome there (neutral); a Clarification judgment may be too mild for a hint there, so it is left out.
    """
    clarification = [(lang, NEUTRAL, text) for lang, label, text in CASES if label in (NEUTRAL, ADVICE)]
    return [case for case in CONSULTATION + clarification if language in ("all", case[0])]


@pytest.mark.parametrize("language", ["en", "fr", "all"])
def test_precision_and_recall_of_the_judgment_hint_in_consultation(language: str) -> None:
    precision, _, true_pos, false_pos, _ = _scores(_in_consultation(language), _judged_in_consultation)
    _, recall, _, _, false_neg = _scores(
        [case for case in CONSULTATION if language in ("all", case[0])], _judged_in_consultation
    )
    detail = (
        f"consultation {language}: precision {precision:.3f}, recall {recall:.3f} "
        f"({true_pos} TP, {false_pos} FP, {false_neg} FN)"
    )
    assert precision >= MIN_PRECISION, detail
    assert recall >= MIN_RECALL, detail


@pytest.mark.parametrize(
    ("language", "label", "text"),
    [
        pytest.param(*case, marks=pytest.mark.xfail(strict=True, reason="known miss"))
        if case[2] in KNOWN_MISSES
        else case
        for case in CONSULTATION
    ],
)
def test_each_consultation_message(language: str, label: str, text: str) -> None:
    assert _judged_in_consultation(text) is (label != NEUTRAL)
    assert blunt_verdict(text) is (label != NEUTRAL)


def test_the_floors_fail_a_detector_that_flags_too_much_or_too_little() -> None:
    precision, recall, *_ = _scores([("en", "advice", "Why not ask?"), ("en", NEUTRAL, "Who decides?")])
    assert (precision, recall) == (1.0, 1.0)
    precision, _, *_ = _scores([("en", NEUTRAL, "Why not ask?"), ("en", "advice", "Why not ask her?")])
    assert precision < MIN_PRECISION


def test_the_set_is_large_and_in_both_languages() -> None:
    assert len(CASES) >= 150
    for language in ("en", "fr"):
        labels = [label for lang, label, _ in CASES if lang == language]
        assert len(labels) >= 80, language
        assert {"neutral", "advice", "judgment"} <= set(labels), language
    assert len({text for _, _, text in CASES}) == len(CASES), "no message twice"
    for language in ("en", "fr"):
        labels = [label for lang, label, _ in CONSULTATION if lang == language]
        assert labels.count(NEUTRAL) >= 20 and labels.count("judgment") >= 10, language
    assert len({text for _, _, text in CONSULTATION}) == len(CONSULTATION), "no message twice"


@pytest.mark.parametrize(
    ("language", "label", "text"),
    [
        pytest.param(*case, marks=pytest.mark.xfail(strict=True, reason="known miss"))
        if case[2] in KNOWN_MISSES
        else case
        for case in CASES
    ],
)
def test_each_message(language: str, label: str, text: str) -> None:
    found = remark(text)
    assert (found.value if found else NEUTRAL) == label


@pytest.mark.parametrize(
    ("text", "count"),
    [
        pytest.param(*case, marks=pytest.mark.xfail(strict=True, reason="known miscount"))
        if case[0] in KNOWN_MISCOUNTS
        else case
        for case in QUESTIONS
    ],
)
def test_questions_are_counted(text: str, count: int) -> None:
    assert count_questions(text) == count


@pytest.mark.parametrize(("step", "role", "text", "expected"), SITUATIONS)
def test_the_coaching_decision(step: str, role: str, text: str, expected: str | None) -> None:
    hint = hint_for(Step[step.upper()], role, text)
    assert (hint.value if hint else None) == expected


def _codev_examples() -> list[str]:
    """Every example codev shows people (the "For example" bullets, quoted examples) and every question it asks."""
    found: list[str] = []
    for key, english in EN.items():
        for value in (english.one, english.other) if isinstance(english, Plural) else (english,):
            if key.startswith("examples_"):
                for line in value.splitlines():
                    found.append(line.strip().lstrip("•").strip().strip('“”"').strip())
            found += [quoted for quoted in re.findall(r"“([^”]+)”", value)]
            if value.rstrip().endswith("?"):  # a question codev asks people ("Did you get what you asked for?")
                found.append(value)
    return [example for example in found if example]


def test_codev_examples_are_never_flagged() -> None:
    examples = _codev_examples()
    assert "What have you tried so far?" in examples and "Who else is affected?" in examples
    flagged = [example for example in examples if remark(example) is not None]
    assert flagged == []


@pytest.mark.parametrize("step", list(Step))
def test_codev_examples_bring_no_hint_to_whoever_should_speak(step: Step) -> None:
    for example in _codev_examples():
        for role in ("client", "facilitator"):
            assert hint_for(step, role, example) in (None, Hint.CLIENT_LISTENS), (role, example)
        if step in (Step.CLARIFICATION, Step.CONSULTATION, Step.SYNTHESIS, Step.LEARNING):
            # (a whole "For example" block asks several questions: only that hint may come)
            assert hint_for(step, "consultant", example, {Hint.ONE_QUESTION}) is None, example


def test_a_hint_is_given_once_per_kind_and_the_next_kind_follows() -> None:
    advice = "Have you tried asking HR?"
    assert hint_for(Step.CLARIFICATION, "consultant", advice, {Hint.ADVICE}) is None
    two = "Why not ask HR? And who decides?"
    assert hint_for(Step.CLARIFICATION, "consultant", two, {Hint.ADVICE}) is Hint.ONE_QUESTION
    replayed = hints_given(Step.CLARIFICATION, "consultant", [advice, "Who decides?", two, advice])
    assert replayed == {Hint.ADVICE, Hint.ONE_QUESTION}
    assert hints_given(Step.PRESENTATION, "consultant", ["Wow.", "Hmm."]) == {Hint.LISTEN_PRESENTATION}


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Qu’as-tu essayé ?", "que as tu essaye ?"),
        ("Ne serait-il pas mieux ?", "ne serait il pas mieux ?"),
        ("Que se passe-t-il ?", "que se passe il ?"),
        ("T'as pensé à ça ?", "tu as pense a ca ?"),
        ("Wouldnt it help?", "wouldn't it help?"),
        ("Ça  dure\u00a0depuis <@U0BOB> :smile: mars", "ca dure depuis mars"),
    ],
)
def test_french_and_english_are_normalised(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_the_old_entry_point_still_answers() -> None:
    assert looks_like_advice("Have you tried talking to your manager?")
    assert not looks_like_advice("That was a mistake.")
    assert remark("That was a mistake.") is Remark.JUDGMENT
