"""Publishing App Home — only to people who have it open, at most once every few seconds each, in every process —
and exporting a journal to its author.

Slack tells codev when someone opens their Home (`app_home_opened`); it never says when they leave it. So a Home is
published when it is opened (unless it already shows what codev would publish), and on a change the person would see
only while it is "likely open": opened, or clicked in, within the last LIKELY_OPEN. Whoever opens it later gets it
fresh then. The marks live in the database (bot.services.home.HomeMarks), so the rule and the throttle hold across
processes: the timer leader, which moves sessions on, knows who opened their Home on another replica.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import metrics
from bot.clock import Clock
from bot.domain.calendar import zone
from bot.i18n import reading, t, tn
from bot.services.home import HomeMarks, HomeReadModel
from bot.services.journal import JournalService
from bot.services.languages import LanguageBook
from bot.slack.blocks.home import export_markdown, home_view

log = logging.getLogger(__name__)
MIN_INTERVAL = 3.0  # seconds between two publishes of one person's Home (views.publish is rate limited)
LIKELY_OPEN = timedelta(minutes=10)  # after opening (or clicking in) their Home, a person is taken to look at it


def _wall_clock() -> datetime:
    # Slack's rate limits and the timers that wait for them run on real time, whatever the app's clock says.
    return datetime.now(UTC)


class HomePublisher:
    def __init__(
        self,
        client: WebClient,
        read_model: HomeReadModel,
        journal: JournalService,
        clock: Clock,
        min_interval: float = MIN_INTERVAL,
        wall_clock: Callable[[], datetime] = _wall_clock,
        languages: LanguageBook | None = None,
        lookup: Callable[[str, str], object] | None = None,
    ) -> None:
        self.client = client
        self.read_model = read_model
        self.journal = journal
        self.clock = clock
        self.min_interval = min_interval
        self.marks = HomeMarks(read_model.db)
        self.wall_clock = wall_clock
        self.languages = languages  # a Home reads in its person's language (None: the language at hand)
        self.lookup = lookup  # asks Slack about someone codev has never seen (their language)
        self._waiting: dict[tuple[str, str], threading.Timer] = {}
        self._lock = threading.Lock()

    # ---- what listeners and the relay call -------------------------------------------------------------
    def opened(self, team_id: str, user_id: str, shown: dict[str, Any] | None = None) -> None:
        """The person opened their Home. `shown` is the view Slack says it displays (the event's `view`): when it
        is what codev would publish now, nothing is sent."""
        self.marks.opened(team_id, user_id, self.clock.now())
        view = self._view(team_id, user_id)
        if view is None:
            return
        if shown and shown.get("private_metadata") == view["private_metadata"]:
            return  # Slack shows this very Home already
        self._publish_throttled(team_id, user_id, "opened", view)

    def seen(self, team_id: str, user_id: str) -> None:
        """The person clicked or typed in their Home: it is open in front of them."""
        self.marks.opened(team_id, user_id, self.clock.now())

    def refresh(self, team_id: str, user_id: str) -> None:
        """Something on this person's Home changed: publish it if they likely have it open."""
        self.refresh_many(team_id, [user_id])

    def refresh_many(self, team_id: str, user_ids: list[str]) -> None:
        """Something these people would see on their Home changed: publish for those who likely have it open."""
        people = list(dict.fromkeys(u for u in user_ids if u))
        if not people:
            return
        try:
            looking = self.marks.open_since(team_id, people, self.clock.now() - LIKELY_OPEN)
        except Exception:  # the database going away at shutdown, say: a Home is best effort, never a crash
            log.exception("could not tell whose Home is open")
            return
        for user_id in people:
            if user_id in looking:
                self._publish_throttled(team_id, user_id, "changed")

    def close(self) -> None:
        """Cancel the publishes still waiting for their interval (shutdown)."""
        with self._lock:
            for timer in self._waiting.values():
                timer.cancel()
            self._waiting.clear()

    # ---- publishing ------------------------------------------------------------------------------------
    def _publish_throttled(self, team_id: str, user_id: str, why: str, view: dict[str, Any] | None = None) -> None:
        """Publish now, or once the person's interval has passed (in any process); requests meanwhile make one."""
        key = (team_id, user_id)
        asked = self.wall_clock()
        with self._lock:
            if key in self._waiting:
                return  # a publish is planned here already; it will read what changed
        try:
            wait = self.marks.claim_publish(team_id, user_id, asked, timedelta(seconds=self.min_interval))
        except Exception:
            log.exception("could not plan the Home of %s", user_id)
            return
        if wait <= 0:
            self._publish(team_id, user_id, why, view)
            return
        self._later(team_id, user_id, why, asked, wait)

    def _later(self, team_id: str, user_id: str, why: str, asked: datetime, wait: float) -> None:
        key = (team_id, user_id)
        with self._lock:
            if key in self._waiting:
                return
            timer = threading.Timer(wait, self._publish_later, args=(team_id, user_id, why, asked))
            timer.daemon = True
            self._waiting[key] = timer
            timer.start()

    def _publish_later(self, team_id: str, user_id: str, why: str, asked: datetime) -> None:
        with self._lock:
            self._waiting.pop((team_id, user_id), None)
        interval = timedelta(seconds=self.min_interval)
        try:
            wait = self.marks.claim_publish(team_id, user_id, self.wall_clock(), interval)
        except Exception:
            log.exception("could not plan the Home of %s", user_id)
            return
        if wait <= 0:
            self._publish(team_id, user_id, why)
        elif self.wall_clock() + timedelta(seconds=wait) - interval < asked:
            self._later(team_id, user_id, why, asked, wait)  # the publish in the way read before this change
        # else another process published after the change was asked for: it shows the change already

    def _view(self, team_id: str, user_id: str) -> dict[str, Any] | None:
        try:
            with reading(self.languages.person(team_id, user_id, self.lookup) if self.languages else None):
                view: dict[str, Any] = home_view(self.read_model.home(team_id, user_id))
        except Exception:  # the database going away at shutdown, say: a Home is best effort, never a crash
            log.exception("could not build the Home of %s", user_id)
            return None
        # A fingerprint of the content, which Slack hands back untouched in app_home_opened's view.
        content = json.dumps(view, sort_keys=True, default=str).encode()
        view["private_metadata"] = "home:" + hashlib.sha256(content).hexdigest()[:24]
        return view

    def _publish(self, team_id: str, user_id: str, why: str, view: dict[str, Any] | None = None) -> None:
        view = view or self._view(team_id, user_id)
        if view is None:
            return
        try:
            self.client.views_publish(user_id=user_id, view=view)
            metrics.home_published(why)
        except (SlackApiError, OSError):  # a Home is refreshed again at the next change or visit
            log.warning("could not publish the Home of %s", user_id, exc_info=True)

    def export(self, team_id: str, user_id: str) -> str:
        """Upload the person's whole journal into their DM; returns what to tell them."""
        entries = self.journal.all_entries(team_id, user_id)
        if not entries:
            return t("journal_export_empty")
        now = self.clock.now()
        # Stamped in the person's own zone, as they read their day: as codev knows it, else as Slack says.
        tz = self.journal.zone_of(team_id, user_id)
        if tz is None:
            try:
                tz = self.client.users_info(user=user_id)["user"].get("tz")
            except SlackApiError:
                log.info("no time zone for %s: the export is stamped in UTC", user_id)
        try:
            channel = self.client.conversations_open(users=user_id)["channel"]["id"]
            self.client.files_upload_v2(
                channel=channel,
                filename=f"codev-journal-{now.astimezone(zone(tz)).date().isoformat()}.md",
                content=export_markdown(entries, now, tz),
                title=t("journal_export_title"),
                initial_comment=tn("journal_export_done", len(entries)),
            )
        except SlackApiError as error:
            log.warning("journal export failed for %s", user_id, exc_info=True)
            return t("journal_export_failed", error=error.response.get("error", "error"))
        return tn("journal_export_done", len(entries))
