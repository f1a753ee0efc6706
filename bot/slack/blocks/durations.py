"""Working time as people read it: "½ working day", "1½ working days", "3 working hours", "2 working days 3 h".

Pure. Async timeboxes are typed in working hours; a calendar's working day (8 h for 09:00–17:00) turns them into
days, the unit people plan in.
"""

from __future__ import annotations

from datetime import timedelta

from bot.domain.workcal import WorkingCalendar, describe_days, describe_hours
from bot.i18n import t, tn, weekday_names

HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)


def working_days_label(hours: int, working_day: timedelta) -> str:
    """`hours` working hours in the calendar's days: 4 with an 8-hour day is "½ working day"."""
    return working_time_label(timedelta(hours=hours), working_day)


def working_time_label(amount: timedelta, working_day: timedelta) -> str:
    """A working-time span in whole or half working days, with what remains in hours and minutes.

    Less than a day (but half of one) is said in working hours ("3 working hours", "45 working minutes");
    seconds are dropped, as a timebox is never that precise.
    """
    amount = max(amount, timedelta(0)) // MINUTE * MINUTE
    if working_day <= timedelta(0):
        return _hours(amount)
    days, rest = divmod(amount, working_day)
    half = rest == working_day / 2 and rest > timedelta(0)
    if days == 0 and not half:
        return _hours(rest)
    if half:
        count = "½" if days == 0 else f"{days}½"
        return t("worktime_half_day") if days == 0 else t("worktime_days", days=count)
    whole = tn("worktime_whole_days", days)
    if rest == timedelta(0):
        return whole
    return t("worktime_days_and", days=whole, rest=clock_text(rest))


def _hours(amount: timedelta) -> str:
    """Less than a working day, in working hours (and minutes)."""
    hours, minutes = amount // HOUR, (amount % HOUR) // MINUTE
    if hours == 0:
        return t("worktime_minutes", minutes=minutes)
    whole = tn("worktime_hours", hours)
    return whole if minutes == 0 else t("worktime_hours_and", hours=whole, minutes=minutes)


def clock_text(amount: timedelta) -> str:
    """A span on the clock: "3 h", "3 h 30 min", "15 min" (a working day's length, what remains after days)."""
    hours, minutes = amount // HOUR, (amount % HOUR) // MINUTE
    parts = [t("duration_hours", n=hours)] if hours else []
    if minutes or not hours:
        parts.append(t("duration_minutes", n=minutes))
    return " ".join(parts)


def calendar_text(calendar: WorkingCalendar | None) -> str:
    """The days, hours and zone of a calendar: "mon-fri 09:00–17:00, Europe/Paris". None: the defaults in the
    facilitator's own zone (a session outside a group with a calendar)."""
    shown = calendar or WorkingCalendar()
    hours = describe_hours(shown).replace("-", "–")
    zone = shown.tz if calendar else t("worktime_facilitator_zone")
    return t("worktime_calendar", days=describe_days(shown.days, weekday_names()), hours=hours, tz=zone)


def working_days_list(hours: list[int], working_day: timedelta) -> str:
    """Several timeboxes in working days, as compactly as they allow: "½, 1, ½, 1½, ½, 1 working days" when each
    is a whole or half day, else each one in full."""
    half = working_day / 2
    if half > timedelta(0) and all(timedelta(hours=h) % half == timedelta(0) for h in hours):
        counts = [_half_days(timedelta(hours=h) // half) for h in hours]
        return t("worktime_days", days=", ".join(counts))
    return ", ".join(working_days_label(h, working_day) for h in hours)


def _half_days(halves: int) -> str:
    whole, half = divmod(halves, 2)
    if not half:
        return str(whole)
    return f"{whole}½" if whole else "½"
