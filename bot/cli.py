"""The `codev` command: run the bot, upgrade the database, run the demo."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType
from typing import TYPE_CHECKING

from bot.config import ConfigError, Settings, configure_logging, load_settings

if TYPE_CHECKING:  # the rest is imported when a command needs it, so `codev --help` starts fast
    from slack_bolt import App

    from bot.slack.context import Services

log = logging.getLogger("codev")

# Socket Mode: seconds between the client's pings, and between its checks that the connection lives.
SOCKET_PING_INTERVAL = 5.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        configure_logging(settings.log_level, settings.log_format)
        return int(args.func(args, settings) or 0)
    except ConfigError as error:
        print(f"codev: {error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="codev", description="Co-development sessions in Slack.")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the bot (Socket Mode when SLACK_APP_TOKEN is set, else HTTP)")
    mode = run.add_mutually_exclusive_group()
    mode.add_argument("--http", action="store_const", const="http", dest="mode", help="force HTTP mode")
    mode.add_argument("--socket", action="store_const", const="socket", dest="mode", help="force Socket Mode")
    run.add_argument("--host", default="0.0.0.0", help="HTTP mode: address to listen on (default 0.0.0.0)")
    run.set_defaults(func=_run)

    demo = sub.add_parser("demo", help="run one whole session against the built-in Slack stand-in")
    demo.set_defaults(func=_demo)

    up = sub.add_parser("up", help="run the bot when SLACK_BOT_TOKEN is set, otherwise the demo")
    up.set_defaults(func=_up, mode=None, host="0.0.0.0")

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_sub.add_parser("upgrade", help="bring the schema to the newest version")
    upgrade.set_defaults(func=_db_upgrade)
    return parser


def _demo(_args: argparse.Namespace, settings: Settings) -> int:
    from bot.sandbox.demo import run_demo

    logging.getLogger().setLevel(logging.WARNING)  # the transcript is the output
    return run_demo(settings, sys.stdout)


def _up(args: argparse.Namespace, settings: Settings) -> int:
    if settings.slack_bot_token:
        return _run(args, settings)
    print(
        "codev: no SLACK_BOT_TOKEN yet, so here is the demo against the built-in Slack stand-in "
        "(see README, 'Creating the Slack app').\n"
    )
    return _demo(args, settings)


def _db_upgrade(_args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage.db import Database

    db = Database(settings.database_url)
    db.upgrade()
    print("codev: database is up to date")
    return 0


def _run(args: argparse.Namespace, settings: Settings) -> int:
    socket_mode = args.mode == "socket" or (args.mode is None and settings.slack_app_token is not None)
    settings.require_slack(socket_mode=socket_mode)

    from slack_sdk.errors import SlackApiError

    from bot.app import build_services, create_app

    services = build_services(settings)
    try:
        services.db.upgrade()
    except Exception as error:  # an unreachable database is a configuration problem for the person running us
        raise ConfigError(f"DATABASE_URL: cannot open the database ({type(error).__name__}: {error}).") from None
    try:
        app = create_app(services)
    except SlackApiError as error:
        raise ConfigError(
            f"SLACK_BOT_TOKEN was refused by Slack ({error.response.get('error')}); check the token in .env."
        ) from None
    services.start_timekeeping()
    _stop_on_signals()
    try:
        if socket_mode:
            _serve_socket_mode(app, settings)
        else:
            _serve_http(app, services, args.host, settings.port)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        log.info("shutting down")
        services.shut_down()
        services.db.dispose()
    return 0


def _stop_on_signals() -> None:
    def stop(signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


def _serve_http(app: App, services: Services, host: str, port: int) -> None:
    from bot.server import make_http_server, make_wsgi_app

    wsgi = make_wsgi_app(app, services.db, services.settings.slack_signing_secret or "")
    settings = services.settings
    server = make_http_server(
        wsgi,
        host=host,
        port=port,
        connection_limit=settings.http_connection_limit,
        channel_timeout=settings.http_channel_timeout,
    )
    log.info(
        "codev listening on http://%s:%s (POST /slack/events; GET /healthz: alive, GET /readyz: database and "
        "Slack token)",
        host,
        port,
    )
    server.run()


def _serve_socket_mode(app: App, settings: Settings) -> None:
    """Connect to Slack's Socket Mode and serve until stopped; reconnection is the SDK client's (see README).

    slack_sdk's own client (no extra dependency) asks `apps.connections.open` for a URL, answers Slack's
    `disconnect` message by opening a new connection before closing the old one, and reconnects when a
    connection drops (checked every `SOCKET_PING_INTERVAL` seconds).
    """
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk.errors import SlackApiError

    handler = SocketModeHandler(app, settings.slack_app_token, ping_interval=SOCKET_PING_INTERVAL)
    try:
        handler.connect()
    except SlackApiError as error:
        handler.client.close()
        code = error.response.get("error") if error.response is not None else None
        raise ConfigError(
            f"SLACK_APP_TOKEN was refused by Slack ({code}): check the app-level token (xapp-…, with the "
            "connections:write scope) in .env, and that Socket Mode is on in your app's settings."
        ) from None
    except OSError as error:
        handler.client.close()
        raise ConfigError(f"Socket Mode: cannot reach Slack ({type(error).__name__}: {error}).") from None
    log.info("codev connected through Socket Mode")
    try:
        threading.Event().wait()  # the signal handlers end this with SystemExit
    finally:
        handler.close()
