"""manifest.yml is a valid Slack app manifest with what codev needs."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "tests" / "slack-spec"
REMOTE = "https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/"


def _validator() -> jsonschema.Validator:
    root = json.loads((SPEC / "app-manifest.schema.json").read_text())
    resources = []
    for version in ("1.0.0", "2.0.0"):
        schema = json.loads((SPEC / f"app-manifest.schema.{version}.json").read_text())
        resources.append((REMOTE + f"manifest.schema.{version}.json", Resource.from_contents(schema)))
    registry = Registry().with_resources(resources)
    return jsonschema.Draft7Validator(root, registry=registry)


@pytest.fixture(scope="module")
def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def test_manifest_validates_against_slacks_schema(manifest: dict) -> None:
    errors = sorted(_validator().iter_errors(manifest), key=str)
    assert errors == []


def test_schema_check_can_fail() -> None:
    assert list(_validator().iter_errors({"_metadata": {"major_version": 1}, "display_information": {}}))


def test_manifest_declares_what_codev_uses(manifest: dict) -> None:
    features = manifest["features"]
    assert features["app_home"]["home_tab_enabled"] and features["app_home"]["messages_tab_enabled"]
    assert [c["command"] for c in features["slash_commands"]] == ["/codev"]
    assert features["shortcuts"][0]["type"] == "message"
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert {"app_home_opened", "message.im", "message.channels", "message.groups"} <= events
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "im:write", "im:history", "users:read"} <= scopes
