"""Fair rotation: over k×n sessions each member is client exactly k times; client and facilitator differ."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.rotation import PastSession, next_turn


@given(n=st.integers(min_value=2, max_value=8), k=st.integers(min_value=1, max_value=4))
def test_everyone_is_client_exactly_k_times_over_k_times_n_sessions(n: int, k: int) -> None:
    members = [f"U{i}" for i in range(n)]
    history: list[PastSession] = []
    for week in range(k * n):
        turn = next_turn(members, history)
        assert turn is not None
        assert turn.client_id != turn.facilitator_id
        assert sorted([turn.client_id, turn.facilitator_id, *turn.consultant_ids]) == sorted(members)
        history.append(PastSession(date(2026, 1, 5) + timedelta(weeks=week), turn.client_id, turn.facilitator_id))
    for member in members:
        assert sum(p.client_id == member for p in history) == k


def test_away_members_are_skipped() -> None:
    turn = next_turn(["UA", "UB", "UC", "UD"], [], away={"UA"})
    assert turn is not None and "UA" not in (turn.client_id, turn.facilitator_id, *turn.consultant_ids)


def test_what_actually_happened_counts_as_the_turn() -> None:
    history = [PastSession(date(2026, 1, 5), client_id="UC", facilitator_id="UA")]  # the group chose UC
    turn = next_turn(["UA", "UB", "UC"], history)
    assert turn is not None and turn.client_id == "UA" and turn.facilitator_id == "UB"


def test_longest_since_breaks_ties() -> None:
    history = [PastSession(date(2026, 1, 5), "UA", "UB"), PastSession(date(2026, 1, 12), "UB", "UA")]
    turn = next_turn(["UA", "UB", "UC"], [*history, PastSession(date(2026, 1, 19), "UC", "UA")])
    assert turn is not None and turn.client_id == "UA"  # all once; UA's turn was longest ago


def test_not_enough_people_present() -> None:
    assert next_turn(["UA", "UB"], [], away={"UB"}) is None
