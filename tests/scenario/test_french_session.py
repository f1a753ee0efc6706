"""The proof of issue 15: a group whose people all read French in Slack runs a whole session — the group and its
charter, the kick-off, the six steps with coaching, timekeeping and the facilitator's controls, the contract and
the synthesis, the summary edited and posted, the after-session DMs, the debrief and the evaluation, the journal,
App Home and a follow-up on an action's due date — and nothing codev sends them carries an English catalogue
text. A mixed group reads French in its channel while its one English reader gets their DMs and Home in English.
With French's longer words, Slack's limits still hold (modal titles, button texts)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlmodel import select

from bot.domain.timers import EventKind, EventState
from bot.domain.workcal import parse_calendar
from bot.i18n import reading, t
from bot.slack import ids
from bot.slack.blocks.after import DEBRIEF_OPEN, DEBRIEF_VIEW, EVALUATION_OPEN, EVALUATION_VIEW
from bot.storage.models import (
    ActionItem,
    EvaluationResponse,
    JournalEntry,
    Kickoff,
    KickoffVolunteer,
    TimedEvent,
)
from tests.conftest import ALICE, BOB, CAROL, DAVE, ERIN, FRANK, Group, eventually
from tests.support.english import RecordingDriver, Sent, english_in, found_in, sent_by_codev, strings
from tests.support.settle import settle

EVERYONE = [ALICE, BOB, CAROL, DAVE, ERIN, FRANK]
MONDAY = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # 15:00 in Paris, 09:00 in Montreal: all at work
KICKOFF = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # Tuesday 10:00 in Paris
BOB_AFTERNOON = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # 10:00 in Montreal, 16:00 in Paris
FOLLOW_UP_DAY = "2026-12-08"
FOLLOW_UP = datetime(2026, 12, 8, 15, 0, tzinfo=UTC)  # 10:00 in Montreal, where Bob works
TOPIC = "Confier mon équipe avant trois mois de congé"  # no catalogue words: they would read as codev's

TITLE_LIMIT = 24  # a modal's title, submit and close texts (Slack's views reference)
BUTTON_LIMIT = 75  # a button's text (Slack's block elements reference)


# ---- helpers -------------------------------------------------------------------------------------------------
def recording(group: Group) -> RecordingDriver:
    driver = RecordingDriver(group.slack)
    group.slack = driver
    return driver


def at(group: Group, moment: datetime) -> None:
    group.services.clock.set(moment)
    group.tick()


def dm(group: Group, user_id: str) -> str:
    return group.standin.dm_channel(user_id)


def dms(group: Group, user_id: str) -> list[dict[str, Any]]:
    return group.standin.messages(dm(group, user_id))


def dms_with(group: Group, user_id: str, action_id: str) -> list[dict[str, Any]]:
    return [m for m in dms(group, user_id) if action_id in str(m.get("blocks"))]


def new_view(group: Group, user_id: str, callback_id: str, before: set[str]) -> dict[str, Any]:
    return eventually(
        lambda: [
            v for v in group.standin.views_for(user_id) if v["callback_id"] == callback_id and v["id"] not in before
        ]
    )[-1]


def views_of(group: Group, user_id: str) -> set[str]:
    return {v["id"] for v in group.standin.views_for(user_id)}


def session_of(group: Group) -> Any:
    return group.services.sessions.get(group.standin.team_id, 1)


def rows(group: Group, model: Any, *where: Any) -> list[Any]:
    with group.services.db.read() as session:
        return list(session.exec(select(model).where(*where)).all())


def pending(group: Group, kind: EventKind, user_id: str, *, step: int) -> datetime | None:
    """When codev means to tell this person something about a step (None: nothing pending)."""
    due = [
        e.due_at
        for e in rows(group, TimedEvent, TimedEvent.session_id == 1, TimedEvent.step == step)
        if e.kind == kind.value and e.user_id == user_id and e.state == EventState.PENDING.value
    ]
    return min(due) if due else None


def next_step(group: Group, step: int) -> None:
    group.click(ALICE, ids.NEXT, step=step)
    eventually(lambda: group.current_step() == step + 1 and group.step_message(step + 1))


def form_group(group: Group, **values: Any) -> Any:
    """Alice creates the group in its modal, every other Tuesday at 10:00 in Paris; everyone accepts the charter."""
    group.slack.command(ALICE, "group")
    view = group.modal(ALICE, ids.GROUP_VIEW)
    eventually(lambda: _initial(group.standin.views[view["id"]], "work_tz"))  # Alice's zone, looked up
    reply = group.slack.submit(
        ALICE,
        view["id"],
        {
            "name": "Cercle du mardi",
            "members": EVERYONE,
            "cadence": "2",
            "cadence_first": KICKOFF.date().isoformat(),
            "cadence_time": "10:00",
            "cadence_tz": "Europe/Paris",
            "evaluation_every": "1",
            **values,
        },
    )
    assert reply.status == 200 and not reply.body, reply.body
    saved = eventually(lambda: group.services.groups.of_channel(group.standin.team_id, group.channel))
    for member in EVERYONE:
        charter = eventually(lambda m=member: dms_with(group, m, ids.CHARTER_ACCEPT))[-1]
        group.slack.click(member, ids.CHARTER_ACCEPT, channel_id=dm(group, member), message_ts=charter["ts"])
    eventually(lambda: not group.services.groups.of_channel(group.standin.team_id, group.channel).not_accepted)
    return saved


def _initial(view: dict[str, Any], action_id: str) -> Any:
    for block in view["blocks"]:
        element = block.get("element") or {}
        if element.get("action_id") == action_id:
            return element.get("initial_value")
    return None


def kick_off(group: Group) -> str:
    """Tuesday 10:00: Bob and Carol volunteer, whoever facilitates by rotation picks Bob and starts. Returns the
    facilitator."""
    at(group, KICKOFF)
    kickoff = eventually(lambda: rows(group, Kickoff))[0]
    eventually(lambda: rows(group, Kickoff)[0].message_ts)
    group.slack.click(CAROL, ids.KICKOFF_VOLUNTEER, channel_id=group.channel)  # nothing typed: told kindly
    for person, topic in ((BOB, TOPIC), (CAROL, "Dire non à ma directrice sans perdre sa confiance")):
        group.slack.click(person, ids.KICKOFF_VOLUNTEER, channel_id=group.channel, typed={ids.KICKOFF_TOPIC: topic})
        eventually(lambda p=person: rows(group, KickoffVolunteer, KickoffVolunteer.user_id == p))
    facilitator = kickoff.facilitator_id
    before = views_of(group, facilitator)
    group.slack.click(facilitator, ids.KICKOFF_PICK, channel_id=group.channel, value=f"{kickoff.id}:{BOB}")
    eventually(lambda: rows(group, Kickoff)[0].picked_id == BOB)
    # The pick is stored before the kick-off message shows its Start button (the update follows the answer).
    eventually(lambda: any(ids.KICKOFF_START in str(m.get("blocks")) for m in group.standin.messages(group.channel)))
    group.slack.click(facilitator, ids.KICKOFF_START, channel_id=group.channel)
    view = new_view(group, facilitator, ids.START_VIEW, before)
    # Alice facilitates this one (the rotation proposed someone else): the consultants are the others.
    consultants = [p for p in EVERYONE if p not in (ALICE, BOB)]
    reply = group.slack.submit(facilitator, view["id"], {"facilitator": ALICE, "consultants": consultants})
    assert reply.status == 200 and not reply.body, reply.body
    eventually(lambda: group.step_message(1))
    return facilitator


def run_the_session(group: Group, pace: str) -> None:
    """The six steps, as a group goes through them, with a little of everything codev says on the way."""
    group.reply(BOB, 1, "J'encadre une équipe de six. Je pars trois mois en mars et personne ne me remplace.")
    group.click(CAROL, ids.DONE, step=1)
    next_step(group, 1)

    group.reply(CAROL, 2, "Qui décide aujourd'hui quand tu es absent un jour ou deux ?")
    group.reply(DAVE, 2, "As-tu pensé à en parler à ton manager ?")  # advice disguised as a question: a hint
    eventually(lambda: group.standin.ephemerals_for(DAVE))
    group.reply(ERIN, 2, "Depuis quand est-ce que ça dure ? Et qui d'autre est au courant ?")  # two at once
    eventually(lambda: group.standin.ephemerals_for(ERIN))
    version = session_of(group).version
    group.click(ALICE, ids.EXTEND, step=2)
    eventually(lambda: session_of(group).version > version)
    group.click(ALICE, ids.PAUSE, step=2)
    eventually(lambda: session_of(group).status.value == "paused")
    group.click(ALICE, ids.RESUME, step=2)
    eventually(lambda: session_of(group).status.value == "running")
    group.slack.command(FRANK, "status")
    for control, view in ((ids.HANDOVER, ids.HANDOVER_VIEW), (ids.EDIT, ids.EDIT_VIEW)):  # opened, then closed
        before = views_of(group, ALICE)
        group.click(ALICE, control, step=2)
        new_view(group, ALICE, view, before)
    if pace == "async":  # halfway through, Frank (silent so far) is nudged privately
        nudge = eventually(lambda: pending(group, EventKind.NUDGE, FRANK, step=2))
        told = len(dms(group, FRANK))
        at(group, nudge)
        eventually(lambda: len(dms(group, FRANK)) > told)
    next_step(group, 2)

    before = views_of(group, BOB)
    group.click(BOB, ids.CONTRACT_OPEN, step=3)
    contract = new_view(group, BOB, ids.CONTRACT_VIEW, before)
    reply = group.slack.submit(
        BOB,
        contract["id"],
        {
            "problem": "Moins mon congé qu'une équipe habituée à attendre mes décisions.",
            "need": "Un plan de passation qui laisse l'équipe décider sans moi.",
            "expectations": "Vos expériences de congés, et un regard sur mes peurs.",
        },
    )
    assert reply.status == 200 and not reply.body, reply.body
    eventually(lambda: group.thread(3))
    next_step(group, 3)

    group.reply(CAROL, 4, "Une hypothèse : l'équipe est plus prête que tu ne le penses.")
    group.reply(DAVE, 4, "Nomme un adjoint et écris les décisions qu'il peut prendre sans toi.")
    said = group.reply(BOB, 4, "En fait j'ai déjà essayé un adjoint une fois.")  # the client, off-role: a hint
    group.slack.shortcut_on_message(CAROL, ids.JOURNAL_SHORTCUT, group.channel, said)  # Carol keeps his words
    group.click(ERIN, ids.DONE, step=4)
    if pace == "live":  # the timebox runs out: the thread and the facilitator are told
        at(group, session_of(group).timebox().deadline)
        settle(group.services)
    next_step(group, 4)

    before = views_of(group, BOB)
    group.click(BOB, ids.SYNTHESIS_OPEN, step=5)
    synthesis = new_view(group, BOB, ids.SYNTHESIS_VIEW, before)
    options = synthesis["blocks"][0]["element"]["options"]
    reply = group.slack.submit(
        BOB, synthesis["id"], {"keep": "La peur est peut-être la mienne.", "got_note": "Un peu."}
    )
    assert reply.status == 200 and reply.json()["response_action"] == "errors", "an unanswered question is said"
    reply = group.slack.submit(
        BOB,
        synthesis["id"],
        {
            "kept": [options[0]["value"], options[1]["value"]],
            "keep": "La peur est peut-être plus la mienne que celle de l'équipe.",
            "action_1": "Nommer Carole des ops comme adjointe",
            "due_1": FOLLOW_UP_DAY,
            "action_2": "Écrire la liste des décisions de l'adjointe",
            "got": "partly",
            "got_note": "Beaucoup pour la passation ; ma peur de lâcher prise reste à travailler.",
        },
    )
    assert reply.status == 200 and not reply.body, reply.body
    eventually(lambda: len(session_of(group).actions) == 2)
    next_step(group, 5)

    for person, text in (
        (BOB, "J'attends trop longtemps pour déléguer. #délégation"),
        (CAROL, "Demander « qui décide aujourd'hui » en dit long. #questions"),
    ):
        group.reply(person, 6, text)
    group.click(DAVE, ids.DONE, step=6)
    group.click(ALICE, ids.END, step=6)
    eventually(lambda: session_of(group).ended_at)


def summary_edited_and_posted(group: Group) -> None:
    """Bob reads the proposed summary in his DM, edits it in its modal and saves it, which posts it."""
    eventually(lambda: session_of(group).summary_state == "proposed")
    proposed = eventually(lambda: dms_with(group, BOB, ids.SUMMARY_POST))[-1]
    before = views_of(group, BOB)
    group.slack.click(BOB, ids.SUMMARY_EDIT, channel_id=dm(group, BOB), message_ts=proposed["ts"])
    edit = new_view(group, BOB, ids.SUMMARY_EDIT_VIEW, before)
    edited = "La peur est la mienne, l'équipe est prête."
    reply = group.slack.submit(BOB, edit["id"], {"keep": edited})
    assert reply.status == 200 and not reply.body, reply.body
    eventually(lambda: session_of(group).summary_state == "posted")  # saving the edit posts it
    root = session_of(group).root_ts
    eventually(lambda: edited in str(group.standin.thread(group.channel, root)))
    # A second click on the button Bob still sees (his Slack had not refreshed): said to be posted already.
    old = group.slack.click_payload(
        BOB, ids.SUMMARY_POST, channel_id=dm(group, BOB), message_ts=proposed["ts"], value=str(session_of(group).id)
    )
    group.slack.post_payload(old)


def after_the_session(group: Group) -> None:
    """Each participant's DM once the summary is posted; Alice's debrief; everyone's evaluation."""
    eventually(lambda: dms_with(group, ALICE, DEBRIEF_OPEN))
    before = views_of(group, ALICE)
    group.slack.click(ALICE, DEBRIEF_OPEN, channel_id=dm(group, ALICE))
    debrief = new_view(group, ALICE, DEBRIEF_VIEW, before)
    assert group.slack.submit(ALICE, debrief["id"], {}).json()["response_action"] == "errors"
    reply = group.slack.submit(ALICE, debrief["id"], {"frame": "J'ai laissé passer un conseil en clarification."})
    assert reply.status == 200 and not reply.body, reply.body
    for person in EVERYONE:
        eventually(lambda p=person: dms_with(group, p, EVALUATION_OPEN))
        before = views_of(group, person)
        group.slack.click(person, EVALUATION_OPEN, channel_id=dm(group, person))
        evaluation = new_view(group, person, EVALUATION_VIEW, before)
        scores = {"climate": "4", "listening": "5", "method": "3", "comment": "Bonne séance."}
        reply = group.slack.submit(person, evaluation["id"], scores)
        assert reply.status == 200 and not reply.body, reply.body
    eventually(lambda: len(rows(group, EvaluationResponse)) == len(EVERYONE))


def journal_and_home(group: Group) -> None:
    """Carol writes in her journal by DM and by command, lists and exports it; everyone opens App Home."""
    group.slack.say(CAROL, dm(group, CAROL), "Le silence après une question est un cadeau. #écoute")
    eventually(lambda: rows(group, JournalEntry, JournalEntry.user_id == CAROL, JournalEntry.origin == "dm"))
    group.slack.say(CAROL, dm(group, CAROL), "aide")
    group.slack.command(CAROL, "journal Poser une question à la fois")
    group.slack.command(CAROL, "journal")
    group.slack.command(CAROL, "journal export")
    group.slack.command(CAROL, "forget-me")  # asked to confirm, and left there
    eventually(lambda: [f for f in group.standin.files.values() if f["content"] and f["shared_in"]])
    for person in EVERYONE:
        group.slack.open_home(person)
        eventually(lambda p=person: p in group.standin.home_views)
    settle(group.services)


def follow_up(group: Group) -> None:
    """On the action's due date, in Bob's working hours: how did it go? He says it is done, and shares it."""
    at(group, FOLLOW_UP)
    asked = eventually(lambda: dms_with(group, BOB, ids.FOLLOW_UP_DONE))[-1]
    before = views_of(group, BOB)
    group.slack.click(BOB, ids.FOLLOW_UP_DONE, channel_id=dm(group, BOB), message_ts=asked["ts"])
    modal = new_view(group, BOB, ids.FOLLOW_UP_VIEW, before)
    reply = group.slack.submit(BOB, modal["id"], {"note": "Carole a dit oui ; l'équipe le sait.", "share": ["share"]})
    assert reply.status == 200 and not reply.body, reply.body
    eventually(lambda: rows(group, ActionItem, ActionItem.status == "done"))
    # His other action, postponed from App Home: a date in the past is refused in his language first.
    group.slack.open_home(BOB)
    home = eventually(lambda: ids.HOME_ACTION_POSTPONE in str(group.standin.home_views[BOB]["blocks"]) and BOB)
    before = views_of(group, BOB)
    group.slack.click(BOB, ids.HOME_ACTION_POSTPONE, view_id=group.standin.home_views[home]["id"])
    postpone = new_view(group, BOB, ids.FOLLOW_UP_VIEW, before)
    assert group.slack.submit(BOB, postpone["id"], {"due": "2020-01-01"}).json()["response_action"] == "errors"
    assert not group.slack.submit(BOB, postpone["id"], {"due": "2026-12-22"}).body
    eventually(lambda: rows(group, ActionItem, ActionItem.status == "postponed"))
    settle(group.services)


def a_whole_session(group: Group, *, pace: str = "live", **group_values: Any) -> RecordingDriver:
    """Everything a group goes through around one session; returns the driver that kept Slack's requests."""
    driver = recording(group)
    at(group, MONDAY)
    for words in ("help", "language", "status", "nudges off", "nudges on", "quiet 18:00-09:00", "frobnicate"):
        group.slack.command(ALICE, words)
    if pace == "async":
        group_values.update(
            pace="async", work_tz="Europe/Paris", work_days="mon-fri", work_hours="09:00-17:00", holidays=""
        )
    form_group(group, **group_values)
    group.slack.command(ALICE, "group stats")
    kick_off(group)
    run_the_session(group, pace)
    at(group, BOB_AFTERNOON)
    summary_edited_and_posted(group)
    after_the_session(group)
    journal_and_home(group)
    follow_up(group)
    settle(group.services)
    return driver


def everything_sent(group: Group, driver: RecordingDriver) -> list[Sent]:
    return sent_by_codev(group.standin, driver.requests)


# ---- 1. a whole session in French ----------------------------------------------------------------------------
def test_a_whole_session_in_french_sends_no_english(group: Group) -> None:
    for person in EVERYONE:
        group.standin.users[person].locale = "fr-FR"
    driver = a_whole_session(group)
    sent = everything_sent(group, driver)
    assert len(sent) > 100, "the whole session was collected"
    assert {s.reader for s in sent} >= {*EVERYONE, group.channel}
    leaks = english_in(sent)
    assert not leaks, "English reached French readers:\n" + "\n".join(leaks)
    # And it is French indeed: the steps' own words, and the channel's summary.
    channel = "\n".join(s.text for s in sent if s.reader == group.channel)
    with reading("fr"):
        for step in ("step_clarification", "step_contract", "step_synthesis"):
            assert t(step) in channel, step


def test_a_wrong_working_calendar_is_refused_in_french(group: Group) -> None:
    group.standin.users[ALICE].locale = "fr-FR"
    driver = recording(group)
    group.slack.command(ALICE, "group")
    view = group.modal(ALICE, ids.GROUP_VIEW)
    wrong = {"work_tz": "Mars/Olympus", "work_days": "lun-funday", "work_hours": "17:00-09:00", "holidays": "25/12"}
    reply = group.slack.submit(ALICE, view["id"], {"name": "Cercle du mardi", "members": EVERYONE, **wrong})
    errors = reply.json()["errors"]
    with reading("fr"):
        assert errors == {
            "work_tz": t("calendar_tz_unknown", value="Mars/Olympus"),
            "work_days": t("calendar_days_unknown", value="lun-funday"),
            "work_hours": t("calendar_hours_order"),
            "holidays": t("calendar_holiday_unknown", value="25/12"),
        }
    leaks = english_in(everything_sent(group, driver))
    assert not leaks, "\n".join(leaks)
    # The domain says the same in English (configuration errors, logs) as the catalogue does.
    _calendar, problems = parse_calendar(tz="Mars/Olympus", days="", hours="9 to 5", holidays="25/12")
    assert problems and all(str(p) == t(p.key, **p.params) for p in problems.values())


# ---- 2. a mixed group: the channel reads the group's language, each person their own ---------------------------
def test_a_french_group_with_one_english_reader(group: Group) -> None:
    french = [p for p in EVERYONE if p != FRANK]
    for person in french:
        group.standin.users[person].locale = "fr-FR"
    group.standin.users[FRANK].locale = "en-US"
    driver = a_whole_session(group, pace="async", language="fr")
    assert session_of(group).language == "fr"
    sent = everything_sent(group, driver)

    channel = [s for s in sent if s.reader == group.channel]
    assert channel and not english_in(channel), "\n".join(english_in(channel))
    to_french = [s for s in sent if s.reader in french]
    assert to_french and not english_in(to_french), "\n".join(english_in(to_french))
    to_frank = [s for s in sent if s.reader == FRANK]
    # The charter is the group's own text, written (from the default) in its language and sent as it is.
    french_for_frank = [leak for leak in found_in(to_frank, "fr", "en") if not leak.startswith("group_default_charter")]
    assert not french_for_frank, "French reached Frank:\n" + "\n".join(french_for_frank)

    # What Frank got, in English: the charter, his nudge, the after-session DM, the evaluation, his Home.
    told = "\n".join(s.text for s in to_frank)
    frank_dms = [s for s in to_frank if s.where.startswith("chat.postMessage")]
    assert len(frank_dms) >= 4, [s.where for s in to_frank]
    assert "Your voice is awaited in Clarification of" in told, "his nudge"
    assert "Turn these reminders off with" in told
    assert "is posted. What do you take away" in told, "his after-session DM"
    with reading("en"):
        assert t("home_title") in told
    assert group.standin.home_views[FRANK]["blocks"][0]["text"]["text"] == t("home_title")
    with reading("fr"):
        assert group.standin.home_views[ALICE]["blocks"][0]["text"]["text"] == t("home_title")


# ---- 3. Slack's limits hold with the longer French words ------------------------------------------------------
def texts_over(value: Any, limit: int) -> list[str]:
    return [s for s in strings(value) if len(s) > limit]


def test_french_modal_titles_and_buttons_stay_within_slacks_limits(group: Group, caplog: Any) -> None:
    for person in EVERYONE:
        group.standin.users[person].locale = "fr-FR"
    with caplog.at_level(logging.WARNING):
        a_whole_session(group)
    assert group.standin.violations == [], "the stand-in checks every call against Slack's spec"
    # Nothing failed to render on the way: slack_sdk's models refuse a text over its limit as they are built.
    failures = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not failures, failures
    too_long: list[str] = []
    for call in list(group.standin.calls):
        if call.method in ("views.open", "views.update", "views.push"):
            view = _as_dict(call.args["view"])
            for part in ("title", "submit", "close"):
                text = (view.get(part) or {}).get("text", "")
                if len(text) > TITLE_LIMIT:
                    too_long.append(f"{call.method} {view.get('callback_id')} {part}: {text!r} ({len(text)})")
        for button in buttons_in(call.args):
            text = button["text"]["text"]
            if len(text) > BUTTON_LIMIT:
                too_long.append(f"{call.method} button {button.get('action_id')}: {text!r} ({len(text)})")
    assert not too_long, "\n".join(too_long)


def _as_dict(value: Any) -> dict[str, Any]:
    import json

    return json.loads(value) if isinstance(value, str) else dict(value)


def buttons_in(value: Any) -> list[dict[str, Any]]:
    import json

    if isinstance(value, str) and value[:1] in "[{":
        try:
            value = json.loads(value)
        except ValueError:
            return []
    found: list[dict[str, Any]] = []
    if isinstance(value, dict):
        if value.get("type") == "button" and isinstance(value.get("text"), dict):
            found.append(value)
        for item in value.values():
            found.extend(buttons_in(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(buttons_in(item))
    return found
