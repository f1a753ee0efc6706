"""App Home: my sessions and roles, my actions, my journal with search and paging, at Slack's limits."""

from __future__ import annotations

from datetime import timedelta

from bot.i18n import format_day
from bot.slack import ids
from tests.conftest import ALICE, BOB, CAROL, Group, eventually


def home(group: Group, user_id: str) -> dict:
    return group.standin.home_views[user_id]


def opened_home(group: Group, user_id: str, must_contain: str = "") -> dict:
    before = home(group, user_id)["id"] if user_id in group.standin.home_views else None
    group.slack.open_home(user_id)
    return eventually(
        lambda: (
            user_id in group.standin.home_views
            and home(group, user_id)["id"] != before
            and must_contain in str(home(group, user_id)["blocks"])
            and home(group, user_id)
        )
    )


def journal(group: Group, user_id: str, *texts: str) -> None:
    for text in texts:
        assert group.slack.command(user_id, f"journal {text}").status == 200


def test_home_shows_my_sessions_roles_and_counts(group: Group) -> None:
    group.start("Handing over my team")
    view = opened_home(group, BOB, "Handing over my team")
    text = str(view["blocks"])
    assert "client" in text and "step 1/6" in text
    assert "client 1×, consultant 0×, facilitator 0×" in text
    assert ids.HOME_START in text and len(view["blocks"]) <= 100


def test_the_start_button_opens_the_start_modal(group: Group) -> None:
    opened_home(group, ALICE)
    group.slack.click(ALICE, ids.HOME_START, view_id=home(group, ALICE)["id"])
    assert eventually(lambda: [v for v in group.standin.views_for(ALICE) if v["callback_id"] == "start_session"])


def test_my_open_actions_can_be_done_or_postponed(group: Group) -> None:
    group.start()
    for step in range(1, 5):
        group.click(ALICE, ids.NEXT, step=step)
        eventually(lambda s=step: group.step_message(s + 1))
    group.click(BOB, ids.SYNTHESIS_OPEN, step=5)
    view = group.modal(BOB, "synthesis")
    group.slack.submit(BOB, view["id"], {"keep": "x", "action_1": "Name a deputy", "action_2": "Write it down"})
    eventually(lambda: group.services.sessions.get(group.standin.team_id, 1).actions)
    home_view = opened_home(group, BOB, "Name a deputy")
    done_block = next(b for b in home_view["blocks"] if b.get("block_id", "").startswith("action_"))
    first_action = done_block["elements"][0]["value"]
    group.slack.click(BOB, ids.HOME_ACTION_DONE, view_id=home_view["id"], value=first_action)
    # It leaves the open actions and shows among the recent outcomes.
    eventually(lambda: f"action_{first_action}" not in [b.get("block_id") for b in home(group, BOB)["blocks"]])
    assert "Name a deputy — *done*" in str(home(group, BOB)["blocks"])
    group.slack.click(BOB, ids.HOME_ACTION_POSTPONE, view_id=home(group, BOB)["id"])
    postpone = group.modal(BOB, ids.FOLLOW_UP_VIEW)  # the same modal as a follow-up's, "Postponed" chosen
    assert "today or later" in group.slack.submit(BOB, postpone["id"], {"due": "2020-01-01"}).json()["errors"]["due"]
    later = group.services.clock.now().date() + timedelta(days=14)
    assert not group.slack.submit(BOB, postpone["id"], {"due": later.isoformat()}).body
    # By that day, in each reader's words; the fallback as an English reader writes it ("Dec 21, 2026").
    eventually(lambda: f"|{format_day(later)}>" in str(home(group, BOB)["blocks"]))


def test_search_by_text_and_tag_and_paging_keep_their_place(group: Group) -> None:
    journal(group, CAROL, *[f"note {n} #{'even' if n % 2 == 0 else 'odd'}" for n in range(25)])
    view = opened_home(group, CAROL, "note 24")
    assert "Entries 1–10 of 25" in str(view["blocks"])
    group.slack.click(CAROL, ids.HOME_PAGE, view_id=view["id"], value="1")
    view = eventually(lambda: "Entries 11–20 of 25" in str(home(group, CAROL)["blocks"]) and home(group, CAROL))
    group.slack.choose(CAROL, view["id"], ids.HOME_SEARCH, "#odd")
    view = eventually(lambda: "Entries 1–10 of 12" in str(home(group, CAROL)["blocks"]) and home(group, CAROL))
    assert "note 24" not in str(view["blocks"]) and "note 23" in str(view["blocks"])
    group.slack.choose(CAROL, view["id"], ids.HOME_SEARCH, "note 1")
    view = eventually(lambda: "of 11" in str(home(group, CAROL)["blocks"]) and home(group, CAROL))
    # Something of mine changes: Home refreshes with my search still applied.
    journal(group, CAROL, "note 100 new")
    eventually(lambda: "of 12" in str(home(group, CAROL)["blocks"]), timeout=10)
    search_box = next(b for b in home(group, CAROL)["blocks"] if b.get("block_id") == "home_search")
    assert search_box["element"]["initial_value"] == "note 1"


def test_an_entry_can_be_deleted_from_home(group: Group) -> None:
    journal(group, CAROL, "keep me", "delete me")
    view = opened_home(group, CAROL, "delete me")
    block = next(b for b in view["blocks"] if "delete me" in str(b) and b.get("accessory"))
    assert block["accessory"]["confirm"], "deleting asks first"
    group.slack.click(CAROL, ids.HOME_ENTRY_DELETE, view_id=view["id"], value=block["accessory"]["value"])
    eventually(lambda: "delete me" not in str(home(group, CAROL)["blocks"]))
    assert "keep me" in str(home(group, CAROL)["blocks"])


def test_long_entries_are_cut_with_see_more(group: Group) -> None:
    journal(group, CAROL, "long " + "word " * 800)
    view = opened_home(group, CAROL, "long")
    assert all(len(b["text"]["text"]) <= 3000 for b in view["blocks"] if b["type"] == "section")
    group.slack.click(CAROL, ids.HOME_ENTRY_MORE, view_id=view["id"])
    modal = eventually(lambda: [v for v in group.standin.views_for(CAROL) if "word word" in str(v["blocks"])])[0]
    assert sum(len(b["text"]["text"]) for b in modal["blocks"] if b["type"] == "section") >= 4000


def test_an_earlier_entry_comes_back_as_a_prompt(group: Group) -> None:
    journal(group, CAROL, "Three weeks ago I learned to wait")
    group.services.clock.advance(timedelta(days=21))
    view = opened_home(group, CAROL, "3 weeks ago")
    assert "Three weeks ago I learned to wait" in str(view["blocks"][3])


def test_home_publishes_at_most_once_every_few_seconds(group: Group) -> None:
    group.services.home.min_interval = 3.0  # the production interval
    opened_home(group, CAROL)
    journal(group, CAROL, "one")
    before = len(group.standin.calls_to("views.publish"))
    journal(group, CAROL, "two", "three", "four")
    assert len(group.standin.calls_to("views.publish")) == before, "held back, not lost"
    eventually(lambda: "four" in str(home(group, CAROL)["blocks"]), timeout=8)
    assert len(group.standin.calls_to("views.publish")) == before + 1
