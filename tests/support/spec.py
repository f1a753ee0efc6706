"""Checks Web API calls against Slack's official OpenAPI spec: the method exists, required arguments are present."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# Methods newer than the 2020 spec that codev calls (files_upload_v2), with their required arguments.
NEWER_METHODS: dict[str, set[str]] = {
    "files.getUploadURLExternal": {"filename", "length"},
    "files.completeUploadExternal": {"files"},
    "apps.connections.open": set(),  # Socket Mode; the app-level token goes in the Authorization header
}


class SpecChecker:
    def __init__(self, spec_path: str | Path) -> None:
        spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
        self.required: dict[str, set[str]] = dict(NEWER_METHODS)
        for path, operations in spec["paths"].items():
            method = path.lstrip("/")
            names: set[str] = set()
            for operation in operations.values():
                for parameter in operation.get("parameters", []):
                    if parameter.get("required"):
                        names.add(parameter["name"])
            self.required[method] = names

    def problems(self, method: str, args: dict[str, Any], *, has_bearer_token: bool) -> list[str]:
        """What is wrong with a call; empty when it is fine."""
        if method not in self.required:
            return [f"{method}: no such Web API method in Slack's spec"]
        required = self.required[method]
        if method == "oauth.v2.access" and args.get("grant_type") == "refresh_token":
            required = {"refresh_token"}  # token rotation (newer than the spec): no code
        missing = []
        for name in sorted(required):
            if name == "token" and has_bearer_token:
                continue  # Slack's clients send the token as an Authorization header, which counts.
            if args.get(name) in (None, ""):
                missing.append(name)
        return [f"{method}: required argument '{name}' is missing" for name in missing]
