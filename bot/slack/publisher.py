"""Keeps the channel in step with the database: root message, step messages, summary. Slack errors handled here."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.clock import Clock
from bot.domain.session import Status, TransitionError
from bot.domain.steps import Step
from bot.i18n import reading, t
from bot.logs import team_var
from bot.services.languages import LanguageBook
from bot.services.sessions import SessionService, SessionSnapshot
from bot.slack import links, once
from bot.slack.blocks import session as blocks
from bot.slack.blocks.common import escape, section, without_mentions

log = logging.getLogger(__name__)

# Slack errors that mean codev cannot write in the channel any more.
SUMMARY_MESSAGE = "codev_summary"
RESPONSE_URL_TIMEOUT = 3  # seconds
LOST_CHANNEL = {"channel_not_found", "not_in_channel", "is_archived", "channel_is_archived", "access_denied"}


# The message a click came from, while the request answering the click delivers what it changed (in this thread):
# its response_url replaces that message as chat.update would, without a Web API call. Slack takes up to 5 uses of
# it within 30 minutes; whatever it does not take there goes through chat.update, in the same delivery.
_clicked: ContextVar[tuple[str, str, Callable[..., Any]] | None] = ContextVar("codev_clicked", default=None)


@contextmanager
def answering_click(body: dict[str, Any], respond: Callable[..., Any] | None) -> Iterator[None]:
    """While this runs, an update of the message clicked in (a channel message, not an ephemeral one) is made
    through the click's response_url: the step the facilitator moves on from, the count an "I'm done" adds."""
    container = body.get("container") or {}
    channel, ts = container.get("channel_id"), container.get("message_ts")
    if respond is None or not channel or not ts or container.get("type") != "message" or container.get("is_ephemeral"):
        yield
        return
    url = body.get("response_url")
    if isinstance(url, str) and url:
        # A short timeout of its own (Bolt's respond waits 30 s): the session's deliveries wait behind this one,
        # and chat.update is there when the webhook is slow.
        hook = WebhookClient(url, timeout=RESPONSE_URL_TIMEOUT)
        respond = lambda **message: hook.send_dict(message)  # noqa: E731
    token = _clicked.set((str(channel), str(ts), respond))
    try:
        yield
    finally:
        _clicked.reset(token)


class ChannelLost(Exception):
    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class Publisher:
    def __init__(
        self,
        client: WebClient,
        sessions: SessionService,
        clock: Clock,
        languages: LanguageBook,
        on_people_changed: Callable[[str, list[str]], None] | None = None,
        charter_pending: Callable[[str, str, list[str]], list[str]] | None = None,
    ) -> None:
        self.client = client
        self.sessions = sessions
        self.clock = clock
        self.languages = languages  # whose language each message is in: the channel's, or its one reader's
        # Participants' App Homes list their sessions and steps: refresh them when a session moves.
        self.on_people_changed = on_people_changed or (lambda _team, _users: None)
        self.charter_pending = charter_pending or (lambda _team, _channel, _users: [])
        # The DMs a posted summary owes (the loop after the session) are delivered right away: set to relay.settle.
        self.on_summary_posted: Callable[[str, int], object] = lambda _team, _session: None

    # ---- keeping messages current ------------------------------------------------------------------------
    def refresh_root(self, snapshot: SessionSnapshot) -> None:
        if snapshot.root_ts:
            self._update(snapshot.channel_id, snapshot.root_ts, **self.root_message(snapshot))

    def root_message(self, snapshot: SessionSnapshot) -> dict[str, Any]:
        pending = self.charter_pending(snapshot.team_id, snapshot.channel_id, snapshot.participants)
        return blocks.root_message(snapshot, charter_pending=pending)

    def refresh_step(self, snapshot: SessionSnapshot, step: Step) -> None:
        ts = snapshot.steps[step].message_ts
        if ts:
            self._update(snapshot.channel_id, ts, **self.step_message(snapshot, step))

    def step_message(self, snapshot: SessionSnapshot, step: Step) -> dict[str, Any]:
        """A step's message now; Consultation's links to the Contract thread, whose contract it restates."""
        return blocks.step_message(snapshot, step, self.clock.now(), contract_link=self.contract_link(snapshot, step))

    def contract_link(self, snapshot: SessionSnapshot, step: Step) -> str | None:
        """The Contract thread's permalink, for the Consultation message (written, not asked of Slack)."""
        ts = snapshot.steps[Step.CONTRACT].message_ts
        if step is not Step.CONSULTATION or ts is None:
            return None
        try:
            return links.permalink(self.client, snapshot.team_id, snapshot.channel_id, ts)
        except (SlackApiError, OSError):  # the restatement says where the thread is instead
            log.info("no permalink for the Contract thread of session %s", snapshot.id, exc_info=True)
            return None

    # ---- the summary ------------------------------------------------------------------------------------
    def propose_summary(self, team_id: str, session_id: int, *, recovering: bool = False) -> None:
        """Prepare the summary and send it to the client first: it is their case. Once, even when retried."""
        snapshot = self.sessions.get(team_id, session_id)
        kept = [c for c in self.sessions.contributions(team_id, session_id) if c.kept]
        with reading(snapshot.language):  # the summary is for the channel, whose language it is written in
            text = blocks.summary_text(snapshot, kept)
        proposed_now = self.sessions.propose_summary(team_id, session_id, text)
        if not proposed_now and not (recovering and snapshot.summary_state == "proposed"):
            return  # proposed and sent before (or approved since)
        snapshot = self.sessions.get(team_id, session_id)
        wanted = {"event_type": SUMMARY_MESSAGE, "event_payload": {"session_id": session_id}}
        with reading(self.languages.person(team_id, snapshot.client_id)):
            message = blocks.summary_dm(snapshot)
        once.dm_once(self.client, snapshot.client_id, message, wanted, recovering=recovering)

    def publish_summary(
        self,
        snapshot: SessionSnapshot,
        dm_channel: str | None,
        dm_ts: str | None,
        respond: Callable[..., Any] | None = None,
    ) -> bool:
        """Post the approved summary in the root thread and mark the client's DM as done: through `respond` (the
        Post click's response_url, which replaces the DM it was clicked in; no Web API call) when given, else, or
        if Slack does not take it there, with chat.update.

        On failure the summary goes back to "proposed", so the client can click Post again.
        """
        try:
            with reading(snapshot.language):
                message = quietly(snapshot, blocks.summary_post(snapshot), self.clock.now())
            ts = self._post(snapshot.channel_id, thread_ts=snapshot.root_ts, **message)
        except (ChannelLost, SlackApiError) as error:
            log.warning("summary of session %s not posted: %s", snapshot.id, error)
            self.sessions.summary_failed(snapshot.team_id, snapshot.id)
            return False
        self.sessions.summary_posted(snapshot.team_id, snapshot.id, ts)
        if dm_channel and dm_ts:
            try:
                with reading(self.languages.person(snapshot.team_id, snapshot.client_id)):
                    done = blocks.summary_dm_done(snapshot)
                if not _replaced(respond, done):
                    self.client.chat_update(channel=dm_channel, ts=dm_ts, **done)
            except SlackApiError:
                log.info("could not update the summary DM", exc_info=True)
        self.on_summary_posted(snapshot.team_id, snapshot.id)
        return True

    # ---- messages ---------------------------------------------------------------------------------------
    def post_in_thread(self, snapshot: SessionSnapshot, step: Step, message: dict[str, Any]) -> str | None:
        thread_ts = snapshot.steps[step].message_ts
        try:
            return self._post(snapshot.channel_id, thread_ts=thread_ts, **message)
        except ChannelLost as lost:
            self._on_lost_channel(snapshot, lost.error)
            return None

    def dm(self, user_id: str, **message: Any) -> str | None:
        try:
            channel = self.client.conversations_open(users=user_id)["channel"]["id"]
            return self.client.chat_postMessage(channel=channel, **message)["ts"]
        except (SlackApiError, OSError):  # refused, or Slack unreachable after the client's retries
            log.warning("could not DM %s", user_id, exc_info=True)
            return None

    def ephemeral(
        self, channel_id: str, user_id: str, text: str, *, thread_ts: str | None = None, **extra: Any
    ) -> None:
        try:
            self.client.chat_postEphemeral(channel=channel_id, user=user_id, text=text, thread_ts=thread_ts, **extra)
        except SlackApiError:
            # A private note is best effort: a DM reaches people who are not (yet) in the channel, and says
            # where it comes from (the channel, and the thread it answers).
            log.info("ephemeral to %s in %s failed; sending a DM", user_id, channel_id, exc_info=True)
            team = team_var.get()  # the request's or the row's workspace: the DM's one line is in its reader's words
            with reading(self.languages.person(team, user_id) if team else None):
                where = self._where(channel_id, thread_ts)
            if extra.get("blocks"):
                extra["blocks"] = [section(where).to_dict(), *extra["blocks"]]
            self.dm(user_id, text=f"{where}\n{text}", **extra)

    def _where(self, channel_id: str, thread_ts: str | None) -> str:
        if thread_ts is not None:
            try:
                link = self.client.chat_getPermalink(channel=channel_id, message_ts=thread_ts)["permalink"]
                return t("private_note_dm_where_thread", link=link, channel=channel_id)
            except (SlackApiError, OSError, KeyError):
                log.info("no link to %s in %s for a DM", thread_ts, channel_id, exc_info=True)
        return t("private_note_dm_where", channel=channel_id)

    def update(self, channel: str, ts: str, **message: Any) -> None:
        """Update a message; ChannelLost when codev cannot write there any more (a vanished message is left)."""
        self._update(channel, ts, **message)

    def post(self, channel: str, **message: Any) -> str:
        """Post a message; ChannelLost when codev cannot write there any more."""
        return self._post(channel, **message)

    def _post(self, channel: str, **message: Any) -> str:
        try:
            return self.client.chat_postMessage(channel=channel, **message)["ts"]
        except SlackApiError as error:
            code = error.response.get("error", "")
            if code in LOST_CHANNEL:
                raise ChannelLost(code) from error
            raise

    def _update(self, channel: str, ts: str, **message: Any) -> None:
        clicked = _clicked.get()
        if clicked is not None and clicked[:2] == (channel, ts) and _replaced(clicked[2], message):
            return  # replaced through the click's response_url
        try:
            self.client.chat_update(channel=channel, ts=ts, **message)
        except SlackApiError as error:
            code = error.response.get("error", "")
            if code in LOST_CHANNEL:
                raise ChannelLost(code) from error
            if code == "message_not_found":
                log.warning("message %s in %s is gone; not updating it", ts, channel)
                return
            raise

    def _on_lost_channel(self, snapshot: SessionSnapshot, error: str) -> None:
        log.warning("lost channel %s for session %s: %s", snapshot.channel_id, snapshot.id, error)
        if snapshot.status is Status.RUNNING:
            self.lost_channel(snapshot, error)

    def lost_channel(self, snapshot: SessionSnapshot, error: str) -> None:
        """Pause the session and tell the facilitator privately, once; everything stored stays."""
        try:
            self.sessions.pause(snapshot.team_id, snapshot.id, None)
        except TransitionError:
            return  # paused or ended meanwhile: whoever did it has been told
        with reading(self.languages.person(snapshot.team_id, snapshot.facilitator_id)):
            text = t("lost_channel", channel=snapshot.channel_id, error=error, topic=escape(snapshot.topic))
        self.dm(snapshot.facilitator_id, text=text)


def _replaced(respond: Callable[..., Any] | None, message: dict[str, Any]) -> bool:
    """Whether the clicked message was replaced through its response_url (a webhook: no Web API call)."""
    if respond is None:
        return False
    try:
        answer = respond(replace_original=True, **message)
    except Exception:  # unreachable, expired, used up: chat.update does it
        log.info("could not replace a message through its response_url", exc_info=True)
        return False
    body = str(getattr(answer, "body", "") or "").strip()
    if getattr(answer, "status_code", None) == 200 and (body in ("", "ok") or '"ok":true' in body.replace(" ", "")):
        return True
    log.info("response_url refused to replace a message (%s)", getattr(answer, "status_code", None))
    return False


def quietly(snapshot: SessionSnapshot, message: dict[str, Any], *moments: datetime) -> dict[str, Any]:
    """A new channel message as it may be posted: who is off duty at any of these moments (when it was meant for,
    and now) is named, not mentioned. Edits never notify, so updates need not care."""
    off: dict[str, str] = {}
    for moment in moments:
        off.update(snapshot.off_duty(moment))
    result: dict[str, Any] = without_mentions(message, off)
    return result
