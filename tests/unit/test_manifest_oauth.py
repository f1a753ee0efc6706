"""manifest.oauth.yml (several workspaces) is manifest.yml (one workspace) with only what OAuth mode needs
changed: Request URLs, Socket Mode off, token rotation on. Both ask for BOT_SCOPES, codev's one list."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml

from bot.slack.oauth import BOT_SCOPES, REDIRECT_PATH
from tests.unit.test_manifest import _validator

ROOT = Path(__file__).resolve().parents[2]
EVENTS_URL = "https://codev.example.com/slack/events"


def load(name: str) -> dict[str, Any]:
    manifest: dict[str, Any] = yaml.safe_load((ROOT / name).read_text())
    return manifest


def flat(node: Any, path: str = "") -> dict[str, Any]:
    """Every leaf of the manifest by its path (lists by index): what a difference is measured in."""
    if isinstance(node, dict):
        return {k: v for key, child in node.items() for k, v in flat(child, f"{path}.{key}" if path else key).items()}
    if isinstance(node, list):
        return {k: v for i, child in enumerate(node) for k, v in flat(child, f"{path}[{i}]").items()}
    return {path: node}


@pytest.mark.parametrize("name", ["manifest.yml", "manifest.oauth.yml"])
def test_both_manifests_are_valid_and_ask_for_codevs_one_list_of_scopes(name: str) -> None:
    manifest = load(name)
    assert sorted(_validator().iter_errors(manifest), key=str) == []
    assert tuple(manifest["oauth_config"]["scopes"]["bot"]) == BOT_SCOPES
    # Slack sends these only to apps that subscribe to them: without them an uninstall goes unnoticed.
    assert {"app_uninstalled", "tokens_revoked"} <= set(manifest["settings"]["event_subscriptions"]["bot_events"])


def test_the_several_workspaces_manifest_differs_only_where_oauth_mode_needs_it() -> None:
    one, several = flat(load("manifest.yml")), flat(load("manifest.oauth.yml"))
    differing = {path for path in one.keys() | several.keys() if one.get(path) != several.get(path)}
    assert differing == {
        "features.slash_commands[0].url",
        "settings.event_subscriptions.request_url",
        "settings.interactivity.request_url",
        "settings.socket_mode_enabled",
        "settings.token_rotation_enabled",
    }
    assert one["settings.socket_mode_enabled"] is True and one["settings.token_rotation_enabled"] is False
    assert several["settings.socket_mode_enabled"] is False, "OAuth installs need HTTP mode"
    assert several["settings.token_rotation_enabled"] is True, "codev refreshes each workspace's token"


def test_the_several_workspaces_manifest_points_slack_at_one_host() -> None:
    manifest = load("manifest.oauth.yml")
    urls = [
        manifest["features"]["slash_commands"][0]["url"],
        manifest["settings"]["event_subscriptions"]["request_url"],
        manifest["settings"]["interactivity"]["request_url"],
    ]
    assert urls == [EVENTS_URL] * 3
    (redirect,) = manifest["oauth_config"]["redirect_urls"]
    assert urlparse(redirect).scheme == "https" and urlparse(redirect).path == REDIRECT_PATH
    assert urlparse(redirect).netloc == urlparse(EVENTS_URL).netloc
