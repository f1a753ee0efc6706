"""`codev run --http` as a real process: answers Slack and the health check, stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bot.sandbox.driver import SlackDriver
from bot.sandbox.standin import SlackStandIn
from tests.conftest import SIGNING_SECRET


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("codev run did not become healthy")


def test_codev_run_http_serves_slack_and_health(standin: SlackStandIn, database_url: str, tmp_path: Path) -> None:
    port = _free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": standin.api_url,
        "DATABASE_URL": database_url,
        "PORT": str(port),
    }
    process = subprocess.Popen([sys.executable, "-m", "bot", "run", "--http", "--host", "127.0.0.1"], env=env,
                               cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_healthy(f"http://127.0.0.1:{port}/healthz", process)
        driver = SlackDriver(f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET, standin)
        reply = driver.command("U0ALICE", "help")
        assert reply.status == 200
        assert "/codev start" in json.loads(reply.body)["text"]
        assert driver.command("U0ALICE", "help", signature="v0=bad").status == 401
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""
