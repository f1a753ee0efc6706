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
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TextIO

from bot.app import build_services, create_app
from bot.clock import FakeClock
from bot.config import Settings
from bot.i18n import SOURCE_LANGUAGE, reading, supported, t
from bot.sandbox.circle import ALICE, BOB, CAROL, DAVE, ERIN, FRANK, PEOPLE, Circle, eventually, populate
from bot.sandbox.driver import SlackDriver
from bot.sandbox.standin import SlackStandIn
from bot.server import make_http_server, make_wsgi_app, run_until
from bot.slack import ids
from bot.slack.after import AFTER_MESSAGE
from bot.storage.db import Database
from bot.storage.models import Kickoff

START = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # a Monday, 15:00 in Paris, 09:00 in Montreal: all at work
KICKOFF = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # Tuesday 10:00 in Paris
BOB_MORNING = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # 09:00 in Montreal
FOLLOW_UP_DAY = "2026-12-08"
FOLLOW_UP = datetime(2026, 12, 8, 15, 0, tzinfo=UTC)  # 10:00 in Montreal, where Bob works


@dataclass(frozen=True)
class Lines:
    """What the demo's people write, in their language: codev's own words come from its catalogues."""

    group: str
    topic: str
    other_topic: str
    script: dict[int, list[tuple[str, str]]]
    contract: dict[str, str]
    synthesis: dict[str, str]
    follow_up_note: str


ENGLISH = Lines(
    group="Tuesday circle",
    topic="Handing over my team before a three-month leave",
    other_topic="Saying no to my director without losing her trust",
    script={
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
    },
    contract={
        "problem": "Less my leave than a team used to waiting for my decisions.",
        "need": "A handover plan that lets the team decide without me.",
        "expectations": "Your experiences of leaves, and a challenge to my fears.",
    },
    synthesis={
        "keep": "The fear may be mine more than the team's.",
        "action_1": "Name Carol-from-ops as my deputy",
        "action_2": "Write the list of decisions the deputy can make",
        "action_3": "Tell my stakeholders who to call",
        "got_note": "Plenty for the handover; my fear of letting go is still mine to work on.",
    },
    follow_up_note="Carol-from-ops said yes; the team knows.",
)

FRENCH = Lines(
    group="Cercle du mardi",
    topic="Passer la main à mon équipe avant trois mois de congé",
    other_topic="Dire non à ma directrice sans perdre sa confiance",
    script={
        1: [
            (
                BOB,
                "J'encadre une équipe de six. Je pars en mars pour trois mois et personne n'est nommé pour me "
                "remplacer. J'ai peur que tout se bloque, ou qu'on m'appelle tous les jours.",
            )
        ],
        2: [
            (CAROL, "Qui décide aujourd'hui quand tu es absent un jour ou deux ?"),
            (DAVE, "Comment l'équipe vit-elle ton départ ?"),
            (ERIN, "As-tu pensé à demander un intérim à ton manager ?"),
            (FRANK, "À quoi ressemblerait un bon retour pour toi ?"),
        ],
        4: [
            (CAROL, "Une hypothèse : l'équipe est plus prête que tu ne le penses ; la peur est peut-être la tienne."),
            (DAVE, "Nomme un adjoint et écris les décisions qu'il peut prendre sans toi."),
            (ERIN, "Dans mon équipe, un point asynchrone par semaine pendant un congé m'a tenu loin du quotidien."),
            (FRANK, "Dis dès maintenant à tes interlocuteurs qui appeler, pour qu'ils ne t'appellent pas."),
        ],
        6: [
            (BOB, "J'attends trop longtemps pour déléguer. #délégation"),
            (CAROL, "Demander « qui décide aujourd'hui » en dit long. #questions"),
            (DAVE, "Écrire qui décide quoi sert bien au-delà des congés."),
            (ERIN, "J'ai encore donné un conseil en clarification ; noté pour la prochaine fois. #écoute"),
            (FRANK, "Un bon retour fait partie d'un bon départ."),
        ],
    },
    contract={
        "problem": "Moins mon congé qu'une équipe habituée à attendre mes décisions.",
        "need": "Un plan de passation qui laisse l'équipe décider sans moi.",
        "expectations": "Vos expériences de congés, et un regard critique sur mes peurs.",
    },
    synthesis={
        "keep": "La peur est peut-être plus la mienne que celle de l'équipe.",
        "action_1": "Nommer Carole des ops comme adjointe",
        "action_2": "Écrire la liste des décisions que l'adjointe peut prendre",
        "action_3": "Dire à mes interlocuteurs qui appeler",
        "got_note": "Beaucoup pour la passation ; ma peur de lâcher prise reste à travailler.",
    },
    follow_up_note="Carole des ops a dit oui ; l'équipe le sait.",
)

LINES = {"en": ENGLISH, "fr": FRENCH}
TOPIC = ENGLISH.topic
SCRIPT = ENGLISH.script


def lines_in(language: str) -> Lines:
    """The people's lines in `language` (English when the demo has none in it)."""
    return LINES.get(language, ENGLISH)


def slack_locale(language: str) -> str:
    """The Slack locale the demo's people have for a language codev speaks: 'en-US', 'fr-FR'."""
    return {"en": "en-US"}.get(language, f"{language}-{language.upper()}")


def run_demo(settings: Settings, out: TextIO, language: str = SOURCE_LANGUAGE) -> int:
    """Start the stand-in and the real app on loopback, play a session, print the channel. The people's Slack
    speaks `language` (a language codev speaks): codev talks to them in it, and the demo is printed in it."""
    language = supported(language)
    lines = lines_in(language)
    standin = SlackStandIn().start()
    populate(standin)
    for user_id, _name, _tz in PEOPLE:
        standin.users[user_id].locale = slack_locale(language)
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
        server = make_http_server(make_wsgi_app(app, services, secret), host="127.0.0.1", port=0)
        stop = threading.Event()
        thread = threading.Thread(target=run_until, args=(server, stop), daemon=True)
        thread.start()
        try:
            driver = SlackDriver(f"http://127.0.0.1:{server.effective_port}/slack/events", secret, standin)
            circle = Circle(driver, standin, services)
            form_group(circle, lines)
            kick_off(circle, lines)
            opened = render(circle.step_message(1) or {})  # before the session moves on and closes it
            play(circle, lines=lines)
            follow_up(circle, lines)
            with reading(language):  # the demo's own narration, in the people's language
                print_channel(standin, circle, out)
                out.write("\n" + t("demo_opened") + "\n" + _indent(opened, 2) + "\n")
                print_dm(standin, BOB, out)
                print_dm(standin, ALICE, out, last=1)  # the facilitator's DM after the session: the debrief
                out.write("\n" + "=" * 72 + "\n" + t("demo_end") + "\n")
        finally:
            stop.set()
            thread.join(timeout=10)
            services.shut_down()
            db.dispose()
            standin.stop()
    return 0


def form_group(circle: Circle, lines: Lines = ENGLISH) -> None:
    """Alice sets up the group: six peers, every other Tuesday at 10:00 Paris time; everyone accepts the charter."""
    circle.slack.command(ALICE, "group")
    view = circle.modal(ALICE, "group")
    circle.slack.submit(
        ALICE,
        view["id"],
        {
            "name": lines.group,
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


def kick_off(circle: Circle, lines: Lines = ENGLISH) -> None:
    """Tuesday 10:00: who brings a challenge? Bob and Carol volunteer; Alice picks Bob and starts."""
    _at(circle, KICKOFF)
    eventually(lambda: circle.messages())
    for person, topic in ((BOB, lines.topic), (CAROL, lines.other_topic)):
        circle.slack.click(person, ids.KICKOFF_VOLUNTEER, channel_id=circle.channel, typed={ids.KICKOFF_TOPIC: topic})
        eventually(partial(_kickoff_shows, circle, topic))
    kickoff_id = circle.messages()[0]["blocks"][-1]["elements"][0]["value"]
    circle.slack.click(ALICE, ids.KICKOFF_PICK, channel_id=circle.channel, value=f"{kickoff_id}:{BOB}")
    eventually(partial(_picked, circle, int(kickoff_id)))
    circle.slack.click(ALICE, ids.KICKOFF_START, channel_id=circle.channel)
    circle.slack.submit(ALICE, circle.modal(ALICE, "start_session")["id"], {})
    eventually(lambda: circle.step_message(1))


def _picked(circle: Circle, kickoff_id: int) -> bool:
    with circle.services.db.read() as session:
        kickoff = session.get(Kickoff, kickoff_id)
    return kickoff is not None and kickoff.picked_id is not None and kickoff.message_ts is not None


def follow_up(circle: Circle, lines: Lines = ENGLISH) -> None:
    """A week later, on the action's due date and in Bob's working hours: how did it go?"""
    _at(circle, FOLLOW_UP)
    dm = circle.standin.dm_channel(BOB)
    asked = eventually(partial(_asked, circle, dm))[0]
    circle.slack.click(BOB, ids.FOLLOW_UP_DONE, channel_id=dm, message_ts=asked["ts"])
    circle.slack.submit(
        BOB, circle.modal(BOB, ids.FOLLOW_UP_VIEW)["id"], {"note": lines.follow_up_note, "share": ["share"]}
    )
    eventually(lambda: ids.FOLLOW_UP_DONE not in str(circle.standin.message(dm, asked["ts"])["blocks"]))


def _asked(circle: Circle, dm: str) -> list[dict[str, Any]]:
    """The follow-up questions in a DM: the messages with the follow-up's buttons."""
    return [m for m in circle.standin.messages(dm) if ids.FOLLOW_UP_DONE in str(m.get("blocks"))]


def _at(circle: Circle, moment: datetime) -> None:
    circle.services.clock.set(moment)
    circle.tick()


def play(
    circle: Circle,
    *,
    session_id: int = 1,
    morning: datetime = BOB_MORNING,
    due: str = FOLLOW_UP_DAY,
    lines: Lines = ENGLISH,
) -> None:
    """The group's session: the facilitator clicks, the client writes, consultants reply; Bob posts its summary
    in his `morning`. Another session of the same group (a benchmark's second) passes its id, morning and due day."""
    for step in range(1, 7):
        for person, text in lines.script.get(step, []):
            circle.reply(person, step, text)
        if step == 3:
            circle.click(BOB, ids.CONTRACT_OPEN, step=3)
            circle.slack.submit(BOB, circle.modal(BOB, "contract")["id"], lines.contract)
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
                    **lines.synthesis,
                    "due_1": due,
                    "got": "partly",
                },
            )
            eventually(lambda: circle.thread(5))
        circle.click(ALICE, ids.NEXT, step=step)
        if step < 6:
            eventually(partial(circle.step_message, step + 1))
    # The session ended at 10:00 in Paris, 04:00 in Montreal: Bob's summary waits for his morning.
    _at(circle, morning)
    dm = circle.standin.dm_channel(BOB)
    eventually(lambda: ids.SUMMARY_POST in str(circle.standin.messages(dm)))
    circle.slack.click(BOB, ids.SUMMARY_POST, channel_id=dm)
    root_ts = circle.services.sessions.get(circle.standin.team_id, session_id).root_ts
    eventually(lambda: circle.standin.thread(circle.channel, root_ts))
    # Once it is posted, each participant gets its link and a journal prompt; Alice, who facilitated, a debrief.
    for person in (BOB, ALICE):
        eventually(partial(_told_after_session, circle, person))


def _told_after_session(circle: Circle, user_id: str) -> bool:
    """The DM after the session has come: its metadata says so (whatever language it reads in)."""
    return any(
        (m.get("metadata") or {}).get("event_type") == AFTER_MESSAGE
        for m in circle.standin.messages(circle.standin.dm_channel(user_id))
    )


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
                    only = t("demo_only_sees", name=author.get(note["user"]))
                    out.write(f"      {only} codev: {readable(note['text'])}\n")


def print_dm(standin: SlackStandIn, user_id: str, out: TextIO, last: int | None = None) -> None:
    """What codev told one person privately, in their DM with the bot (`last`: only the latest few)."""
    out.write("\n" + t("demo_dms", name=NAMES[user_id]) + "\n" + "-" * 72 + "\n")
    messages = standin.messages(standin.dm_channel(user_id))
    for message in messages[-last:] if last else messages:
        out.write(f"\ncodev:\n{_indent(render(message), 2)}\n")


def _indent(text: str, width: int) -> str:
    return "\n".join(" " * width + line for line in text.splitlines())
