"""Sign-in and sign-up limits: failed sign-ins per address (generous: a district's staff share one address) and
per account (tight, except in a browser that signed in to the account before), sign-ups per address; page views
and successful sign-ins never count."""

from __future__ import annotations

import uuid

import pytest
import redis
from conftest import PASSWORD
from support import text_of

from coop.extensions import db, limiter

REDIS_URL = "redis://127.0.0.1:6379"


@pytest.fixture
def limits(app, monkeypatch):
    """``limits(setting=value, ...)``: set rate limits for this test, on counters starting from zero."""

    def set_limits(**settings: str) -> None:
        for setting, value in settings.items():
            monkeypatch.setitem(app.config, setting, value)
        limiter.reset()

    yield set_limits
    limiter.reset()


def from_address(client, address: str):
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_viewing_the_sign_in_page_never_counts(client, make_buyer, limits):
    limits(COOP_SIGN_IN_RATE_LIMIT="3 per minute")
    user = make_buyer()
    assert {client.get("/sign-in").status_code for _ in range(10)} == {200}
    assert client.post("/sign-in", data={"email": user.email, "password": PASSWORD}).status_code == 302


def test_a_district_sharing_one_address_is_not_locked_out_by_its_staff_signing_in(
    app, client, make_buyer, make_district, limits
):
    limits(COOP_SIGN_IN_RATE_LIMIT="3 per minute")
    district = make_district()
    for _ in range(6):
        staff = app.test_client()
        response = staff.post("/sign-in", data={"email": make_buyer(district).email, "password": PASSWORD})
        assert response.status_code == 302


def test_failed_sign_ins_per_account_are_limited_whatever_the_address(app, make_buyer, limits):
    limits(COOP_SIGN_IN_ACCOUNT_RATE_LIMIT="3 per 15 minutes")
    user, colleague = make_buyer(), make_buyer()
    statuses = [
        from_address(app.test_client(), f"203.0.113.{n}")
        .post("/sign-in", data={"email": user.email.upper(), "password": "guess number x"})
        .status_code
        for n in range(4)
    ]
    assert statuses == [422, 422, 422, 429]
    refused = from_address(app.test_client(), "198.51.100.7").post(
        "/sign-in", data={"email": user.email, "password": PASSWORD}
    )
    assert refused.status_code == 429
    assert "Too many attempts; try again in 15 minutes." in text_of(refused)
    # The account is held, not the addresses: another account signs in from the same address.
    assert (
        from_address(app.test_client(), "203.0.113.1")
        .post("/sign-in", data={"email": colleague.email, "password": PASSWORD})
        .status_code
        == 302
    )


def test_a_rival_guessing_at_an_account_does_not_lock_its_owner_out_of_a_browser_it_signed_in_from(
    app, make_buyer, limits
):
    limits(COOP_SIGN_IN_ACCOUNT_RATE_LIMIT="3 per 15 minutes")
    user = make_buyer()
    owners_browser = from_address(app.test_client(), "198.51.100.7")
    assert owners_browser.post("/sign-in", data={"email": user.email, "password": PASSWORD}).status_code == 302
    owners_browser.post("/sign-out")
    rival = from_address(app.test_client(), "203.0.113.9")
    statuses = [rival.post("/sign-in", data={"email": user.email, "password": "guess"}).status_code for _ in range(4)]
    assert statuses == [422, 422, 422, 429]
    # The owner, back in the browser it signed in from before, is not held by the rival's guesses.
    assert owners_browser.post("/sign-in", data={"email": user.email, "password": PASSWORD}).status_code == 302
    # A browser that never signed in to the account is held, and told for how long.
    refused = from_address(app.test_client(), "198.51.100.8").post(
        "/sign-in", data={"email": user.email, "password": PASSWORD}
    )
    assert refused.status_code == 429
    assert "Too many attempts; try again in 15 minutes." in text_of(refused)
    assert int(refused.headers["Retry-After"]) > 14 * 60


def test_a_browser_known_to_one_account_is_not_known_to_another(app, make_buyer, limits):
    limits(COOP_SIGN_IN_ACCOUNT_RATE_LIMIT="2 per 15 minutes")
    user, other = make_buyer(), make_buyer()
    browser = app.test_client()
    assert browser.post("/sign-in", data={"email": user.email, "password": PASSWORD}).status_code == 302
    browser.post("/sign-out")
    statuses = [
        browser.post("/sign-in", data={"email": other.email, "password": "guess"}).status_code for _ in range(3)
    ]
    assert statuses == [422, 422, 429]


def test_sign_ups_are_limited_per_address(client, make_region, limits):
    limits(COOP_SIGN_UP_RATE_LIMIT="2 per hour")
    region = make_region("north")
    form = {"kind": "district", "organisation_name": "", "state": "OR", "region_id": str(region.id)}
    assert client.get("/sign-up").status_code == 200
    statuses = [client.post("/sign-up", data=form).status_code for _ in range(3)]
    assert statuses == [422, 422, 429]
    assert "Too many attempts; try again in 60 minutes." in text_of(client.post("/sign-up", data=form))
    assert client.get("/sign-up").status_code == 200


@pytest.fixture
def redis_limits(another_app):
    """Apps whose rate-limit counters live in Redis, under a key prefix of this test's own."""
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError as error:
        pytest.skip(f"Redis is unreachable at {REDIS_URL} ({error}): the shared rate-limit storage is not tested")
    prefix = f"coop-test-{uuid.uuid4().hex[:12]}"

    def make_app():
        # Every app (a gunicorn worker, another host) opens its own connection to the counters.
        return another_app(
            RATELIMIT_STORAGE_URI=REDIS_URL,
            RATELIMIT_KEY_PREFIX=prefix,
            COOP_SIGN_IN_ACCOUNT_RATE_LIMIT="2 per 15 minutes",
        )

    yield make_app
    for key in connection.scan_iter(f"*{prefix}*"):
        connection.delete(key)
    connection.close()


def test_failed_sign_ins_counted_by_one_process_are_refused_by_another_through_redis(
    redis_limits, make_buyer, committed_db
):
    # Other processes see only what is committed (and on SQLite wait for the test's write lock otherwise).
    user = make_buyer()
    wrong = {"email": user.email, "password": "guess number x"}
    db.session.commit()
    first = redis_limits().test_client()
    assert [first.post("/sign-in", data=wrong).status_code for _ in range(2)] == [422, 422]
    second = redis_limits().test_client()
    assert second.post("/sign-in", data={**wrong, "password": PASSWORD}).status_code == 429
