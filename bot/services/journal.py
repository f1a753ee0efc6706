"""The private learning journal. Every query is scoped to its author.

Its reading queries take the caller's session, so that App Home's read model (bot/services/home.py) runs them
inside its one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, or_, update
from sqlmodel import Session, col, select

from bot.clock import Clock
from bot.domain.steps import Step
from bot.domain.text import hashtags
from bot.storage.db import Database
from bot.storage.models import CodevSession, JournalEntry, SlackUser

PAGE_SIZE = 10


@dataclass(frozen=True)
class EntryView:
    id: int
    text: str
    tags: list[str]
    created_at: datetime
    session_id: int | None
    session_topic: str | None
    step: Step | None
    origin: str
    quote_author_id: str | None
    permalink: str | None
    confirmation_ts: str | None = None


class JournalService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def zone_of(self, team_id: str, user_id: str) -> str | None:
        """The person's time zone as Slack last told codev (their profile), for an export stamped in it."""
        with self.db.read() as session:
            person = session.get(SlackUser, (team_id, user_id))
            return person.tz if person is not None else None

    # ---- writing ----------------------------------------------------------------------------------------
    def add(
        self,
        team_id: str,
        user_id: str,
        text: str,
        *,
        origin: str,
        source_channel_id: str | None = None,
        source_ts: str | None = None,
        quote_author_id: str | None = None,
        permalink: str | None = None,
    ) -> EntryView:
        with self.db.session() as session:
            if source_ts is not None:  # a retried event, or the same message saved twice
                existing = session.exec(
                    select(JournalEntry).where(
                        col(JournalEntry.team_id) == team_id,
                        col(JournalEntry.source_channel_id) == source_channel_id,
                        col(JournalEntry.source_ts) == source_ts,
                        col(JournalEntry.user_id) == user_id,
                    )
                ).first()
                if existing is not None:
                    return self._view(session, existing)
            entry = JournalEntry(
                team_id=team_id,
                user_id=user_id,
                text=text,
                tags=" ".join(hashtags(text)),
                origin=origin,
                source_channel_id=source_channel_id,
                source_ts=source_ts,
                quote_author_id=quote_author_id,
                permalink=permalink,
                created_at=self.clock.now(),
            )
            session.add(entry)
            session.flush()
            return self._view(session, entry)

    def set_confirmation(self, team_id: str, user_id: str, entry_id: int, ts: str) -> None:
        self._set(team_id, user_id, entry_id, confirmation_ts=ts)

    def set_permalink(self, team_id: str, user_id: str, entry_id: int, permalink: str) -> None:
        self._set(team_id, user_id, entry_id, permalink=permalink[:500])

    def _set(self, team_id: str, user_id: str, entry_id: int, **values: str) -> None:
        with self.db.session() as session:
            session.exec(
                update(JournalEntry)
                .where(
                    col(JournalEntry.id) == entry_id,
                    col(JournalEntry.team_id) == team_id,
                    col(JournalEntry.user_id) == user_id,
                )
                .values(**values)
            )

    def edit_from_source(self, team_id: str, user_id: str, channel_id: str, ts: str, text: str) -> EntryView | None:
        with self.db.session() as session:
            entry = self._by_source(session, team_id, user_id, channel_id, ts)
            if entry is None:
                return None
            entry.text, entry.tags = text, " ".join(hashtags(text))
            session.add(entry)
            session.flush()
            return self._view(session, entry)

    def delete_from_source(self, team_id: str, user_id: str | None, channel_id: str, ts: str) -> EntryView | None:
        with self.db.session() as session:
            entry = self._by_source(session, team_id, user_id, channel_id, ts)
            if entry is None:
                return None
            view = self._view(session, entry)
            session.delete(entry)
            return view

    def delete(self, team_id: str, user_id: str, entry_id: int) -> EntryView | None:
        """Delete one entry; only its author can, whatever id a request carries."""
        with self.db.session() as session:
            entry = session.exec(
                select(JournalEntry).where(
                    col(JournalEntry.id) == entry_id,
                    col(JournalEntry.team_id) == team_id,
                    col(JournalEntry.user_id) == user_id,
                )
            ).first()
            if entry is None:
                return None
            view = self._view(session, entry)
            session.delete(entry)
            return view

    # ---- reading ----------------------------------------------------------------------------------------
    def page(
        self, team_id: str, user_id: str, *, query: str = "", page: int = 0, size: int = PAGE_SIZE
    ) -> tuple[list[EntryView], int]:
        """The author's entries, newest first, filtered by text or #tag, one page at a time."""
        with self.db.read() as session:
            return entries_page(session, team_id, user_id, query=query, page=page, size=size)

    def all_entries(self, team_id: str, user_id: str) -> list[EntryView]:
        with self.db.read() as session:
            rows = session.exec(
                select(JournalEntry)
                .where(col(JournalEntry.team_id) == team_id, col(JournalEntry.user_id) == user_id)
                .order_by(col(JournalEntry.created_at).desc(), col(JournalEntry.id).desc())
            ).all()
            return entry_views(session, list(rows))

    def look_back(self, team_id: str, user_id: str) -> EntryView | None:
        """One of the person's own entries from at least a week ago, a different one each day."""
        now = self.clock.now()
        with self.db.read() as session:
            return look_back_entry(session, team_id, user_id, now)

    # ---- internals --------------------------------------------------------------------------------------
    @staticmethod
    def _by_source(
        session: Session, team_id: str, user_id: str | None, channel_id: str, ts: str
    ) -> JournalEntry | None:
        query = select(JournalEntry).where(
            col(JournalEntry.team_id) == team_id,
            col(JournalEntry.source_channel_id) == channel_id,
            col(JournalEntry.source_ts) == ts,
        )
        if user_id is not None:
            query = query.where(col(JournalEntry.user_id) == user_id)
        return session.exec(query).first()

    @staticmethod
    def _view(session: Session, entry: JournalEntry) -> EntryView:
        return entry_views(session, [entry])[0]


# ---- queries shared with other read models (App Home): each runs in the caller's transaction ---------------
def entries_page(
    session: Session, team_id: str, user_id: str, *, query: str = "", page: int = 0, size: int = PAGE_SIZE
) -> tuple[list[EntryView], int]:
    """The author's entries, newest first, filtered by text or #tag, one page at a time; and how many match."""
    conditions: list[ColumnElement[bool]] = [col(JournalEntry.team_id) == team_id, col(JournalEntry.user_id) == user_id]
    words = query.strip()
    if words.startswith("#"):
        tag = words[1:].lower()
        conditions.append(
            or_(
                col(JournalEntry.tags) == tag,
                col(JournalEntry.tags).startswith(tag + " "),
                col(JournalEntry.tags).endswith(" " + tag),
                col(JournalEntry.tags).contains(" " + tag + " "),
            )
        )
    elif words:
        conditions.append(col(JournalEntry.text).ilike(f"%{_escape_like(words)}%", escape="\\"))
    total = session.exec(select(func.count()).select_from(JournalEntry).where(*conditions)).one()
    rows = session.exec(
        select(JournalEntry)
        .where(*conditions)
        .order_by(col(JournalEntry.created_at).desc(), col(JournalEntry.id).desc())
        .offset(max(page, 0) * size)
        .limit(size)
    ).all()
    return entry_views(session, list(rows)), int(total)


def look_back_entry(
    session: Session, team_id: str, user_id: str, now: datetime, *, entries: int | None = None
) -> EntryView | None:
    """One of the person's own entries from at least a week before `now`, a different one each day: of those
    entries in the order they were written, the one at the day's number modulo how many there are.

    `entries`: how many entries the person has in all, when the caller has just counted them (App Home's page,
    in the same transaction); only the last week's are then counted here. The pick reads the author index
    alone (team, person, created_at), from the end nearer to it, then one row: no sort, so it grows gently.
    """
    author = [col(JournalEntry.team_id) == team_id, col(JournalEntry.user_id) == user_id]
    cutoff = now - timedelta(days=7)
    if entries is None:
        count = session.exec(
            select(func.count()).select_from(JournalEntry).where(*author, col(JournalEntry.created_at) <= cutoff)
        ).one()
    else:
        recent = session.exec(
            select(func.count()).select_from(JournalEntry).where(*author, col(JournalEntry.created_at) > cutoff)
        ).one()
        count = entries - int(recent)
    if count <= 0:
        return None
    position = now.toordinal() % int(count)
    backwards = position > (count - 1) // 2  # walk from the nearer end
    moment = (
        select(col(JournalEntry.created_at))
        .where(*author, col(JournalEntry.created_at) <= cutoff)
        .order_by(col(JournalEntry.created_at).desc() if backwards else col(JournalEntry.created_at))
        .offset(count - 1 - position if backwards else position)
        .limit(1)
        .scalar_subquery()
    )
    row = session.exec(
        select(JournalEntry)
        .where(*author, col(JournalEntry.created_at) == moment)
        .order_by(col(JournalEntry.id))  # entries written in the same microsecond: the first
        .limit(1)
    ).first()
    return entry_views(session, [row])[0] if row else None


def entry_views(session: Session, entries: list[JournalEntry]) -> list[EntryView]:
    """Entries as plain data, each with the topic of the session it was written in (one query for all)."""
    session_ids = {e.session_id for e in entries if e.session_id}
    topics = (
        dict(
            session.exec(select(CodevSession.id, CodevSession.topic).where(col(CodevSession.id).in_(session_ids))).all()
        )
        if session_ids
        else {}
    )
    return [
        EntryView(
            e.id or 0,
            e.text,
            e.tags.split() if e.tags else [],
            e.created_at,
            e.session_id,
            topics.get(e.session_id) if e.session_id else None,
            Step(e.step) if e.step else None,
            e.origin,
            e.quote_author_id,
            e.permalink,
            e.confirmation_ts,
        )
        for e in entries
    ]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
