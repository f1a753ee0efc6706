"""Installing codev in several workspaces: Slack's OAuth v2 flow, through Bolt, against the stand-in."""

from __future__ import annotations

import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import yaml
from cryptography.fernet import Fernet

from bot.app import build_services, create_app
from bot.clock import FakeClock
from bot.i18n import t
from bot.sandbox.circle import eventually
from bot.sandbox.driver import SlackDriver
from bot.server import make_http_server, make_wsgi_app, run_until
from bot.slack.context import Services
from bot.slack.oauth import BOT_SCOPES, Tenancy
from bot.storage.db import Database
from tests.conftest import SIGNING_SECRET, BotProcess, settings_for
from tests.support.faulty_standin import FaultyStandIn

MANIFEST = Path(__file__).parents[2] / "manifest.yml"
TEAM_A, TEAM_B = "T0CODEV01", "T0OTHER02"


@dataclass
class MultiApp:
    base_url: str
    services: Services

    @property
    def tenancy(self) -> Tenancy:
        tenancy: Tenancy = self.services.tenancy
        return tenancy


@pytest.fixture
def multi_app(standin: FaultyStandIn, db: Database) -> Iterator[MultiApp]:
    """codev in OAuth mode: no bot token, the app's client id and secret instead."""
    standin.workspaces[TEAM_B] = "Other company"
    settings = settings_for(
        standin,
        db.url,
        slack_bot_token=None,
        slack_client_id=standin.client_id,
        slack_client_secret=standin.client_secret,
    )
    services = build_services(settings, clock=FakeClock(), db=db)
    app = create_app(services)
    server = make_http_server(make_wsgi_app(app, services, SIGNING_SECRET), host="127.0.0.1", port=0)
    stop = threading.Event()
    thread = threading.Thread(target=run_until, args=(server, stop), daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.effective_port}"
    standin.redirect_uri = base + "/slack/oauth_redirect"
    yield MultiApp(base, services)
    stop.set()
    thread.join(timeout=10)
    services.shut_down()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


class Browser:
    """A person's browser: keeps each site's cookies, follows links one at a time.

    Bolt's state cookie is `Secure` (HTTPS only); codev runs behind HTTPS in production, the test over plain
    HTTP on loopback, so this browser sends it anyway, to the site that set it only.
    """

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(NoRedirect())
        self.cookies: dict[str, dict[str, str]] = {}  # host:port → name → value

    def get(self, url: str) -> tuple[int, str, dict[str, str]]:
        site = urlparse(url).netloc
        jar = self.cookies.setdefault(site, {})
        request = urllib.request.Request(url, headers={"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())})
        try:
            with self.opener.open(request, timeout=10) as response:
                status, body, headers = response.status, response.read().decode(), response.headers
        except urllib.error.HTTPError as error:
            status, body, headers = error.code, error.read().decode(), error.headers
        for cookie in headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            jar[name.strip()] = value.strip()
        return status, body, dict(headers)


def install(browser: Browser, app: MultiApp, team_id: str, *, deny: bool = False) -> tuple[int, str]:
    """Open the install page, click "Add to Slack", approve (or cancel) in Slack, land back on codev."""
    status, page, _ = browser.get(app.base_url + "/slack/install")
    assert status == 200, page
    link = re.search(r'href="([^"]+oauth/v2/authorize[^"]+)"', page)
    assert link is not None, page
    authorize = link.group(1).replace("&amp;", "&") + f"&team={team_id}" + ("&deny=1" if deny else "")
    status, _, headers = browser.get(authorize)
    assert status == 302
    status, page, _ = browser.get(headers["Location"])
    return status, page


def test_the_scopes_asked_are_the_manifests() -> None:
    for path in (MANIFEST, MANIFEST.with_name("manifest.oauth.yml")):  # one workspace; several (OAuth)
        manifest = yaml.safe_load(path.read_text())
        assert tuple(manifest["oauth_config"]["scopes"]["bot"]) == BOT_SCOPES
        assert any(url.endswith("/slack/oauth_redirect") for url in manifest["oauth_config"]["redirect_urls"])


def test_installing_lands_on_a_page_that_says_what_to_do_next(
    multi_app: MultiApp, standin: FaultyStandIn, slack: SlackDriver
) -> None:
    status, page = install(Browser(), multi_app, TEAM_A)
    assert status == 200, page
    assert "codev is now installed in codev sandbox" in page
    assert "/invite @codev" in page and "/codev start" in page

    bot = multi_app.tenancy.store.find_bot(enterprise_id=None, team_id=TEAM_A)
    assert bot is not None and bot.bot_token and bot.bot_token.startswith("xoxe.xoxb-")
    assert bot.bot_refresh_token and bot.bot_token_expires_at
    assert multi_app.tenancy.workspaces.is_active(TEAM_A)
    exchange = standin.calls_to("oauth.v2.access")[-1]
    assert exchange.args["client_id"] == standin.client_id

    # Someone in that workspace types /codev help: Bolt finds the workspace's token for the request.
    slack.app_url = multi_app.base_url + "/slack/events"
    reply = slack.command("U0ALICE01", "help")
    assert reply.status == 200 and t("usage_fallback") in reply.body


def test_a_cancelled_install_says_so(multi_app: MultiApp) -> None:
    _, page = install(Browser(), multi_app, TEAM_A, deny=True)
    assert "The install was cancelled in Slack" in page
    assert multi_app.tenancy.store.find_bot(enterprise_id=None, team_id=TEAM_A) is None


def test_a_forged_or_stale_state_is_refused(multi_app: MultiApp, standin: FaultyStandIn) -> None:
    browser = Browser()
    browser.get(multi_app.base_url + "/slack/install")  # the state cookie is set
    forged = f"{multi_app.base_url}/slack/oauth_redirect?code=code.{TEAM_A}.1&state=forged"
    status, page, _ = browser.get(forged)
    assert status == 400 and "expired or was not started from this browser" in page

    # A real install, then the same redirect again (a reload, or someone replaying it): refused.
    status, page, _ = browser.get(multi_app.base_url + "/slack/install")
    link = re.search(r'href="([^"]+oauth/v2/authorize[^"]+)"', page)
    assert link is not None
    _, _, headers = browser.get(link.group(1).replace("&amp;", "&") + f"&team={TEAM_A}")
    status, page, _ = browser.get(headers["Location"])
    assert status == 200, page
    status, page, _ = browser.get(headers["Location"])
    assert status == 400 and "expired" in page

    # Another browser cannot finish someone else's install with their state.
    other = Browser()
    state = parse_qs(urlparse(headers["Location"]).query)["state"][0]
    status, page, _ = other.get(f"{multi_app.base_url}/slack/oauth_redirect?code=x&state={state}")
    assert status == 400


def test_an_expiring_token_is_refreshed_once_before_use(multi_app: MultiApp, standin: FaultyStandIn) -> None:
    standin.token_lifetime = 60  # shorter than codev's refresh margin (2 hours): refreshed at first use
    install(Browser(), multi_app, TEAM_A)
    first = multi_app.tenancy.store._find_bot(None, TEAM_A, False)  # as stored, not refreshed
    assert first is not None
    standin.token_lifetime = 43200
    results: list[str | None] = []
    threads = [threading.Thread(target=lambda: results.append(multi_app.tenancy.token_for(TEAM_A))) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    refreshes = [c for c in standin.calls_to("oauth.v2.access") if c.args.get("grant_type") == "refresh_token"]
    assert len(refreshes) == 1, "one refresh at a time: the others wait and use its token"
    assert len(set(results)) == 1 and results[0] != first.bot_token
    assert standin.team_of_token(results[0]) == TEAM_A


def test_codev_run_serves_the_install_pages_and_is_ready_without_a_bot_token(
    standin: FaultyStandIn, database_url: str, tmp_path: Path
) -> None:
    process = BotProcess(standin, database_url, tmp_path)
    del process.env["SLACK_BOT_TOKEN"]
    process.env.update(
        SLACK_CLIENT_ID=standin.client_id,
        SLACK_CLIENT_SECRET=standin.client_secret,
        CODEV_TOKEN_KEY=Fernet.generate_key().decode(),
    )
    process.start()
    try:
        base = f"http://127.0.0.1:{process.port}"
        standin.redirect_uri = base + "/slack/oauth_redirect"
        status, page = install(Browser(), MultiApp(base, None), TEAM_A)  # type: ignore[arg-type]
        assert status == 200 and "/codev start" in page, page
        with urllib.request.urlopen(base + "/readyz", timeout=5) as response:
            assert response.status == 200
        # A workspace that never installed codev: its people are told so, in a sentence.
        slack = SlackDriver(base + "/slack/events", SIGNING_SECRET, standin)
        slack.team_id = TEAM_B
        assert slack.command("U0ALICE01", "help").status == 200
        eventually(lambda: any(r.get("text") == t("oauth_not_installed") for r in standin.responses))
    finally:
        process.stop()
    assert "Traceback" not in process.log(), process.log()


def test_the_leader_refreshes_tokens_before_anyone_needs_them(multi_app: MultiApp, standin: FaultyStandIn) -> None:
    from sqlalchemy import func, select, text

    from bot.storage.models import SLACK_BOTS

    standin.token_lifetime = 3600  # expires within the 2 hours' margin
    install(Browser(), multi_app, TEAM_A)
    standin.token_lifetime = 43200
    assert multi_app.tenancy.refresh_expiring() == [TEAM_A]
    assert multi_app.tenancy.refresh_expiring() == [], "fresh now"
    token = multi_app.tenancy.token_for(TEAM_A)
    assert standin.team_of_token(token) == TEAM_A
    with multi_app.services.db.engine.connect() as connection:
        rows = connection.execute(select(func.count()).select_from(SLACK_BOTS)).scalar_one()
    assert rows == 1, "the replaced token's row is gone: only the newest can be handed out"
    # A token is looked up before every call, sometimes inside a write transaction: it never waits on it.
    with multi_app.services.db.session() as session:
        session.execute(text("UPDATE codev_workspace SET name = name"))  # the write transaction is open
        assert multi_app.tenancy.token_for(TEAM_A) == token


GRID_TEAM, GRID_ORG = "T0GRID003", "E0GRID001"


def test_a_workspace_of_an_enterprise_grid_org_gets_its_token_in_the_background_and_uninstalling_forgets_it(
    multi_app: MultiApp, standin: FaultyStandIn, slack: SlackDriver
) -> None:
    from sqlalchemy import select

    from bot.logs import log_context
    from bot.sandbox.circle import ALICE, CHANNEL
    from bot.storage.models import SLACK_BOTS, SLACK_INSTALLATIONS

    standin.workspaces[GRID_TEAM] = "Grid branch"
    standin.enterprises[GRID_TEAM] = (GRID_ORG, "Grid org")  # Slack's oauth.v2.access names the org
    standin.token_lifetime = 3600  # expires within codev's refresh margin: the leader refreshes it
    status, page = install(Browser(), multi_app, GRID_TEAM)
    assert status == 200 and "Grid branch" in page, page
    standin.token_lifetime = 43200
    tenancy, services = multi_app.tenancy, multi_app.services
    with services.db.engine.connect() as connection:
        saved = list(connection.execute(select(SLACK_BOTS.c.enterprise_id).where(SLACK_BOTS.c.team_id == GRID_TEAM)))
    assert saved == [(GRID_ORG,)], "saved under its org, as Slack's answer says"
    row = tenancy.workspaces.get(GRID_TEAM)
    assert row is not None and row.enterprise_id == GRID_ORG and row.active

    # codev's own work knows the row's team only: it finds the org's workspace token all the same.
    assert tenancy.refresh_expiring() == [GRID_TEAM]
    token = tenancy.token_for(GRID_TEAM)
    assert token and standin.team_of_token(token) == GRID_TEAM
    since = len(standin.calls)
    services.home._publish(GRID_TEAM, ALICE, "changed")  # a Home refresh, as a timer makes it
    with log_context(team=GRID_TEAM):  # the publisher's and the outbox's calls, in the row's workspace
        services.client.chat_postMessage(channel=CHANNEL, text="The Consultation step is open.")
    with standin._lock:
        calls = [(c.method, c.token) for c in standin.calls[since:] if c.method != "api.test"]
    # Alice is new to codev: her Home first asks Slack her profile (her language), in her workspace too.
    assert [m for m, _ in calls] == ["users.info", "views.publish", "chat.postMessage"], calls
    assert all(token == carried for _, carried in calls), "each with the Grid workspace's token"

    # A request from that workspace carries its org's id: Bolt's authorize finds the same token.
    slack.app_url = multi_app.base_url + "/slack/events"
    reply = slack.post_form(
        {
            "team_id": GRID_TEAM,
            "team_domain": "grid-branch",
            "enterprise_id": GRID_ORG,
            "enterprise_name": "Grid org",
            "channel_id": CHANNEL,
            "channel_name": "codev-circle",
            "user_id": ALICE,
            "user_name": "alice",
            "command": "/codev",
            "text": "help",
            "api_app_id": "A0CODEV01",
            "is_enterprise_install": "false",
            "response_url": slack.response_url(),
            "trigger_id": slack.trigger_id(ALICE),
        }
    )
    assert reply.status == 200 and t("usage_fallback") in reply.body, reply

    # The workspace uninstalls codev: every token of it is deleted, its org's id notwithstanding.
    standin.revoke_workspace(GRID_TEAM)
    envelope = {
        "team_id": GRID_TEAM,
        "enterprise_id": GRID_ORG,
        "api_app_id": "A0CODEV01",
        "event": {"type": "app_uninstalled", "event_ts": "1700000000.000001"},
        "type": "event_callback",
        "event_id": "Ev0GRID0001",
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": GRID_ORG,
                "team_id": GRID_TEAM,
                "user_id": "U0CODEVBOT",
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }
    assert slack.post_json(envelope).status == 200
    eventually(lambda: not tenancy.workspaces.is_active(GRID_TEAM))
    with services.db.engine.connect() as connection:
        for table in (SLACK_BOTS, SLACK_INSTALLATIONS):
            assert not list(connection.execute(select(table).where(table.c.team_id == GRID_TEAM))), table.name
    assert tenancy.token_for(GRID_TEAM) is None
