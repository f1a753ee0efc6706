"""Workspaces installed through OAuth: installed, uninstalled (tokens gone, work paused), purged.

A workspace without a row is one codev serves with SLACK_BOT_TOKEN (single-workspace mode): always active.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, col, select

from bot.domain.timers import EventState
from bot.storage.db import Database
from bot.storage.models import CodevWorkspace

log = logging.getLogger(__name__)

REFRESH_LEASE = timedelta(seconds=30)  # a refresh whose process died is taken over after this


class WorkspaceService:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ---- life cycle ---------------------------------------------------------------------------------------
    def installed(
        self, team_id: str, now: datetime, *, enterprise_id: str | None = None, name: str | None = None
    ) -> bool:
        """codev was installed (or installed again): active from now. True when it had been uninstalled."""
        with self.db.session() as session:
            row = session.get(CodevWorkspace, team_id, with_for_update=True)
            if row is None:
                session.add(CodevWorkspace(team_id=team_id, enterprise_id=enterprise_id, name=name, installed_at=now))
                return False
            returning = not row.active
            row.active, row.installed_at = True, now
            row.uninstalled_at = row.purge_after = None
            row.name = name or row.name
            row.enterprise_id = enterprise_id or row.enterprise_id
            session.add(row)
            return returning

    def uninstalled(self, team_id: str, now: datetime, keep_days: int) -> bool:
        """The app was uninstalled or its tokens revoked: inactive, data deleted after `keep_days`. False when
        it was inactive already (Slack sends both app_uninstalled and tokens_revoked)."""
        with self.db.session() as session:
            row = session.get(CodevWorkspace, team_id, with_for_update=True)
            if row is None:
                row = CodevWorkspace(team_id=team_id, installed_at=now)
            elif not row.active:
                return False
            row.active, row.uninstalled_at = False, now
            row.purge_after = now + timedelta(days=keep_days)
            session.add(row)
            return True

    def is_active(self, team_id: str) -> bool:
        with self.db.read() as session:
            row = session.get(CodevWorkspace, team_id)
            return row is None or row.active

    def inactive_teams(self) -> set[str]:
        with self.db.read() as session:
            return set(session.exec(select(CodevWorkspace.team_id).where(col(CodevWorkspace.active).is_(False))))

    def paused_rows(self, model: Any, horizon: datetime) -> set[int]:
        """Ids of `model`'s pending rows due by `horizon` (timed events, tasks, outbox rows) that belong to a
        workspace codev was removed from: the scheduler leaves them out until it is installed again."""
        inactive = select(CodevWorkspace.team_id).where(col(CodevWorkspace.active).is_(False))
        with self.db.read() as session:
            return {
                row_id
                for row_id in session.exec(
                    select(model.id).where(
                        model.state == EventState.PENDING.value,
                        model.due_at <= horizon,
                        col(model.team_id).in_(inactive),
                    )
                )
                if row_id is not None
            }

    def get(self, team_id: str) -> CodevWorkspace | None:
        with self.db.read() as session:
            return session.get(CodevWorkspace, team_id)

    # ---- one token refresh at a time, across processes ----------------------------------------------------
    def claim_refresh(self, team_id: str, now: datetime) -> bool:
        """Take the workspace's refresh lease; False while another process holds it."""
        if self.get(team_id) is None:  # a workspace installed before codev kept workspace rows
            try:
                with self.db.session() as session:
                    session.add(CodevWorkspace(team_id=team_id, installed_at=now))
            except IntegrityError:
                pass  # another process added it at the same moment
        with self.db.session() as session:
            result = session.exec(
                update(CodevWorkspace)
                .where(
                    col(CodevWorkspace.team_id) == team_id,
                    or_(
                        col(CodevWorkspace.refresh_lease_until).is_(None),
                        col(CodevWorkspace.refresh_lease_until) <= now,
                    ),
                )
                .values(refresh_lease_until=now + REFRESH_LEASE)
            )
            return result.rowcount == 1

    def release_refresh(self, team_id: str) -> None:
        with self.db.session() as session:
            session.exec(
                update(CodevWorkspace).where(col(CodevWorkspace.team_id) == team_id).values(refresh_lease_until=None)
            )

    # ---- deletion -----------------------------------------------------------------------------------------
    def due_purges(self, now: datetime) -> list[str]:
        with self.db.read() as session:
            return list(
                session.exec(
                    select(CodevWorkspace.team_id).where(
                        col(CodevWorkspace.active).is_(False), col(CodevWorkspace.purge_after) <= now
                    )
                )
            )

    def purge(self, team_id: str, *, due_by: datetime | None = None, force: bool = False) -> int | None:
        """Delete everything codev keeps about the workspace, its tokens included. Returns the rows deleted, or
        None when it was left alone: it is active (installed again since `due_purges` saw it, or never
        uninstalled — a workspace without a row is one codev serves with SLACK_BOT_TOKEN), or, with `due_by`,
        its purge is not due by then. `force` deletes an active workspace's data too.

        Checked under the workspace row's lock, which `installed` takes too: an install either comes first
        (the workspace is active: nothing deleted) or after (it starts afresh, see Tenancy.installed)."""
        deleted = 0
        with self.db.session() as session:
            row = session.get(CodevWorkspace, team_id, with_for_update=True)
            if not force:
                if row is None or row.active:
                    return None
                if due_by is not None and (row.purge_after is None or row.purge_after > due_by):
                    return None
            # Children first (the reverse of the tables' dependency order), so no foreign key is in the way.
            for table in reversed(SQLModel.metadata.sorted_tables):
                if "team_id" in table.c:
                    result = session.exec(delete(table).where(table.c.team_id == team_id))
                    deleted += result.rowcount or 0
        log.info("deleted the data of workspace %s (%d rows)", team_id, deleted)
        return deleted
