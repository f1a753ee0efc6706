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

    from bot.services.workspaces import WorkspaceService
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
    demo.add_argument("--lang", default="en", help="the language the demo's people read in Slack, e.g. fr (default en)")
    demo.set_defaults(func=_demo)

    up = sub.add_parser("up", help="run the bot when SLACK_BOT_TOKEN is set, otherwise the demo")
    up.set_defaults(func=_up, mode=None, host="0.0.0.0")

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_sub.add_parser("upgrade", help="bring the schema to the newest version")
    upgrade.set_defaults(func=_db_upgrade)

    workspace = sub.add_parser("workspace", help="several workspaces: delete one's data, re-encrypt tokens")
    ws_sub = workspace.add_subparsers(dest="workspace_command", required=True)
    purge = ws_sub.add_parser("purge", help="delete everything codev keeps about a workspace, now")
    purge.add_argument("team_id", help="the workspace's id, T… (in its logs, or Slack's About this workspace)")
    purge.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    purge.add_argument(
        "--force", action="store_true", help="delete it even though codev is still installed there (active)"
    )
    purge.set_defaults(func=_workspace_purge)
    rotate = ws_sub.add_parser(
        "rotate-key", help="re-encrypt every stored token with CODEV_TOKEN_KEY's first key (see README)"
    )
    rotate.set_defaults(func=_workspace_rotate_key)
    return parser


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from bot.i18n import languages
    from bot.sandbox.demo import run_demo

    language = getattr(args, "lang", "en").strip().lower().replace("_", "-").split("-")[0]
    if language not in languages():
        raise ConfigError(f"codev demo --lang: codev speaks {', '.join(languages())}, not {args.lang!r}.")
    logging.getLogger().setLevel(logging.WARNING)  # the transcript is the output
    return run_demo(settings, sys.stdout, language)


def _up(args: argparse.Namespace, settings: Settings) -> int:
    if settings.slack_bot_token or settings.oauth:
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


def _workspace_purge(args: argparse.Namespace, settings: Settings) -> int:
    from bot.services.workspaces import WorkspaceService
    from bot.storage.db import Database

    team_id = args.team_id.strip().upper()
    if not team_id.startswith(("T", "E")) or not team_id.isalnum():
        raise ConfigError(f"{args.team_id!r} is not a workspace id: they look like T01234ABCDE.")
    db = Database(settings.database_url)
    try:
        db.upgrade()
        workspaces = WorkspaceService(db)
        if not args.force and _still_served(workspaces, team_id):
            return 1
        if not args.yes:
            try:
                answer = input(f"Delete all of codev's data about workspace {team_id}, tokens included? [y/N] ")
            except EOFError:  # no one to ask (a script): only --yes deletes
                answer = ""
            if answer.strip().lower() not in ("y", "yes"):
                print("codev: nothing deleted")
                return 1
        deleted = workspaces.purge(team_id, force=args.force)
        if deleted is None:  # installed again while we asked
            _still_served(workspaces, team_id)
            return 1
    finally:
        db.dispose()
    print(f"codev: deleted workspace {team_id}'s data ({deleted} rows)")
    return 0


def _still_served(workspaces: WorkspaceService, team_id: str) -> bool:
    """Whether codev still serves the workspace (so its data is not deleted without --force); says so."""
    row = workspaces.get(team_id)
    if row is None:
        print(
            f"codev: nothing deleted: workspace {team_id} never uninstalled codev (no record of it), so it may be "
            "one codev serves with SLACK_BOT_TOKEN. Add --force to delete its data anyway."
        )
        return True
    if row.active:
        print(
            f"codev: nothing deleted: workspace {team_id} is active (codev is installed there). Its data is deleted "
            "by itself after it uninstalls codev; add --force to delete it now anyway, tokens included."
        )
        return True
    return False


def _workspace_rotate_key(_args: argparse.Namespace, settings: Settings) -> int:
    if not settings.token_keys:
        raise ConfigError("CODEV_TOKEN_KEY is not set: put the new key first, then the old ones, comma-separated.")
    from bot.clock import SystemClock
    from bot.services.workspaces import WorkspaceService
    from bot.slack.oauth import CodevInstallationStore, TokenCipher
    from bot.storage.db import Database

    db = Database(settings.database_url)
    try:
        db.upgrade()
        store = CodevInstallationStore(
            settings.slack_client_id or "", db, TokenCipher(settings.token_keys), WorkspaceService(db), SystemClock()
        )
        rewritten = store.rotate_keys()
    finally:
        db.dispose()
    print(f"codev: {rewritten} stored token rows re-encrypted with the first key of CODEV_TOKEN_KEY")
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
    if services.tenancy is not None and (unreadable := services.tenancy.store.unreadable_teams()):
        # Bolt's authorize swallows the error: those workspaces' people would only hear codev is not installed.
        log.error(
            "CODEV_TOKEN_KEY does not decrypt the stored tokens of %d workspace(s) (%s): set the key that encrypted "
            "them (several, comma-separated, while rotating); until then codev answers there as if not installed",
            len(unreadable),
            ", ".join(unreadable[:10]),
        )
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

    wsgi = make_wsgi_app(app, services, services.settings.slack_signing_secret or "")
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
    if settings.oauth:
        log.info("several workspaces: people install codev from http://%s:%s/slack/install", host, port)
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
