"""Whose language (issue 15): each person's Slack locale, refreshed on user_change, `/codev language`, and the
language a group's channel reads, set in the group modal."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlmodel import select

from bot.domain.steps import Step
from bot.i18n import reading, t
from bot.services.events import DONE
from bot.slack import ids
from bot.slack.blocks.session import step_name
from bot.storage.models import PersonSettings, ProcessedEvent, SlackUser
from tests.conftest import ALICE, BOB, CAROL, DAVE, ERIN, FRANK, Group, eventually

MEMBERS = [ALICE, BOB, CAROL, DAVE, ERIN, FRANK]


def help_text(group: Group, user_id: str = ALICE) -> str:
    reply = group.slack.command(user_id, "help")
    assert reply.status == 200, reply
    return str(reply.json()["blocks"][0]["text"]["text"])


def usage(language: str) -> str:
    with reading(language):
        return t("usage")


def said(group: Group, user_id: str, text: str) -> str:
    reply = group.slack.command(user_id, text)
    assert reply.status == 200, reply
    return str(reply.json()["text"])


def profile(group: Group, user_id: str) -> SlackUser | None:
    with group.services.db.read() as session:
        return session.get(SlackUser, (group.standin.team_id, user_id))


def user_change(group: Group, user: dict[str, Any]) -> None:
    """Slack tells a profile changed; returns once codev has handled the delivery."""
    event_id = f"EvUC{uuid.uuid4().hex[:12]}"
    reply = group.slack.event(
        {"type": "user_change", "user": {"team_id": group.standin.team_id, **user}}, event_id=event_id
    )
    assert reply.status == 200, reply

    def handled() -> bool:
        with group.services.db.read() as session:
            row = session.exec(select(ProcessedEvent).where(ProcessedEvent.event_id == event_id)).first()
        return row is not None and row.state == DONE

    eventually(handled)


# ---- a person's Slack locale ------------------------------------------------------------------------------
def test_the_slack_locale_is_asked_for_and_kept(group: Group) -> None:
    group.standin.users[ALICE].locale = "fr-FR"
    assert help_text(group) == usage("fr"), "codev asks Slack about someone new, and speaks their language"
    asked = group.standin.calls_to("users.info")
    assert asked and all(str(c.args.get("include_locale")).lower() in ("1", "true") for c in asked)
    facts = group.services.people.cached(group.standin.team_id, ALICE)
    assert facts is not None and facts.locale == "fr-FR"


def test_a_user_change_changes_what_the_person_reads_next(group: Group) -> None:
    assert help_text(group) == usage("en")  # en-US in Slack, cached now
    user_change(group, {"id": ALICE, "name": "alice", "real_name": "Alice", "tz": "Europe/Paris", "locale": "fr-FR"})
    assert help_text(group) == usage("fr")
    kept = profile(group, ALICE)
    assert kept is not None and kept.locale == "fr-FR"
    # A later change without a locale (Slack's user_change may carry none) keeps the one known; the zone follows.
    user_change(group, {"id": ALICE, "name": "alice", "real_name": "Alice Martin", "tz": "America/Montreal"})
    kept = profile(group, ALICE)
    assert kept is not None and (kept.locale, kept.tz, kept.name) == ("fr-FR", "America/Montreal", "Alice Martin")
    assert help_text(group) == usage("fr")


def test_a_user_change_of_someone_codev_does_not_know_is_not_stored(group: Group) -> None:
    group.standin.add_user("U0STRANGER", "Stranger")
    user_change(group, {"id": "U0STRANGER", "name": "stranger", "real_name": "Stranger", "locale": "fr-FR"})
    assert profile(group, "U0STRANGER") is None, "a workspace-wide event does not fill the table"


# ---- /codev language -------------------------------------------------------------------------------------
def test_a_person_chooses_french_then_goes_back_to_their_slack_language(group: Group) -> None:
    shown = said(group, ALICE, "language")
    assert shown.startswith(t("language_current_slack", language="English")), shown
    assert "`fr` — Français" in shown and "`en` — English" in shown and "`auto`" in shown
    done = said(group, ALICE, "language fr")
    with reading("fr"):
        assert done == t("language_set", language="Français"), "the confirmation is in the new language"
        why = t("language_current_choice", language="Français")
    assert help_text(group) == usage("fr"), "the next ephemerals are in French"
    assert said(group, ALICE, "language").startswith(why)
    back = said(group, ALICE, "language auto")
    assert back == t("language_set_auto", language="English")
    assert help_text(group) == usage("en"), "Alice's Slack language, en-US"


def test_language_names_and_locales_are_understood(group: Group) -> None:
    with reading("fr"):
        french = t("language_set", language="Français")
    for written in ("français", "Francais", "FR-fr", "fr_CA", "French"):
        assert said(group, BOB, f"language {written}") == french, written
        said(group, BOB, "language en")
    assert said(group, BOB, "language English") == t("language_set", language="English")
    said(group, BOB, "language fr")
    assert said(group, BOB, "language anglais") == t("language_set", language="English"), "a name in French too"


def test_an_unknown_language_is_answered_kindly_with_the_choices(group: Group) -> None:
    answer = said(group, ALICE, "language klingon")
    assert answer.startswith("codev does not speak “klingon”."), answer
    assert "`fr` — Français" in answer and "`en` — English" in answer
    with group.services.db.read() as session:
        assert session.get(PersonSettings, (group.standin.team_id, ALICE)) is None, "nothing chosen"


def test_a_slack_language_codev_does_not_speak_is_said(group: Group) -> None:
    group.standin.users[CAROL].locale = "de-DE"
    shown = said(group, CAROL, "language")
    assert shown.startswith(t("language_current_unsupported", language="English", locale="de-DE")), shown


def test_forget_me_erases_the_choice(group: Group) -> None:
    said(group, ALICE, "language fr")
    dm = group.standin.dm_channel(ALICE)
    group.slack.post_payload(
        group.slack.click_payload(ALICE, ids.FORGET_ME, channel_id=dm, message_ts="1.0", value="forget")
    )
    team = group.standin.team_id

    def erased() -> bool:
        with group.services.db.read() as session:
            return session.get(PersonSettings, (team, ALICE)) is None

    eventually(erased)
    assert help_text(group) == usage("en"), "back to Alice's Slack language at once"


# ---- the group's channel ---------------------------------------------------------------------------------
def open_group_modal(group: Group) -> dict[str, Any]:
    before = {v["id"] for v in group.standin.views_for(ALICE)}
    group.slack.command(ALICE, "group")
    return eventually(
        lambda: [v for v in group.standin.views_for(ALICE) if v["callback_id"] == "group" and v["id"] not in before]
    )[-1]


def language_select(view: dict[str, Any]) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == "language")["element"]


def start_in_french(group: Group) -> Any:
    """Alice starts a session; its channel reads French: step 1 shows under its French header."""
    view = group.open_start_modal(ALICE)
    reply = group.submit_start(view, facilitator=ALICE)
    assert reply.status == 200 and not reply.body, reply.body
    with reading("fr"):
        header = t("step_header", number=1, step=step_name(Step.PRESENTATION))
    eventually(lambda: any(header in str(m.get("blocks")) for m in group.messages()))
    return group.services.sessions.get(group.standin.team_id, 1)


def test_the_group_modal_sets_the_channel_language_and_sessions_follow_it(group: Group) -> None:
    for member in (BOB, CAROL, DAVE):
        group.standin.users[member].locale = "fr-FR"
    view = open_group_modal(group)
    select = language_select(view)
    assert select["initial_option"]["value"] == "auto"
    assert [o["value"] for o in select["options"]] == ["auto", "en", "fr"]
    assert select["initial_option"]["text"]["text"] == t("group_language_auto", language="English"), "Alice alone"
    reply = group.slack.submit(ALICE, view["id"], {"name": "Tuesday circle", "members": MEMBERS, "language": "fr"})
    assert reply.status == 200 and not reply.body, reply.body
    saved = eventually(lambda: group.services.groups.of_channel(group.standin.team_id, group.channel))
    assert saved.language == "fr"
    assert t("group_stats_language", language="Français") in said(group, ALICE, "group stats")
    # The modal shows the choice again; a new session's channel reads French.
    assert language_select(open_group_modal(group))["initial_option"]["value"] == "fr"
    assert start_in_french(group).language == "fr"


def test_an_automatic_channel_language_follows_most_members(group: Group) -> None:
    for member in (BOB, CAROL, DAVE, ERIN):
        group.standin.users[member].locale = "fr-FR"
    view = open_group_modal(group)
    reply = group.slack.submit(ALICE, view["id"], {"name": "Tuesday circle", "members": MEMBERS})
    assert reply.status == 200 and not reply.body, reply.body
    saved = eventually(lambda: group.services.groups.of_channel(group.standin.team_id, group.channel))
    assert saved.language is None
    group.services.people.check(group.standin.team_id, MEMBERS)  # every member's profile known
    automatic = language_select(open_group_modal(group))["initial_option"]
    assert (automatic["value"], automatic["text"]["text"]) == ("auto", t("group_language_auto", language="Français"))
    assert t("group_stats_language_auto", language="Français") in said(group, ALICE, "group stats")
    assert start_in_french(group).language == "fr"


def test_a_language_codev_does_not_speak_is_refused_in_the_modal(group: Group) -> None:
    view = open_group_modal(group)
    # A modal built when codev still spoke German (or a forged submission): Slack sends back what it offered.
    stale = group.standin.views[view["id"]]
    language_select(stale)["options"].append({"text": {"type": "plain_text", "text": "Deutsch"}, "value": "de"})
    reply = group.slack.submit(ALICE, view["id"], {"name": "Tuesday circle", "members": MEMBERS, "language": "de"})
    assert reply.status == 200
    answer = json.loads(reply.body)
    assert answer["response_action"] == "errors"
    assert answer["errors"] == {"language": t("group_language_unknown")}
    assert group.services.groups.of_channel(group.standin.team_id, group.channel) is None, "nothing saved"
