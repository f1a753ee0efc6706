"""Publishing App Home (at most once every few seconds per person) and exporting a journal to its author."""

from __future__ import annotations

import logging
import threading
import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import Clock
from bot.messages import t
from bot.services.home import HomeReadModel
from bot.services.journal import JournalService
from bot.slack.blocks.home import export_markdown, home_view

log = logging.getLogger(__name__)
MIN_INTERVAL = 3.0  # seconds between two publishes of one person's Home (views.publish is rate limited)


class HomePublisher:
    def __init__(
        self,
        client: WebClient,
        read_model: HomeReadModel,
        journal: JournalService,
        clock: Clock,
        min_interval: float = MIN_INTERVAL,
    ) -> None:
        self.client = client
        self.read_model = read_model
        self.journal = journal
        self.clock = clock
        self.min_interval = min_interval
        self._last: dict[tuple[str, str], float] = {}
        self._waiting: dict[tuple[str, str], threading.Timer] = {}
        self._lock = threading.Lock()

    def refresh(self, team_id: str, user_id: str) -> None:
        """Publish now, or once the person's interval has passed; several requests meanwhile make one publish."""
        key = (team_id, user_id)
        with self._lock:
            if key in self._waiting:
                return
            wait = self._last.get(key, -1e9) + self.min_interval - time.monotonic()
            if wait > 0:
                timer = threading.Timer(wait, self._publish_later, args=(team_id, user_id))
                timer.daemon = True
                self._waiting[key] = timer
                timer.start()
                return
            self._last[key] = time.monotonic()
        self._publish(team_id, user_id)

    def refresh_many(self, team_id: str, user_ids: list[str]) -> None:
        for user_id in dict.fromkeys(user_ids):
            self.refresh(team_id, user_id)

    def _publish_later(self, team_id: str, user_id: str) -> None:
        with self._lock:
            self._waiting.pop((team_id, user_id), None)
            self._last[(team_id, user_id)] = time.monotonic()
        self._publish(team_id, user_id)

    def _publish(self, team_id: str, user_id: str) -> None:
        try:
            self.client.views_publish(user_id=user_id, view=home_view(self.read_model.home(team_id, user_id)))
        except (SlackApiError, OSError):  # a Home is refreshed again at the next change or visit
            log.warning("could not publish the Home of %s", user_id, exc_info=True)
        except Exception:  # the database going away at shutdown, say: a Home is best effort, never a crash
            log.exception("could not build the Home of %s", user_id)

    def close(self) -> None:
        """Cancel the publishes still waiting for their interval (shutdown)."""
        with self._lock:
            for timer in self._waiting.values():
                timer.cancel()
            self._waiting.clear()

    def export(self, team_id: str, user_id: str) -> str:
        """Upload the person's whole journal into their DM; returns what to tell them."""
        entries = self.journal.all_entries(team_id, user_id)
        if not entries:
            return t("journal_export_empty")
        now = self.clock.now()
        try:
            channel = self.client.conversations_open(users=user_id)["channel"]["id"]
            self.client.files_upload_v2(
                channel=channel,
                filename=f"codev-journal-{now.date().isoformat()}.md",
                content=export_markdown(entries, now),
                title=t("journal_export_title"),
                initial_comment=t("journal_export_done", count=len(entries)),
            )
        except SlackApiError as error:
            log.warning("journal export failed for %s", user_id, exc_info=True)
            return t("journal_export_failed", error=error.response.get("error", "error"))
        return t("journal_export_done", count=len(entries))
