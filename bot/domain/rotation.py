"""Fair role rotation: whose turn it is to be client and facilitator. Pure."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class PastSession:
    held_on: date
    client_id: str
    facilitator_id: str


@dataclass(frozen=True)
class Turn:
    client_id: str
    facilitator_id: str
    consultant_ids: list[str]


def _turn_order(role: str, candidates: list[str], history: list[PastSession]) -> list[str]:
    """Fewest times in the role first, then longest since (never first), then the members' order."""
    counts = {member: 0 for member in candidates}
    last: dict[str, date] = {}
    for past in history:
        holder = past.client_id if role == "client" else past.facilitator_id
        if holder in counts:
            counts[holder] += 1
            last[holder] = max(last.get(holder, past.held_on), past.held_on)
    position = {member: n for n, member in enumerate(candidates)}
    return sorted(candidates, key=lambda m: (counts[m], last.get(m, date.min), position[m]))


def next_turn(members: list[str], history: list[PastSession], away: AbstractSet[str] = frozenset()) -> Turn | None:
    """Who should be client and facilitator next (never the same person), everyone else consulting.

    Members who are away are skipped; None when fewer than two are present.
    """
    present = [m for m in dict.fromkeys(members) if m not in away]
    if len(present) < 2:
        return None
    client = _turn_order("client", present, history)[0]
    facilitator = next(m for m in _turn_order("facilitator", present, history) if m != client)
    return Turn(client, facilitator, [m for m in present if m not in (client, facilitator)])
