"""A journal entry is seen by its author only: every action, modal and shortcut replayed as someone else."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import select

from bot.slack.listeners import register_listeners
from bot.storage.models import ActionItem, JournalEntry
from tests.conftest import ALICE, BOB, Group, eventually
from tests.support.settle import settle

EVE = "U0FRANK"  # a colleague, in the same workspace and channel
SECRET = "BOBSECRET"


class Recorder:
    """Stands in for the Bolt app to list every action, view and shortcut codev registers."""

    def __init__(self) -> None:
        self.actions: list[dict[str, str]] = []
        self.views: list[str] = []
        self.shortcuts: list[str] = []

    def action(self, constraints: str | dict[str, str]) -> Any:
        # A listener may also name its block ({"action_id": …, "block_id": …}): the replay sends both.
        if isinstance(constraints, str):
            constraints = {"action_id": constraints}
        self.actions.append(constraints)
        return lambda f: f

    def view(self, callback_id: str) -> Any:
        self.views.append(callback_id)
        return lambda f: f

    def shortcut(self, callback_id: str) -> Any:
        self.shortcuts.append(callback_id)
        return lambda f: f

    def __getattr__(self, _name: str) -> Any:  # command, event, middleware, error
        return lambda *a, **k: lambda f: f


def registered() -> Recorder:
    recorder = Recorder()
    register_listeners(recorder)  # type: ignore[arg-type]
    return recorder


def bob_has_secrets(group: Group) -> tuple[list[int], list[int]]:
    group.start("Bob's case")
    for step in range(1, 5):
        group.click(ALICE, "step_next", step=step)
        eventually(lambda s=step: group.step_message(s + 1))
    group.click(BOB, "synthesis_open", step=5)
    view = group.modal(BOB, "synthesis")
    group.slack.submit(BOB, view["id"], {"keep": f"{SECRET} keep", "action_1": f"{SECRET} action"})
    for n in range(3):
        group.slack.command(BOB, f"journal {SECRET} entry {n} #secret")
    with group.services.db.session() as session:
        entry_ids = [e.id for e in session.exec(select(JournalEntry).where(JournalEntry.user_id == BOB)).all()]
        action_ids = [a.id for a in session.exec(select(ActionItem).where(ActionItem.owner_id == BOB)).all()]
    return entry_ids, action_ids  # type: ignore[return-value]


def test_every_listener_replayed_as_someone_else_reveals_and_changes_nothing(group: Group) -> None:
    entry_ids, action_ids = bob_has_secrets(group)
    recorder = registered()
    assert len(recorder.actions) >= 20 and recorder.views and recorder.shortcuts
    values = [str(i) for i in entry_ids + action_ids] + ["1:1", "1:5", "1", "0", f"1:{BOB}", "#secret", SECRET]
    group.slack.open_home(EVE)
    eve_home = eventually(lambda: EVE in group.standin.home_views and group.standin.home_views[EVE])

    for constraints in recorder.actions:
        for value in values:
            message = group.slack.click_payload(
                EVE, constraints["action_id"], channel_id=group.channel, message_ts="1.0", value=value
            )
            if "block_id" in constraints:
                message["actions"][0]["block_id"] = constraints["block_id"]
            assert group.slack.post_payload(message).status == 200
            in_home = {
                **message,
                "container": {"type": "view", "view_id": eve_home["id"]},
                "view": {**eve_home, "state": {"values": {}}},
            }
            in_home.pop("message")
            assert group.slack.post_payload(in_home).status == 200
    for callback_id in recorder.views:
        for target in entry_ids + action_ids + [1]:
            metadata = {"session": 1, "action": target, "entry": target, "channel": group.channel}
            view = {
                "id": "V0FORGED",
                "type": "modal",
                "callback_id": callback_id,
                "blocks": [],
                "private_metadata": json.dumps(metadata),
                "state": {
                    "values": {
                        "due": {"due": {"type": "datepicker", "selected_date": "2030-01-01"}},
                        "summary": {"summary": {"type": "plain_text_input", "value": "Eve's summary"}},
                        "need": {"need": {"type": "plain_text_input", "value": "Eve's need"}},
                        "keep": {"keep": {"type": "plain_text_input", "value": "Eve's keep"}},
                        "to": {"to": {"type": "users_select", "selected_user": EVE}},
                    }
                },
            }
            payload = {
                "type": "view_submission",
                "team": {"id": group.standin.team_id},
                "user": {"id": EVE, "team_id": group.standin.team_id},
                "api_app_id": "A0CODEV01",
                "trigger_id": group.slack.trigger_id(EVE),
                "view": view,
            }
            assert group.slack.post_payload(payload).status == 200
    for callback_id in recorder.shortcuts:
        public = group.standin.user_posts(group.channel, ALICE, "a public message")
        group.slack.shortcut_on_message(EVE, callback_id, group.channel, public)
    group.slack.command(EVE, "journal")
    group.slack.command(EVE, "journal export")
    group.slack.command(EVE, f"journal search {SECRET}")
    group.slack.open_home(EVE)
    settle(group.services)  # the after-ack work is done: whatever it would show Eve is there now

    # Bob's journal and actions are untouched...
    with group.services.db.session() as session:
        bob_entries = session.exec(select(JournalEntry).where(JournalEntry.user_id == BOB)).all()
        bob_actions = session.exec(select(ActionItem).where(ActionItem.owner_id == BOB)).all()
    assert sorted(e.id for e in bob_entries if e.origin == "command") == sorted(entry_ids)
    assert [a.status for a in bob_actions] == ["open"]
    # ...and nothing Eve can see mentions them.
    eve_dm = group.standin.dm_channel(EVE)
    seen_by_eve = [
        json.dumps(group.standin.home_views.get(EVE, {})),
        json.dumps(group.standin.messages(eve_dm)),
        json.dumps(group.standin.ephemerals_for(EVE)),
        json.dumps(group.standin.responses),
        json.dumps(group.standin.views_for(EVE)),
        json.dumps(
            [f["content"].decode() for f in group.standin.files.values() if f["content"] and f["shared_in"] == eve_dm]
        ),
    ]
    for seen in seen_by_eve:
        assert f"{SECRET} entry" not in seen


def test_entries_are_scoped_by_workspace(group: Group) -> None:
    group.slack.command(BOB, "journal in my workspace")
    assert group.services.journal.page("T0OTHERTEAM", BOB)[1] == 0
    assert group.services.journal.page(group.standin.team_id, BOB)[1] == 1
