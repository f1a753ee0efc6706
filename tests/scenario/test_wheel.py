"""The built wheel is all an operator needs: installed in a clean venv outside the checkout, `codev db upgrade`
migrates a new database and `codev run --http` becomes ready — so migrations and data files are in the package.

The wheel is built from a copy of what the package is made of (pyproject.toml, README, LICENSE, bot/), so the
build leaves nothing in the checkout. The new venv holds the wheel alone; its dependencies are borrowed from the
test's own environment through a path file (no download), after checking that each one the wheel declares is
there. The path file adds a directory to the path without reading the path files in it, so the checkout's
editable install stays out of sight.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bot.sandbox.standin import SlackStandIn
from tests.conftest import SIGNING_SECRET, free_port

ROOT = Path(__file__).resolve().parents[2]
CHECK_DEPENDENCIES = """
import importlib.metadata as md, re
missing = []
for requirement in md.requires("codev") or []:
    if "extra ==" in requirement:
        continue
    name = re.split(r"[ <>=!~;\\[]", requirement, maxsplit=1)[0]
    try:
        md.version(name)
    except md.PackageNotFoundError:
        missing.append(name)
print("missing:", missing)
raise SystemExit(1 if missing else 0)
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv, outside the checkout, with the freshly built wheel installed and nothing else of codev's."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    # Without the compiled catalogues: the build compiles them (setup.py), so the wheel speaks every language.
    shutil.copytree(ROOT / "bot", source / "bot", ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo"))
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work / "dist"), str(source)], cwd=work)
    (wheel,) = (work / "dist").glob("codev-*.whl")
    venv = work / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=work)
    python = venv / "bin" / "python"
    purelib = run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=work)
    Path(purelib.strip(), "borrowed-dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)], cwd=work)
    run([str(python), "-c", CHECK_DEPENDENCIES], cwd=work)
    return venv


def run(command: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{command[:3]}…: {done.stdout}\n{done.stderr}"
    return done.stdout


def test_the_wheel_alone_migrates_a_database_and_serves_until_ready(installed: Path, tmp_path: Path) -> None:
    python = installed / "bin" / "python"
    where = run([str(python), "-c", "import bot; print(bot.__file__)"], cwd=tmp_path)
    assert where.startswith(str(installed)), f"codev came from {where}, not from the installed wheel"
    speaks = "from bot.i18n import LOCALE_DIR, reading, t\nwith reading('fr'): print(t('start_title'))\n"
    speaks += "print(sorted(p.name for p in LOCALE_DIR.glob('*/LC_MESSAGES/*.mo')))"
    assert run([str(python), "-c", speaks], cwd=tmp_path).splitlines() == ["Lancer une séance", "['codev.mo']"]

    standin = SlackStandIn().start()
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": standin.api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'codev.db'}",
        "PORT": str(port),
        "LOG_LEVEL": "WARNING",
    }
    codev = str(installed / "bin" / "codev")
    try:
        run([codev, "db", "upgrade"], cwd=tmp_path, env=env)
        log = open(tmp_path / "codev.log", "w")  # noqa: SIM115 - closed below, after the process
        process = subprocess.Popen(
            [codev, "run", "--http", "--host", "127.0.0.1"], cwd=tmp_path, env=env, stdout=log, stderr=log
        )
        try:
            assert ready(f"http://127.0.0.1:{port}/readyz", process), (tmp_path / "codev.log").read_text()
        finally:
            process.terminate()
            process.wait(timeout=20)
            log.close()
    finally:
        standin.stop()


def ready(url: str, process: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.2)
    return False
