"""`codev demo` plays a whole session with no Slack workspace and prints the channel."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_codev_demo_prints_a_whole_session(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": os.environ.get("PATH", "")},
        timeout=120,
    )
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
