"""`codev run --http` as a real process: answers Slack and the health check, stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from bot.sandbox.driver import SlackDriver
from bot.sandbox.standin import SlackStandIn
from tests.conftest import SIGNING_SECRET, free_port, wait_healthy


def test_codev_run_http_serves_slack_and_health(standin: SlackStandIn, database_url: str, tmp_path: Path) -> None:
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": standin.api_url,
        "DATABASE_URL": database_url,
        "PORT": str(port),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--http", "--host", "127.0.0.1"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_healthy(f"http://127.0.0.1:{port}/healthz", process)
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
