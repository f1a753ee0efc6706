"""Links to messages, written by codev instead of asked of Slack (`chat.getPermalink`) one by one.

A permalink is the workspace's URL (what `auth.test` says, Bolt's authorization included), then
`archives/<channel>/p<ts without its dot>`, and for a reply in a thread `?thread_ts=<parent ts>&cid=<channel>`:
the form Slack's own chat.getPermalink answers with. The URL is learnt once per workspace and process, from Bolt's
authorization of each request (no call), else from one `auth.test`. In an Enterprise Grid organization, where links
may go through the organization's domain, and whenever the URL cannot be had, Slack is asked as before.
"""

from __future__ import annotations

import logging
import threading

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

_urls: dict[str, str | None] = {}  # team -> its workspace URL ("https://acme.slack.com/"); None: ask Slack
_lock = threading.Lock()


def learn(team_id: str | None, url: str | None, *, enterprise: bool = False) -> None:
    """What an `auth.test` (or Bolt's authorization) said of a workspace: its URL, and whether it is a Grid's."""
    value = None if enterprise else _clean(url)
    if not team_id or (value is None and not enterprise) or _urls.get(team_id, "") == value:
        return  # nothing learnt (no URL said), or known already
    with _lock:
        _urls[team_id] = value


def permalink(client: WebClient, team_id: str | None, channel_id: str, ts: str, *, thread_ts: str | None = None) -> str:
    """The link to a message (a reply when `thread_ts`, its parent's ts, is given). SlackApiError / OSError when
    Slack had to be asked and refused or was not reached, as chat.getPermalink itself."""
    base = _workspace_url(client, team_id)
    if base is None:
        return str(client.chat_getPermalink(channel=channel_id, message_ts=ts)["permalink"])
    link = f"{base}archives/{channel_id}/p{ts.replace('.', '')}"
    if thread_ts and thread_ts != ts:
        link += f"?thread_ts={thread_ts}&cid={channel_id}"
    return link


def forget() -> None:
    """Forget every workspace's URL (tests)."""
    with _lock:
        _urls.clear()


def _workspace_url(client: WebClient, team_id: str | None) -> str | None:
    if not team_id:
        return None
    if team_id in _urls:
        return _urls[team_id]
    try:
        answer = client.auth_test()
    except (SlackApiError, OSError):
        log.info("no workspace URL for %s: asking Slack for the link", team_id, exc_info=True)
        return None
    if answer.get("team_id") != team_id:
        return None  # a client not routed to this workspace: do not learn another's URL
    enterprise = bool(answer.get("is_enterprise_install") or answer.get("enterprise_id"))
    learn(team_id, answer.get("url"), enterprise=enterprise)
    with _lock:
        _urls.setdefault(team_id, None)  # no usable URL: Slack is asked for links, not auth.test again
    return _urls[team_id]


def _clean(url: str | None) -> str | None:
    """`https://acme.slack.com/` as auth.test gives it; anything else is not trusted to build links."""
    if not url or not url.startswith("https://") or any(c in url for c in " <>|?#"):
        return None
    return url if url.endswith("/") else url + "/"
