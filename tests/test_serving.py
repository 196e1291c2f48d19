"""Serving like production: the health check, the request log, and gunicorn with ``gunicorn.conf.py``."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import urlopen

import pytest
from support import free_port

CHECKOUT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery staple"  # conftest's: every factory-made user's


def request_records(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "coop.requests"]


def test_the_health_check_answers_without_signing_in_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_the_health_check_answers_503_when_the_database_does_not(another_app, tmp_path, caplog):
    unreachable = another_app(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'no-such-directory' / 'coop.sqlite3'}",
        SQLALCHEMY_ENGINE_OPTIONS={},
    )
    response = unreachable.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "unreachable"}
    assert "health check: the database does not answer: unable to open database file" in caplog.text


def test_each_request_is_logged_with_its_facts_and_none_of_its_contents(client, make_buyer, caplog):
    caplog.set_level(logging.INFO, logger="coop.requests")
    buyer = make_buyer()
    client.post("/sign-in", data={"email": buyer.email, "password": PASSWORD})
    client.get("/rfps?q=confidential-search&page=2")
    client.post("/needs/new", data={"quantity": "40", "notes": "bid price 289.00"})

    records = request_records(caplog)
    assert [(r.method, r.path, r.query_keys, r.status, r.user_id) for r in records] == [
        ("POST", "/sign-in", [], 302, buyer.id),
        ("GET", "/rfps", ["page", "q"], 200, buyer.id),
        ("POST", "/needs/new", [], 422, buyer.id),  # the form had mistakes
    ]
    assert all(isinstance(record.duration_ms, float) and record.duration_ms >= 0 for record in records)
    logged = caplog.text + "".join(str(vars(record)) for record in records)
    for secret in (PASSWORD, "confidential-search", "289.00"):
        assert secret not in logged


def test_an_anonymous_request_turned_away_is_logged_without_a_user(client, caplog):
    caplog.set_level(logging.INFO, logger="coop.requests")
    client.get("/needs")
    [record] = request_records(caplog)
    assert (record.path, record.status, record.user_id) == ("/needs", 302, None)
    assert record.duration_ms is not None


def _get(url: str, data: bytes | None = None) -> int:
    try:
        with urlopen(url, data=data, timeout=10) as response:
            return response.status
    except HTTPError as error:
        error.close()
        return error.code


@pytest.mark.no_db
def test_gunicorn_serves_with_its_config_and_writes_one_json_line_per_log_record(tmp_path):
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("COOP_", "FLASK_")) and name not in ("DATABASE_URL", "REDIS_URL", "PORT")
    }
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'coop.sqlite3'}", COOP_INSTANCE_PATH=str(tmp_path))
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "coop", "db", "upgrade"],
        cwd=CHECKOUT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"],
        cwd=CHECKOUT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(600):  # the app starts in a few seconds; a loaded machine may take longer
            try:
                if _get(f"{base}/healthz") == 200:
                    break
            except URLError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not answer /healthz")
        assert _get(f"{base}/rfps?token=s3cret-token") == 200
        assert _get(f"{base}/sign-in", urlencode({"email": "a@b.example", "password": PASSWORD}).encode()) == 400
    finally:
        server.send_signal(signal.SIGTERM)
        stdout, stderr = server.communicate(timeout=60)

    lines = [line for line in stderr.splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line, gunicorn's included, is one JSON object
    assert {"Starting gunicorn", "Shutting down: Master"} <= {record["message"].split(" 2")[0] for record in records}
    requests = [record for record in records if record["logger"] == "coop.requests"]
    assert [(r["method"], r["path"], r["query_keys"], r["status"], r["user_id"]) for r in requests][-2:] == [
        ("GET", "/rfps", ["token"], 200, None),
        ("POST", "/sign-in", [], 400, None),  # CSRF: no form token
    ]
    assert all(r["level"] == "INFO" and "time" in r and r["duration_ms"] >= 0 for r in requests)
    assert "s3cret-token" not in stderr and PASSWORD not in stderr and stdout == ""
