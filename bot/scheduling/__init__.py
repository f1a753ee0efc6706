"""APScheduler wiring: the one owner of the scheduler."""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler

log = logging.getLogger(__name__)


def make_scheduler() -> BackgroundScheduler:
    """A UTC scheduler. Late jobs still run (the default one-second grace would silently drop them)."""
    return BackgroundScheduler(
        timezone="UTC",
        job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
    )
