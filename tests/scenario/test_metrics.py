"""GET /metrics: what an operator scrapes after people used codev, in Prometheus' text format."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from bot.clock import FakeClock
from bot.scheduling import Agenda, Timekeeper
from bot.scheduling.leader import AlwaysLeader
from bot.slack import ids
from tests.conftest import ALICE, BOB, CAROL, BotProcess, Group, RunningApp, eventually

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(base_url: str) -> tuple[str, Samples]:
    with urllib.request.urlopen(f"{base_url}/metrics", timeout=5) as response:
        assert response.status == 200
        content_type = response.headers["Content-Type"]
        text = response.read().decode()
    assert content_type.startswith("text/plain") and "version=0.0.4" in content_type
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return text, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_a_scrape_after_a_session_counts_requests_calls_publishes_and_backlogs(
    group: Group, running_app: RunningApp
) -> None:
    _, before = scrape(running_app.base_url)
    group.slack.open_home(CAROL)
    eventually(lambda: CAROL in group.standin.home_views)
    group.start("Handing over my team")
    group.reply(BOB, 1, "I lead a team of 6.")
    group.click(ALICE, ids.NEXT, step=1)
    eventually(lambda: group.step_message(2))
    opened = {"type": "app_home_opened", "user": CAROL, "channel": group.standin.dm_channel(CAROL), "tab": "home"}
    assert group.slack.event(opened, event_id="EvTwice").status == 200
    assert group.slack.event(opened, event_id="EvTwice", retry_num=1).status == 200  # Slack retrying: dropped
    bad = urllib.request.Request(running_app.url, data=b"token=x", method="POST")
    try:
        urllib.request.urlopen(bad, timeout=5)
    except urllib.error.HTTPError as refused:
        assert refused.code == 401

    text, after = scrape(running_app.base_url)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("codev_requests_total", kind="command", outcome="ok") >= 1  # /codev start
    assert grew("codev_requests_total", kind="view", outcome="ok") >= 1  # the start modal
    assert grew("codev_requests_total", kind="action", outcome="ok") >= 1  # Next
    assert grew("codev_requests_total", kind="event", outcome="ok") >= 2  # Home opened, a reply
    assert grew("codev_requests_total", kind="event", outcome="retry_dropped") == 1
    assert grew("codev_requests_total", kind="unknown", outcome="rejected") == 1
    assert grew("codev_ack_seconds_count", kind="command") >= 1
    assert grew("codev_acked_first_total", kind="event") >= 2  # each event, once kept (not Slack's retry)
    assert grew("codev_work_wait_seconds_count") >= 2
    assert grew("codev_ack_seconds_bucket", kind="command", le="3.0") == grew("codev_ack_seconds_count", kind="command")
    assert grew("codev_web_api_calls_total", method="chat.postMessage", outcome="ok") >= 2  # root, steps
    assert grew("codev_web_api_calls_total", method="views.open", outcome="ok") == 1
    assert grew("codev_home_publishes_total", reason="opened") >= 1
    # Carol has her Home open: the session's change reaches it (after the throttle's half second in tests).
    eventually(
        lambda: (
            value(scrape(running_app.base_url)[1], "codev_home_publishes_total", reason="changed")
            > value(before, "codev_home_publishes_total", reason="changed")
        )
    )
    assert ("codev_inbox_backlog", frozenset()) in after
    eventually(lambda: value(scrape(running_app.base_url)[1], "codev_inbox_backlog") == 0)  # all handled
    assert ("codev_outbox_backlog", frozenset({("state", "pending")})) in after
    assert ("codev_timer_leader", frozenset()) in after  # (0 or 1: other tests of this process may have led)
    for family in ("codev_web_api_retries", "codev_timer_lateness_seconds"):
        assert f"# TYPE {family}" in text


def test_slack_errors_and_retries_are_counted_by_method(group: Group, running_app: RunningApp) -> None:
    _, before = scrape(running_app.base_url)
    group.standin.fail("views.open", "trigger_expired")
    group.slack.command(ALICE, "start")
    group.standin.fail("views.open", "ratelimited", retry_after=1)  # waited out, then answered
    group.slack.command(ALICE, "start")

    def grew(name: str, **labels: str) -> float:
        return value(scrape(running_app.base_url)[1], name, **labels) - value(before, name, **labels)

    eventually(lambda: grew("codev_web_api_calls_total", method="views.open", outcome="trigger_expired") == 1)
    eventually(lambda: grew("codev_web_api_calls_total", method="views.open", outcome="http_429") == 1, timeout=15)
    eventually(lambda: grew("codev_web_api_retries_total", method="views.open", reason="http_429") == 1, timeout=15)


def test_timer_lateness_is_observed_when_a_due_row_fires() -> None:
    clock = FakeClock()
    due = clock.now() + timedelta(seconds=1)
    delivered: list[int] = []
    agenda = Agenda("late", lambda _until: {7: due}, delivered.append, lambda _before: None)
    keeper = Timekeeper("metrics-test", [agenda], clock, AlwaysLeader())
    keeper._refresh()  # leads, and plans row 7
    clock.advance(timedelta(seconds=3.5))  # the job runs 2.5 s after its row's due time
    from prometheus_client import REGISTRY

    before = REGISTRY.get_sample_value("codev_timer_lateness_seconds_count", {"agenda": "late"}) or 0
    keeper.fire("late-7")
    assert delivered == [7]
    assert REGISTRY.get_sample_value("codev_timer_lateness_seconds_count", {"agenda": "late"}) == before + 1
    assert REGISTRY.get_sample_value("codev_timer_lateness_seconds_bucket", {"agenda": "late", "le": "2.0"}) == 0
    assert REGISTRY.get_sample_value("codev_timer_leader") == 1


def test_several_processes_on_one_machine_answer_together(bot: BotProcess, tmp_path: Path) -> None:
    """With PROMETHEUS_MULTIPROC_DIR, `codev run` keeps its series in files any process's /metrics reads."""
    shared = tmp_path / "prometheus"
    shared.mkdir()
    bot.env["PROMETHEUS_MULTIPROC_DIR"] = str(shared)
    bot.start()
    base = bot.url.rsplit("/slack/events", 1)[0]
    eventually(lambda: value(scrape(base)[1], "codev_timer_leader", pid=str(bot.process.pid)) == 1, timeout=15)
    assert list(shared.glob("*.db")), "the series live in the shared directory"
