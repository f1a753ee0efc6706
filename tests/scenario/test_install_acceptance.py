"""Issue 17 from outside: an operator runs `codev run --http` as the README says, people install it as Slack does.

Each test starts the real process (no bot token; the app's client id, secret and signing secret) against the
stand-in, opens the install pages with a browser that keeps cookies, and sends Slack's signed requests.
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, select

from bot.i18n import t
from bot.sandbox.circle import eventually
from bot.sandbox.driver import SlackDriver
from bot.slack.oauth import BOT_SCOPES
from bot.storage.models import SLACK_BOTS
from tests.conftest import SIGNING_SECRET, BotProcess
from tests.scenario import test_oauth_install as oauth_flow
from tests.scenario.test_oauth_install import TEAM_A, TEAM_B, Browser, MultiApp, install
from tests.scenario.test_workspaces import settle, start, workspace
from tests.support.faulty_standin import FaultyStandIn

multi_app = oauth_flow.multi_app  # the fixture: codev in OAuth mode, in this process, served over HTTP


class Operator:
    """Someone running codev for several workspaces: starts and stops `codev run --http`, runs `codev` commands."""

    def __init__(self, standin: FaultyStandIn, database_url: str, workdir: Path) -> None:
        self.standin, self.database_url, self.workdir = standin, database_url, workdir
        self.key = Fernet.generate_key().decode()
        self.process: BotProcess | None = None
        standin.workspaces[TEAM_B] = "Other company"

    def start(self, **env: str) -> BotProcess:
        process = BotProcess(self.standin, self.database_url, self.workdir)
        del process.env["SLACK_BOT_TOKEN"]
        process.env.update(
            SLACK_CLIENT_ID=self.standin.client_id,
            SLACK_CLIENT_SECRET=self.standin.client_secret,
            CODEV_TOKEN_KEY=self.key,
        )
        process.env.update(env)
        process.start()
        self.process = process
        self.standin.redirect_uri = self.base + "/slack/oauth_redirect"
        return process

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()

    @property
    def base(self) -> str:
        assert self.process is not None
        return f"http://127.0.0.1:{self.process.port}"

    @property
    def app(self) -> MultiApp:
        return MultiApp(self.base, None)  # type: ignore[arg-type]

    def slack(self, team_id: str) -> SlackDriver:
        driver = SlackDriver(self.base + "/slack/events", SIGNING_SECRET, self.standin)
        driver.team_id = team_id
        return driver

    def codev(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            env={"DATABASE_URL": self.database_url, "PATH": "", "CODEV_TOKEN_KEY": self.key},
            cwd=self.workdir,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
        )


@pytest.fixture
def operator(standin: FaultyStandIn, database_url: str, tmp_path: Path) -> Iterator[Operator]:
    running = Operator(standin, database_url, tmp_path)
    yield running
    running.stop()
    if running.process is not None:
        print(running.process.log())  # shown when the test fails


def add_to_slack_link(page: str) -> str:
    link = re.search(r'href="([^"]+oauth/v2/authorize[^"]+)"', page)
    assert link is not None, page
    return html.unescape(link.group(1))


def test_the_install_page_is_an_add_to_slack_button_asking_the_manifests_scopes(operator: Operator) -> None:
    operator.start(SLACK_REDIRECT_URI="https://codev.example.com/slack/oauth_redirect")
    status, page, headers = Browser().get(operator.base + "/slack/install")
    assert status == 200 and headers["Content-Type"].startswith("text/html"), page
    assert "Add to Slack" in page
    query = parse_qs(urlparse(add_to_slack_link(page)).query)
    assert query["client_id"] == [operator.standin.client_id]
    assert query["scope"][0].split(",") == list(BOT_SCOPES)
    assert query["redirect_uri"] == ["https://codev.example.com/slack/oauth_redirect"]
    assert query["state"][0] and "slack-app-oauth-state" in headers.get("Set-Cookie", "")


def test_the_redirect_refuses_what_slack_did_not_send_and_says_why(operator: Operator) -> None:
    operator.start()
    browser = Browser()
    redirect = operator.base + "/slack/oauth_redirect"

    # Nobody started an install: no state at all, or one never handed out.
    status, page, _ = browser.get(redirect + f"?code=code.{TEAM_A}.1")
    assert status == 400 and t("oauth_bad_state_body") in html.unescape(page)
    status, page, _ = Browser().get(redirect + f"?code=code.{TEAM_A}.1&state=made-up")
    assert status == 400 and t("oauth_bad_state_body") in html.unescape(page)

    # The person clicks Cancel in Slack: Slack sends them back with error=access_denied.
    _, page, _ = browser.get(operator.base + "/slack/install")
    state = parse_qs(urlparse(add_to_slack_link(page)).query)["state"][0]
    status, page, _ = browser.get(redirect + f"?error=access_denied&state={state}")
    assert t("oauth_cancelled_body") in html.unescape(page)

    # A code Slack refuses (made up, or already used): Slack's oauth.v2.access says invalid_code.
    _, page, _ = browser.get(operator.base + "/slack/install")
    state = parse_qs(urlparse(add_to_slack_link(page)).query)["state"][0]
    status, page, _ = browser.get(redirect + f"?code=not-a-code&state={state}")
    assert status == 400 and t("oauth_bad_code_body") in html.unescape(page)
    assert "Traceback" not in operator.process.log()  # type: ignore[union-attr]

    # None of those installed anything: the workspace's people are told codev is not installed.
    operator.slack(TEAM_A).command("U0ALICE01", "help")
    eventually(lambda: any(r.get("text") == t("oauth_not_installed") for r in operator.standin.responses))


def test_an_install_then_help_and_tokens_unreadable_in_the_database(operator: Operator) -> None:
    operator.start()
    status, page = install(Browser(), operator.app, TEAM_A)
    assert status == 200 and "/codev start" in page, page
    reply = operator.slack(TEAM_A).command("U0ALICE01", "help")
    assert reply.status == 200 and t("usage_fallback") in reply.body

    engine = create_engine(operator.database_url)
    try:
        with engine.connect() as connection:
            rows = [dict(row._mapping) for row in connection.execute(select(SLACK_BOTS))]
    finally:
        engine.dispose()
    assert len(rows) == 1
    stored = " ".join(str(value) for value in rows[0].values())
    assert "xoxe.xoxb-" not in stored and "xoxe-1-" not in stored, "tokens are encrypted at rest"


def test_a_wrong_token_key_at_start_up_is_said_in_one_line(operator: Operator) -> None:
    operator.start()
    install(Browser(), operator.app, TEAM_A)
    operator.stop()
    operator.key = Fernet.generate_key().decode()  # the operator pasted another key

    process = operator.start()
    lines = [line for line in process.log().splitlines() if "CODEV_TOKEN_KEY" in line]
    assert len(lines) == 1 and TEAM_A in lines[0], process.log()
    # People there are told codev is not installed (their token cannot be read), in a sentence.
    operator.slack(TEAM_A).command("U0ALICE01", "help")
    eventually(lambda: any(r.get("text") == t("oauth_not_installed") for r in operator.standin.responses))
    # Installing again (what losing the key costs, says the README) serves them again.
    install(Browser(), operator.app, TEAM_A)
    assert t("usage_fallback") in operator.slack(TEAM_A).command("U0ALICE01", "help").body
    assert "Traceback" not in process.log(), process.log()


def test_rotating_the_token_key_as_the_readme_says(operator: Operator) -> None:
    operator.start()
    install(Browser(), operator.app, TEAM_A)
    operator.stop()
    old = operator.key
    operator.key = Fernet.generate_key().decode() + "," + old  # new key first, the old one after it
    process = operator.start()
    assert "CODEV_TOKEN_KEY" not in process.log()
    operator.stop()
    done = operator.codev("workspace", "rotate-key")
    # Two rows: the install's and its bot's.
    assert done.returncode == 0 and "2 stored token rows re-encrypted" in done.stdout, (done.stdout, done.stderr)
    operator.key = operator.key.split(",")[0]  # the old key dropped
    process = operator.start()
    assert "CODEV_TOKEN_KEY" not in process.log(), process.log()
    assert t("usage_fallback") in operator.slack(TEAM_A).command("U0ALICE01", "help").body


def test_a_malformed_token_key_is_refused_in_one_line(operator: Operator, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--http", "--host", "127.0.0.1"],
        env={
            "PATH": "",
            "DATABASE_URL": operator.database_url,
            "SLACK_CLIENT_ID": operator.standin.client_id,
            "SLACK_CLIENT_SECRET": operator.standin.client_secret,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": operator.standin.api_url,
            "CODEV_TOKEN_KEY": "not-a-key",
        },
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode != 0
    assert "CODEV_TOKEN_KEY" in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_purge_refuses_an_active_workspace_and_deletes_an_uninstalled_one(operator: Operator) -> None:
    operator.start()
    install(Browser(), operator.app, TEAM_A)

    done = operator.codev("workspace", "purge", TEAM_A, "--yes")
    assert done.returncode == 1 and "is active" in done.stdout, (done.stdout, done.stderr)
    done = operator.codev("workspace", "purge", TEAM_A)  # no --yes, and nobody answers: nothing deleted
    assert done.returncode == 1

    # Workspace A removes codev: Slack revokes the token and sends tokens_revoked, then app_uninstalled.
    operator.standin.revoke_workspace(TEAM_A)
    slack = operator.slack(TEAM_A)
    assert slack.event({"type": "tokens_revoked", "tokens": {"bot": ["U0CODEVBOT"]}, "event_ts": "1.1"}).status == 200

    def tokens() -> list[object]:
        engine = create_engine(operator.database_url)
        try:
            with engine.connect() as connection:
                return list(connection.execute(select(SLACK_BOTS.c.team_id).where(SLACK_BOTS.c.team_id == TEAM_A)))
        finally:
            engine.dispose()

    eventually(lambda: tokens() == [])
    done = operator.codev("workspace", "purge", TEAM_A, stdin="y\n")
    assert done.returncode == 0 and f"deleted workspace {TEAM_A}'s data" in done.stdout, (done.stdout, done.stderr)

    # It installs codev again later: a fresh start, served at once.
    install(Browser(), operator.app, TEAM_A)
    assert t("usage_fallback") in operator.slack(TEAM_A).command("U0ALICE01", "help").body
    assert "Traceback" not in operator.process.log()  # type: ignore[union-attr]


def test_a_bad_team_id_for_purge_is_said_plainly(operator: Operator) -> None:
    done = operator.codev("workspace", "purge", "not a team")
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "is not a workspace id" in done.stdout + done.stderr


def test_with_a_bot_token_there_is_no_install_page(bot: BotProcess, standin: FaultyStandIn) -> None:
    bot.env.update(SLACK_CLIENT_ID="1111.2222", SLACK_CLIENT_SECRET="oauth-client-secret")
    bot.start()
    base = f"http://127.0.0.1:{bot.port}"
    for path in ("/slack/install", "/slack/oauth_redirect?code=x&state=y"):
        status, page, _ = Browser().get(base + path)
        assert status == 404, (path, status, page)
    slack = SlackDriver(bot.url, SIGNING_SECRET, standin)
    assert t("usage_fallback") in slack.command("U0ALICE01", "help").body


def test_two_processes_refresh_an_expiring_token_once(operator: Operator, standin: FaultyStandIn) -> None:
    import threading

    standin.token_lifetime = 60  # expires within codev's refresh margin: refreshed at its next use
    first = operator.start()
    install(Browser(), operator.app, TEAM_A)
    standin.token_lifetime = 43200
    second = BotProcess(standin, operator.database_url, operator.workdir)
    second.env = {**first.env, "PORT": str(second.port)}
    second.start()
    try:
        drivers = [operator.slack(TEAM_A), SlackDriver(second.url, SIGNING_SECRET, standin)]
        drivers[1].team_id = TEAM_A
        bodies: list[str] = []  # what each person saw: in the ack, or through the response_url when acked first
        threads = [
            threading.Thread(target=lambda d=d: bodies.append(str(d.command_answer("U0ALICE01", "help"))))  # type: ignore[misc]
            for d in drivers * 3
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(bodies) == 6 and all(t("usage_fallback") in body for body in bodies), bodies
        refreshes = [c for c in standin.calls_to("oauth.v2.access") if c.args.get("grant_type") == "refresh_token"]
        assert len(refreshes) == 1, refreshes
        assert "Traceback" not in first.log() + second.log(), first.log() + second.log()
    finally:
        second.stop()
        print(second.log())


def test_revoking_only_a_persons_token_leaves_the_workspace_installed(
    operator: Operator, standin: FaultyStandIn
) -> None:
    standin.workspaces[TEAM_B] = "<b>Acme</b> & co"
    operator.start()
    _, page = install(Browser(), operator.app, TEAM_B)
    assert "&lt;b&gt;Acme&lt;/b&gt; &amp; co" in page and "<b>Acme" not in page, "the team's name is escaped"
    slack = operator.slack(TEAM_B)
    assert slack.event({"type": "tokens_revoked", "tokens": {"oauth": ["U0ALICE01"]}, "event_ts": "1.2"}).status == 200
    assert t("usage_fallback") in slack.command("U0ALICE01", "help").body
    done = operator.codev("workspace", "purge", TEAM_B, "--yes")
    assert done.returncode == 1 and "is active" in done.stdout


def test_several_workspaces_in_socket_mode_is_refused_in_one_line(operator: Operator, tmp_path: Path) -> None:
    for mode in (["--socket"], []):
        done = subprocess.run(
            [sys.executable, "-m", "bot", "run", *mode],
            env={
                "PATH": "",
                "DATABASE_URL": operator.database_url,
                "SLACK_CLIENT_ID": operator.standin.client_id,
                "SLACK_CLIENT_SECRET": operator.standin.client_secret,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_APP_TOKEN": "xapp-1-A0CODEV01-1-secret",
                "SLACK_API_URL": operator.standin.api_url,
            },
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert done.returncode != 0 and "codev run --http" in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_a_wrong_client_secret_fails_the_install_and_the_log_says_why(operator: Operator) -> None:
    process = operator.start(SLACK_CLIENT_SECRET="not-the-secret")
    status, page = install(Browser(), operator.app, TEAM_A)
    assert status == 400 and t("oauth_failed_title") in html.unescape(page)
    eventually(lambda: "bad_client_secret" in process.log())
    assert "Traceback" not in process.log()


def test_a_timer_due_with_an_expiring_token_refreshes_it_once_before_posting(
    multi_app: MultiApp, standin: FaultyStandIn
) -> None:
    import time
    from datetime import datetime, timedelta

    from sqlalchemy import update

    from bot.sandbox.circle import CHANNEL

    a = workspace(multi_app, standin, TEAM_A, CHANNEL)
    start(a, "Handing over my team")
    settle(multi_app)
    old = multi_app.tenancy.store._find_team_bot(TEAM_A)
    assert old is not None
    naive_utc_in_a_minute = datetime.fromtimestamp(time.time() + 60, UTC).replace(tzinfo=None)  # slack_sdk's
    with multi_app.services.db.engine.begin() as connection:  # nobody came by for a while: about to expire
        connection.execute(
            update(SLACK_BOTS).where(SLACK_BOTS.c.team_id == TEAM_A).values(bot_token_expires_at=naive_utc_in_a_minute)
        )
    since = len(standin.calls)
    multi_app.services.clock.advance(timedelta(days=3))  # type: ignore[attr-defined]
    a.tick()
    settle(multi_app)
    with standin._lock:
        calls = standin.calls[since:]
    refreshes = [c for c in calls if c.method == "oauth.v2.access" and c.args.get("grant_type") == "refresh_token"]
    assert len(refreshes) == 1
    assert calls[0] is refreshes[0], "refreshed before the timer's first call"
    posts = [c for c in calls if c.method.startswith("chat.")]
    assert posts and all(c.token != old.bot_token for c in posts), "every post carries the refreshed token"
    assert {standin.team_of_token(c.token) for c in posts} == {TEAM_A}
