"""`codev demo`: a whole session against the built-in Slack stand-in, printed as a person would read it."""

from __future__ import annotations

import re
import secrets
import tempfile
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from bot.app import build_services, create_app
from bot.config import Settings
from bot.sandbox.circle import ALICE, BOB, CAROL, DAVE, ERIN, FRANK, PEOPLE, Circle, eventually, populate
from bot.sandbox.driver import SlackDriver
from bot.sandbox.standin import SlackStandIn
from bot.server import make_http_server, make_wsgi_app, run_until
from bot.slack import ids
from bot.storage.db import Database

TOPIC = "Handing over my team before a three-month leave"
SCRIPT: dict[int, list[tuple[str, str]]] = {
    1: [(BOB, "I lead a team of six. I leave in March for three months and nobody is named to replace me. "
              "I am afraid decisions will stall, or that I will be called every day.")],
    2: [(CAROL, "Who decides today when you are away for a day or two?"),
        (DAVE, "How does the team feel about your leave?"),
        (ERIN, "Have you tried asking your manager for an interim?"),
        (FRANK, "What would a good return look like for you?")],
    4: [(CAROL, "One hypothesis: the team is more ready than you think; the fear may be yours."),
        (DAVE, "Name a deputy and write down which decisions they can make without you."),
        (ERIN, "In my team we used a weekly async check-in during a leave. It kept me out of the daily noise."),
        (FRANK, "Tell your stakeholders now who to call, so they do not call you.")],
    6: [(BOB, "I wait too long to delegate. #delegation"),
        (CAROL, "Asking 'who decides today' reveals a lot. #questions"),
        (DAVE, "Writing decision rights down is useful beyond leaves."),
        (ERIN, "I gave advice in Clarification again; noted for next time. #listening"),
        (FRANK, "A good return is part of a good departure.")],
}


def run_demo(settings: Settings, out: TextIO) -> int:
    """Start the stand-in and the real app on loopback, play a session, print the channel."""
    standin = SlackStandIn().start()
    populate(standin)
    with tempfile.TemporaryDirectory(prefix="codev-demo-") as workdir:
        secret = secrets.token_hex(16)
        demo_settings = replace(settings, slack_bot_token="xoxb-demo", slack_signing_secret=secret,
                                slack_app_token=None, slack_api_url=standin.api_url,
                                database_url=f"sqlite:///{Path(workdir) / 'demo.db'}")
        db = Database(demo_settings.database_url)
        db.upgrade()
        services = build_services(demo_settings, db=db)
        app = create_app(services)
        server = make_http_server(make_wsgi_app(app, db, secret), host="127.0.0.1", port=0)
        stop = threading.Event()
        thread = threading.Thread(target=run_until, args=(server, stop), daemon=True)
        thread.start()
        try:
            driver = SlackDriver(f"http://127.0.0.1:{server.effective_port}/slack/events", secret, standin)
            play(Circle(driver, standin, services))
            print_channel(standin, Circle(driver, standin, services), out)
        finally:
            stop.set()
            thread.join(timeout=10)
            services.shut_down()
            db.dispose()
            standin.stop()
    return 0


def play(circle: Circle) -> None:
    """The group's session: the facilitator clicks, the client writes, consultants reply."""
    circle.start(TOPIC)
    for step in range(1, 7):
        for person, text in SCRIPT.get(step, []):
            circle.reply(person, step, text)
        if step == 3:
            circle.click(BOB, ids.CONTRACT_OPEN, step=3)
            circle.slack.submit(BOB, circle.modal(BOB, "contract")["id"], {
                "need": "A handover plan that lets the team decide without me.",
                "expectations": "Your experiences of leaves, and a challenge to my fears."})
            eventually(lambda: circle.thread(3))
        if step == 5:
            circle.click(BOB, ids.SYNTHESIS_OPEN, step=5)
            view = circle.modal(BOB, "synthesis")
            options = view["blocks"][0]["element"]["options"]
            circle.slack.submit(BOB, view["id"], {
                "kept": [options[1]["value"], options[3]["value"]],
                "keep": "The fear may be mine more than the team's.",
                "action_1": "Name Carol-from-ops as my deputy", "due_1": None,
                "action_2": "Write the list of decisions the deputy can make",
                "action_3": "Tell my stakeholders who to call"})
            eventually(lambda: circle.thread(5))
        circle.click(ALICE, ids.NEXT, step=step)
        if step < 6:
            eventually(lambda s=step: circle.step_message(s + 1))
    dm = circle.standin.dm_channel(BOB)
    eventually(lambda: circle.standin.messages(dm))
    circle.slack.click(BOB, ids.SUMMARY_POST, channel_id=dm)
    eventually(lambda: circle.standin.thread(circle.channel, circle.root()["ts"]))


# ---- printing the channel as people read it -----------------------------------------------------------
NAMES = {user_id: name for user_id, name, _tz in PEOPLE}


def readable(text: str) -> str:
    text = re.sub(r"<@(\w+)>", lambda m: "@" + NAMES.get(m.group(1), m.group(1)), text)
    text = re.sub(r"<#(\w+)>", "#codev-circle", text)
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
            lines.append("  ".join(f"[{e['text']['text']}]" for e in block["elements"]))
    return readable("\n".join(lines) if lines else message.get("text", ""))


def print_channel(standin: SlackStandIn, circle: Circle, out: TextIO) -> None:
    author = {**NAMES, "U0CODEVBOT": "codev"}
    out.write("#codev-circle\n" + "=" * 72 + "\n")
    for message in circle.messages():
        out.write(f"\n{author.get(message['user'], message['user'])}:\n{_indent(render(message), 2)}\n")
        for reply in standin.thread(circle.channel, message["ts"]):
            out.write(f"    └ {author.get(reply['user'], reply['user'])}: {_indent(render(reply), 6).lstrip()}\n")
            for note in standin.ephemerals:
                if note["thread_ts"] == message["ts"] and note["message_ts"] > reply["ts"] and \
                        note["user"] == reply["user"] and note.get("_shown") is None:
                    note["_shown"] = True
                    out.write(f"      (only {author.get(note['user'])} sees) codev: {readable(note['text'])}\n")
    out.write("\n" + "=" * 72 + "\nThe session ran against codev's built-in Slack stand-in. "
              "Set SLACK_BOT_TOKEN (see README) to run codev in your workspace.\n")


def _indent(text: str, width: int) -> str:
    return "\n".join(" " * width + line for line in text.splitlines())
