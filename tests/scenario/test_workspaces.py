"""Two workspaces, one codev: each one's work goes out with its own token, nothing of one is touched from the
other (even with the same people's ids), and a workspace that removes codev is left alone, then forgotten."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.clock import FakeClock
from bot.sandbox.circle import ALICE, BOB, CAROL, CHANNEL, DAVE, ERIN, FRANK, Circle, eventually
from bot.sandbox.driver import SlackDriver
from bot.slack import ids
from bot.slack.listeners.commands.codev import SUBCOMMANDS
from bot.storage.models import SLACK_BOTS, CodevSession, JournalEntry
from tests.conftest import SIGNING_SECRET
from tests.integration.test_listener_fuzz import REGISTERED
from tests.scenario import test_oauth_install as oauth_flow
from tests.scenario.test_groups import initial
from tests.scenario.test_oauth_install import TEAM_A, TEAM_B, Browser, MultiApp, install
from tests.support.faulty_standin import FaultyStandIn
from tests.support.settle import settle as settle_work

multi_app = oauth_flow.multi_app  # the fixture: codev in OAuth mode, served over HTTP
CHANNEL_B = "C0OTHER02"  # workspace B's group channel; the people are the same ids as in A


def workspace(multi_app: MultiApp, standin: FaultyStandIn, team_id: str, channel: str) -> Circle:
    """codev installed in the workspace through the OAuth flow; its group's channel; a driver speaking as it."""
    status, page = install(Browser(), multi_app, team_id)
    assert status == 200, page
    slack = SlackDriver(multi_app.base_url + "/slack/events", SIGNING_SECRET, standin)
    slack.team_id = team_id
    circle = Circle(slack, standin, multi_app.services)
    circle.channel = channel
    return circle


def start(circle: Circle, topic: str) -> dict[str, Any]:
    view = circle.open_start_modal(ALICE, topic, channel_id=circle.channel)
    reply = circle.submit_start(view)
    assert reply.status == 200 and not reply.body, reply
    return eventually(lambda: circle.step_message(1))


def create_group(circle: Circle, name: str) -> None:
    """Alice makes the channel's group (/codev group, then the modal), everyone in it a member."""
    submitted = {v["id"] for v in circle.standin.views_for(ALICE)}
    circle.slack.command(ALICE, "group", channel_id=circle.channel)
    view = eventually(
        lambda: [v for v in circle.standin.views_for(ALICE) if v["callback_id"] == "group" and v["id"] not in submitted]
    )[-1]
    eventually(lambda: initial(circle.standin.views[view["id"]], "work_tz"))
    members = [ALICE, BOB, CAROL, DAVE, ERIN, FRANK]
    reply = circle.slack.submit(ALICE, view["id"], {"name": name, "members": members})
    assert reply.status == 200 and not reply.body, reply
    eventually(lambda: circle.services.groups.of_channel(circle.slack.team_id, circle.channel))


def button_values(messages: list[dict[str, Any]]) -> list[str]:
    """The values of the buttons and menu options in these messages (what a click on them would carry)."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("value"), str):
                found.append(node["value"])
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk([m.get("blocks") for m in messages])
    return found


def token_teams(standin: FaultyStandIn, since: int) -> list[tuple[str, str | None]]:
    """(method, workspace of the token) of every call that carried a bot token, from call number `since`."""
    with standin._lock:
        calls = standin.calls[since:]
    return [(c.method, standin.team_of_token(c.token)) for c in calls if c.token and c.token.startswith("xoxe.")]


def rows_of(multi_app: MultiApp, team_id: str) -> dict[str, list[dict[str, Any]]]:
    """Everything codev keeps about a workspace, table by table (tokens and timestamps included)."""
    from sqlmodel import SQLModel

    found: dict[str, list[dict[str, Any]]] = {}
    with multi_app.services.db.engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            if "team_id" in table.c:
                rows = connection.execute(select(table).where(table.c.team_id == team_id)).mappings()
                found[table.name] = sorted((json.loads(json.dumps(dict(r), default=str)) for r in rows), key=str)
    return found


def settle(multi_app: MultiApp) -> None:
    """Let listeners finish the work they do after their ack."""
    settle_work(multi_app.services)
    time.sleep(0.5)


def test_two_workspaces_each_work_with_their_own_token_and_cannot_reach_each_other(
    multi_app: MultiApp, standin: FaultyStandIn
) -> None:
    people = [ALICE, BOB, CAROL, DAVE, ERIN, FRANK]
    standin.add_channel(CHANNEL_B, "codev-circle", members=people, is_private=True, team_id=TEAM_B)
    standin.channels[CHANNEL].team_id = TEAM_A  # each channel exists for its own workspace's token only
    a = workspace(multi_app, standin, TEAM_A, CHANNEL)
    b = workspace(multi_app, standin, TEAM_B, CHANNEL_B)

    # Both workspaces run a session and keep journals, with the same people's ids.
    since = len(standin.calls)
    start(a, "Handing over my team")
    a.slack.say(CAROL, standin.dm_channel(CAROL), "A: silence after a question is a gift")
    settle(multi_app)
    assert {team for _, team in token_teams(standin, since)} == {TEAM_A}, token_teams(standin, since)

    since = len(standin.calls)
    start(b, "Saying no to my manager")
    b_dm = b.slack.say(CAROL, standin.dm_channel(CAROL), "B: ask before advising")
    settle(multi_app)
    assert {team for _, team in token_teams(standin, since)} == {TEAM_B}, token_teams(standin, since)
    b_view = [v for v in standin.views_for(ALICE) if v.get("callback_id") == ids.START_VIEW][-1]

    # Both make their channel's group, with the same people.
    since = len(standin.calls)
    create_group(a, "Tuesday circle")
    settle(multi_app)
    assert {team for _, team in token_teams(standin, since)} == {TEAM_A}, token_teams(standin, since)
    since = len(standin.calls)
    views_before_b = set(standin.views)
    create_group(b, "Thursday circle")
    settle(multi_app)
    b_views = [view_id for view_id in standin.views if view_id not in views_before_b] + [b_view["id"]]
    assert {team for _, team in token_teams(standin, since)} == {TEAM_B}, token_teams(standin, since)
    assert multi_app.services.groups.of_channel(TEAM_A, CHANNEL_B) is None

    with multi_app.services.db.read() as session:
        sessions = {s.team_id: s for s in session.exec(select(CodevSession)).scalars()}
        journal = {(e.team_id, e.user_id): e.text for e in session.exec(select(JournalEntry)).scalars()}
    assert set(sessions) == {TEAM_A, TEAM_B}
    assert journal == {
        (TEAM_A, CAROL): "A: silence after a question is a gift",
        (TEAM_B, CAROL): "B: ask before advising",
    }

    # Workspace A's people act on B's channel, message and session ids (forged, or a confused client).
    b_before, b_messages = rows_of(multi_app, TEAM_B), b.messages()
    b_step = b.step_message(1)
    assert b_step is not None
    since = len(standin.calls)
    a.slack.command(ALICE, "status", channel_id=CHANNEL_B)
    a.slack.command(ALICE, "start Stolen topic", channel_id=CHANNEL_B)
    a.slack.click(BOB, ids.DONE, channel_id=CHANNEL_B, message_ts=b_step["ts"])
    a.slack.say(BOB, CHANNEL_B, "A's reply in B's thread", thread_ts=b_step["ts"])
    a.slack.command(CAROL, "journal")
    a.slack.open_home(CAROL)
    a.slack.edit(CAROL, standin.dm_channel(CAROL), b_dm, "rewritten from A")
    a.slack.delete(standin.dm_channel(CAROL), b_dm)
    a.slack.shortcut_on_message(CAROL, ids.JOURNAL_SHORTCUT, CHANNEL_B, b_step)
    a.slack.submit(ALICE, b_view["id"], {"client": BOB, "consultants": [CAROL, DAVE]})
    a.slack.command(ALICE, "group", channel_id=CHANNEL_B)
    # ...and then every listener codev registers: each /codev word in B's channel, each button with the
    # values B's own buttons carry, each of B's modals submitted from A.
    for word in SUBCOMMANDS:
        a.slack.command(ALICE, word, channel_id=CHANNEL_B)
    b_values = sorted(set(button_values(b.messages()))) or ["1"]
    for action_id in REGISTERED.actions:
        for value in b_values:
            forged = a.slack.click_payload(ALICE, action_id, channel_id=CHANNEL_B, message_ts=b_step["ts"], value=value)
            # Slack binds a click's response_url to the message clicked, which for A's person is never B's.
            forged["response_url"] = a.slack.response_url()
            assert a.slack.post_payload(forged).status < 500
    for view_id in b_views:
        if view_id in standin.views:
            assert a.slack.submit(ALICE, view_id, {}).status < 500
    ts = standin.new_ts()
    b_person = {"id": CAROL, "team_id": TEAM_B, "deleted": True, "tz": "Asia/Tokyo", "name": "carol"}
    dm = standin.dm_channel(CAROL)
    shapes = {
        "message": {"type": "message", "user": CAROL, "text": "hi", "channel": CHANNEL_B, "channel_type": "group"},
        "app_home_opened": {"type": "app_home_opened", "user": CAROL, "tab": "home", "channel": dm},
        "member_left_channel": {"type": "member_left_channel", "user": CAROL, "channel": CHANNEL_B},
        "member_joined_channel": {"type": "member_joined_channel", "user": CAROL, "channel": CHANNEL_B},
        "user_change": {"type": "user_change", "user": b_person},
    }
    shapes["message"]["ts"] = ts
    for event_type in REGISTERED.events:
        if event_type in shapes:  # app_uninstalled and tokens_revoked carry no other workspace's ids
            assert a.slack.event({**shapes[event_type], "event_ts": ts}).status == 200
    settle(multi_app)
    assert rows_of(multi_app, TEAM_B) == b_before, "nothing of B changed from A"
    assert b.messages() == b_messages, "nothing posted or edited in B's channel from A"
    sent = token_teams(standin, since)
    assert sent and {team for _, team in sent} == {TEAM_A}, sent
    journal_reply = [e for e in standin.ephemerals_for(CAROL)] + standin.responses
    assert "ask before advising" not in json.dumps(journal_reply), "B's journal is not shown in A"
    home = standin.home_views.get(CAROL)
    assert home is None or "ask before advising" not in json.dumps(home)

    # The timers of both fall due: each workspace's go out with its own token.
    clock = multi_app.services.clock
    assert isinstance(clock, FakeClock)
    since = len(standin.calls)
    clock.advance(timedelta(days=3))
    a.tick()
    settle(multi_app)
    with standin._lock:
        calls = standin.calls[since:]
    owners = {CHANNEL: TEAM_A, CHANNEL_B: TEAM_B}
    in_channels = [(c.method, c.args.get("channel"), standin.team_of_token(c.token)) for c in calls]
    in_channels = [(method, channel, team) for method, channel, team in in_channels if channel in owners]
    assert in_channels, "the timers spoke in the groups' channels"
    assert all(owners[channel] == team for _, channel, team in in_channels), in_channels


def test_a_workspace_that_removes_codev_is_left_alone_then_forgotten(
    multi_app: MultiApp, standin: FaultyStandIn, tmp_path: Path
) -> None:
    people = [ALICE, BOB, CAROL, DAVE, ERIN, FRANK]
    standin.add_channel(CHANNEL_B, "codev-circle", members=people, is_private=True)
    a = workspace(multi_app, standin, TEAM_A, CHANNEL)
    b = workspace(multi_app, standin, TEAM_B, CHANNEL_B)
    start(a, "Handing over my team")
    start(b, "Saying no to my manager")
    b.slack.say(CAROL, standin.dm_channel(CAROL), "B: ask before advising")
    settle(multi_app)

    # B uninstalls codev: Slack revokes B's tokens and sends app_uninstalled, then tokens_revoked.
    standin.revoke_workspace(TEAM_B)
    # Meanwhile someone in B types a command: refused (B's token is revoked), and codev stays ready for A.
    b.slack.command(ALICE, "help")
    eventually(
        lambda: any(
            c.method == "auth.test" and c.token and not standin.team_of_token(c.token)
            for c in standin.calls_to("auth.test")
        )
    )
    with urllib.request.urlopen(multi_app.base_url + "/readyz", timeout=5) as response:
        assert response.status == 200
    reply = b.slack.event({"type": "app_uninstalled", "event_ts": "1700000000.000001"})
    assert reply.status == 200
    reply = b.slack.event({"type": "tokens_revoked", "tokens": {"bot": ["U0CODEVBOT"]}, "event_ts": "1700000000.2"})
    assert reply.status == 200
    tenancy = multi_app.tenancy
    eventually(lambda: not tenancy.workspaces.is_active(TEAM_B))
    assert tenancy.store.find_bot(enterprise_id=None, team_id=TEAM_B) is None
    with multi_app.services.db.engine.connect() as connection:
        assert not list(connection.execute(select(SLACK_BOTS).where(SLACK_BOTS.c.team_id == TEAM_B)))
    workspace_row = tenancy.workspaces.get(TEAM_B)
    assert workspace_row is not None and workspace_row.purge_after is not None
    assert workspace_row.purge_after - workspace_row.uninstalled_at == timedelta(days=30)  # type: ignore[operator]

    # Time passes: A's timers still go out (A's token); B's post nothing, with no token at all.
    b_messages = b.messages()
    since = len(standin.calls)
    multi_app.services.clock.advance(timedelta(days=3))  # type: ignore[attr-defined]
    a.tick()
    settle(multi_app)
    assert b.messages() == b_messages
    assert {team for _, team in token_teams(standin, since)} <= {TEAM_A}
    with standin._lock:
        tokenless = [c.method for c in standin.calls[since:] if not c.token and c.method != "api.test"]
    assert tokenless == [], "nothing attempted for B without its token"

    # B installs codev again: active again, its data there, its paused work resumed with its new token.
    install(Browser(), multi_app, TEAM_B)
    assert tenancy.workspaces.is_active(TEAM_B)
    assert rows_of(multi_app, TEAM_B)["journal_entry"]
    since = len(standin.calls)
    services = multi_app.services
    services.deliverer.recover(None)  # what the timer leader does with work claimed and left unfinished
    services.task_deliverer.recover(None)
    services.relay.recover(None)
    b.tick()
    settle(multi_app)
    resumed = token_teams(standin, since)
    assert ("chat.postMessage", TEAM_B) in resumed or ("chat.update", TEAM_B) in resumed, resumed
    assert {team for _, team in resumed} == {TEAM_B}

    # B leaves for good: purged at once from the command line (or 30 days after uninstalling).
    standin.revoke_workspace(TEAM_B)
    b.slack.event({"type": "app_uninstalled", "event_ts": "1700000001.000001"})
    eventually(lambda: not tenancy.workspaces.is_active(TEAM_B))
    done = subprocess.run(
        [sys.executable, "-m", "bot", "workspace", "purge", TEAM_B, "--yes"],
        env={"DATABASE_URL": multi_app.services.db.url, "PATH": ""},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert f"deleted workspace {TEAM_B}'s data" in done.stdout
    assert all(rows == [] for rows in rows_of(multi_app, TEAM_B).values())
    assert rows_of(multi_app, TEAM_A)["codev_session"], "A keeps everything"


def test_data_of_a_workspace_uninstalled_long_ago_is_deleted_by_the_leader(
    multi_app: MultiApp, standin: FaultyStandIn
) -> None:
    b = workspace(multi_app, standin, TEAM_B, CHANNEL)
    b.slack.say(CAROL, standin.dm_channel(CAROL), "B: ask before advising")
    settle(multi_app)
    standin.revoke_workspace(TEAM_B)
    b.slack.event({"type": "app_uninstalled", "event_ts": "1700000000.000001"})
    tenancy = multi_app.tenancy
    eventually(lambda: not tenancy.workspaces.is_active(TEAM_B))
    assert tenancy.purge_due() == []  # not yet
    multi_app.services.clock.advance(timedelta(days=30, minutes=1))  # type: ignore[attr-defined]
    assert tenancy.purge_due() == [TEAM_B]
    assert all(rows == [] for rows in rows_of(multi_app, TEAM_B).values())


def test_the_scheduler_leaves_a_removed_workspaces_work_out_until_it_is_installed_again(
    multi_app: MultiApp, standin: FaultyStandIn
) -> None:
    """Its due rows are not planned (they would fire, and be skipped, at every poll for 30 days), and the
    hourly chores failing stops neither the other chores nor the timers."""
    from bot.scheduling import Agenda, Timekeeper
    from bot.scheduling.leader import AlwaysLeader
    from bot.storage.models import OutboxMessage, ScheduledTask, TimedEvent

    standin.add_channel(CHANNEL_B, "codev-circle", members=[ALICE, BOB, CAROL, DAVE, ERIN, FRANK], is_private=True)
    a = workspace(multi_app, standin, TEAM_A, CHANNEL)
    b = workspace(multi_app, standin, TEAM_B, CHANNEL_B)
    start(a, "Handing over my team")
    start(b, "Saying no to my manager")
    settle(multi_app)
    services, tenancy = multi_app.services, multi_app.tenancy
    clock = services.clock
    assert isinstance(clock, FakeClock)
    clock.advance(timedelta(days=3))  # every step timer of both sessions is due
    now = clock.now()
    with services.db.session() as session:  # each workspace also owes a post and has a follow-up due
        for team_id in (TEAM_A, TEAM_B):
            codev_session = session.exec(select(CodevSession).where(CodevSession.team_id == team_id)).scalars().one()
            assert codev_session.id is not None
            session.add(
                OutboxMessage(
                    team_id=team_id,
                    session_id=codev_session.id,
                    kind="sync",
                    due_at=now,
                    created_at=now,
                    updated_at=now,
                )
            )
            session.add(
                ScheduledTask(
                    team_id=team_id, kind="follow_up", subject_id=codev_session.id, due_at=now, updated_at=now
                )
            )

    def teams_planned(keeper: Timekeeper) -> dict[str, set[str]]:
        models = {"timed-event": TimedEvent, "task": ScheduledTask, "outbox": OutboxMessage}
        planned: dict[str, set[str]] = {prefix: set() for prefix in models}
        with services.db.read() as session:
            for job_id in keeper._scheduled:
                prefix, _, row_id = job_id.rpartition("-")
                row = session.get(models[prefix], int(row_id))
                assert row is not None
                planned[prefix].add(row.team_id)
        return planned

    def chores_fail() -> None:
        raise RuntimeError("the database is away for a moment")

    # The leader's plan, as start_timekeeping builds it (not started: the test looks at what it would fire).
    agendas = [
        Agenda("timed-event", services.sessions.timers.pending_until, services.deliverer.deliver, lambda _: None),
        Agenda("task", services.tasks.pending_until, services.task_deliverer.deliver, lambda _: None),
        Agenda("outbox", services.outbox.pending_until, services.relay.deliver, lambda _: None),
    ]
    keeper = Timekeeper("codev-test-plan", agendas, clock, AlwaysLeader(), housekeeping=chores_fail)
    keeper._refresh()  # the hourly chores run first, and fail: this poll still plans the timers
    assert teams_planned(keeper) == {prefix: {TEAM_A, TEAM_B} for prefix in ("timed-event", "task", "outbox")}

    # B removes codev: its rows are left out of the plan; A's stay.
    standin.revoke_workspace(TEAM_B)
    b.slack.event({"type": "app_uninstalled", "event_ts": "1700000000.000001"})
    eventually(lambda: not tenancy.workspaces.is_active(TEAM_B))
    keeper._refresh()
    assert teams_planned(keeper) == {prefix: {TEAM_A} for prefix in ("timed-event", "task", "outbox")}
    assert keeper._refresh() is None and teams_planned(keeper)["outbox"] == {TEAM_A}, "and at every poll after"

    # B installs codev again: its rows are due again at the next poll.
    install(Browser(), multi_app, TEAM_B)
    keeper._refresh()
    assert teams_planned(keeper) == {prefix: {TEAM_A, TEAM_B} for prefix in ("timed-event", "task", "outbox")}
    keeper.scheduler.remove_all_jobs()


def test_one_hourly_chore_failing_does_not_stop_the_others(
    multi_app: MultiApp, standin: FaultyStandIn, monkeypatch: Any
) -> None:
    b = workspace(multi_app, standin, TEAM_B, CHANNEL)
    standin.revoke_workspace(TEAM_B)
    b.slack.event({"type": "app_uninstalled", "event_ts": "1700000000.000001"})
    tenancy = multi_app.tenancy
    eventually(lambda: not tenancy.workspaces.is_active(TEAM_B))
    multi_app.services.clock.advance(timedelta(days=31))  # type: ignore[attr-defined]

    def refresh_fails() -> list[str]:
        raise RuntimeError("Slack is away")

    monkeypatch.setattr(tenancy, "refresh_expiring", refresh_fails)
    multi_app.services._housekeeping()  # the leader's hourly chores: logs the failure, goes on
    assert tenancy.workspaces.get(TEAM_B) is None, "the due purge still ran"
