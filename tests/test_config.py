"""Production refuses to start on development settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from coop import config

ROOT = Path(__file__).resolve().parent.parent


def start_wsgi(tmp_path, **env) -> subprocess.CompletedProcess:
    environment = {
        key: value for key, value in os.environ.items() if key not in {"SECRET_KEY", "DATABASE_URL", "COOP_ENV"}
    }
    environment.update(COOP_INSTANCE_PATH=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, "-c", "import wsgi; print(wsgi.app.name)"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_the_development_secret_key(tmp_path):
    result = start_wsgi(tmp_path, COOP_ENV="production", DATABASE_URL="postgresql+psycopg://db.example/coop")
    assert result.returncode != 0
    assert "COOP_ENV=production needs SECRET_KEY set to a secret of your own" in result.stderr


def test_production_refuses_to_run_without_a_database_url(tmp_path):
    result = start_wsgi(tmp_path, COOP_ENV="production", SECRET_KEY="s3cret-from-the-vault")
    assert result.returncode != 0
    assert "COOP_ENV=production needs DATABASE_URL (a PostgreSQL URL)" in result.stderr


def test_development_serves_on_the_embedded_database_by_default(tmp_path):
    result = start_wsgi(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "coop"


def test_production_settings_harden_the_session_cookie(monkeypatch):
    monkeypatch.setenv("COOP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s3cret-from-the-vault")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://db.example/coop")
    settings = config.from_environment()
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://db.example/coop"


@pytest.mark.parametrize("value", ["", "0", "no"])
def test_sql_echo_is_off_unless_asked(monkeypatch, value):
    monkeypatch.setenv("COOP_SQL_ECHO", value)
    assert config.from_environment()["SQLALCHEMY_ECHO"] is False
