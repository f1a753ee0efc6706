"""Who is who: users.info, cached in the database so a busy session does not hit Slack's rate limits."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.clock import Clock
from bot.domain.roles import Person, role_problems
from bot.i18n import t
from bot.storage.db import Database
from bot.storage.models import SlackUser

log = logging.getLogger(__name__)
# user_change events bring every change of a profile codev keeps as it happens (a deactivation, a new zone, name or
# Slack language): its age is only a safety net for events missed while codev was down, not a reason to ask Slack
# again before each session (six users.info for a group meeting every week; issue 16).
CACHE_FOR = timedelta(days=30)
# A modal is answered within Slack's 3 seconds: it waits this long at most for the profiles it lacks, fetched
# side by side; whatever Slack has not told by then is checked after the answer (PeopleCheck.settle).
CHECK_WITHIN = 1.5
SETTLE_WITHIN = 30.0


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
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="codev-people")
        self._inflight: dict[tuple[str, str], Future[PersonFacts | None]] = {}
        self._lock = threading.Lock()

    def cached(self, team_id: str, user_id: str) -> PersonFacts | None:
        """What codev already knows, without asking Slack (for work that must not wait)."""
        with self.db.read() as session:
            row = session.get(SlackUser, (team_id, user_id))
            return _facts(row) if row is not None else None

    def cached_name(self, team_id: str, user_id: str) -> str | None:
        """The name Slack last told codev (for a text that must read names, never ids), without asking Slack."""
        facts = self.cached(team_id, user_id)
        return facts.name if facts is not None and facts.name else None

    def lookup(self, team_id: str, user_id: str) -> PersonFacts | None:
        """The person's facts, or None when Slack does not know the id."""
        now = self.clock.now()
        with self.db.read() as session:
            row = session.get(SlackUser, (team_id, user_id))
            # Rows cached before codev asked Slack for the locale (include_locale) lack it: asked again.
            if row is not None and now - row.fetched_at < CACHE_FOR and (row.locale or row.is_bot):
                return _facts(row)
        return self._ask_slack(team_id, user_id)

    def lookup_within(self, team_id: str, user_id: str, seconds: float) -> None:
        """Ask Slack about this person, waiting at most `seconds` (an ack is waiting): the answer is stored when
        it comes, for the next text."""
        try:
            self._fetch(team_id, user_id).result(timeout=seconds)
        except Exception:  # slow, refused or unreachable: English this once
            log.info("no profile of %s within %s s", user_id, seconds)

    def remember(self, team_id: str, user: dict[str, Any]) -> PersonFacts:
        """Store a user object as users.info gives it (asked with include_locale)."""
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
        try:
            with self.db.session() as session:
                session.merge(fresh)
        except IntegrityError:  # another thread cached the same person meanwhile (merge is read, then insert)
            with self.db.session() as session:
                session.merge(fresh)
        return _facts(fresh)

    def refresh(self, team_id: str, user: dict[str, Any]) -> PersonFacts | None:
        """A user_change event: the cached profile of someone codev knows is brought up to date (a deactivation,
        a new zone, a new Slack language); None for a stranger, who is not stored (the event is workspace-wide).

        Slack's user object in user_change may lack the locale (or another field): what was stored stays.
        """
        with self.db.read() as session:  # most of a workspace's changes are strangers': no write for them
            if session.get(SlackUser, (team_id, user["id"])) is None:
                return None
        with self.db.session() as session:
            row = session.get(SlackUser, (team_id, user["id"]))
            if row is None:  # forgotten meanwhile (forget-me)
                return None
            row.name = user.get("real_name") or user.get("name") or row.name
            row.tz = user.get("tz") or row.tz
            row.locale = user.get("locale") or row.locale
            row.is_bot = bool(user.get("is_bot", row.is_bot))
            row.deleted = bool(user.get("deleted", row.deleted))
            if row.locale:  # a row without a locale (cached before codev asked for it) stays due for users.info
                row.fetched_at = self.clock.now()
            session.add(row)
            return _facts(row)

    def check(self, team_id: str, user_ids: Iterable[str | None], *, acting: str | None = None) -> PeopleCheck:
        """What a modal can be checked with before its answer: the cached profiles, and those Slack sends
        within CHECK_WITHIN seconds (asked side by side); the others are `late`, still being fetched.

        `acting` is whoever submitted: a person acting right now is neither a bot nor deactivated.
        """
        wanted = list(dict.fromkeys(u for u in user_ids if u))
        now = self.clock.now()
        facts: dict[str, PersonFacts | None] = {}
        stale: dict[str, PersonFacts] = {}
        with self.db.read() as session:
            rows = session.exec(
                select(SlackUser).where(SlackUser.team_id == team_id, col(SlackUser.user_id).in_(wanted))
            ).all()
        for row in rows:
            if now - row.fetched_at < CACHE_FOR:
                facts[row.user_id] = _facts(row)
            else:
                stale[row.user_id] = _facts(row)
        fetching = {u: self._fetch(team_id, u) for u in wanted if u not in facts}
        wait(fetching.values(), timeout=CHECK_WITHIN)
        late: dict[str, Future[PersonFacts | None]] = {}
        for user_id, future in fetching.items():
            if future.done() and future.exception() is None:
                facts[user_id] = future.result()
            else:
                late[user_id] = future
                if user_id in stale:  # what Slack said before is better than nothing until it answers
                    facts[user_id] = stale[user_id]
        if late:
            log.info("%d of %d profiles not known in time; checked after the answer", len(late), len(wanted))
        return PeopleCheck(facts, late, acting)

    def _fetch(self, team_id: str, user_id: str) -> Future[PersonFacts | None]:
        """users.info in the directory's own threads; one request per person at a time."""
        key = (team_id, user_id)
        with self._lock:
            future = self._inflight.get(key)
            if future is not None:
                return future
            future = self._pool.submit(self._ask_slack, team_id, user_id)
            self._inflight[key] = future
        # Outside the lock: a future done already runs its callback here, at once, and the callback takes the lock
        # (inside it, a fast answer deadlocked the thread: the stalls seen now and then in test runs).
        future.add_done_callback(lambda _done: self._forget_inflight(key, future))
        return future

    def _forget_inflight(self, key: tuple[str, str], future: Future[PersonFacts | None]) -> None:
        with self._lock:
            if self._inflight.get(key) is future:
                del self._inflight[key]

    def _ask_slack(self, team_id: str, user_id: str) -> PersonFacts | None:
        try:
            # Slack includes the person's locale only when asked; codev speaks to them in its language.
            user = self.client.users_info(user=user_id, include_locale=True)["user"]
        except SlackApiError as error:
            if error.response.get("error") in ("user_not_found", "invalid_arguments"):
                return None
            raise
        return self.remember(team_id, user)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


@dataclass
class PeopleCheck:
    """Who is who for one modal: facts known before its answer, and the profiles still on their way."""

    facts: dict[str, PersonFacts | None]  # None: Slack does not know this id
    late: dict[str, Future[PersonFacts | None]] = field(default_factory=dict)
    acting: str | None = None

    def person(self, user_id: str) -> Person | None:
        """The person as far as known now; None when Slack does not know the id. Someone not known yet
        counts as a person: they are checked after the answer (settle)."""
        if user_id == self.acting:
            return Person(user_id)
        if user_id in self.facts:
            facts = self.facts[user_id]
            return None if facts is None else Person(user_id, is_bot=facts.is_bot, deleted=facts.deleted)
        return Person(user_id)

    def unconfirmed(self, user_id: str | None) -> bool:
        """Slack has not described this person in time: what is known, if anything, is older than CACHE_FOR."""
        return bool(user_id) and user_id != self.acting and user_id in self.late

    def problem(self, user_id: str) -> str | None:
        """What is wrong with having this person in a session or a group, as a messages key; None if nothing."""
        person = self.person(user_id)
        if person is None:
            return "role_unknown_user"
        return "role_is_bot" if person.is_bot else "role_is_deactivated" if person.deleted else None

    def role_errors(
        self, facilitator_id: str | None, client_id: str | None, consultant_ids: list[str]
    ) -> dict[str, str]:
        """Inline errors for the roles of a start or edit modal, keyed by the field's block."""
        unknown: dict[str, str] = {}

        def person(field_name: str, user_id: str | None) -> Person | None:
            if not user_id:
                return None
            found = self.person(user_id)
            if found is None:
                unknown.setdefault(field_name, t("role_unknown_user", user=user_id))
            return found

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

    def settle(self, within: float = SETTLE_WITHIN) -> list[tuple[str, str]]:
        """After the answer: wait for the late profiles; (user id, messages key) for each person who turns
        out not to fit (a bot, deactivated, unknown) or whom Slack never described ("people_check_failed")."""
        deadline = time.monotonic() + within
        problems: list[tuple[str, str]] = []
        for user_id, future in self.late.items():
            if user_id == self.acting:
                continue
            try:
                self.facts[user_id] = future.result(timeout=max(0.0, deadline - time.monotonic()))
            except Exception:  # Slack's error, a lost connection or our own timeout: say it was not checked
                log.warning("could not check %s with Slack", user_id, exc_info=True)
                problems.append((user_id, "people_check_failed"))
                continue
            problem = self.problem(user_id)
            if problem is not None:
                problems.append((user_id, problem))
        self.late = {}
        return problems


def describe(problems: list[tuple[str, str]]) -> str:
    """One line per problem PeopleCheck.settle found, for a private message."""
    return "\n".join(t("people_check_line", problem=t(reason, user=who)) for who, reason in problems)


def _facts(row: SlackUser) -> PersonFacts:
    return PersonFacts(row.user_id, row.name, row.tz, row.locale, row.is_bot, row.deleted)
