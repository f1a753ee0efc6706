"""Groups that last: members and charter, whose turn it is, time away, and the group's record."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from bot.domain.steps import Step
from bot.domain.timers import EventKind
from bot.domain.workcal import WorkingCalendar
from bot.i18n import format_day
from bot.slack import ids
from bot.storage.models import SlackUser
from tests.conftest import ALICE, BOB, CAROL, DAVE, ERIN, FRANK, Group, eventually

MEMBERS = [ALICE, BOB, CAROL, DAVE, ERIN, FRANK]


def create_group(group: Group, members: list[str] = MEMBERS, **values: object) -> None:
    submitted = {v["id"] for v in group.standin.views_for(ALICE)}  # closed once submitted: wait for a new one
    group.slack.command(ALICE, "group")
    view = eventually(
        lambda: [v for v in group.standin.views_for(ALICE) if v["callback_id"] == "group" and v["id"] not in submitted]
    )[-1]
    # codev looks up Alice's time zone once the modal is open, and proposes it for the working hours.
    eventually(lambda: initial(group.standin.views[view["id"]], "work_tz"))
    reply = group.slack.submit(ALICE, view["id"], {"name": "Tuesday circle", "members": members, **values})
    assert reply.status == 200 and not reply.body, reply
    eventually(lambda: group.services.groups.of_channel(group.standin.team_id, group.channel))


def test_a_group_is_created_and_its_members_get_the_charter_to_accept(group: Group) -> None:
    create_group(group)
    dm = group.standin.dm_channel(CAROL)
    charter = eventually(lambda: [m for m in group.standin.messages(dm) if "charter" in m["text"].lower()])[0]
    assert "stays in the group" in charter["text"]
    group.slack.click(CAROL, ids.CHARTER_ACCEPT, channel_id=dm)
    eventually(lambda: CAROL in group.services.groups.of_channel(group.standin.team_id, group.channel).accepted)
    # The DM now says thank you instead of offering the button again.
    eventually(lambda: "Thank you" in group.standin.message(dm, charter["ts"])["text"])
    assert ids.CHARTER_ACCEPT not in str(group.standin.message(dm, charter["ts"])["blocks"])
    group.standin.add_user("U0GRACE", "Grace")
    group_id = next(
        e["value"] for b in charter["blocks"] for e in b.get("elements", []) if e.get("action_id") == ids.CHARTER_ACCEPT
    )
    group.slack.post_payload(
        group.slack.click_payload(  # a forged click by someone outside
            "U0GRACE", ids.CHARTER_ACCEPT, channel_id=dm, message_ts=charter["ts"], value=group_id
        )
    )
    eventually(lambda: any("not yours" in r.get("text", "") for r in group.standin.responses))
    assert DAVE not in group.services.groups.of_channel(group.standin.team_id, group.channel).accepted


def test_the_group_size_is_explained_and_confirmed(group: Group) -> None:
    group.slack.command(ALICE, "group")
    view = group.modal(ALICE, "group")
    eventually(lambda: initial(group.standin.views[view["id"]], "work_tz"))  # codev proposes Alice's zone first
    # The size check shows once the members are chosen, as they are not 5 to 8.
    group.slack.choose(ALICE, view["id"], "members", [ALICE, BOB])
    eventually(lambda: "group_size" in str(group.standin.views[view["id"]]["blocks"]))
    errors = group.slack.submit(ALICE, view["id"], {"name": "Duo", "members": [ALICE, BOB]}).json()["errors"]
    assert "2 members" in errors["group_size"]
    assert not group.slack.submit(
        ALICE, view["id"], {"name": "Duo", "members": [ALICE, BOB], "group_size": ["confirm"]}
    ).body


def test_a_public_channel_gets_a_confidentiality_warning(group: Group) -> None:
    group.standin.add_channel("C0PUB", "general", members=MEMBERS)
    group.slack.command(ALICE, "group", channel_id="C0PUB")
    eventually(
        lambda: any(
            "public channel" in str(v["blocks"]) and v["callback_id"] == "group" for v in group.standin.views_for(ALICE)
        )
    )


def test_starting_in_a_group_channel_proposes_whose_turn_it_is(group: Group) -> None:
    create_group(group)
    view = group.open_start_modal(CAROL, "Our first case")
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    client = blocks["client"]["element"]["initial_user"]
    facilitator = blocks["facilitator"]["element"]["initial_user"]
    assert (client, facilitator) == (ALICE, BOB)
    assert set(blocks["consultants"]["element"]["initial_users"]) == {CAROL, DAVE, ERIN, FRANK}
    group.slack.submit(CAROL, view["id"], {})
    eventually(lambda: group.step_message(1))
    root = group.root()
    assert "Not yet accepted the group's charter" in str(root["blocks"])
    group.click(BOB, ids.END, step=1)
    eventually(lambda: group.services.sessions.get(group.standin.team_id, 1).status.value == "ended")
    # Next time it is someone else's turn: what actually happened counts.
    view = group.open_start_modal(CAROL, "Second case")
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["client"]["element"]["initial_user"] == BOB
    assert blocks["facilitator"]["element"]["initial_user"] == ALICE


def test_away_members_are_skipped_until_they_are_back(group: Group) -> None:
    create_group(group)
    back = (group.services.clock.now().date() + timedelta(days=10)).isoformat()
    assert "away until" in group.slack.command(ALICE, f"away {back}").json()["text"]
    view = group.open_start_modal(CAROL)
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert ALICE not in [
        blocks["client"]["element"]["initial_user"],
        *blocks["consultants"]["element"]["initial_users"],
    ]
    assert "Welcome back" in group.slack.command(ALICE, "away back").json()["text"]
    assert "/codev away 2026-12-24" in group.slack.command(ALICE, "away someday").json()["text"]
    assert "not a member" in group.slack.command(ALICE, "away back", channel_id="C0NOGROUP").json()["text"]


def test_group_stats_show_counts_and_last_dates(group: Group) -> None:
    assert "no group yet" in group.slack.command(ALICE, "group stats").json()["text"]
    create_group(group)
    group.start("Counted", facilitator=ALICE)  # the facilitator may change what rotation proposed
    text = group.slack.command(DAVE, "group stats").json()["text"]
    assert "1 session held" in text
    today = format_day(group.services.clock.now().date())  # as an English reader writes a day: "Dec 7, 2026"
    assert f"<@{BOB}> — client 1 (last {today})" in text
    assert f"<@{ALICE}> — client 0, consultant 0, facilitator 1 (last {today})" in text


def test_the_groups_working_hours_hold_nudges_unless_a_member_set_their_own(group: Group) -> None:
    create_group(group, work_tz="Europe/Paris", work_hours="10:00-17:00")
    saved = group.services.groups.of_channel(group.standin.team_id, group.channel)
    assert saved.calendar is not None and saved.calendar.start == time(10) and saved.calendar.tz == "Europe/Paris"
    group.slack.command(DAVE, "quiet 08:00-12:00 weekdays")
    group.services.clock.set(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))  # Tuesday 13:00 in Paris
    view = group.open_start_modal(ALICE)
    group.slack.choose(ALICE, view["id"], ids.START_PACE, "async", {"client": BOB, "facilitator": ALICE})
    eventually(lambda: "timekeeping" in str(group.standin.views[view["id"]]["blocks"]))
    assert "a working day is 7 h here (mon-fri 10:00–17:00, Europe/Paris)" in str(group.standin.views[view["id"]])
    group.slack.submit(
        ALICE,
        view["id"],
        {
            "client": BOB,
            "facilitator": ALICE,
            "consultants": [CAROL, DAVE, ERIN, FRANK],
            "timekeeping": ["nudges"],
            "duration_clarification": "8",
        },
    )
    eventually(lambda: group.step_message(1))
    group.click(ALICE, ids.NEXT, step=1)
    eventually(lambda: group.step_message(2))
    # Eight working hours from Tuesday 13:00 in Paris: Tuesday 13–17 and Wednesday 10–14. Its middle, four working
    # hours before the end, is Wednesday 10:00 in Paris: not 09:00, as the group starts its day at 10.
    nudges = {
        e.user_id: e.due_at
        for e in group.services.sessions.timers.events_of(group.standin.team_id, 1)
        if e.kind is EventKind.NUDGE
    }
    assert nudges[CAROL] == datetime(2026, 11, 25, 9, 0, tzinfo=UTC), "the group's day starts at 10:00 in Paris"
    assert nudges[ERIN] == datetime(2026, 11, 25, 15, 0, tzinfo=UTC), "10:00 in Toronto, on Erin's own clock"
    assert nudges[DAVE] == datetime(2026, 11, 25, 11, 0, tzinfo=UTC), "Dave's own hours win: 12:00 in Brussels"


def group_view(group: Group, user_id: str = ALICE) -> dict[str, Any]:
    """Open /codev group and return the modal (a new one each time), once it proposes a time zone."""
    before = {v["id"] for v in group.standin.views_for(user_id)}
    group.slack.command(user_id, "group")
    view_id = eventually(
        lambda: [v for v in group.standin.views_for(user_id) if v["callback_id"] == "group" and v["id"] not in before]
    )[-1]["id"]
    return eventually(lambda: initial(group.standin.views[view_id], "work_tz") and group.standin.views[view_id])


def initial(view: dict[str, Any], block_id: str) -> Any:
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    return block["element"].get("initial_value")


def test_a_group_keeps_its_working_calendar_and_shows_it_again(group: Group) -> None:
    view = group_view(group)
    assert initial(view, "work_tz") == "Europe/Paris", "Alice's own Slack time zone is proposed"
    assert (initial(view, "work_days"), initial(view, "work_hours")) == ("mon-fri", "09:00-17:00")
    assert "nobody is notified outside them" in str(view["blocks"])
    reply = group.slack.submit(
        ALICE,
        view["id"],
        {
            "name": "Tuesday circle",
            "members": MEMBERS,
            "work_tz": "Europe/Paris",
            "work_days": "mon-fri",
            "work_hours": "09:00-17:00",
            "holidays": "2026-12-25\n2027-01-01",
            "pace": "async",
        },
    )
    assert reply.status == 200 and not reply.body, reply
    saved = eventually(lambda: group.services.groups.of_channel(group.standin.team_id, group.channel))
    assert saved.calendar == WorkingCalendar(
        tz="Europe/Paris", holidays=frozenset({date(2026, 12, 25), date(2027, 1, 1)})
    )
    again = group_view(group)
    assert initial(again, "work_tz") == "Europe/Paris"
    assert (initial(again, "work_days"), initial(again, "work_hours")) == ("mon-fri", "09:00-17:00")
    assert initial(again, "holidays") == "2026-12-25\n2027-01-01"
    # The start modal in this async group proposes the method's defaults in its working hours.
    start = group.open_start_modal(CAROL)
    assert [initial(start, f"duration_async_{step.key}") for step in Step] == ["4", "8", "4", "12", "4", "8"]
    assert "a working day is 8 h here (mon-fri 09:00–17:00, Europe/Paris)" in str(start["blocks"])
    assert "Proposed: 1½ working days." in str(start["blocks"])


def test_a_wrong_calendar_is_explained_on_each_field(group: Group) -> None:
    view = group_view(group)
    values = {"name": "Tuesday circle", "members": MEMBERS}
    wrong = {"work_tz": "Mars/Olympus", "work_days": "mon-funday", "work_hours": "17:00-09:00", "holidays": "25/12"}
    reply = group.slack.submit(ALICE, view["id"], {**values, **wrong})
    errors = reply.json()["errors"]
    assert "Mars/Olympus" in errors["work_tz"]
    assert "mon-funday" in errors["work_days"]
    assert "end after they start" in errors["work_hours"]
    assert "25/12" in errors["holidays"]
    assert group.services.groups.of_channel(group.standin.team_id, group.channel) is None, "nothing saved"
    errors = group.slack.submit(ALICE, view["id"], {**values, "work_tz": "", "work_hours": "08:00-16:00"}).json()
    assert "time zone" in errors["errors"]["work_tz"], "hours need a zone to be read in"
    errors = group.slack.submit(ALICE, view["id"], {**values, "pace": "async", "durations": "4, 8, 4, 120, 4, 8"})
    assert "80 working hours async" in errors.json()["errors"]["durations"]
    # No zone and the default days and hours: no calendar of the group's own (each facilitator's zone).
    reply = group.slack.submit(ALICE, view["id"], {**values, "work_tz": ""})
    assert reply.status == 200 and not reply.body, reply
    saved = eventually(lambda: group.services.groups.of_channel(group.standin.team_id, group.channel))
    assert saved.calendar is None


def test_a_group_with_shorter_days_gets_shorter_async_defaults(group: Group) -> None:
    create_group(group, work_tz="Europe/Paris", work_hours="09:00-13:00")
    view = group_view(group)
    assert "async 2, 4, 2, 6, 2, 4" in str(view["blocks"]), "the durations field says the defaults"
    # A live group: the pace switch to async keeps the calendar the modal was opened with.
    start = group.open_start_modal(CAROL)
    assert initial(start, "duration_live_consultation") == "25"
    group.slack.choose(CAROL, start["id"], ids.START_PACE, "async")
    updated = eventually(
        lambda: "duration_async" in str(group.standin.views[start["id"]]["blocks"]) and group.standin.views[start["id"]]
    )
    assert [initial(updated, f"duration_async_{step.key}") for step in Step] == ["2", "4", "2", "6", "2", "4"]
    assert "a working day is 4 h here (mon-fri 09:00–13:00, Europe/Paris)" in str(updated["blocks"])
    reply = group.slack.submit(CAROL, start["id"], {})
    assert reply.status == 200 and not reply.body, reply
    eventually(lambda: group.step_message(1))
    snapshot = group.services.sessions.get(group.standin.team_id, 1)
    assert snapshot.steps[Step.CONSULTATION].duration == timedelta(hours=6), "six working hours"


def test_people_who_left_are_skipped_in_rotation_and_nudges(group: Group) -> None:
    create_group(group)
    group.standin.users[ALICE].deleted = True  # Alice left the company
    group.services.people.lookup(group.standin.team_id, ALICE)  # cached before she left
    with group.services.db.session() as session:
        cached = session.get(SlackUser, (group.standin.team_id, ALICE))
        if cached is not None:
            cached.deleted = True
            session.add(cached)
    view = group.open_start_modal(CAROL)
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    proposed = [
        blocks["client"]["element"]["initial_user"],
        blocks["facilitator"]["element"]["initial_user"],
        *blocks["consultants"]["element"]["initial_users"],
    ]
    assert ALICE not in proposed
    assert "Tuesday circle" in group.slack.command(CAROL, "group stats").json()["text"], "past sessions stay readable"
