from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings


def test_defaults() -> None:
    settings = load_settings({}, env_file=None)
    assert settings.database_url == "sqlite:///codev.db"
    assert settings.port == 3000
    assert settings.clock_speed == 1
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.log_level == "INFO"


def test_env_file_fills_gaps_and_real_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("PORT=4000\nLOG_LEVEL=debug\nSLACK_BOT_TOKEN=xoxb-from-file\n")
    settings = load_settings({"PORT": "5000"}, env_file=env_file)
    assert settings.port == 5000
    assert settings.log_level == "DEBUG"
    assert settings.slack_bot_token == "xoxb-from-file"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORT", "abc"),
        ("PORT", "70000"),
        ("CODEV_CLOCK_SPEED", "fast"),
        ("CODEV_CLOCK_SPEED", "0"),
        ("LOG_LEVEL", "LOUD"),
        ("DATABASE_URL", "mysql://x"),
        ("SLACK_API_URL", "slack.com"),
        ("CODEV_WORKING_DAYS", "weekdays"),
        ("CODEV_WORKING_HOURS", "17-9"),
    ],
)
def test_malformed_settings_name_themselves(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings({name: value}, env_file=None)


def test_postgres_urls_get_the_psycopg_driver() -> None:
    settings = load_settings({"DATABASE_URL": "postgresql://u:p@localhost/codev"}, env_file=None)
    assert settings.database_url == "postgresql+psycopg://u:p@localhost/codev"


def _codev(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=60
    )


def test_run_without_tokens_prints_one_clear_line_and_exits_2(tmp_path: Path) -> None:
    result = _codev("run", env={"PATH": "/usr/bin:/bin"}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "SLACK_BOT_TOKEN" in result.stderr and "Traceback" not in result.stderr


def test_malformed_setting_exits_2_naming_it(tmp_path: Path) -> None:
    result = _codev("run", env={"PATH": "/usr/bin:/bin", "PORT": "x"}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("codev: PORT")


def test_socket_mode_needs_an_app_token(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}
    result = _codev("run", "--socket", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "SLACK_APP_TOKEN" in result.stderr


def test_the_default_working_calendar_comes_from_the_environment() -> None:
    settings = load_settings({"CODEV_WORKING_DAYS": "sun-thu", "CODEV_WORKING_HOURS": "08:30-16:30"}, env_file=None)
    calendar = settings.working_calendar
    assert (sorted(calendar.days), str(calendar.start), str(calendar.end)) == ([0, 1, 2, 3, 6], "08:30:00", "16:30:00")
    assert load_settings({}, env_file=None).working_calendar.working_day.total_seconds() == 8 * 3600


def test_the_operators_working_hours_apply_to_people_outside_sessions_too() -> None:
    from bot.services.reach import use_default_hours, working_hours

    settings = load_settings({"CODEV_WORKING_DAYS": "mon-sun", "CODEV_WORKING_HOURS": "00:00-24:00"}, env_file=None)
    try:
        use_default_hours(settings.working_calendar)
        hours = working_hours(None, "Europe/Paris", None)
        assert (hours.tz, len(hours.days), hours.working_day.total_seconds()) == ("Europe/Paris", 7, 24 * 3600)
    finally:
        use_default_hours(load_settings({}, env_file=None).working_calendar)
