"""The tables. Every row carries the Slack workspace (team) id, so several workspaces need no migration."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Column, Index, UniqueConstraint, false
from sqlmodel import Field, SQLModel

from bot.storage.types import UTCDateTime


def _utc(*, nullable: bool = True) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


class SlackUser(SQLModel, table=True):
    """A cache of users.info: profile facts codev needs (time zone, bot or deactivated)."""

    __tablename__ = "slack_user"

    team_id: str = Field(primary_key=True, max_length=32)
    user_id: str = Field(primary_key=True, max_length=32)
    name: str = Field(default="", max_length=255)
    tz: str | None = Field(default=None, max_length=64)
    locale: str | None = Field(default=None, max_length=16)
    is_bot: bool = False
    deleted: bool = False
    fetched_at: datetime = Field(sa_column=_utc(nullable=False))


class ProcessedEvent(SQLModel, table=True):
    """The inbox: each acknowledged Events API delivery, stored before the ack and processed from here.

    The id's uniqueness drops Slack's retries; a row still "pending" after its process died is finished by
    whichever process comes next.
    """

    __tablename__ = "processed_event"
    __table_args__ = (Index("ix_processed_event_state", "state", "received_at"),)

    team_id: str = Field(primary_key=True, max_length=32)
    event_id: str = Field(primary_key=True, max_length=64)
    received_at: datetime = Field(sa_column=_utc(nullable=False))
    state: str = Field(default="done", max_length=16)  # pending, done, failed
    payload: str | None = None  # the request body as Slack sent it, until processed
    attempts: int = 0
    owner: str | None = Field(default=None, max_length=64)  # the process handling it (CodevProcess.id)


class CodevSession(SQLModel, table=True):
    """One co-development session in one channel."""

    __tablename__ = "codev_session"
    __table_args__ = (Index("ix_codev_session_channel_status", "team_id", "channel_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    channel_id: str = Field(max_length=32)
    topic: str = Field(max_length=300)
    facilitator_id: str = Field(max_length=32)
    client_id: str = Field(max_length=32)
    created_by: str = Field(max_length=32)
    pace: str = Field(max_length=8)
    status: str = Field(max_length=16)
    step: int
    # Bumped by every state change; updates are conditional on it (optimistic concurrency).
    version: int = 1
    root_ts: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=_utc())
    contract_need: str | None = None
    contract_expectations: str | None = None
    contract_ts: str | None = Field(default=None, max_length=32)
    contract_problem: str | None = None  # "How I see my problem now": the client's reformulation after Clarification
    synthesis_keep: str | None = None
    synthesis_ts: str | None = Field(default=None, max_length=32)
    # "Did you get what you asked for?", against the contract: yes, partly or no, with the client's own words.
    synthesis_got: str | None = Field(default=None, max_length=16)
    synthesis_got_note: str | None = None
    summary_state: str = Field(default="none", max_length=16)  # none, proposed, posted
    summary_text: str | None = None
    summary_ts: str | None = Field(default=None, max_length=32)
    # Timekeeping settings (async sessions move on by themselves after a grace period, and nudge).
    auto_advance: bool = False
    close_when_all_done: bool = False
    nudges: bool = False
    reminder_share: float = 0.2
    # An async session's working calendar (WorkingCalendar.spec), copied at start; NULL: clock time (live).
    calendar: str | None = None
    # What the channel reads, fixed as the session starts (the group's language, or the facilitator's outside a
    # group); None for sessions older than languages: English.
    language: str | None = Field(default=None, max_length=16)
    # One process at a time delivers a session's outbox (see OutboxMessage): it holds this lease meanwhile,
    # for as long as it lives (CodevProcess) and at most until delivering_until.
    delivering_until: datetime | None = Field(default=None, sa_column=_utc())
    delivering_by: str | None = Field(default=None, max_length=64)


class Consultant(SQLModel, table=True):
    __tablename__ = "consultant"

    session_id: int = Field(foreign_key="codev_session.id", primary_key=True, ondelete="CASCADE")
    user_id: str = Field(primary_key=True, max_length=32)
    team_id: str = Field(max_length=32)
    position: int = 0


class SessionStep(SQLModel, table=True):
    """A step of a session: its timebox and its top-level message (whose thread is the step)."""

    __tablename__ = "session_step"
    __table_args__ = (Index("ix_session_step_message", "team_id", "message_ts"),)

    session_id: int = Field(foreign_key="codev_session.id", primary_key=True, ondelete="CASCADE")
    step: int = Field(primary_key=True)
    team_id: str = Field(max_length=32)
    duration_seconds: int
    extended_seconds: int = 0
    paused_seconds: int = 0
    started_at: datetime | None = Field(default=None, sa_column=_utc())
    paused_at: datetime | None = Field(default=None, sa_column=_utc())
    ended_at: datetime | None = Field(default=None, sa_column=_utc())
    message_ts: str | None = Field(default=None, max_length=32)


class StepDone(SQLModel, table=True):
    """A participant's "I'm done" for a step."""

    __tablename__ = "step_done"

    session_id: int = Field(foreign_key="codev_session.id", primary_key=True, ondelete="CASCADE")
    step: int = Field(primary_key=True)
    user_id: str = Field(primary_key=True, max_length=32)
    team_id: str = Field(max_length=32)
    done_at: datetime = Field(sa_column=_utc(nullable=False))


class Contribution(SQLModel, table=True):
    """A reply in a step's thread. Never deleted: a deletion in Slack marks it."""

    __tablename__ = "contribution"
    __table_args__ = (
        UniqueConstraint("team_id", "channel_id", "ts", name="uq_contribution_message"),
        Index("ix_contribution_session_step", "session_id", "step"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    session_id: int = Field(foreign_key="codev_session.id", ondelete="CASCADE")
    step: int
    channel_id: str = Field(max_length=32)
    ts: str = Field(max_length=32)
    thread_ts: str = Field(max_length=32)
    user_id: str = Field(max_length=32)
    text: str
    late: bool = False
    deleted: bool = False
    kept: bool = False  # picked by the client in Synthesis
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    edited_at: datetime | None = Field(default=None, sa_column=_utc())


class ActionItem(SQLModel, table=True):
    __tablename__ = "action_item"
    __table_args__ = (Index("ix_action_item_owner", "team_id", "owner_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    session_id: int = Field(foreign_key="codev_session.id", ondelete="CASCADE")
    owner_id: str = Field(max_length=32)
    text: str = Field(max_length=500)
    due_date: date | None = None
    status: str = Field(default="open", max_length=16)  # open, done, postponed, dropped
    position: int = 0
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    # What the owner said at the follow-up; shared with the group only if they ticked it.
    outcome_note: str | None = Field(default=None, max_length=500)
    outcome_shared: bool = False
    outcome_at: datetime | None = Field(default=None, sa_column=_utc())


class JournalEntry(SQLModel, table=True):
    """A private learning-journal entry: only its author ever sees it."""

    __tablename__ = "journal_entry"
    __table_args__ = (
        Index("ix_journal_entry_author", "team_id", "user_id", "created_at"),
        # One entry per person per message: two people may each save the same message to their own journal.
        UniqueConstraint("team_id", "user_id", "source_channel_id", "source_ts", name="uq_journal_entry_source"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    user_id: str = Field(max_length=32)
    text: str
    tags: str = Field(default="", max_length=1000)  # space-separated, lower case, without '#'
    session_id: int | None = Field(default=None, foreign_key="codev_session.id", ondelete="SET NULL")
    step: int | None = None
    source_channel_id: str | None = Field(default=None, max_length=32)
    source_ts: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    # How it came: "dm", "command", "shortcut" (a message saved from someone) or "learning".
    origin: str = Field(default="dm", max_length=16)
    quote_author_id: str | None = Field(default=None, max_length=32)
    permalink: str | None = Field(default=None, max_length=500)
    confirmation_ts: str | None = Field(default=None, max_length=32)  # the bot's "Saved" DM, for Undo


class TimedEvent(SQLModel, table=True):
    """A reminder, deadline, automatic move-on or nudge: the source of truth the scheduler's jobs come from."""

    __tablename__ = "timed_event"
    __table_args__ = (
        # One row per session, step, kind and person: at most one nudge per person per step.
        UniqueConstraint("session_id", "step", "kind", "user_id", name="uq_timed_event_key"),
        Index("ix_timed_event_state_due", "state", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    session_id: int = Field(foreign_key="codev_session.id", ondelete="CASCADE")
    step: int
    kind: str = Field(max_length=16)
    user_id: str = Field(default="", max_length=32)
    due_at: datetime = Field(sa_column=_utc(nullable=False))
    state: str = Field(default="pending", max_length=16)
    fired_at: datetime | None = Field(default=None, sa_column=_utc())
    message_ts: str | None = Field(default=None, max_length=32)
    updated_at: datetime = Field(sa_column=_utc(nullable=False))


class CodevProcess(SQLModel, table=True):
    """A running codev process and when it last said it was alive: work it holds is taken over once it is not."""

    __tablename__ = "codev_process"

    id: str = Field(primary_key=True, max_length=64)
    started_at: datetime = Field(sa_column=_utc(nullable=False))
    seen_at: datetime = Field(sa_column=_utc(nullable=False))


class OutboxMessage(SQLModel, table=True):
    """What a state change owes Slack (messages to post or update), stored in the change's own transaction.

    Delivered after commit, in order per session, retried with backoff until done; a delivery that may have
    posted already looks for its message (metadata) before posting again.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_state_due", "state", "due_at"),
        Index("ix_outbox_session_state", "session_id", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    session_id: int = Field(foreign_key="codev_session.id", ondelete="CASCADE")
    kind: str = Field(max_length=16)  # sync (the session's messages), note (in a step's thread), summary
    payload: str = "{}"  # JSON
    state: str = Field(default="pending", max_length=16)
    due_at: datetime = Field(sa_column=_utc(nullable=False))
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=64)
    fired_at: datetime | None = Field(default=None, sa_column=_utc())
    message_ts: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    updated_at: datetime = Field(sa_column=_utc(nullable=False))


class PersonSettings(SQLModel, table=True):
    """A person's own preferences: nudges on or off, and their quiet hours (local time)."""

    __tablename__ = "person_settings"

    team_id: str = Field(primary_key=True, max_length=32)
    user_id: str = Field(primary_key=True, max_length=32)
    nudges_off: bool = False
    quiet_start: time | None = None
    quiet_end: time | None = None
    quiet_weekends: bool = True
    # The language codev speaks to this person ('fr', 'en'); None: their Slack locale (`/codev language auto`).
    language: str | None = Field(default=None, max_length=16)


class HomeState(SQLModel, table=True):
    """What a person's App Home shows: their search and page survive refreshes."""

    __tablename__ = "home_state"

    team_id: str = Field(primary_key=True, max_length=32)
    user_id: str = Field(primary_key=True, max_length=32)
    query: str = Field(default="", max_length=200)
    page: int = 0


class CodevGroup(SQLModel, table=True):
    """A co-development group: one per channel; a person may be in several."""

    __tablename__ = "codev_group"
    __table_args__ = (UniqueConstraint("team_id", "channel_id", name="uq_codev_group_channel"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    channel_id: str = Field(max_length=32)
    name: str = Field(max_length=100)
    charter: str
    pace: str = Field(default="live", max_length=8)
    # The group's working calendar (WorkingCalendar.spec): async timeboxes count its working time, and members
    # without hours of their own are notified in its working hours, on their own zone's clock.
    calendar: str | None = None
    durations: str | None = Field(default=None, max_length=64)  # comma-separated, in the pace's unit
    # The cadence: every `cadence_weeks` weeks from `cadence_first`, at `cadence_time` in `cadence_tz`.
    cadence_first: date | None = None
    cadence_time: time | None = None
    cadence_weeks: int | None = None
    cadence_tz: str | None = Field(default=None, max_length=64)
    # Members must accept the charter before they take part in a session (the start modal refuses until then).
    charter_required: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # Members evaluate how the group works after every this many sessions (0: never).
    evaluation_every: int = Field(default=4, sa_column_kwargs={"server_default": "4"})
    # What the channel reads ('fr', 'en'); None: the language most members read.
    language: str | None = Field(default=None, max_length=16)
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(sa_column=_utc(nullable=False))


class GroupMember(SQLModel, table=True):
    __tablename__ = "group_member"

    group_id: int = Field(foreign_key="codev_group.id", primary_key=True, ondelete="CASCADE")
    user_id: str = Field(primary_key=True, max_length=32)
    team_id: str = Field(max_length=32)
    position: int = 0
    away_until: date | None = None
    charter_accepted_at: datetime | None = Field(default=None, sa_column=_utc())


class ChannelLeave(SQLModel, table=True):
    """Someone left a channel (member_left_channel): skipped in its rotation and nudges until they rejoin."""

    __tablename__ = "channel_leave"

    team_id: str = Field(primary_key=True, max_length=32)
    channel_id: str = Field(primary_key=True, max_length=32)
    user_id: str = Field(primary_key=True, max_length=32)
    left_at: datetime = Field(sa_column=_utc(nullable=False))


class ScheduledTask(SQLModel, table=True):
    """Timed work outside a session's steps: a group's kick-off, its volunteer deadline, an action follow-up.

    Like timed_event, the table is the truth the scheduler's jobs are rebuilt from.
    """

    __tablename__ = "scheduled_task"
    __table_args__ = (
        Index("ix_scheduled_task_state_due", "state", "due_at"),
        Index("ix_scheduled_task_subject", "kind", "subject_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    kind: str = Field(max_length=16)  # kickoff (of a group), volunteers (a kick-off's deadline), follow_up (an action)
    subject_id: int
    due_at: datetime = Field(sa_column=_utc(nullable=False))
    state: str = Field(default="pending", max_length=16)
    fired_at: datetime | None = Field(default=None, sa_column=_utc())
    message_ts: str | None = Field(default=None, max_length=32)
    updated_at: datetime = Field(sa_column=_utc(nullable=False))


class Kickoff(SQLModel, table=True):
    """A recurring session's call for a client: "Who brings a challenge this time?"."""

    __tablename__ = "kickoff"
    __table_args__ = (UniqueConstraint("group_id", "scheduled_for", name="uq_kickoff_occurrence"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    group_id: int = Field(foreign_key="codev_group.id", ondelete="CASCADE")
    channel_id: str = Field(max_length=32)
    scheduled_for: datetime = Field(sa_column=_utc(nullable=False))
    facilitator_id: str = Field(max_length=32)
    status: str = Field(default="open", max_length=16)  # open, started
    picked_id: str | None = Field(default=None, max_length=32)
    session_id: int | None = Field(default=None, foreign_key="codev_session.id", ondelete="SET NULL")
    message_ts: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(sa_column=_utc(nullable=False))


class KickoffVolunteer(SQLModel, table=True):
    __tablename__ = "kickoff_volunteer"

    kickoff_id: int = Field(foreign_key="kickoff.id", primary_key=True, ondelete="CASCADE")
    user_id: str = Field(primary_key=True, max_length=32)
    team_id: str = Field(max_length=32)
    topic: str = Field(max_length=300)
    created_at: datetime = Field(sa_column=_utc(nullable=False))


class GroupEvaluation(SQLModel, table=True):
    """A round of the group's evaluation of how it works, asked after one of its sessions."""

    __tablename__ = "group_evaluation"
    __table_args__ = (UniqueConstraint("group_id", "session_id", name="uq_group_evaluation_session"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    group_id: int = Field(foreign_key="codev_group.id", ondelete="CASCADE")
    session_id: int | None = Field(default=None, foreign_key="codev_session.id", ondelete="SET NULL")
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    results_ts: str | None = Field(default=None, max_length=32)  # the aggregate posted in the channel
    results_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})  # answers it shows


class EvaluationResponse(SQLModel, table=True):
    """One answer, deliberately without its author nor its time: nobody, not even the database, can tell who
    said what. Who answered is kept apart (EvaluationVoter), only to ask each person once."""

    __tablename__ = "evaluation_response"

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    evaluation_id: int = Field(foreign_key="group_evaluation.id", ondelete="CASCADE")
    climate: int  # 1-5
    listening: int  # 1-5
    method: int  # 1-5: how well the group respects the method
    comment: str | None = Field(default=None, max_length=1000)


class EvaluationVoter(SQLModel, table=True):
    __tablename__ = "evaluation_voter"

    evaluation_id: int = Field(foreign_key="group_evaluation.id", primary_key=True, ondelete="CASCADE")
    user_id: str = Field(primary_key=True, max_length=32)
    team_id: str = Field(max_length=32)


class CodevWorkspace(SQLModel, table=True):
    """A workspace codev was installed in through OAuth (multi-workspace mode): active, or uninstalled and
    waiting for its data to be deleted. Its row is also the lock that lets one process at a time refresh the
    workspace's rotating token."""

    __tablename__ = "codev_workspace"

    team_id: str = Field(primary_key=True, max_length=32)
    enterprise_id: str | None = Field(default=None, max_length=32)
    name: str | None = Field(default=None, max_length=200)
    active: bool = Field(default=True)
    installed_at: datetime = Field(sa_column=_utc(nullable=False))
    uninstalled_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    purge_after: datetime | None = Field(default=None, sa_column=_utc(nullable=True))  # data deleted from then
    # A process refreshing the rotating token holds this lease; others wait for it (one refresh at a time).
    refresh_lease_until: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


# Slack's OAuth tables (installations, bots, OAuth states), defined as slack_sdk's stores use them.
from bot.storage.installations import define_slack_tables  # noqa: E402

SLACK_INSTALLATIONS, SLACK_BOTS, SLACK_OAUTH_STATES = define_slack_tables(SQLModel.metadata)
