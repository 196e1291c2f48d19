"""``pip install .`` outside the checkout gives an app that migrates its database and serves.

The wheel is built from the checkout and installed, without its dependencies, into a
new virtual environment in a temporary directory; the dependencies come from the test
environment's site-packages, named in a ``.pth`` file. A path line in a ``.pth`` file
adds that directory only, without running the ``.pth`` files in it, so the test
environment's editable install (which puts the checkout on the path) does not come along:
the ``coop`` that runs is the wheel's.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.no_db


def _run(*command: str | Path, cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture
def installed(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """The wheel installed in a new virtual environment: its python, a working directory outside the checkout, and
    an environment without the test run's own settings."""
    wheels, venv, work = tmp_path / "wheels", tmp_path / "venv", tmp_path / "work"
    work.mkdir()
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("COOP_", "PYTHON", "FLASK_")) and name not in ("DATABASE_URL", "REDIS_URL")
    }
    pip = (sys.executable, "-m", "pip", "--disable-pip-version-check")
    _run(*pip, "wheel", "--no-deps", "--quiet", "--wheel-dir", wheels, CHECKOUT, cwd=work, env=env)
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=work, env=env)
    python = venv / "bin" / "python"
    purelib = Path(
        _run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=work, env=env).strip()
    )
    dependencies = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    (purelib / "test-environment.pth").write_text("\n".join(dependencies) + "\n")
    _run(
        *pip,
        "--python",
        python,
        "install",
        "--no-deps",
        "--no-index",
        "--quiet",
        *wheels.glob("coop-*.whl"),
        cwd=work,
        env=env,
    )
    return python, work, env


def test_the_installed_wheel_migrates_its_database_and_lists_its_routes(installed):
    python, work, env = installed
    venv = python.parent.parent
    env = {**env, "DATABASE_URL": f"sqlite:///{work / 'coop.sqlite3'}"}

    location = _run(python, "-c", "import coop; print(coop.__file__)", cwd=work, env=env).strip()
    assert Path(location).is_relative_to(venv), location  # the wheel's coop, not the checkout's

    upgraded = _run(python, "-m", "flask", "--app", "coop", "db", "upgrade", cwd=work, env=env)
    heads = _run(python, "-m", "flask", "--app", "coop", "db", "heads", cwd=work, env=env)
    current = _run(python, "-m", "flask", "--app", "coop", "db", "current", cwd=work, env=env)
    assert heads.split()[0] == current.split()[0], (upgraded, heads, current)

    routes = _run(python, "-m", "flask", "--app", "coop", "routes", cwd=work, env=env)
    assert "/rfps/<reference>" in routes and "/healthz" in routes
    # RFP templates came with the wheel: the app read them at start-up, or it would not have started.
    assert (work / "instance").is_dir()  # local files under the working directory, not in site-packages


@pytest.mark.parametrize(("arguments", "port"), [((), "5000"), (("PORT=8000",), "8000")])
def test_make_run_serves_on_the_port_asked_for(arguments, port):
    # A dry run: make prints the commands it would run, and runs none.
    commands = _run("make", "--dry-run", "--always-make", "run", *arguments, cwd=CHECKOUT, env=dict(os.environ))
    assert f"flask --app coop run --host 127.0.0.1 --port {port}" in commands
