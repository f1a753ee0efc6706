"""Checks on who plays which role in a session."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.steps import MAX_PEERS, MIN_PEERS


@dataclass(frozen=True)
class Person:
    user_id: str
    is_bot: bool = False
    deleted: bool = False


@dataclass(frozen=True)
class RoleProblem:
    field: str  # "facilitator", "client" or "consultants"
    reason: str  # a messages key
    user_id: str | None = None


def role_problems(facilitator: Person | None, client: Person | None, consultants: list[Person]) -> list[RoleProblem]:
    """Everything wrong with a cast, at most one problem per field."""
    problems: dict[str, RoleProblem] = {}
    if facilitator is None:
        problems["facilitator"] = RoleProblem("facilitator", "role_missing_facilitator")
    if client is None:
        problems["client"] = RoleProblem("client", "role_missing_client")
    if not consultants:
        problems["consultants"] = RoleProblem("consultants", "role_missing_consultants")

    for field, people in (("facilitator", [facilitator]), ("client", [client]), ("consultants", consultants)):
        for person in people:
            if person is None or field in problems:
                continue
            if person.is_bot:
                problems[field] = RoleProblem(field, "role_is_bot", person.user_id)
            elif person.deleted:
                problems[field] = RoleProblem(field, "role_is_deactivated", person.user_id)

    if facilitator and client and facilitator.user_id == client.user_id and "client" not in problems:
        problems["client"] = RoleProblem("client", "role_client_is_facilitator", client.user_id)
    consultant_ids = [p.user_id for p in consultants]
    for other, field in ((client, "client"), (facilitator, "facilitator")):
        if other and other.user_id in consultant_ids and "consultants" not in problems:
            problems["consultants"] = RoleProblem("consultants", f"role_consultant_is_{field}", other.user_id)
    return list(problems.values())


def peer_count(facilitator_id: str, client_id: str, consultant_ids: list[str]) -> int:
    return len({facilitator_id, client_id, *consultant_ids})


def peer_count_is_usual(count: int) -> bool:
    """The method asks for 5 to 8 peers; other sizes are allowed once the facilitator confirms."""
    return MIN_PEERS <= count <= MAX_PEERS
