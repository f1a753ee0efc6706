"""A co-development group in a sandbox channel, acting through the driver: shared by the tests and the demo."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlmodel import select

from bot.domain.steps import Step
from bot.i18n import languages, reading, t
from bot.sandbox.driver import Reply, SlackDriver
from bot.sandbox.standin import SlackStandIn
from bot.slack import ids
from bot.storage.models import Contribution

T = TypeVar("T")

CHANNEL = "C0CODEV01"
PEOPLE = [
    ("U0ALICE", "Alice", "Europe/Paris"),
    ("U0BOB", "Bob", "America/Montreal"),
    ("U0CAROL", "Carol", "Europe/Paris"),
    ("U0DAVE", "Dave", "Europe/Brussels"),
    ("U0ERIN", "Erin", "America/Toronto"),
    ("U0FRANK", "Frank", "Europe/Paris"),
]
ALICE, BOB, CAROL, DAVE, ERIN, FRANK = (p[0] for p in PEOPLE)


def populate(standin: SlackStandIn) -> None:
    """Six peers and their private channel, with codev invited."""
    for user_id, name, tz in PEOPLE:
        standin.add_user(user_id, name, tz=tz)
    standin.add_channel(CHANNEL, "codev-circle", is_private=True, members=[p[0] for p in PEOPLE])


def eventually(check: Callable[[], T | None], timeout: float = 10.0) -> T:
    """Wait for the app's after-ack work: returns check()'s first truthy value, or fails."""
    deadline = time.monotonic() + timeout
    while True:
        result: T | None
        try:
            result = check()
        except (AssertionError, LookupError, KeyError, TypeError):
            result = None
            if time.monotonic() >= deadline:
                raise
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError("the app did not get there in time")
        time.sleep(0.02)


def step_headers(number: int) -> tuple[str, ...]:
    """How a step's message title begins in each language codev speaks: "Step 2/6", "Étape 2/6"."""
    found = []
    for language in languages():
        with reading(language):
            found.append(t("step_header", number=number, step="\x00").split("\x00")[0].rstrip(" ·"))
    return tuple(found)


class Circle:
    """The group in #codev-circle: starts sessions, replies in threads, clicks buttons, reads the channel."""

    def __init__(self, slack: SlackDriver, standin: SlackStandIn, services: Any) -> None:
        self.slack = slack
        self.standin = standin
        self.services = services
        self.channel = CHANNEL

    # -- starting --
    def open_start_modal(
        self, user_id: str = ALICE, topic: str = "Handing over my team", *, channel_id: str = CHANNEL
    ) -> dict[str, Any]:
        before = len(self.standin.views_for(user_id))
        reply = self.slack.command(user_id, f"start {topic}".strip(), channel_id=channel_id)
        assert reply.status == 200, reply

        def the_new_view() -> dict[str, Any] | None:
            views = self.standin.views_for(user_id)
            return views[-1] if len(views) > before else None

        return eventually(the_new_view)

    def submit_start(self, view: dict[str, Any], user_id: str = ALICE, **values: Any) -> Reply:
        defaults: dict[str, Any] = {"client": BOB, "consultants": [CAROL, DAVE, ERIN, FRANK]}
        defaults.update(values)
        return self.slack.submit(user_id, view["id"], defaults)

    def start(self, topic: str = "Handing over my team", **values: Any) -> dict[str, Any]:
        """Alice starts a session with Bob as client; returns the step 1 message."""
        view = self.open_start_modal(ALICE, topic)
        reply = self.submit_start(view, **values)
        assert reply.status == 200 and not reply.body, reply
        return eventually(lambda: self.step_message(1))

    # -- reading the channel --
    def messages(self) -> list[dict[str, Any]]:
        return self.standin.messages(self.channel)

    def root(self) -> dict[str, Any]:
        return self.messages()[0]

    def step_message(self, number: int) -> dict[str, Any] | None:
        headers = step_headers(number)  # "Step 2/6", "Étape 2/6": the channel reads the session's language
        for message in self.messages():
            blocks = message.get("blocks") or []
            if blocks and blocks[0].get("type") == "header" and blocks[0]["text"]["text"].startswith(headers):
                return message
        return None

    def thread(self, number: int) -> list[dict[str, Any]]:
        message = self.step_message(number)
        assert message is not None
        return self.standin.thread(self.channel, message["ts"])

    def private_notes(self, user_id: str | None = None) -> list[str]:
        """What people were told privately: ephemeral messages and answers to their clicks."""
        notes = [e["text"] for e in self.standin.ephemerals if user_id in (None, e["user"])]
        notes += [r.get("text", "") for r in self.standin.responses]
        return notes

    def modal(self, user_id: str, callback_id: str) -> dict[str, Any]:
        return eventually(lambda: [v for v in self.standin.views_for(user_id) if v["callback_id"] == callback_id])[-1]

    # -- acting --
    def click(self, user_id: str, action_id: str, step: int | None = None, **kwargs: Any) -> Reply:
        """Click a button on a step's message, or pick the control in its Facilitator menu.

        End asks the facilitator to confirm privately first (as the old button's confirm dialog did): picking it
        here also confirms, as a facilitator who means it would. `confirm=False` only picks it."""
        confirm = kwargs.pop("confirm", True)
        if step and action_id in ids.FACILITATOR_CONTROLS:
            self._see_current_menu(step)
            with contextlib.suppress(AssertionError, LookupError, StopIteration):
                menu = self.facilitator_menu(step)
                self._wait_for_menu_label(
                    user_id, step, next(o["value"] for o in menu["options"] if o["value"].startswith(action_id + "|"))
                )
        message = self.step_message(step) if step else None
        ts = message["ts"] if message else None
        before = len(self.standin.responses)
        reply = self.slack.click(user_id, action_id, channel_id=self.channel, message_ts=ts, **kwargs)
        if action_id == ids.END and confirm and reply.status == 200:
            # The confirmation, or a refusal: a private answer (the menu's redraw replaces the message, and may come
            # first).
            answers = eventually(lambda: [a for a in self.standin.responses[before:] if not a.get("replace_original")])
            if any(ids.END in str(answer.get("blocks") or "") for answer in answers):
                return self.slack.click_in_response(user_id, ids.END)
        return reply

    def _see_current_menu(self, step: int) -> None:
        """A person picks in the menu they see: after a change, the step's message is shown anew first (Slack
        takes a moment), else their pick would be refused as stale. A step that is over, or a menu that never
        comes, is clicked as it is (the refusal is then what the caller looks at)."""

        sessions = getattr(self.services, "sessions", None)
        if sessions is None:  # a group driving a bot in another process: it cannot read the session
            return

        def current() -> bool:
            running = sessions.running_in(self.standin.team_id, self.channel)
            if not running or int(running[0].step) != step:
                return True
            values = [o["value"] for o in self.facilitator_menu(step)["options"]]
            return all(v.endswith(f":{running[0].version}") for v in values)

        with contextlib.suppress(AssertionError, LookupError, KeyError, TypeError):
            eventually(current, timeout=3.0)

    def facilitator_menu(self, step: int) -> dict[str, Any]:
        """The Facilitator menu of a step's message, as Slack shows it."""
        message = self.step_message(step)
        assert message is not None
        for block in message.get("blocks") or []:
            for element in block.get("elements", []) if block.get("type") == "actions" else []:
                if element.get("action_id") == ids.FACILITATOR_MENU:
                    return dict(element)
        raise LookupError(f"step {step} has no Facilitator menu")

    def _wait_for_menu_label(self, user_id: str, step: int, option_value: str) -> None:
        """A person picks again once the app has drawn the message anew, its menu back to its label; if it
        never does, the pick is not sent at all, as in Slack (the driver raises NothingSent)."""
        message = self.step_message(step)
        if message is None:
            return
        with contextlib.suppress(AssertionError, LookupError, KeyError):
            eventually(
                lambda: not self.slack.menu_shows(user_id, self.channel, message["ts"], option_value), timeout=3.0
            )

    def pick(self, user_id: str, step: int, option_value: str, **kwargs: Any) -> Reply:
        """Pick an option of a step's Facilitator menu by its value, exactly as Slack sends it (after the app drew
        the message anew, when this person picked the same option before: Slack sends nothing until then)."""
        self._wait_for_menu_label(user_id, step, option_value)
        message = self.step_message(step)
        assert message is not None
        return self.slack.click(
            user_id,
            ids.FACILITATOR_MENU,
            channel_id=self.channel,
            message_ts=message["ts"],
            value=option_value,
            **kwargs,
        )

    def reply(self, user_id: str, step: int, text: str) -> dict[str, Any]:
        """Someone replies in a step's thread; returns once the app has stored it."""
        message = self.step_message(step)
        assert message is not None
        # The app records a step's message just after posting it; a reply before that would be a stray one.
        eventually(
            lambda: any(
                s.steps[Step(step)].message_ts == message["ts"]
                for s in self.services.sessions.running_in(self.standin.team_id, self.channel)
            )
        )
        posted = self.slack.say(user_id, self.channel, text, thread_ts=message["ts"])
        eventually(lambda: self.stored(posted["ts"]))
        return posted

    def stored(self, ts: str) -> Contribution | None:
        with self.services.db.session() as session:
            return session.exec(select(Contribution).where(Contribution.ts == ts)).first()

    def tick(self) -> int:
        """Deliver every timed event, task and outbox row due at the (fake) clock's now, as the scheduler would.

        Returns how many timed events and tasks were due.
        """
        now = self.services.clock.now()
        due = self.services.sessions.timers.due(now)
        for event_id in due:
            self.services.deliverer.deliver(event_id)
        tasks = self.services.tasks.due(now)
        for task_id in tasks:
            self.services.task_deliverer.deliver(task_id)
        for row_id in self.services.outbox.due(now):
            self.services.relay.deliver(row_id)
        return len(due) + len(tasks)

    def current_step(self) -> int:
        running = self.services.sessions.running_in(self.standin.team_id, self.channel)
        return int(running[0].step) if running else 0
