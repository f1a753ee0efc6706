"""Forget-me: what codev keeps about a person, table by table, and what forgetting does to each.

Their words go, the facts others rely on stay. What is theirs alone (journal, settings, profile cache, Home
state, time away, kick-off topics) is deleted. Where their words sit in other people's records (their
contributions to sessions, the sessions they brought as client, their actions, messages of theirs that
others saved), the record keeps its shape and their words read "[deleted]". Who held which role in which
session, who is in a group and accepted its charter, who left a channel: these stay, so that past sessions
still name them, a running session goes on, and rotation and nudges keep leaving out whoever left.

PLAN declares this for every table with a column naming a person (tests/integration/test_forget_plan.py
fails when a table or such a column has none), and `PrivacyService.forget` applies it in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from bot.clock import Clock
from bot.domain.timers import EventKind, EventState
from bot.services.evaluations import forget_after_dms
from bot.services.hints import forget_hint_claims
from bot.services.home import forget_home_marks
from bot.services.tasks import TaskKind
from bot.storage.db import Database
from bot.storage.models import (
    ActionItem,
    CodevSession,
    Contribution,
    EvaluationVoter,
    GroupMember,
    HomeState,
    JournalEntry,
    Kickoff,
    KickoffVolunteer,
    PersonSettings,
    ScheduledTask,
    SlackUser,
    TimedEvent,
)

DELETED_TEXT = "[deleted]"

# Columns ending in _id or _by name a person, except these, which name something else.
NOT_A_PERSON = frozenset(
    {
        "id",
        "team_id",
        "channel_id",
        "source_channel_id",
        "session_id",
        "group_id",
        "kickoff_id",
        "event_id",  # a Slack delivery's id; a coaching hint's claim ends with a person's id: see forget()
        "subject_id",
        "evaluation_id",  # a group evaluation (GroupEvaluation.id), not a person
        "delivering_by",  # a codev process (CodevProcess.id), not a person
        # Slack's OAuth tables: the Enterprise Grid org, the app, codev's own bot user, a webhook's channel.
        "enterprise_id",
        "app_id",
        "bot_id",
        "bot_user_id",
        "incoming_webhook_channel_id",
    }
)
# In Slack's OAuth tables, client_id is the app's OAuth client, not a session's client.
NOT_A_PERSON_IN_TABLE = frozenset({("slack_installations", "client_id"), ("slack_bots", "client_id")})


def names_a_person(column: str, table: str = "") -> bool:
    return (
        (column.endswith("_id") or column.endswith("_by"))
        and column not in NOT_A_PERSON
        and (table, column) not in NOT_A_PERSON_IN_TABLE
    )


@dataclass
class ForgetReport:
    """What forgetting did: rows deleted, rows whose words became "[deleted]", and what it stopped."""

    journal_entries: int = 0  # deleted
    kickoff_topics: int = 0  # their volunteer rows, deleted
    settings: int = 0  # quiet hours and nudges, deleted
    profiles: int = 0  # the cached Slack profile, deleted
    home_states: int = 0  # deleted
    away: int = 0  # groups where their time away was cleared
    contributions: int = 0  # texts now "[deleted]"
    client_sessions: int = 0  # sessions they brought: topic, contract, synthesis and summary now "[deleted]"
    actions: int = 0  # texts now "[deleted]", outcome notes gone and unshared
    quotes: int = 0  # messages of theirs that others saved to their journals, now "[deleted]"
    follow_ups: int = 0  # pending follow-ups about their actions, cancelled
    nudges: int = 0  # pending nudges to them, dropped
    unpicked: int = 0  # open kick-offs where they were the facilitator's pick
    evaluation_votes: int = 0  # records that they answered a group evaluation, kept (the answers stay: anonymous)
    after_dms: int = 0  # the after-session DMs owed to them (outbox rows naming them in their payload), deleted
    hint_claims: int = 0  # the coaching hints they were given ("hint:…:<their id>" in processed_event), deleted
    # Kick-offs whose channel message lists their topic: the caller shows them again without it.
    kickoffs: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class _Person:
    team_id: str
    user_id: str
    now: datetime


Apply = Callable[[Session, _Person, ForgetReport], None]


class Treatment(StrEnum):
    DELETE = "delete"  # their rows go
    BLANK = "blank"  # the rows stay for others; the person's words (or personal dates) in them go
    KEEP = "keep"  # a fact others' records or a running session rely on; nothing of theirs to erase


@dataclass(frozen=True)
class TablePlan:
    treatment: Treatment
    columns: tuple[str, ...]  # every column of the table that names a person
    why: str
    apply: Apply | None = None  # None only for KEEP


# ---- the steps, one per table ------------------------------------------------------------------------------
def _journal(session: Session, who: _Person, report: ForgetReport) -> None:
    deleted = session.exec(
        delete(JournalEntry).where(col(JournalEntry.team_id) == who.team_id, col(JournalEntry.user_id) == who.user_id)
    )
    report.journal_entries = deleted.rowcount
    quoted = session.exec(
        update(JournalEntry)
        .where(
            col(JournalEntry.team_id) == who.team_id,
            col(JournalEntry.quote_author_id) == who.user_id,
            col(JournalEntry.user_id) != who.user_id,
        )
        .values(text=DELETED_TEXT, tags="")
    )
    report.quotes = quoted.rowcount


def _contributions(session: Session, who: _Person, report: ForgetReport) -> None:
    result = session.exec(
        update(Contribution)
        .where(col(Contribution.team_id) == who.team_id, col(Contribution.user_id) == who.user_id)
        .values(text=DELETED_TEXT)
    )
    report.contributions = result.rowcount


def _client_sessions(session: Session, who: _Person, report: ForgetReport) -> None:
    rows = session.exec(
        select(CodevSession).where(col(CodevSession.team_id) == who.team_id, col(CodevSession.client_id) == who.user_id)
    ).all()
    for row in rows:
        row.topic = DELETED_TEXT
        for name in (
            "contract_problem",
            "contract_need",
            "contract_expectations",
            "synthesis_keep",
            "synthesis_got_note",
            "summary_text",
        ):
            if getattr(row, name) is not None:
                setattr(row, name, DELETED_TEXT)
        session.add(row)
    report.client_sessions = len(rows)


def _actions(session: Session, who: _Person, report: ForgetReport) -> None:
    theirs = select(ActionItem.id).where(
        col(ActionItem.team_id) == who.team_id, col(ActionItem.owner_id) == who.user_id
    )
    result = session.exec(
        update(ActionItem)
        .where(col(ActionItem.team_id) == who.team_id, col(ActionItem.owner_id) == who.user_id)
        .values(text=DELETED_TEXT, outcome_note=None, outcome_shared=False)
    )
    report.actions = result.rowcount
    stopped = session.exec(
        update(ScheduledTask)
        .where(
            col(ScheduledTask.kind) == TaskKind.FOLLOW_UP.value,
            col(ScheduledTask.state) == EventState.PENDING.value,
            col(ScheduledTask.subject_id).in_(theirs),
        )
        .values(state=EventState.CANCELLED.value, updated_at=who.now)
    )
    report.follow_ups = stopped.rowcount


def _nudges(session: Session, who: _Person, report: ForgetReport) -> None:
    # Dropped, not cancelled: a nudge comes once per step, so no later change to the step re-arms it.
    result = session.exec(
        update(TimedEvent)
        .where(
            col(TimedEvent.team_id) == who.team_id,
            col(TimedEvent.user_id) == who.user_id,
            col(TimedEvent.kind) == EventKind.NUDGE.value,
            col(TimedEvent.state) == EventState.PENDING.value,
        )
        .values(state=EventState.DROPPED.value, updated_at=who.now)
    )
    report.nudges = result.rowcount


def _settings(session: Session, who: _Person, report: ForgetReport) -> None:
    result = session.exec(
        delete(PersonSettings).where(
            col(PersonSettings.team_id) == who.team_id, col(PersonSettings.user_id) == who.user_id
        )
    )
    report.settings = result.rowcount


def _home(session: Session, who: _Person, report: ForgetReport) -> None:
    result = session.exec(
        delete(HomeState).where(col(HomeState.team_id) == who.team_id, col(HomeState.user_id) == who.user_id)
    )
    report.home_states = result.rowcount
    forget_home_marks(session, who.team_id, who.user_id)  # when they last opened their Home


def _profile(session: Session, who: _Person, report: ForgetReport) -> None:
    result = session.exec(
        delete(SlackUser).where(col(SlackUser.team_id) == who.team_id, col(SlackUser.user_id) == who.user_id)
    )
    report.profiles = result.rowcount


def _away(session: Session, who: _Person, report: ForgetReport) -> None:
    result = session.exec(
        update(GroupMember)
        .where(
            col(GroupMember.team_id) == who.team_id,
            col(GroupMember.user_id) == who.user_id,
            col(GroupMember.away_until).is_not(None),
        )
        .values(away_until=None)
    )
    report.away = result.rowcount


def _unpick(session: Session, who: _Person, report: ForgetReport) -> None:
    # As when they withdraw: an open kick-off no longer has them as its pick. A started one keeps it: its
    # session names its client anyway.
    result = session.exec(
        update(Kickoff)
        .where(
            col(Kickoff.team_id) == who.team_id,
            col(Kickoff.picked_id) == who.user_id,
            col(Kickoff.status) == "open",
        )
        .values(picked_id=None)
    )
    report.unpicked = result.rowcount


def _volunteers(session: Session, who: _Person, report: ForgetReport) -> None:
    where = (col(KickoffVolunteer.team_id) == who.team_id, col(KickoffVolunteer.user_id) == who.user_id)
    kickoff_ids = list(session.exec(select(KickoffVolunteer.kickoff_id).where(*where)).all())
    session.exec(delete(KickoffVolunteer).where(*where))
    report.kickoff_topics = len(kickoff_ids)
    if kickoff_ids:
        report.kickoffs = sorted(
            i
            for i in session.exec(
                select(Kickoff.id).where(col(Kickoff.id).in_(kickoff_ids), col(Kickoff.message_ts).is_not(None))
            ).all()
            if i is not None
        )


# ---- the plan: every table with a column naming a person ---------------------------------------------------
PLAN: dict[str, TablePlan] = {
    "journal_entry": TablePlan(
        Treatment.DELETE,
        ("user_id", "quote_author_id"),
        "their journal goes, quotes they saved included; a message of theirs someone else saved stays in that "
        "journal as a “[deleted]” quote",
        _journal,
    ),
    "contribution": TablePlan(
        Treatment.BLANK,
        ("user_id",),
        "a step's thread keeps its shape (counts, order, what the client kept); their replies read “[deleted]”",
        _contributions,
    ),
    "codev_session": TablePlan(
        Treatment.BLANK,
        ("facilitator_id", "client_id", "created_by"),
        "past sessions still name who held each role and a running one goes on; the challenge they brought as "
        "client (topic, contract, synthesis, summary) reads “[deleted]”",
        _client_sessions,
    ),
    "action_item": TablePlan(
        Treatment.BLANK,
        ("owner_id",),
        "their actions keep status and date for the session's record; the text reads “[deleted]”, the note on "
        "how it went is gone and unshared, and no follow-up asks about it",
        _actions,
    ),
    "timed_event": TablePlan(
        Treatment.BLANK,
        ("user_id",),
        "pending nudges to them are dropped; a running session's own timers stay",
        _nudges,
    ),
    "person_settings": TablePlan(Treatment.DELETE, ("user_id",), "their quiet hours and nudge choice", _settings),
    "home_state": TablePlan(Treatment.DELETE, ("user_id",), "their Home's search and page", _home),
    "slack_user": TablePlan(
        Treatment.DELETE, ("user_id",), "a cache of their Slack profile, fetched again when needed", _profile
    ),
    "group_member": TablePlan(
        Treatment.BLANK,
        ("user_id",),
        "they remain a member (charter accepted, place in rotation); their time away is cleared",
        _away,
    ),
    "kickoff": TablePlan(
        Treatment.BLANK,
        ("facilitator_id", "picked_id"),
        "a kick-off keeps its facilitator; an open one no longer has them as its pick (a started one names its "
        "session's client, as the session does)",
        _unpick,
    ),
    "kickoff_volunteer": TablePlan(
        Treatment.DELETE,
        ("user_id",),
        "the topics they offered at kick-offs; the kick-off messages drop them",
        _volunteers,
    ),
    "evaluation_voter": TablePlan(
        Treatment.KEEP,
        ("user_id",),
        "that they answered a group evaluation, no words: deleting it would let them answer twice (they remain a "
        "member); their answers stay, anonymous: no column of an answer names anyone",
    ),
    "consultant": TablePlan(
        Treatment.KEEP, ("user_id",), "who consulted in which session: past sessions name them, a running one needs it"
    ),
    "step_done": TablePlan(
        Treatment.KEEP, ("user_id",), "an “I'm done” click, no words: a running session closes steps early on it"
    ),
    "codev_group": TablePlan(
        Treatment.KEEP, ("created_by",), "who created the group: told when codev cannot post its kick-off"
    ),
    "slack_installations": TablePlan(
        Treatment.KEEP,
        ("user_id",),
        "who installed codev in the workspace, as Slack's OAuth returned it with the workspace's token: it goes "
        "when the workspace uninstalls codev (its data is deleted 30 days later, or at once with "
        "`codev workspace purge`)",
    ),
    "channel_leave": TablePlan(
        Treatment.KEEP,
        ("user_id",),
        "that they left a channel, no words: deleting it would bring them back into its rotation and nudges",
    ),
}


class PrivacyService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def forget(self, team_id: str, user_id: str) -> ForgetReport:
        """Apply PLAN to one person in one transaction: everything happens, or nothing does."""
        who, report = _Person(team_id, user_id, self.clock.now()), ForgetReport()
        with self.db.session() as session:
            for plan in PLAN.values():
                if plan.apply is not None:
                    plan.apply(session, who, report)
            # Not a column of its own: the claims of the hints they were given name them at the end of a key.
            report.hint_claims = forget_hint_claims(session, team_id, user_id)
            # Nor are the after-session DMs owed to them: their outbox rows name them in a JSON payload.
            report.after_dms = forget_after_dms(session, team_id, user_id)
            report.evaluation_votes = session.exec(
                select(func.count()).where(
                    col(EvaluationVoter.team_id) == team_id, col(EvaluationVoter.user_id) == user_id
                )
            ).one()
        return report
