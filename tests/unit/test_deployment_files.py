"""The Dockerfile and compose.yaml say what the README's "Running in production" says (hadolint lints the
Dockerfile itself in `make lint`; the wheel the image installs is tested in tests/scenario/test_wheel.py)."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_the_image_installs_the_wheel_and_runs_codev_as_a_non_root_user() -> None:
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]
    froms = [line for line in lines if line.startswith("FROM ")]
    assert froms and all("-slim" in line for line in froms), "a slim Python base"
    assert any(line.startswith("RUN pip wheel") for line in lines), "the wheel is built…"
    assert any("/wheels/codev-*.whl" in line for line in lines), "…and installed, with its dependencies' wheels"
    (user,) = [line for line in lines if line.startswith("USER ")]
    assert user.split()[1].split(":")[0] not in ("0", "root")
    assert lines[[i for i, line in enumerate(lines) if line.startswith("CMD ")][-1]] == (
        'CMD ["codev", "run", "--http", "--host", "0.0.0.0"]'
    )


def test_the_compose_example_runs_two_replicas_on_postgresql_behind_a_proxy_that_asks_readyz() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    replicas = [name for name, service in services.items() if "codev run" in str(service) or name.startswith("codev")]
    assert len(replicas) == 2
    for name in replicas:
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://")
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["db"]["image"].startswith("postgres:")
    caddyfile = compose["configs"]["caddyfile"]["content"]
    assert all(f"{name}:3000" in caddyfile for name in replicas)
    assert "health_uri /readyz" in caddyfile
    assert set(services["proxy"]["ports"]) == {"80:80", "443:443"}


def test_only_what_the_wheel_is_built_from_goes_into_the_image_build() -> None:
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert "*" in ignored and "!bot/" in ignored and "!pyproject.toml" in ignored
