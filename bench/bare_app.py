"""A bare Bolt app, the yardstick of bench/acks.py: the same command, action and event as codev's, acknowledged
and nothing else, served by codev's own waitress server (bot/server.py: make_http_server) with the same thread
count, through Bolt's WSGI adapter.

    python bench/bare_app.py --port 3100 --signing-secret S --api-url http://127.0.0.1:PORT/api/
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.server import make_http_server
from bot.slack import ids

THREADS = 8  # make_http_server's default: the thread count codev serves with


def build(signing_secret: str, api_url: str) -> App:
    app = App(
        client=WebClient(token="xoxb-bare", base_url=api_url),
        signing_secret=signing_secret,
        token_verification_enabled=False,
        process_before_response=False,
        raise_error_for_unhandled_request=False,
    )

    @app.command("/codev")
    def command(ack: Ack) -> None:
        ack()

    @app.action(ids.DONE)
    def click(ack: Ack) -> None:
        ack()

    @app.event("message")
    def message(event: dict[str, Any]) -> None:  # events are acknowledged by Bolt itself
        pass

    return app


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--signing-secret", required=True)
    parser.add_argument("--api-url", required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    handler = SlackRequestHandler(build(args.signing_secret, args.api_url))
    server = make_http_server(handler, host="127.0.0.1", port=args.port, threads=THREADS)
    server.run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
