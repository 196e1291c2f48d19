"""The Dockerfile and compose.yaml, which cannot be built here, read as a reviewer would read them.

Every setting they hand the app must be one that ``coop/config.py`` reads (a misspelt
variable is silently ignored by the app); every file the image copies must exist; the
services must be the ones the README promises, wired so that the web tier waits for the
migration and every process shares the uploads volume.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
import yaml

CHECKOUT = Path(__file__).resolve().parent.parent
# Read by Python or the shell, not by the app.
NOT_APP_SETTINGS = {"PATH", "PYTHONUNBUFFERED"}
APP_SERVICES = ("migrate", "web", "worker")

pytestmark = pytest.mark.no_db


def app_settings() -> set[str]:
    """Every environment variable ``coop/config.py`` reads."""
    return set(
        re.findall(r'(?:os\.environ\.get|_bool)\(\s*"([A-Z0-9_]+)"', (CHECKOUT / "coop" / "config.py").read_text())
    )


def dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions, continuation lines joined, as (INSTRUCTION, arguments)."""
    text = re.sub(r"\\\n", " ", (CHECKOUT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((CHECKOUT / "compose.yaml").read_text())


def test_app_settings_are_read_from_config():
    assert {"DATABASE_URL", "SECRET_KEY", "COOP_UPLOAD_DIR", "REDIS_URL", "COOP_INSTANCE_PATH"} <= app_settings()


def test_compose_hands_the_app_only_settings_that_coop_config_reads(compose):
    for name in APP_SERVICES:
        environment = compose["services"][name]["environment"]
        assert sorted(set(environment) - app_settings()) == [], name


def test_the_image_sets_only_settings_that_coop_config_reads():
    names = {
        pair.split("=", 1)[0]
        for instruction, arguments in dockerfile()
        if instruction == "ENV"
        for pair in shlex.split(arguments)
    }
    assert {"COOP_ENV", "COOP_UPLOAD_DIR"} <= names
    assert sorted(names - app_settings() - NOT_APP_SETTINGS) == []


def test_the_image_is_built_from_files_of_the_checkout_and_serves_with_gunicorn_conf():
    instructions = dockerfile()
    copied = [
        part
        for instruction, arguments in instructions
        if instruction == "COPY" and "--from" not in arguments
        for part in shlex.split(arguments)[:-1]
    ]
    assert {"pyproject.toml", "coop", "pricing", "migrations", "rfp_templates", "wsgi.py", "gunicorn.conf.py"} <= set(
        copied
    )
    assert [path for path in copied if not (CHECKOUT / path).exists()] == []
    [command] = [json.loads(arguments) for instruction, arguments in instructions if instruction == "CMD"]
    assert command == ["gunicorn", "-c", "gunicorn.conf.py"]
    assert 'wsgi_app = "wsgi:app"' in (CHECKOUT / "gunicorn.conf.py").read_text()


def test_compose_runs_web_worker_and_migrate_on_postgresql_and_redis_sharing_the_uploads_volume(compose):
    services = compose["services"]
    assert set(services) == {"migrate", "web", "worker", "db", "redis"}
    assert set(compose["volumes"]) == {"pgdata", "uploads"}
    for name in APP_SERVICES:
        service = services[name]
        environment = service["environment"]
        assert (
            environment["DATABASE_URL"].startswith("postgresql+psycopg://coop:")
            and "@db:5432/coop" in environment["DATABASE_URL"]
        )
        assert environment["REDIS_URL"].startswith("redis://redis:6379/")
        assert f"uploads:{environment['COOP_UPLOAD_DIR']}" in service["volumes"], name
    assert services["migrate"]["command"] == ["flask", "--app", "coop", "db", "upgrade"]
    assert services["migrate"]["depends_on"]["db"] == {"condition": "service_healthy"}
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert "command" not in services["web"]  # the image's: gunicorn with gunicorn.conf.py
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    assert 'exec rq worker --url "$$REDIS_URL" "$$COOP_RQ_QUEUE"' in services["worker"]["command"][-1]
    assert (
        services["db"]["environment"]["POSTGRES_USER"] == "coop"
        and services["db"]["environment"]["POSTGRES_DB"] == "coop"
    )


def test_the_readme_says_how_to_run_it_for_real():
    readme = (CHECKOUT / "README.md").read_text()
    for needed in (
        "docker compose up",
        "compose.yaml",
        "Dockerfile",
        "flask --app coop coop init",
        "/healthz",
        "gunicorn -c gunicorn.conf.py",
        "pip install .",
    ):
        assert needed in readme, needed
