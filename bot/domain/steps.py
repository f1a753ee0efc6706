"""The six steps of the Payette & Champagne method, who speaks in each, and their default timeboxes."""

from __future__ import annotations

from datetime import timedelta
from enum import IntEnum, StrEnum


class Step(IntEnum):
    PRESENTATION = 1
    CLARIFICATION = 2
    CONTRACT = 3
    CONSULTATION = 4
    SYNTHESIS = 5
    LEARNING = 6

    @property
    def key(self) -> str:
        return self.name.lower()

    @property
    def next(self) -> Step | None:
        return Step(self + 1) if self < Step.LEARNING else None


STEPS: tuple[Step, ...] = tuple(Step)


class Speakers(StrEnum):
    CLIENT = "client"
    CONSULTANTS = "consultants"
    EVERYONE = "everyone"


SPEAKERS: dict[Step, Speakers] = {
    Step.PRESENTATION: Speakers.CLIENT,
    Step.CLARIFICATION: Speakers.CONSULTANTS,
    Step.CONTRACT: Speakers.CLIENT,
    Step.CONSULTATION: Speakers.CONSULTANTS,
    Step.SYNTHESIS: Speakers.CLIENT,
    Step.LEARNING: Speakers.EVERYONE,
}


class Pace(StrEnum):
    LIVE = "live"  # one sitting, timeboxes in clock minutes
    ASYNC = "async"  # spread over days, timeboxes in working hours of the group's calendar

    @classmethod
    def parse(cls, value: object) -> Pace:
        """The pace a form says, live when it says nothing sensible."""
        return cls(value) if value in {p.value for p in cls} else cls.LIVE

    @property
    def unit(self) -> timedelta:
        """The unit durations are entered in for this pace."""
        return timedelta(minutes=1) if self is Pace.LIVE else timedelta(hours=1)


# Defaults in the pace's unit (minutes for live, working hours for async). Async: ½, 1, ½, 1½, ½ and 1 working
# days of 8 hours — a case takes one working week. Presentation, Contract and Synthesis are the client's alone
# (half a day each); Clarification and Learning are everyone's (a day, so each finds a moment in their own day);
# Consultation is the heart of the method and needs the most voices (a day and a half).
DEFAULT_DURATIONS: dict[Pace, dict[Step, int]] = {
    Pace.LIVE: {
        Step.PRESENTATION: 10,
        Step.CLARIFICATION: 15,
        Step.CONTRACT: 5,
        Step.CONSULTATION: 25,
        Step.SYNTHESIS: 10,
        Step.LEARNING: 10,
    },
    Pace.ASYNC: {
        Step.PRESENTATION: 4,
        Step.CLARIFICATION: 8,
        Step.CONTRACT: 4,
        Step.CONSULTATION: 12,
        Step.SYNTHESIS: 4,
        Step.LEARNING: 8,
    },
}
NOMINAL_WORKING_DAY = timedelta(hours=8)  # the day the async defaults are written for


def default_durations(pace: Pace, working_day: timedelta = NOMINAL_WORKING_DAY) -> dict[Step, int]:
    """The method's defaults; async ones keep their share of a working day when the group's day is not 8 hours."""
    defaults = DEFAULT_DURATIONS[pace]
    if pace is Pace.LIVE or working_day == NOMINAL_WORKING_DAY:
        return dict(defaults)
    return {step: max(1, round(hours * working_day / NOMINAL_WORKING_DAY)) for step, hours in defaults.items()}


# The longest timebox that still makes sense, in the pace's unit: 4 hours live, 10 working days of 8 h async.
MAX_DURATION: dict[Pace, int] = {Pace.LIVE: 240, Pace.ASYNC: 10 * 8}

# Half a working day async: the facilitator's "Continue" gives the group the rest of its day, or a morning.
EXTENSION: dict[Pace, timedelta] = {Pace.LIVE: timedelta(minutes=5), Pace.ASYNC: timedelta(hours=4)}

MIN_PEERS = 5
MAX_PEERS = 8


def expected_speakers(step: Step, client_id: str, consultant_ids: list[str], facilitator_id: str) -> list[str]:
    """Who is expected to contribute (and to click "I'm done") in a step, as the method runs it.

    Presentation, Contract and Synthesis are the client's. Clarification is a dialogue: the consultants ask and
    the client answers, so both are expected. Consultation is the consultants' (the client listens). Learning is
    everyone's: the client, the consultants and the facilitator each say what they take away.
    """
    speakers = SPEAKERS[step]
    if speakers is Speakers.CLIENT:
        return [client_id]
    if step is Step.CLARIFICATION:
        return list(dict.fromkeys([*consultant_ids, client_id]))
    if speakers is Speakers.CONSULTANTS:
        return list(consultant_ids)
    return list(dict.fromkeys([client_id, *consultant_ids, facilitator_id]))


# How long a recurring session's kick-off waits for a volunteer before asking the facilitator privately.
VOLUNTEER_WINDOW: dict[Pace, timedelta] = {Pace.LIVE: timedelta(minutes=15), Pace.ASYNC: timedelta(days=1)}


def parse_duration_list(text: str, pace: Pace) -> dict[Step, int]:
    """Six whole numbers in the pace's unit, one per step in order, separated by spaces or commas."""
    parts = text.replace(",", " ").split()
    if len(parts) != len(Step) or not all(part.isdigit() for part in parts):
        raise ValueError("six whole numbers expected")
    amounts = [int(part) for part in parts]
    if any(amount <= 0 or amount > MAX_DURATION[pace] for amount in amounts):
        raise ValueError("a duration is out of range")
    return dict(zip(Step, amounts, strict=True))


def format_duration_list(durations: dict[Step, int]) -> str:
    return ", ".join(str(durations[step]) for step in Step)
