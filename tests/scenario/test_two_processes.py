"""Two app processes on one PostgreSQL database: concurrent Next clicks still advance exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.clock import SystemClock
from bot.sandbox.circle import Circle
from bot.sandbox.driver import SlackDriver
from bot.sandbox.standin import SlackStandIn
from bot.services.sessions import SessionService
from bot.slack import ids
from bot.storage.db import Database
from tests.conftest import SIGNING_SECRET, eventually, is_postgres
from tests.scenario.test_codev_run_process import _free_port, _wait_healthy

pytestmark = pytest.mark.skipif(not is_postgres(), reason="several processes per database need PostgreSQL")


@pytest.fixture
def two_apps(standin: SlackStandIn, database_url: str, tmp_path: Path) -> Iterator[list[str]]:
    processes, urls = [], []
    for _ in range(2):
        port = _free_port()
        env = {"PATH": os.environ.get("PATH", ""), "SLACK_BOT_TOKEN": "xoxb-test-token",
               "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": standin.api_url,
               "DATABASE_URL": database_url, "PORT": str(port), "LOG_LEVEL": "WARNING"}
        process = subprocess.Popen([sys.executable, "-m", "bot", "run", "--http", "--host", "127.0.0.1"],
                                   env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   text=True)
        processes.append(process)
        _wait_healthy(f"http://127.0.0.1:{port}/healthz", process)
        urls.append(f"http://127.0.0.1:{port}/slack/events")
    yield urls
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        process.wait(timeout=20)


def test_twenty_next_clicks_across_two_processes_advance_once(two_apps: list[str], standin: SlackStandIn,
                                                              database_url: str) -> None:
    db = Database(database_url)
    sessions = SessionService(db, SystemClock())
    drivers = [SlackDriver(url, SIGNING_SECRET, standin) for url in two_apps]
    # The test reads the database directly; the apps run in their own processes.
    circle = Circle(drivers[0], standin, SimpleNamespace(db=db, sessions=sessions))
    step1 = circle.start()
    payload = drivers[0].click_payload("U0ALICE", ids.NEXT, channel_id=circle.channel, message_ts=step1["ts"],
                                       value="1:1")
    barrier = threading.Barrier(20)
    statuses: list[int] = []

    def click(driver: SlackDriver) -> None:
        barrier.wait()
        statuses.append(driver.post_payload(payload).status)

    threads = [threading.Thread(target=click, args=(drivers[i % 2],)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 20
    eventually(lambda: circle.step_message(2))
    eventually(lambda: len(standin.responses) >= 19)
    snapshot = sessions.get(standin.team_id, 1)
    assert int(snapshot.step) == 2 and snapshot.version == 2
    assert len([m for m in circle.messages() if "Step 2/6" in m["text"]]) == 1
    db.dispose()
