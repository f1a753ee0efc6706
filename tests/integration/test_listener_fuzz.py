"""Property: every registered listener, fed Slack's shapes with arbitrary values through signed HTTP, answers
without a 5xx, logs no unexpected traceback and never posts an apology that leaves the person stuck.

The payloads are the ones Slack sends (bot/sandbox/driver.py builds them), for every slash command word,
every registered action_id, every view callback_id, the message shortcut and every subscribed event type,
with the values people (or stale buttons) could put in them: any text, ids of 20 digits, negative numbers,
missing values, unknown users and channels, lists where one value is expected. Pieces Slack leaves out
in some places (team, container, channel, message, response_url) come and go.

CI sends EXAMPLES payloads in all (300 by default, shared by the five kinds below); raise
CODEV_FUZZ_EXAMPLES to search harder.
"""

from __future__ import annotations

import json
import logging
import os
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk.errors import SlackApiError

from bot.i18n import t
from bot.sandbox.driver import Reply
from bot.services.followups import ActionStatus
from bot.slack import ids
from bot.slack.blocks import after as after_blocks
from bot.slack.blocks import modals
from bot.slack.blocks.recurring import follow_up_modal
from bot.slack.listeners import register_listeners
from bot.slack.listeners.commands.codev import SUBCOMMANDS
from bot.slack.listeners.common import MAX_ID
from tests.conftest import ALICE, BOB, CAROL, DAVE, Group, eventually
from tests.support.settle import settle

EXAMPLES = int(os.environ.get("CODEV_FUZZ_EXAMPLES", "300"))
SHARE = {"commands": 0.15, "actions": 0.35, "views": 0.25, "shortcuts": 0.05, "events": 0.20}


def examples(kind: str) -> int:
    return max(1, round(EXAMPLES * SHARE[kind]))


def fuzz_settings(kind: str) -> Any:
    return settings(
        max_examples=examples(kind),
        deadline=None,
        database=None,  # each run searches afresh; nothing written into the working tree
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# ---- what codev registers ------------------------------------------------------------------------------
class Recorder:
    """Stands in for the Bolt app to list everything codev listens to."""

    def __init__(self) -> None:
        self.commands: list[str] = []
        self.actions: list[str] = []
        self.views: list[str] = []
        self.shortcuts: list[str] = []
        self.events: list[str] = []

    def _record(self, into: list[str]) -> Any:
        def register(name: Any, *args: Any, **kwargs: Any) -> Any:
            if isinstance(name, str):
                into.append(name)
            return lambda listener: listener

        return register

    def __getattr__(self, kind: str) -> Any:
        if kind in ("command", "action", "view", "shortcut", "event"):
            return self._record(getattr(self, kind + "s"))
        return lambda *args, **kwargs: lambda listener: listener  # middleware, error


REGISTERED = Recorder()
register_listeners(REGISTERED)  # type: ignore[arg-type]


# ---- watching what the app logs and says ---------------------------------------------------------------
class LogWatch(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def unexpected(self) -> list[str]:
        """Errors, and tracebacks of anything but a Slack API error the app chose to log and get past."""
        found = []
        for record in self.records:
            error = record.exc_info[1] if record.exc_info else None
            if record.levelno >= logging.ERROR or (error is not None and not isinstance(error, SlackApiError)):
                found.append(f"{record.levelname} {record.name}: {record.getMessage()} ({error!r})")
        return found


@pytest.fixture
def log_watch() -> Iterator[LogWatch]:
    watch = LogWatch()
    root = logging.getLogger()
    level = root.level
    root.addHandler(watch)
    root.setLevel(logging.INFO)
    yield watch
    root.removeHandler(watch)
    root.setLevel(level)


# The last resort's apology (listeners/__init__.py handle_error): it says nothing the person can do.
APOLOGY_START = t("something_went_wrong").split(" on ")[0]  # "Sorry, something went wrong"


@dataclass
class World:
    """A running app with a session under way, and the ids a button could carry."""

    group: Group
    log: LogWatch
    session_id: int
    step_ts: str
    entry_id: int
    sent: int = 0

    @property
    def slack(self) -> Any:
        return self.group.slack

    def send(self, reply_of: Callable[[], Reply]) -> None:
        """Send one payload; check the answer, the log and everything the app said to Slack meanwhile."""
        standin = self.group.standin
        settle(self.group.services)  # what an earlier example left running is not this one's
        self.log.records.clear()
        calls_before, responses_before = len(standin.calls), len(standin.responses)
        reply = reply_of()
        self.sent += 1
        assert reply.status < 500, reply
        settle(self.group.services)
        assert self.log.unexpected() == []
        with standin._lock:
            said = [json.dumps(c.args) for c in standin.calls[calls_before:]]
            said += [json.dumps(r) for r in standin.responses[responses_before:]]
        said.append(reply.body)
        assert not [s for s in said if APOLOGY_START in s or "Traceback" in s]


@pytest.fixture
def world(group: Group, log_watch: LogWatch, request: pytest.FixtureRequest) -> Iterator[World]:
    group.services.home.min_interval = 0  # Home publishes at once, inside the listener: settle() covers it
    step1 = group.start()
    group.slack.command(BOB, "journal A thought to keep")
    entry = eventually(lambda: group.services.journal.all_entries(group.standin.team_id, BOB))[0]
    running = group.services.sessions.running_in(group.standin.team_id, group.channel)[0]
    settle(group.services)
    log_watch.records.clear()
    made = World(group, log_watch, running.id, step1["ts"], entry.id)
    yield made
    print(f"\n{request.node.name}: {made.sent} fuzzed payloads")


# ---- arbitrary values ----------------------------------------------------------------------------------
PEOPLE = st.sampled_from([ALICE, BOB, CAROL, DAVE, "U0GONE", "U0HELPERBOT", "U0NOBODY"])
NUMBERS = st.one_of(
    st.integers(min_value=-3, max_value=40),
    st.sampled_from([0, MAX_ID, MAX_ID + 1, 2**63 - 1, 2**63, 10**20, -(2**63)]),
    st.integers(),
)
TEXTS = st.text(max_size=60)


def button_values(world: World) -> st.SearchStrategy[str | None]:
    sid = world.session_id
    real = [f"{sid}:{s}" for s in range(1, 7)] + [str(sid), str(world.entry_id), f"{sid}:{ALICE},{BOB}", "0"]
    return st.one_of(
        st.none(),
        st.sampled_from(real),
        NUMBERS.map(str),
        st.tuples(NUMBERS, NUMBERS).map(lambda pair: f"{pair[0]}:{pair[1]}"),
        st.tuples(NUMBERS, PEOPLE).map(lambda pair: f"{pair[0]}:{pair[1]}"),
        TEXTS,
    )


def element_state(element: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """The state Slack sends for an input element: its own field, with an arbitrary value of Slack's type (and,
    now and then, of another type)."""
    kind = element["type"]
    options = [o["value"] for o in element.get("options", [])] or ["x"]
    option = st.one_of(st.sampled_from(options), TEXTS, NUMBERS.map(str)).map(
        lambda v: {"text": {"type": "plain_text", "text": v}, "value": v}
    )
    one: dict[str, tuple[str, st.SearchStrategy[Any]]] = {
        "plain_text_input": ("value", st.one_of(TEXTS, NUMBERS.map(str))),
        "number_input": ("value", st.one_of(NUMBERS.map(str), TEXTS)),
        "users_select": ("selected_user", PEOPLE),
        "multi_users_select": ("selected_users", st.lists(PEOPLE, max_size=8)),
        "conversations_select": ("selected_conversation", st.sampled_from(["C0CODEV01", "C0NOWHERE", "D0ALICE"])),
        "datepicker": ("selected_date", st.one_of(st.dates().map(str), TEXTS)),
        "timepicker": ("selected_time", st.one_of(st.times().map(lambda t_: t_.strftime("%H:%M")), TEXTS)),
        "radio_buttons": ("selected_option", option),
        "static_select": ("selected_option", option),
        "checkboxes": ("selected_options", st.lists(option, max_size=3)),
        "multi_static_select": ("selected_options", st.lists(option, max_size=3)),
    }
    field, right = one[kind]
    wrong = st.one_of(st.none(), st.lists(TEXTS, max_size=3), NUMBERS, st.dictionaries(TEXTS, TEXTS, max_size=2))
    value = st.one_of(right, right, right, wrong)
    return value.map(lambda v: {"type": kind, field: v})


def view_states(view: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    inputs = [b for b in view["blocks"] if b.get("type") == "input"]
    return st.fixed_dictionaries(
        {b["block_id"]: element_state(b["element"]).map(lambda s, a=b["element"]["action_id"]: {a: s}) for b in inputs}
    )


# ---- slash commands ------------------------------------------------------------------------------------
def test_commands_with_any_text(world: World) -> None:
    assert REGISTERED.commands == ["/codev"]
    words = st.sampled_from(["", "help", *SUBCOMMANDS])
    channels = st.sampled_from(["C0CODEV01", "C0NOWHERE", "D0ALICE"])

    @fuzz_settings("commands")
    @given(user=PEOPLE, word=words, rest=TEXTS, channel=channels)
    def send(user: str, word: str, rest: str, channel: str) -> None:
        world.send(lambda: world.slack.command(user, f"{word} {rest}", channel_id=channel))

    send()


# ---- buttons -------------------------------------------------------------------------------------------
IN_MODALS = {ids.START_PACE}  # inputs of a modal that dispatch their action: Slack sends them with the view


def test_every_action_with_any_value(world: World) -> None:
    assert len(REGISTERED.actions) >= 30
    start_view = world.group.open_start_modal(CAROL, "")

    @fuzz_settings("actions")
    @given(
        action_id=st.sampled_from(REGISTERED.actions),
        user=PEOPLE,
        value=button_values(world),
        where=st.sampled_from(["message", "home", "bare"]),
        team=st.sampled_from(["team", "no team", "null team"]),
        anonymous=st.sampled_from([False] * 9 + [True]),  # a user without an id: no click Slack sends, a 400
        typed=st.none() | TEXTS,
        data=st.data(),
    )
    def send(
        action_id: str,
        user: str,
        value: str | None,
        where: str,
        team: str,
        anonymous: bool,
        typed: str | None,
        data: Any,
    ) -> None:
        payload = world.slack.click_payload(
            user, action_id, channel_id=world.group.channel, message_ts=world.step_ts, value="x"
        )
        payload["actions"][0]["value"] = value
        if action_id == ids.FACILITATOR_MENU:  # a menu pick: Slack sends the option, not a value
            controls = st.sampled_from([*ids.FACILITATOR_CONTROLS, "x", ""])
            picked = st.tuples(controls, st.none() | st.just(value), st.integers(-1, 3)).map(
                lambda p: f"{p[0]}|{p[1]}:{p[2]}"
            )
            payload["actions"][0]["selected_option"] = data.draw(
                st.one_of(
                    st.none(), TEXTS, picked.map(lambda v: {"text": {"type": "plain_text", "text": "x"}, "value": v})
                )
            )
        if action_id in IN_MODALS:
            where = "modal"
        if where != "message":
            for piece in ("message", "channel", "response_url"):
                payload.pop(piece)
        if where == "bare":
            payload.pop("container")
        elif where == "home":
            payload["container"] = {"type": "view", "view_id": "V0HOME"}
            payload["view"] = {"id": "V0HOME", "type": "home", "callback_id": "", "state": {"values": {}}}
        elif where == "modal":
            state = data.draw(view_states(start_view))
            payload["container"] = {"type": "view", "view_id": start_view["id"]}
            payload["view"] = {**start_view, "state": {"values": state}}
            payload["view"].pop("_user", None)
        if team == "no team":
            payload.pop("team")
        elif team == "null team":
            payload["team"] = None
        if anonymous:
            payload["user"] = {"username": "nobody"}
        if typed is not None:
            payload["state"] = {
                "values": {ids.KICKOFF_TOPIC_BLOCK: {ids.KICKOFF_TOPIC: {"type": "plain_text_input", "value": typed}}}
            }
        world.send(lambda: world.slack.post_payload(payload))

    send()


# ---- modals --------------------------------------------------------------------------------------------
def test_every_modal_with_any_state(world: World) -> None:
    group, team = world.group, world.group.standin.team_id
    snapshot = group.services.sessions.get(team, world.session_id)
    action = types.SimpleNamespace(id=1, text="Call Sam", topic="Handing over", due_date=None)
    evaluation = types.SimpleNamespace(id=1, group_name="Circle")  # what the modal reads of an EvaluationView
    # How each modal codev opens is built; the modals fuzzed are the view callbacks codev registers, so a new
    # one without a builder here fails below, by name, instead of going unfuzzed.
    builders = {
        ids.START_VIEW: lambda: modals.start_modal(topic="", user_id=CAROL, channel_id=group.channel),
        ids.CONTRACT_VIEW: lambda: modals.contract_modal(snapshot),
        ids.SYNTHESIS_VIEW: lambda: modals.synthesis_modal(snapshot, []),
        ids.HANDOVER_VIEW: lambda: modals.handover_modal(snapshot),
        ids.EDIT_VIEW: lambda: modals.edit_modal(snapshot),
        ids.SUMMARY_EDIT_VIEW: lambda: modals.summary_edit_modal(snapshot, [], None, None),
        ids.GROUP_VIEW: lambda: modals.group_modal(channel_id=group.channel, group=None, user_id=ALICE, tz=None),
        ids.FOLLOW_UP_VIEW: lambda: follow_up_modal(action, ActionStatus.DONE, dm_channel=None, dm_ts=None),  # type: ignore[arg-type]
        after_blocks.DEBRIEF_VIEW: lambda: after_blocks.debrief_modal(
            snapshot, again=False, dm_channel=None, dm_ts=None
        ),
        after_blocks.EVALUATION_VIEW: lambda: after_blocks.evaluation_modal(evaluation, dm_channel=None, dm_ts=None),  # type: ignore[arg-type]
    }
    unbuilt = sorted(set(REGISTERED.views) - set(builders))
    assert not unbuilt, f"registered modals this test cannot build yet: {unbuilt}"
    views = {callback_id: builders[callback_id]() for callback_id in REGISTERED.views}
    assert all(view["callback_id"] == callback_id for callback_id, view in views.items())
    numbers = st.one_of(st.just(world.session_id), st.just(1), NUMBERS)
    metadata = st.one_of(
        st.just(None),
        st.fixed_dictionaries({"session": numbers, "version": numbers, "action": numbers, "kickoff": numbers}),
        st.dictionaries(
            st.sampled_from(["session", "channel", "version", "kickoff", "action", "dm_ts", "evaluation", "actions"]),
            TEXTS,
        ),
        TEXTS,
    )
    view_ids = iter(range(1, 10**6))

    @fuzz_settings("views")
    @given(callback_id=st.sampled_from(sorted(views)), user=PEOPLE, forged=metadata, data=st.data())
    def send(callback_id: str, user: str, forged: Any, data: Any) -> None:
        view = {k: v for k, v in views[callback_id].items() if not k.startswith("_")}
        view["id"] = f"V0FUZZ{next(view_ids)}"
        view["state"] = {"values": data.draw(view_states(view))}
        if forged is not None:
            view["private_metadata"] = forged if isinstance(forged, str) else json.dumps(forged)
        payload = {
            "type": "view_submission",
            "team": {"id": team, "domain": "codev-sandbox"},
            "user": {"id": user, "team_id": team},
            "trigger_id": world.slack.trigger_id(user),
            "view": view,
            "response_urls": [],
        }
        world.send(lambda: world.slack.post_payload(payload))

    send()


# ---- the message shortcut -----------------------------------------------------------------------------
def test_the_shortcut_on_any_message(world: World) -> None:
    assert REGISTERED.shortcuts == [ids.JOURNAL_SHORTCUT]
    messages = st.fixed_dictionaries(
        {"type": st.just("message"), "ts": st.sampled_from([world.step_ts, "1.000001", "1712345678.123456"])},
        optional={
            "text": st.none() | TEXTS,
            "user": PEOPLE,
            "bot_id": st.just("B0CODEVBOT"),
            "thread_ts": st.just("1.1"),
        },
    )

    @fuzz_settings("shortcuts")
    @given(user=PEOPLE, message=messages, channel=st.sampled_from(["C0CODEV01", "C0NOWHERE", "D0ALICE"]))
    def send(user: str, message: dict[str, Any], channel: str) -> None:
        world.send(lambda: world.slack.shortcut_on_message(user, ids.JOURNAL_SHORTCUT, channel, message))

    send()


# ---- events --------------------------------------------------------------------------------------------
def test_every_subscribed_event_with_any_fields(world: World) -> None:
    assert {"message", "app_home_opened", "member_left_channel", "member_joined_channel", "user_change"} <= set(
        REGISTERED.events
    )
    channels = st.sampled_from(["C0CODEV01", "C0NOWHERE", "D0ALICE", "D0BOB"])
    stamps = st.sampled_from([world.step_ts, "1.000001", "1712345678.123456"]) | st.builds(world.group.standin.new_ts)
    subtypes = st.sampled_from(
        [
            None,
            None,
            "message_changed",
            "message_deleted",
            "bot_message",
            "thread_broadcast",
            "file_share",
            "channel_join",
        ]
    )
    part = st.fixed_dictionaries(
        {"ts": stamps},
        optional={"user": PEOPLE, "text": st.none() | TEXTS, "thread_ts": stamps, "bot_id": st.just("B1")},
    )
    message = st.fixed_dictionaries(
        {"type": st.just("message"), "channel": channels, "ts": stamps},
        optional={
            "user": PEOPLE,
            "text": st.none() | TEXTS,
            "subtype": subtypes,
            "thread_ts": stamps,
            "channel_type": st.sampled_from(["channel", "group", "im", "mpim"]),
            "bot_id": st.just("B0CODEVBOT"),
            "deleted_ts": stamps,
            "message": part,
            "previous_message": part,
            "files": st.lists(st.fixed_dictionaries({"id": st.just("F1")}), max_size=1),
        },
    ).map(lambda e: {k: v for k, v in e.items() if v is not None or k == "text"})
    home = st.fixed_dictionaries(
        {"type": st.just("app_home_opened"), "user": PEOPLE, "channel": channels},
        optional={"tab": st.sampled_from(["home", "messages", "about"]) | TEXTS},
    )
    membership = st.fixed_dictionaries(
        {"type": st.sampled_from(["member_left_channel", "member_joined_channel"]), "user": PEOPLE, "channel": channels}
    )
    profile = st.fixed_dictionaries(
        {"id": PEOPLE},
        optional={
            "name": TEXTS,
            "real_name": st.none() | TEXTS,
            "tz": st.none() | st.sampled_from(["Europe/Paris", "America/Toronto", "UTC"]) | TEXTS,
            "locale": st.none() | st.sampled_from(["en-US", "fr-FR"]) | TEXTS.map(lambda s: s[:16]),
            "is_bot": st.booleans(),
            "deleted": st.booleans(),
        },
    )
    user_change = st.fixed_dictionaries({"type": st.just("user_change"), "user": profile})
    other = st.fixed_dictionaries({"type": st.sampled_from(["app_mention", "reaction_added", "team_join"])})
    events = st.one_of(message, message, home, membership, user_change, other)

    @fuzz_settings("events")
    @given(event=events, retried=st.booleans())
    def send(event: dict[str, Any], retried: bool) -> None:
        world.send(lambda: world.slack.event(event, retry_num=1 if retried else None))

    send()
