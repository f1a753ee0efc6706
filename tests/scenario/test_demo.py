"""`codev demo` plays a whole session with no Slack workspace and prints the channel."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.i18n import reading, t
from tests.support.english import Sent, english_in

STEPS = [
    "step_presentation",
    "step_clarification",
    "step_contract",
    "step_consultation",
    "step_synthesis",
    "step_learning",
]


def test_codev_demo_prints_a_whole_session(tmp_path: Path) -> None:
    result = run_demo(tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for number, name in enumerate(
        ["PRESENTATION", "CLARIFICATION", "CONTRACT", "CONSULTATION", "SYNTHESIS & ACTION PLAN", "LEARNING"], start=1
    ):
        assert f"STEP {number}/6 · {name}" in out
    assert "Summary — Handing over my team" in out
    assert "Action plan" in out and "Name Carol-from-ops as my deputy" in out
    assert "(only Erin sees)" in out
    # The group's life around the session: the kick-off, the pick, and the follow-up in Bob's DMs.
    assert "Who brings a challenge this time?" in out and "picked" in out
    assert "Noted: “Name Carol-from-ops as my deputy” — done." in out
    assert "½ working day, counted in working hours (mon-fri 09:00–17:00, Europe/Paris)" in out, "working time"
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "codev.db").exists(), "the demo keeps its data in a temporary place"


def test_codev_demo_in_french_prints_the_session_in_french(tmp_path: Path) -> None:
    result = run_demo(tmp_path, "--lang", "fr", timeout=120)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    with reading("fr"):
        steps = [t(key) for key in STEPS]
        only_erin = t("demo_only_sees", name="Erin")
        dms = t("demo_dms", name="Bob")
    assert steps[2:] == ["Contrat", "Consultation", "Synthèse et plan d'action", "Intégration des apprentissages"]
    for number, name in enumerate(steps, start=1):
        assert f"ÉTAPE {number}/6 · {name.upper()}" in out, name
    assert "Compte rendu — Passer la main à mon équipe" in out
    assert "Nommer Carole des ops comme adjointe" in out and "Cercle du mardi" in out
    assert only_erin in out and dms in out, "the demo's own words are French too"
    leaks = english_in([Sent("codev demo --lang fr", None, out)])
    assert not leaks, "English in the French demo:\n" + "\n".join(leaks)
    assert "Traceback" not in result.stderr


def test_codev_demo_refuses_a_language_it_does_not_speak(tmp_path: Path) -> None:
    result = run_demo(tmp_path, "--lang", "tlh", timeout=60)
    assert result.returncode == 2 and "codev speaks en, fr" in result.stderr, result.stderr


def run_demo(where: Path, *options: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """`codev demo` in a fresh process, in `where`, with nothing of the environment but PATH."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "demo", *options],
        capture_output=True,
        text=True,
        cwd=where,
        env={"PATH": os.environ.get("PATH", "")},
        timeout=timeout,
    )
