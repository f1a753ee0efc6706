"""Who is who: users.info, cached in the database so a busy session does not hit Slack's rate limits."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import Clock
from bot.domain.roles import Person, role_problems
from bot.messages import t
from bot.storage.db import Database
from bot.storage.models import SlackUser

log = logging.getLogger(__name__)
CACHE_FOR = timedelta(hours=6)


@dataclass(frozen=True)
class PersonFacts:
    user_id: str
    name: str
    tz: str | None
    locale: str | None
    is_bot: bool
    deleted: bool


class UserDirectory:
    def __init__(self, db: Database, client: WebClient, clock: Clock) -> None:
        self.db = db
        self.client = client
        self.clock = clock

    def cached(self, team_id: str, user_id: str) -> PersonFacts | None:
        """What codev already knows, without asking Slack (for work that must not wait)."""
        with self.db.read() as session:
            row = session.get(SlackUser, (team_id, user_id))
            return _facts(row) if row is not None else None

    def lookup(self, team_id: str, user_id: str) -> PersonFacts | None:
        """The person's facts, or None when Slack does not know the id."""
        now = self.clock.now()
        with self.db.read() as session:
            row = session.get(SlackUser, (team_id, user_id))
            if row is not None and now - row.fetched_at < CACHE_FOR:
                return _facts(row)
        try:
            user = self.client.users_info(user=user_id)["user"]
        except SlackApiError as error:
            if error.response.get("error") in ("user_not_found", "invalid_arguments"):
                return None
            raise
        return self.remember(team_id, user)

    def remember(self, team_id: str, user: dict[str, Any]) -> PersonFacts:
        """Store a user object as Slack gives it (users.info, or a user_change event: deactivation, new zone)."""
        fresh = SlackUser(
            team_id=team_id,
            user_id=user["id"],
            name=user.get("real_name") or user.get("name", ""),
            tz=user.get("tz"),
            locale=user.get("locale"),
            is_bot=bool(user.get("is_bot")),
            deleted=bool(user.get("deleted")),
            fetched_at=self.clock.now(),
        )
        with self.db.session() as session:
            session.merge(fresh)
        return _facts(fresh)

    def role_errors(
        self, team_id: str, facilitator_id: str | None, client_id: str | None, consultant_ids: list[str]
    ) -> dict[str, str]:
        """Inline errors for the roles of a start or edit modal, keyed by the field's block."""
        unknown: dict[str, str] = {}

        def person(field: str, user_id: str | None) -> Person | None:
            if not user_id:
                return None
            facts = self.lookup(team_id, user_id)
            if facts is None:
                unknown.setdefault(field, t("role_unknown_user", user=user_id))
                return None
            return Person(user_id, is_bot=facts.is_bot, deleted=facts.deleted)

        facilitator = person("facilitator", facilitator_id)
        client = person("client", client_id)
        consultants = [p for u in consultant_ids if (p := person("consultants", u)) is not None]
        errors = {}
        for problem in role_problems(facilitator, client, consultants):
            if problem.field in unknown:
                continue
            errors[problem.field] = t(problem.reason, user=problem.user_id or "")
        errors.update(unknown)
        return errors


def _facts(row: SlackUser) -> PersonFacts:
    return PersonFacts(row.user_id, row.name, row.tz, row.locale, row.is_bot, row.deleted)
