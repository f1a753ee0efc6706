"""/codev status lists every running session it can in one message, whole lines only, and says how many it left out."""

from __future__ import annotations

from bot.slack.blocks import session as blocks
from tests.unit.test_blocks import NOW, snapshot


def test_a_short_list_is_shown_whole() -> None:
    message = blocks.status_message([snapshot(id=n, topic=f"Topic {n}") for n in range(3)], NOW)
    text = message["blocks"][0]["text"]["text"]
    assert [line.startswith("• *Topic") for line in text.splitlines()] == [True] * 3
    assert "more" not in text


def test_a_long_list_is_cut_between_lines_and_says_how_many_are_left_out() -> None:
    sessions = [snapshot(id=n, topic=f"Topic {n} " + "x" * 250) for n in range(40)]
    text = blocks.status_message(sessions, NOW)["blocks"][0]["text"]["text"]
    lines = text.splitlines()
    shown = [line for line in lines if line.startswith("• *Topic")]
    assert len(text) <= 3000 and 0 < len(shown) < 40
    assert all(line.endswith("(facilitator <@UA>)") for line in shown), "no line is cut in the middle"
    assert lines[-1] == f"…and {40 - len(shown)} more sessions, not listed here: the list is too long for one message."


def test_one_left_out_is_said_in_the_singular() -> None:
    one_line = len(blocks.status_message([snapshot(topic="T" * 250)], NOW)["blocks"][0]["text"]["text"])
    count = 3000 // (one_line + 1) + 1  # exactly one line too many
    sessions = [snapshot(id=n, topic="T" * 250) for n in range(count)]
    text = blocks.status_message(sessions, NOW)["blocks"][0]["text"]["text"]
    assert text.splitlines()[-1].startswith("…and 1 more session,")
