"""Which private hint, if any, the method would give someone for what they just wrote in a step's thread.

The rules of the method, read by a facilitator: in Presentation and Contract the client speaks and the
consultants listen; Clarification is for neutral questions, one at a time, no advice; in Consultation the
client listens and takes notes (they answer in Synthesis), and nobody judges. The facilitator holds the frame
and may speak anywhere. A hint answers what the person just did, once per kind and step: never a nag.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from enum import StrEnum

from bot.domain.advice import Remark, blunt_verdict, count_questions, remark
from bot.domain.steps import Step

CLIENT, CONSULTANT, FACILITATOR = "client", "consultant", "facilitator"


class Hint(StrEnum):
    ADVICE = "advice"  # a consultant proposes a solution during Clarification
    JUDGMENT = "judgment"  # a verdict on the client (Clarification); a blunt one on them as a person (Consultation)
    ONE_QUESTION = "one_question"  # several questions in one Clarification message
    LISTEN_PRESENTATION = "listen_presentation"  # a consultant writes while the client presents
    LISTEN_CONTRACT = "listen_contract"  # a consultant writes while the client states their contract
    CLIENT_LISTENS = "client_listens"  # the client answers back during Consultation


_OFF_ROLE: dict[tuple[str, Step], Hint] = {
    (CONSULTANT, Step.PRESENTATION): Hint.LISTEN_PRESENTATION,
    (CONSULTANT, Step.CONTRACT): Hint.LISTEN_CONTRACT,
    (CLIENT, Step.CONSULTATION): Hint.CLIENT_LISTENS,
}


def candidates(step: Step, role: str | None, text: str) -> list[Hint]:
    """Every hint the message deserves, the most important first."""
    off_role = _OFF_ROLE.get((role or "", step))
    if off_role is not None:
        return [off_role]
    if role != CONSULTANT:
        return []  # the facilitator holds the frame; the client speaks in their own steps; others are not coached
    found: list[Hint] = []
    if step is Step.CLARIFICATION:
        said = remark(text)
        if said is Remark.ADVICE:
            found.append(Hint.ADVICE)
        elif said is Remark.JUDGMENT:
            found.append(Hint.JUDGMENT)
        if count_questions(text) >= 2:
            found.append(Hint.ONE_QUESTION)
    elif step is Step.CONSULTATION and blunt_verdict(text):
        # Consultants are meant to share hypotheses, their own stories and solutions here: only a blunt verdict
        # on the client as a person brings a hint, never "One hypothesis: …", "I made a big mistake…" or
        # "It's not your fault".
        found.append(Hint.JUDGMENT)
    return found


def hint_for(step: Step, role: str | None, text: str, given: Set[Hint] = frozenset()) -> Hint | None:
    """The one hint to give for this message: the most important one this person has not had in this step."""
    return next((hint for hint in candidates(step, role, text) if hint not in given), None)


def hints_given(step: Step, role: str | None, earlier: Iterable[str]) -> set[Hint]:
    """The hints a person's earlier messages of a step brought them, replayed in order."""
    given: set[Hint] = set()
    for text in earlier:
        hint = hint_for(step, role, text, given)
        if hint is not None:
            given.add(hint)
    return given
