"""The Web API client: pointed at SLACK_API_URL, retrying rate limits and server errors as Slack asks.

Every call, Bolt's per-request clients included (Bolt copies the retry handlers), passes the `AuthWatch`,
which says once, clearly, when Slack refuses the bot token, and again when it accepts it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web import SlackResponse

log = logging.getLogger(__name__)

# Slack's answers meaning "this token will not work until a person does something", and what happened.
AUTH_ERRORS = {
    "invalid_auth": "the token is not valid — mistyped, or from another app or workspace",
    "token_revoked": "the token was revoked — the app was uninstalled, or its tokens revoked",
    "token_expired": "the token expired — token rotation is on, and codev does not refresh tokens",
    "account_inactive": "the bot user or its workspace was deactivated",
}
AUTH_FIX = (
    "reinstall the app to the workspace (api.slack.com/apps → codev → Install App), put the Bot User OAuth Token "
    "it shows in .env as SLACK_BOT_TOKEN, and restart codev"
)
# Several workspaces: a refused token is one workspace's, fixed by that workspace, not by the operator's .env.
WORKSPACE_AUTH_FIX = (
    "someone in that workspace installs codev again from its install page (/slack/install); until then "
    "codev posts nothing there"
)
REMIND_EVERY = 600.0  # seconds: a refusal that lasts is said again at most this often


def auth_refusal(error: BaseException) -> str | None:
    """The error code when `error` is Slack refusing the token, else None."""
    if isinstance(error, SlackApiError):
        code = error.response.get("error") if error.response is not None else None
        if isinstance(code, str) and code in AUTH_ERRORS:
            return code
    return None


class AuthWatch(RetryHandler):
    """Sees every Web API answer and never retries: logs a refused token once, and its recovery.

    One ERROR line (no traceback) naming the problem and the fix when Slack first refuses the token, again
    at most every `remind_every` seconds while it keeps refusing, and one INFO line when it accepts it again.
    codev keeps serving meanwhile; what it owes Slack is retried by whoever owns it.
    """

    def __init__(
        self,
        *,
        remind_every: float = REMIND_EVERY,
        monotonic: Callable[[], float] = time.monotonic,
        fix: str = AUTH_FIX,
    ):
        super().__init__(max_retry_count=0)
        self.fix = fix
        self.remind_every = remind_every
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self.problem: str | None = None  # the refusal in force, e.g. "token_revoked"
        self._since = 0.0
        self._said_at = 0.0

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is not None and isinstance(response.body, dict):
            self.observe(response.body)
        return False

    def observe(self, answer: dict[str, Any]) -> None:
        """One Web API answer: `ok` means the token works; an auth error means it does not; others say nothing."""
        code = answer.get("error")
        if answer.get("ok") is True:
            if self.problem is not None:  # unlocked look first: the common case costs nothing
                self._accepted()
        elif isinstance(code, str) and code in AUTH_ERRORS:
            self._refused(code)

    def _refused(self, code: str) -> None:
        now = self._monotonic()
        with self._lock:
            first = self.problem != code
            if not first and now - self._said_at < self.remind_every:
                return
            if first:
                self._since = now
            self.problem, self._said_at = code, now
            lasted = now - self._since
        log.error(
            "Slack %s codev's bot token (%s): %s. To fix: %s. codev keeps serving and retrying meanwhile; "
            "this is said again every %s while it lasts.",
            "refuses" if first else f"has refused for {_minutes(lasted)}",
            code,
            AUTH_ERRORS[code],
            self.fix,
            _minutes(self.remind_every),
        )

    def _accepted(self) -> None:
        now = self._monotonic()
        with self._lock:
            if self.problem is None:
                return
            code, self.problem = self.problem, None
            lasted = now - self._since
        log.info("Slack accepts codev's bot token again (it refused it with %s for %s)", code, _minutes(lasted))


def _minutes(seconds: float) -> str:
    minutes = int(seconds // 60)
    return "less than a minute" if minutes < 1 else "1 minute" if minutes == 1 else f"{minutes} minutes"


def make_web_client(
    token: str | None,
    base_url: str,
    *,
    timeout: int = 30,
    auth_watch: AuthWatch | None = None,
    tokens: Callable[[str], str | None] | None = None,
    team: Callable[[], str | None] | None = None,
) -> WebClient:
    """The client codev calls Slack with: one token for all, or each workspace's (`tokens`, OAuth mode)."""
    if tokens is not None and auth_watch is None:
        auth_watch = AuthWatch(fix=WORKSPACE_AUTH_FIX)
    return (WebClient if tokens is None or team is None else partial(WorkspaceClient, tokens, team))(
        token=token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=[
            auth_watch or AuthWatch(),  # first, so that it sees every answer
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),  # sleeps for Slack's Retry-After
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


class WorkspaceClient(WebClient):
    """Several workspaces (OAuth): each call carries the bot token of the workspace at hand.

    The workspace at hand is the request's team in listeners (set by a Bolt middleware) and the row's team in
    background work (timers, tasks, the outbox, Home refreshes); `tokens` resolves it through the
    installation store, refreshing a rotated token about to expire. No workspace at hand, or one without an
    installation (uninstalled: work already under way when it was), means no token: the call fails with Slack's
    `not_authed`, said here instead of sent (nothing is posted, and Slack is not asked for what it must refuse).
    """

    def __init__(self, tokens: Callable[[str], str | None], team: Callable[[], str | None], **kwargs: Any) -> None:
        self._tokens = tokens
        self._team = team  # the workspace at hand (bot.logs.team_var's value)
        kwargs.pop("token", None)
        super().__init__(token=None, **kwargs)

    @property
    def token(self) -> str | None:
        team = self._team()
        return self._tokens(team) if team else None

    @token.setter
    def token(self, value: str | None) -> None:
        pass  # the token is the workspace's, never one for all

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        given = any(isinstance(kwargs.get(part), dict) and kwargs[part].get("token") for part in TOKEN_PLACES)
        if api_method in CALLED_WITHOUT_TOKEN or given or self.token is not None:
            return super().api_call(api_method, **kwargs)
        refusal = SlackResponse(
            client=self,
            http_verb=kwargs.get("http_verb", "POST"),
            api_url=self.base_url + api_method,
            req_args={},
            data={"ok": False, "error": "not_authed"},
            headers={},
            status_code=200,
        )
        raise SlackApiError(f"no token for workspace {self._team()!r}: {api_method} not sent", refusal)


# Methods a workspace client may call with no bot token, and where a call may carry one of its own.
CALLED_WITHOUT_TOKEN = frozenset({"api.test", "oauth.v2.access", "oauth.v2.exchange"})
TOKEN_PLACES = ("data", "params", "json")


def routed_like(client: WebClient, **kwargs: Any) -> WebClient:
    """A client with `client`'s tokens (one for all, or each workspace's) and the given options."""
    if isinstance(client, WorkspaceClient):
        return WorkspaceClient(client._tokens, client._team, base_url=client.base_url, **kwargs)
    return WebClient(token=client.token, base_url=client.base_url, **kwargs)


def make_delivery_client(client: WebClient) -> WebClient:
    """The outbox's client: the same token and watch, but no blind retries of a post.

    Slack may have posted a message before answering 500 or losing the connection; resending it as is would
    post it twice. The outbox retries those itself, looking for the message first. Rate limits, which
    Slack answers before doing anything, are still waited out here.
    """
    return routed_like(
        client,
        timeout=10,
        retry_handlers=[
            auth_watch_of(client) or AuthWatch(),
            RateLimitErrorRetryHandler(max_retry_count=3),
        ],
    )


def auth_watch_of(client: WebClient) -> AuthWatch | None:
    return next((handler for handler in client.retry_handlers if isinstance(handler, AuthWatch)), None)


class SlackAuthCheck:
    """Readiness: does Slack accept the token? One `auth.test` at most every `cache_seconds`, quickly.

    A refusal seen by the client's AuthWatch in between counts at once; the probe itself goes through the
    same watch, so a probe that succeeds also ends a refusal (and says so).
    """

    def __init__(
        self,
        client: WebClient,
        *,
        cache_seconds: float = 60.0,
        timeout: int = 3,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        # Several workspaces: no one token to test; readiness is Slack answering (api.test needs no token), and
        # the probe keeps its own watch (its answer says nothing about any workspace's token).
        self._any_workspace = isinstance(client, WorkspaceClient)
        self.watch = AuthWatch() if self._any_workspace else auth_watch_of(client) or AuthWatch()
        # No retries: a probe answers within `timeout`, and the next probe is the retry.
        self._probe_client = WebClient(
            token=None if isinstance(client, WorkspaceClient) else client.token,
            base_url=client.base_url,
            timeout=timeout,
            retry_handlers=[self.watch],
        )
        self.cache_seconds = cache_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._checked_at: float | None = None
        self._failure: str | None = None  # why the last probe got no usable answer

    def status(self) -> tuple[bool, str | None]:
        """(True, None) when Slack accepts the token; else (False, why): an auth error code or 'unreachable…'."""
        with self._lock:
            now = self._monotonic()
            if self._checked_at is None or now - self._checked_at >= self.cache_seconds:
                self._failure = self._probe()
                self._checked_at = self._monotonic()
            failure = self._failure
        problem = None if self._any_workspace else self.watch.problem  # one workspace's refusal is its own
        if problem is not None:
            return False, problem
        return (failure is None), failure

    def _probe(self) -> str | None:
        try:
            if self._any_workspace:
                self._probe_client.api_test()
            else:
                self._probe_client.auth_test()
            return None
        except SlackApiError as error:
            if auth_refusal(error) is not None:
                return None  # the watch holds it, and lets it go when any call succeeds again
            code = error.response.get("error") if error.response is not None else None
            return str(code or f"HTTP {error.response.status_code}")
        except Exception as error:  # Slack unreachable, a timeout…: not ready, and said in the answer
            return f"unreachable ({type(error).__name__})"
