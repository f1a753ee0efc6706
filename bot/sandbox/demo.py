"""`codev demo`: a group's session against the built-in Slack stand-in, printed as a person would read it.

The group is created with a cadence; at the kick-off Bob and Carol volunteer, Alice (whose turn it is to
facilitate) picks Bob and starts the session; the session runs its six steps; on the due date of one of
Bob's actions codev asks him how it went. A fake clock moves the days along.
"""

from __future__ import annotations

import re
import secrets
import tempfile
import threading
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TextIO

from bot.app import build_services, create_app
from bot.clock import FakeClock
from bot.config import Settings
from bot.sandbox.circle import ALICE, BOB, CAROL, DAVE, ERIN, FRANK, PEOPLE, Circle, eventually, populate
from bot.sandbox.driver import SlackDriver
from bot.sandbox.standin import SlackStandIn
from bot.server import make_http_server, make_wsgi_app, run_until
from bot.slack import ids
from bot.storage.db import Database

TOPIC = "Handing over my team before a three-month leave"
START = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # a Monday, 15:00 in Paris, 09:00 in Montreal: all at work
KICKOFF = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # Tuesday 10:00 in Paris
BOB_MORNING = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # 09:00 in Montreal
FOLLOW_UP_DAY = "2026-12-08"
FOLLOW_UP = datetime(2026, 12, 8, 15, 0, tzinfo=UTC)  # 10:00 in Montreal, where Bob works
SCRIPT: dict[int, list[tuple[str, str]]] = {
    1: [
        (
            BOB,
            "I lead a team of six. I leave in March for three months and nobody is named to replace me. "
            "I am afraid decisions will stall, or that I will be called every day.",
        )
    ],
    2: [
        (CAROL, "Who decides today when you are away for a day or two?"),
        (DAVE, "How does the team feel about your leave?"),
        (ERIN, "Have you tried asking your manager for an interim?"),
        (FRANK, "What would a good return look like for you?"),
    ],
    4: [
        (CAROL, "One hypothesis: the team is more ready than you think; the fear may be yours."),
        (DAVE, "Name a deputy and write down which decisions they can make without you."),
        (ERIN, "In my team we used a weekly async check-in during a leave. It kept me out of the daily noise."),
        (FRANK, "Tell your stakeholders now who to call, so they do not call you."),
    ],
    6: [
        (BOB, "I wait too long to delegate. #delegation"),
        (CAROL, "Asking 'who decides today' reveals a lot. #questions"),
        (DAVE, "Writing decision rights down is useful beyond leaves."),
        (ERIN, "I gave advice in Clarification again; noted for next time. #listening"),
        (FRANK, "A good return is part of a good departure."),
    ],
}


def run_demo(settings: Settings, out: TextIO) -> int:
    """Start the stand-in and the real app on loopback, play a session, print the channel."""
    standin = SlackStandIn().start()
    populate(standin)
    with tempfile.TemporaryDirectory(prefix="codev-demo-") as workdir:
        secret = secrets.token_hex(16)
        demo_settings = replace(
            settings,
            slack_bot_token="xoxb-demo",
            slack_signing_secret=secret,
            slack_app_token=None,
            slack_api_url=standin.api_url,
            database_url=f"sqlite:///{Path(workdir) / 'demo.db'}",
        )
        db = Database(demo_settings.database_url)
        db.upgrade()
        services = build_services(demo_settings, db=db, clock=FakeClock(START))
        app = create_app(services)
        server = make_http_server(make_wsgi_app(app, db, secret), host="127.0.0.1", port=0)
        stop = threading.Event()
        thread = threading.Thread(target=run_until, args=(server, stop), daemon=True)
        thread.start()
        try:
            driver = SlackDriver(f"http://127.0.0.1:{server.effective_port}/slack/events", secret, standin)
            circle = Circle(driver, standin, services)
            form_group(circle)
            kick_off(circle)
            opened = render(circle.step_message(1) or {})  # before the session moves on and closes it
            play(circle)
            follow_up(circle)
            print_channel(standin, circle, out)
            out.write(
                "\nWhen Presentation opened (Tuesday 10:00 in Paris, 04:00 in Montreal where Bob works), its "
                "message read — Bob named, not notified, until his day starts:\n" + _indent(opened, 2) + "\n"
            )
            print_dm(standin, BOB, out)
            print_dm(standin, ALICE, out, last=1)  # the facilitator's DM after the session: the debrief
            out.write(
                "\n" + "=" * 72 + "\nThe group and its session ran against codev's built-in Slack stand-in. "
                "Set SLACK_BOT_TOKEN (see README) to run codev in your workspace.\n"
            )
        finally:
            stop.set()
            thread.join(timeout=10)
            services.shut_down()
            db.dispose()
            standin.stop()
    return 0


def form_group(circle: Circle) -> None:
    """Alice sets up the group: six peers, every other Tuesday at 10:00 Paris time; everyone accepts the charter."""
    circle.slack.command(ALICE, "group")
    view = circle.modal(ALICE, "group")
    circle.slack.submit(
        ALICE,
        view["id"],
        {
            "name": "Tuesday circle",
            "members": [BOB, ALICE, CAROL, DAVE, ERIN, FRANK],
            "cadence": "2",
            "cadence_first": KICKOFF.date().isoformat(),
            "cadence_time": "10:00",
            "cadence_tz": "Europe/Paris",
            # An async group: its timeboxes count working time in Paris, nobody is pinged outside their hours.
            "pace": "async",
            "work_tz": "Europe/Paris",
            "work_days": "mon-fri",
            "work_hours": "09:00-17:00",
            "holidays": "2026-12-25",
        },
    )
    group = eventually(lambda: circle.services.groups.of_channel(circle.standin.team_id, circle.channel))
    for member in group.members:
        dm = circle.standin.dm_channel(member)
        eventually(partial(circle.standin.messages, dm))
        circle.slack.click(member, ids.CHARTER_ACCEPT, channel_id=dm)
    eventually(lambda: not circle.services.groups.of_channel(circle.standin.team_id, circle.channel).not_accepted)


def _kickoff_shows(circle: Circle, topic: str) -> bool:
    return topic in str(circle.messages()[0]["blocks"])


def kick_off(circle: Circle) -> None:
    """Tuesday 10:00: who brings a challenge? Bob and Carol volunteer; Alice picks Bob and starts."""
    _at(circle, KICKOFF)
    eventually(lambda: circle.messages())
    for person, topic in ((BOB, TOPIC), (CAROL, "Saying no to my director without losing her trust")):
        circle.slack.click(person, ids.KICKOFF_VOLUNTEER, channel_id=circle.channel, typed={ids.KICKOFF_TOPIC: topic})
        eventually(partial(_kickoff_shows, circle, topic))
    kickoff_id = circle.messages()[0]["blocks"][-1]["elements"][0]["value"]
    circle.slack.click(ALICE, ids.KICKOFF_PICK, channel_id=circle.channel, value=f"{kickoff_id}:{BOB}")
    eventually(lambda: "picked" in str(circle.messages()[0]["blocks"]))
    circle.slack.click(ALICE, ids.KICKOFF_START, channel_id=circle.channel)
    circle.slack.submit(ALICE, circle.modal(ALICE, "start_session")["id"], {})
    eventually(lambda: circle.step_message(1))


def follow_up(circle: Circle) -> None:
    """A week later, on the action's due date and in Bob's working hours: how did it go?"""
    _at(circle, FOLLOW_UP)
    dm = circle.standin.dm_channel(BOB)
    asked = eventually(lambda: [m for m in circle.standin.messages(dm) if m["text"].startswith("How did")])[0]
    circle.slack.click(BOB, ids.FOLLOW_UP_DONE, channel_id=dm, message_ts=asked["ts"])
    circle.slack.submit(
        BOB,
        circle.modal(BOB, ids.FOLLOW_UP_VIEW)["id"],
        {"note": "Carol-from-ops said yes; the team knows.", "share": ["share"]},
    )
    eventually(lambda: "Noted" in circle.standin.message(dm, asked["ts"])["text"])


def _at(circle: Circle, moment: datetime) -> None:
    circle.services.clock.set(moment)
    circle.tick()


def play(circle: Circle) -> None:
    """The group's session: the facilitator clicks, the client writes, consultants reply."""
    for step in range(1, 7):
        for person, text in SCRIPT.get(step, []):
            circle.reply(person, step, text)
        if step == 3:
            circle.click(BOB, ids.CONTRACT_OPEN, step=3)
            circle.slack.submit(
                BOB,
                circle.modal(BOB, "contract")["id"],
                {
                    "problem": "Less my leave than a team used to waiting for my decisions.",
                    "need": "A handover plan that lets the team decide without me.",
                    "expectations": "Your experiences of leaves, and a challenge to my fears.",
                },
            )
            eventually(lambda: circle.thread(3))
        if step == 5:
            circle.click(BOB, ids.SYNTHESIS_OPEN, step=5)
            view = circle.modal(BOB, "synthesis")
            options = view["blocks"][0]["element"]["options"]
            circle.slack.submit(
                BOB,
                view["id"],
                {
                    "kept": [options[1]["value"], options[3]["value"]],
                    "keep": "The fear may be mine more than the team's.",
                    "action_1": "Name Carol-from-ops as my deputy",
                    "due_1": FOLLOW_UP_DAY,
                    "action_2": "Write the list of decisions the deputy can make",
                    "action_3": "Tell my stakeholders who to call",
                    "got": "partly",
                    "got_note": "Plenty for the handover; my fear of letting go is still mine to work on.",
                },
            )
            eventually(lambda: circle.thread(5))
        circle.click(ALICE, ids.NEXT, step=step)
        if step < 6:
            eventually(partial(circle.step_message, step + 1))
    # The session ended at 10:00 in Paris, 04:00 in Montreal: Bob's summary waits for his morning.
    _at(circle, BOB_MORNING)
    dm = circle.standin.dm_channel(BOB)
    eventually(lambda: ids.SUMMARY_POST in str(circle.standin.messages(dm)))
    circle.slack.click(BOB, ids.SUMMARY_POST, channel_id=dm)
    root_ts = circle.services.sessions.get(circle.standin.team_id, 1).root_ts
    eventually(lambda: circle.standin.thread(circle.channel, root_ts))
    # Once it is posted, each participant gets its link and a journal prompt; Alice, who facilitated, a debrief.
    for person in (BOB, ALICE):
        eventually(partial(_told_after_session, circle, person))


def _told_after_session(circle: Circle, user_id: str) -> bool:
    return "take away" in str(circle.standin.messages(circle.standin.dm_channel(user_id)))


# ---- printing the channel as people read it -----------------------------------------------------------
NAMES = {user_id: name for user_id, name, _tz in PEOPLE}


def readable(text: str) -> str:
    text = re.sub(r"<@(\w+)>", lambda m: "@" + NAMES.get(m.group(1), m.group(1)), text)
    text = re.sub(r"<#(\w+)>", "#codev-circle", text)
    text = re.sub(r"<(https?://[^|>]+)\|([^>]+)>", r"\2 (\1)", text)
    text = re.sub(r"<!date\^\d+\^[^|]*\|([^>]*)>", r"\1", text)
    text = re.sub(r"\*([^*\n]+)\*", r"\1", text)
    text = re.sub(r"(?<!\w)_([^_\n]+)_(?!\w)", r"\1", text)
    text = re.sub(r"~([^~\n]+)~", r"\1", text)
    return re.sub(r":[a-z_]+: ?", "", text)


def render(message: dict[str, Any]) -> str:
    lines = []
    for block in message.get("blocks") or []:
        kind = block.get("type")
        if kind == "header":
            lines.append(block["text"]["text"].upper())
        elif kind == "section":
            lines.append(block["text"]["text"])
        elif kind == "context":
            lines.append(" ".join(e.get("text", "") for e in block["elements"]))
        elif kind == "actions":
            lines.append("  ".join(_element(e) for e in block["elements"]))
        elif kind == "input":
            lines.append(f"{block['label']['text']}: [________]")
        if kind == "section" and (block.get("accessory") or {}).get("type") == "button":
            lines[-1] += f"  [{block['accessory']['text']['text']}]"
    return readable("\n".join(lines) if lines else message.get("text", ""))


def _element(element: dict[str, Any]) -> str:
    """A button as [Label]; a menu as [Label ▾] with its options (the Facilitator menu)."""
    if element.get("type") == "static_select":
        options = " · ".join(o["text"]["text"] for o in element.get("options", []))
        return f"[{element['placeholder']['text']} ▾: {options}]"
    return f"[{element['text']['text']}]"


def print_channel(standin: SlackStandIn, circle: Circle, out: TextIO) -> None:
    author = {**NAMES, "U0CODEVBOT": "codev"}
    out.write("#codev-circle\n" + "=" * 72 + "\n")
    for message in circle.messages():
        out.write(f"\n{author.get(message['user'], message['user'])}:\n{_indent(render(message), 2)}\n")
        for reply in standin.thread(circle.channel, message["ts"]):
            out.write(f"    └ {author.get(reply['user'], reply['user'])}: {_indent(render(reply), 6).lstrip()}\n")
            for note in standin.ephemerals:
                if (
                    note["thread_ts"] == message["ts"]
                    and note["message_ts"] > reply["ts"]
                    and note["user"] == reply["user"]
                    and note.get("_shown") is None
                ):
                    note["_shown"] = True
                    out.write(f"      (only {author.get(note['user'])} sees) codev: {readable(note['text'])}\n")


def print_dm(standin: SlackStandIn, user_id: str, out: TextIO, last: int | None = None) -> None:
    """What codev told one person privately, in their DM with the bot (`last`: only the latest few)."""
    out.write(f"\n@{NAMES[user_id]}'s direct messages with codev (only they see these)\n" + "-" * 72 + "\n")
    messages = standin.messages(standin.dm_channel(user_id))
    for message in messages[-last:] if last else messages:
        out.write(f"\ncodev:\n{_indent(render(message), 2)}\n")


def _indent(text: str, width: int) -> str:
    return "\n".join(" " * width + line for line in text.splitlines())
