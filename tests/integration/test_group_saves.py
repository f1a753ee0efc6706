"""Two submissions of the group modal for one channel, at the same moment, leave one group (the later wins)."""

from __future__ import annotations

import threading

from sqlmodel import select

from bot.clock import FakeClock
from bot.services.groups import GroupService, GroupSettings
from bot.services.tasks import TaskBook
from bot.storage.db import Database
from bot.storage.models import CodevGroup, GroupMember

TEAM, CHANNEL = "T0TWICE", "C0TWICE"


def test_simultaneous_first_saves_make_one_group_with_no_error(db: Database) -> None:
    groups = GroupService(db, FakeClock(), TaskBook(db))
    members = [["U0A", "U0B", "U0C", "U0D", "U0E"], ["U0A", "U0B", "U0C", "U0D", "U0F"]]
    for _round in range(5):
        start = threading.Barrier(len(members))
        errors: list[BaseException] = []

        def submit(people: list[str], start: threading.Barrier = start, errors: list[BaseException] = errors) -> None:
            start.wait()
            try:
                groups.save(TEAM, CHANNEL, GroupSettings(name="Circle", charter="Be kind."), members=people, by="U0A")
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=submit, args=(people,)) for people in members]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with db.read() as session:
            saved = session.exec(select(CodevGroup).where(CodevGroup.channel_id == CHANNEL)).all()
            assert len(saved) == 1
            kept = sorted(m.user_id for m in session.exec(select(GroupMember)).all())
        assert kept in (sorted(members[0]), sorted(members[1])), "one submission's members, not a mix"
        with db.session() as session:
            for member in session.exec(select(GroupMember)).all():
                session.delete(member)
            for group in session.exec(select(CodevGroup)).all():
                session.delete(group)
