"""The advice detector, on labelled English and French messages."""

from __future__ import annotations

import pytest

from bot.domain.advice import looks_like_advice

ADVICE = [
    "Have you tried talking to your manager?",
    "have you thought about a rotation?",
    "Did you consider hiring a freelancer?",
    "You should write it down first.",
    "You could ask HR for help.",
    "Why don't you delegate the reporting?",
    "Why not split the team in two?",
    "How about a weekly check-in?",
    "What if you asked them directly?",
    "I would suggest a retrospective.",
    "I'd recommend starting small.",
    "If I were you, I'd say no.",
    "Try talking to each person alone.",
    "Consider asking for a budget.",
    "You might want to involve your boss.",
    "Wouldn't it be better to wait?",
    "My advice: keep it simple.",
    "You need to set boundaries.",
    "As-tu essayé de lui en parler ?",
    "As tu pensé à déléguer ?",
    "Avez-vous envisagé une formation ?",
    "Tu devrais en parler à ta manager.",
    "Tu pourrais demander de l'aide.",
    "Vous devriez fixer une échéance.",
    "Il faudrait clarifier les rôles.",
    "Pourquoi ne pas commencer par un test ?",
    "Pourquoi tu ne lui dis pas ?",
    "Et si tu proposais un atelier ?",
    "Je te conseille de prendre du recul.",
    "Je vous suggère un point hebdomadaire.",
    "À ta place, je refuserais.",
    "Mon conseil : écrire une charte.",
]

NEUTRAL = [
    "How long has this been going on?",
    "Who else is affected?",
    "What would success look like for you?",
    "What have you already tried?",
    "When did you first notice it?",
    "How does your team feel about it?",
    "What is at stake for you?",
    "Why does it matter now?",
    "What did your manager say?",
    "Can you say more about the budget?",
    "Depuis combien de temps cela dure-t-il ?",
    "Qui d'autre est concerné ?",
    "Qu'as-tu déjà essayé ?",
    "Comment ton équipe le vit-elle ?",
    "Pourquoi est-ce important maintenant ?",
    "Quel serait le résultat idéal pour toi ?",
    "Qu'est-ce que tu crains le plus ?",
    "Combien de personnes sont dans l'équipe ?",
]


@pytest.mark.parametrize("text", ADVICE)
def test_advice_is_spotted(text: str) -> None:
    assert looks_like_advice(text)


@pytest.mark.parametrize("text", NEUTRAL)
def test_neutral_questions_are_left_alone(text: str) -> None:
    assert not looks_like_advice(text)


def test_the_table_is_large_enough() -> None:
    assert len(ADVICE) + len(NEUTRAL) >= 40
