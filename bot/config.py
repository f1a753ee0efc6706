"""Settings: the only reader of os.environ and .env."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values

from bot.domain.workcal import DEFAULT_CALENDAR, WorkingCalendar, parse_calendar

SLACK_DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///codev.db"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")
# HTTP mode: open connections (idle ones count) before waitress stops accepting, and seconds of silence
# after which a connection is closed. Slack needs a handful; the margin is for idle or slow clients.
DEFAULT_HTTP_CONNECTION_LIMIT = 500
DEFAULT_HTTP_CHANNEL_TIMEOUT = 30
DEFAULT_PURGE_AFTER_DAYS = 30


class ConfigError(Exception):
    """A setting is missing or malformed; the message names it and says how to fix it."""


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str | None
    slack_signing_secret: str | None
    slack_app_token: str | None
    slack_api_url: str
    database_url: str
    port: int
    clock_speed: float
    log_level: str
    log_format: str = "text"
    http_connection_limit: int = DEFAULT_HTTP_CONNECTION_LIMIT
    http_channel_timeout: int = DEFAULT_HTTP_CHANNEL_TIMEOUT
    # Working days and hours of sessions outside a group (in the facilitator's Slack time zone).
    working_calendar: WorkingCalendar = DEFAULT_CALENDAR
    # Several workspaces (OAuth): the app's credentials, instead of one SLACK_BOT_TOKEN.
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_redirect_uri: str | None = None  # e.g. https://codev.example.com/slack/oauth_redirect
    # Fernet keys (comma-separated, newest first) encrypting tokens at rest; None keeps them in clear.
    token_keys: tuple[str, ...] = ()
    purge_after_days: int = DEFAULT_PURGE_AFTER_DAYS  # an uninstalled workspace's data is deleted then

    @property
    def oauth(self) -> bool:
        """Several workspaces through Slack's OAuth install: client id and secret set, no bot token."""
        return bool(self.slack_client_id and self.slack_client_secret and not self.slack_bot_token)

    def require_slack(self, *, socket_mode: bool) -> None:
        """Check the tokens a running bot needs; raise ConfigError naming the first one missing."""
        if self.oauth:
            if socket_mode:
                raise ConfigError(
                    "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (several workspaces) need HTTP mode: Slack sends "
                    "people back to codev's /slack/oauth_redirect page. Run 'codev run --http', or set "
                    "SLACK_BOT_TOKEN instead for one workspace in Socket Mode."
                )
            if not self.slack_signing_secret:
                raise ConfigError(
                    "SLACK_SIGNING_SECRET is not set: HTTP mode needs the Signing Secret from your Slack app's "
                    "'Basic Information' page."
                )
            return
        if not self.slack_bot_token:
            raise ConfigError(
                "SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-…) from your Slack app's "
                "'OAuth & Permissions' page into .env, or run 'codev demo' to try codev without Slack."
            )
        if not self.slack_bot_token.startswith("xoxb-"):
            raise ConfigError("SLACK_BOT_TOKEN must be a bot token starting with 'xoxb-'.")
        if socket_mode:
            if not self.slack_app_token:
                raise ConfigError(
                    "SLACK_APP_TOKEN is not set: Socket Mode needs an app-level token (xapp-…) with the "
                    "connections:write scope, from your app's 'Basic Information' page."
                )
            if not self.slack_app_token.startswith("xapp-"):
                raise ConfigError("SLACK_APP_TOKEN must be an app-level token starting with 'xapp-'.")
        elif not self.slack_signing_secret:
            raise ConfigError(
                "SLACK_SIGNING_SECRET is not set: HTTP mode needs the Signing Secret from your Slack app's "
                "'Basic Information' page."
            )


def load_settings(environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env") -> Settings:
    """Read settings from the environment, with .env filling gaps (real environment variables win)."""
    values: dict[str, str] = {}
    if env_file is not None and Path(env_file).is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)

    def text(name: str) -> str | None:
        value = values.get(name, "").strip()
        return value or None

    return Settings(
        slack_bot_token=text("SLACK_BOT_TOKEN"),
        slack_signing_secret=text("SLACK_SIGNING_SECRET"),
        slack_app_token=text("SLACK_APP_TOKEN"),
        slack_api_url=_api_url(text("SLACK_API_URL") or SLACK_DEFAULT_API_URL),
        database_url=_database_url(text("DATABASE_URL") or DEFAULT_DATABASE_URL),
        port=_port(text("PORT") or "3000"),
        clock_speed=_clock_speed(text("CODEV_CLOCK_SPEED") or "1"),
        log_level=_log_level(text("LOG_LEVEL") or "INFO"),
        log_format=_log_format(text("LOG_FORMAT") or "text"),
        http_connection_limit=_whole(
            "HTTP_CONNECTION_LIMIT", text("HTTP_CONNECTION_LIMIT"), DEFAULT_HTTP_CONNECTION_LIMIT, 10, 100_000
        ),
        http_channel_timeout=_whole(
            "HTTP_CHANNEL_TIMEOUT", text("HTTP_CHANNEL_TIMEOUT"), DEFAULT_HTTP_CHANNEL_TIMEOUT, 1, 86_400
        ),
        working_calendar=_working_calendar(text("CODEV_WORKING_DAYS"), text("CODEV_WORKING_HOURS")),
        slack_client_id=text("SLACK_CLIENT_ID"),
        slack_client_secret=text("SLACK_CLIENT_SECRET"),
        slack_redirect_uri=text("SLACK_REDIRECT_URI"),
        token_keys=_token_keys(text("CODEV_TOKEN_KEY")),
        purge_after_days=_whole(
            "CODEV_PURGE_AFTER_DAYS", text("CODEV_PURGE_AFTER_DAYS"), DEFAULT_PURGE_AFTER_DAYS, 0, 3650
        ),
    )


def _token_keys(value: str | None) -> tuple[str, ...]:
    """CODEV_TOKEN_KEY: one Fernet key, or several comma-separated (newest first) while rotating keys."""
    if value is None:
        return ()
    keys = tuple(key.strip() for key in value.split(",") if key.strip())
    from cryptography.fernet import Fernet  # imported here: `codev --help` stays fast

    for key in keys:
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise ConfigError(
                "CODEV_TOKEN_KEY must be Fernet keys (32 url-safe base64-encoded bytes each, comma-separated, "
                "newest first); make one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'"
            ) from None
    return keys


def _working_calendar(days: str | None, hours: str | None) -> WorkingCalendar:
    calendar, errors = parse_calendar(tz="UTC", days=days or "mon-fri", hours=hours or "09:00-17:00")
    if calendar is None:
        names = {"days": "CODEV_WORKING_DAYS", "hours": "CODEV_WORKING_HOURS"}
        raise ConfigError(" ".join(f"{names.get(field, field)}: {reason}" for field, reason in errors.items()))
    return calendar


def _api_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ConfigError(f"SLACK_API_URL must be an http(s) URL such as {SLACK_DEFAULT_API_URL}, got {value!r}.")
    return value if value.endswith("/") else value + "/"


def _database_url(value: str) -> str:
    if value.startswith("postgres://") or value.startswith("postgresql://"):
        # Plain postgresql:// would pick psycopg2, which codev does not ship; psycopg 3 is the driver.
        return "postgresql+psycopg://" + value.split("://", 1)[1]
    if not value.startswith(("sqlite://", "postgresql+psycopg://")):
        raise ConfigError(
            "DATABASE_URL must start with sqlite:/// (e.g. sqlite:///codev.db) or postgresql+psycopg:// "
            f"(e.g. postgresql+psycopg://user:password@localhost/codev), got {value!r}."
        )
    return value


def _port(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise ConfigError(f"PORT must be a whole number from 1 to 65535, got {value!r}.")
    return int(value)


def _clock_speed(value: str) -> float:
    try:
        speed = float(value)
    except ValueError:
        speed = 0.0
    if not 0.001 <= speed <= 1_000_000:
        raise ConfigError(
            f"CODEV_CLOCK_SPEED must be a number such as 1 (real time) or 60 (timeboxes 60× faster), got {value!r}."
        )
    return speed


def _log_level(value: str) -> str:
    level = value.upper()
    if level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {value!r}.")
    return level


def _log_format(value: str) -> str:
    log_format = value.lower()
    if log_format not in LOG_FORMATS:
        raise ConfigError(f"LOG_FORMAT must be text or json (one JSON object per line), got {value!r}.")
    return log_format


def _whole(name: str, value: str | None, default: int, low: int, high: int) -> int:
    if value is None:
        return default
    if not value.isdigit() or not low <= int(value) <= high:
        raise ConfigError(f"{name} must be a whole number from {low} to {high}, got {value!r}.")
    return int(value)


def configure_logging(level: str, log_format: str = "text") -> None:
    """One handler on the root logger, text or JSON; routine chatter of the libraries below INFO."""
    from bot.logs import CodevHandler, make_handler  # imported here: `codev --help` stays fast

    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, CodevHandler)]:  # configured again: replace it
        root.removeHandler(handler)
    root.addHandler(make_handler(log_format))
    root.setLevel(level)
    # Below DEBUG, two libraries keep their routine INFO to themselves: alembic's lines at every start, and
    # APScheduler's for every run of every job ("Running job…", "executed successfully": the 0.5 s refresh
    # alone made 4 lines a second) and every job added or removed. Their warnings (missed runs, too many
    # instances) and errors (a job that raised) stay visible.
    quiet = logging.WARNING if level != "DEBUG" else logging.NOTSET
    for name in ("alembic", "apscheduler"):
        logging.getLogger(name).setLevel(quiet)
