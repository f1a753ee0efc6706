"""Whose language a text is in: a person's (their choice, else their Slack locale), a group's, a session's.

A person's choice (`/codev language fr|en|auto`) wins over the locale Slack gives (users.info with
include_locale, refreshed on user_change). A group's channel reads the language set in its modal, else the
language most of its members read (ties go to English, the source language). A session's channel reads the
language fixed as it started. Answers are cached for a short while: texts are rendered many times per request.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable

from sqlmodel import Session, col, select

from bot.i18n import AUTO, SOURCE_LANGUAGE, languages, supported
from bot.storage.db import Database
from bot.storage.models import CodevGroup, CodevSession, GroupMember, PersonSettings, SlackUser

CACHE_SECONDS = 30.0  # another process's change (a preference, a locale from user_change) shows within this


class LanguageBook:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._cache: dict[tuple[str, str], tuple[float, str]] = {}
        self._guard = threading.Lock()

    # ---- a person ---------------------------------------------------------------------------------------
    def person(self, team_id: str, user_id: str, lookup: Callable[[str, str], object] | None = None) -> str:
        """The language codev speaks to this person. `lookup` asks Slack about someone codev has never seen
        (users.info, whose locale it stores), once: without it they read English until codev learns more."""
        key = (team_id, user_id)
        with self._guard:
            hit = self._cache.get(key)
        if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]
        language, known = self._read_person(team_id, user_id)
        # Asking Slack takes a while: not from inside a unit of work (it would hold the database meanwhile).
        if not known and lookup is not None and not self.db.writing_here():
            lookup(team_id, user_id)
            language, known = self._read_person(team_id, user_id)
        if not known:
            return language  # a guess: not cached, so the next text looks again (the lookup may answer by then)
        with self._guard:
            self._cache[key] = (time.monotonic(), language)
        return language

    def _read_person(self, team_id: str, user_id: str) -> tuple[str, bool]:
        """(their language, whether codev knows it: their choice, or a Slack profile asked with include_locale)."""
        with self.db.read() as session:
            profile = session.get(SlackUser, (team_id, user_id))
            settings = session.get(PersonSettings, (team_id, user_id))
        chosen = settings.language if settings else None
        locale = profile.locale if profile else None
        known = bool(chosen or locale or (profile is not None and profile.is_bot))
        return supported(chosen or locale), known

    def people(self, team_id: str, user_ids: Iterable[str]) -> dict[str, str]:
        wanted = list(dict.fromkeys(user_ids))
        with self.db.read() as session:
            found = people_languages(session, team_id, wanted)
        return {user: found.get(user, SOURCE_LANGUAGE) for user in wanted}

    def preference(self, team_id: str, user_id: str) -> str:
        """What the person chose: a language code, or AUTO (follow Slack)."""
        with self.db.read() as session:
            row = session.get(PersonSettings, (team_id, user_id))
        return row.language if row and row.language else AUTO

    def choose(self, team_id: str, user_id: str, language: str) -> str:
        """Store the person's choice (a code codev speaks, or AUTO); returns the language they now read."""
        if language != AUTO and language not in languages():
            raise ValueError(f"codev does not speak {language!r}")
        with self.db.session() as session:
            row = session.get(PersonSettings, (team_id, user_id)) or PersonSettings(team_id=team_id, user_id=user_id)
            row.language = None if language == AUTO else language
            session.add(row)
        self.forget(team_id, user_id)
        return self.person(team_id, user_id)

    def forget(self, team_id: str, user_id: str) -> None:
        """Drop this process's cached answer (the person chose, or Slack told a new locale)."""
        with self._guard:
            self._cache.pop((team_id, user_id), None)

    # ---- a group, a session -----------------------------------------------------------------------------
    def group(self, team_id: str, channel_id: str) -> str:
        """The language the channel of this channel's group reads; outside a group, English."""
        with self.db.read() as session:
            return group_language(session, team_id, channel_id) or SOURCE_LANGUAGE

    def session(self, team_id: str, session_id: int) -> str:
        with self.db.read() as session:
            row = session.get(CodevSession, session_id)
        return supported(row.language) if row and row.team_id == team_id else SOURCE_LANGUAGE


def languages_of(db: Database, team_id: str, user_ids: Iterable[str]) -> dict[str, str]:
    """Each person's language, for code that writes to several people one by one (no cache)."""
    return LanguageBook(db).people(team_id, user_ids)


def languages_of_channel(db: Database, team_id: str, channel_id: str) -> str:
    """What a channel reads: its group's language (English outside a group)."""
    return LanguageBook(db).group(team_id, channel_id)


def people_languages(session: Session, team_id: str, user_ids: list[str]) -> dict[str, str]:
    """Each known person's language: their choice, else their Slack locale's (English when codev lacks it)."""
    if not user_ids:
        return {}
    chosen = dict(
        session.exec(
            select(PersonSettings.user_id, PersonSettings.language).where(
                PersonSettings.team_id == team_id, col(PersonSettings.user_id).in_(user_ids)
            )
        ).all()
    )
    locales = dict(
        session.exec(
            select(SlackUser.user_id, SlackUser.locale).where(
                SlackUser.team_id == team_id, col(SlackUser.user_id).in_(user_ids)
            )
        ).all()
    )
    return {user: supported(chosen.get(user) or locales.get(user)) for user in user_ids}


def majority_language(languages_read: Iterable[str]) -> str:
    """The language most of these people read; a tie (or nobody) goes to English."""
    counts = Counter(languages_read)
    if not counts:
        return SOURCE_LANGUAGE
    best = max(counts.values())
    leaders = sorted(language for language, count in counts.items() if count == best)
    return SOURCE_LANGUAGE if SOURCE_LANGUAGE in leaders or len(leaders) > 1 else leaders[0]


def group_language(session: Session, team_id: str, channel_id: str) -> str | None:
    """The channel's group's language (set, else most members'); None when the channel has no group."""
    group = session.exec(
        select(CodevGroup).where(CodevGroup.team_id == team_id, CodevGroup.channel_id == channel_id)
    ).first()
    if group is None:
        return None
    if group.language:
        return supported(group.language)
    members = list(session.exec(select(GroupMember.user_id).where(GroupMember.group_id == group.id)).all())
    return majority_language(people_languages(session, team_id, members).values())


def session_language(session: Session, team_id: str, channel_id: str, facilitator_id: str) -> str:
    """What a new session's channel will read: its group's language, else its facilitator's."""
    return (
        group_language(session, team_id, channel_id)
        or people_languages(session, team_id, [facilitator_id])[facilitator_id]
    )
