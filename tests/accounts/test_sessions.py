"""Sessions end when they should: at sign-out (every copy of the cookie), on a password change, when the
account is disabled, and after the idle and absolute timeouts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import PASSWORD
from support import text_of

from coop import config
from coop.accounts import services


@pytest.fixture
def default_timeouts(app, monkeypatch) -> None:
    """The timeouts a deployment gets by default (the suite's own are longer: its tests move the clock by days)."""
    settings = config.from_environment()
    assert (settings["COOP_SESSION_IDLE_MINUTES"], settings["COOP_SESSION_MAX_HOURS"]) == (120, 12)
    for setting in ("COOP_SESSION_IDLE_MINUTES", "COOP_SESSION_MAX_HOURS"):
        monkeypatch.setitem(app.config, setting, settings[setting])


@pytest.fixture
def second_browser(app):
    """Another browser: a client with a cookie jar of its own."""
    return app.test_client()


def copy_cookies(source, target) -> None:
    for cookie in source._cookies.values():
        target.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)


def test_a_cookie_copied_before_sign_out_is_refused_after_it(client, second_browser, sign_in, make_buyer):
    sign_in(make_buyer())
    copy_cookies(client, second_browser)
    assert second_browser.get("/needs").status_code == 200
    client.post("/sign-out")
    response = second_browser.get("/needs")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_a_remember_me_cookie_copied_before_sign_out_is_refused_after_it(client, second_browser, make_buyer):
    user = make_buyer()
    client.post("/sign-in", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    remember_cookie = client.get_cookie("remember_token")
    assert remember_cookie is not None
    second_browser.set_cookie("remember_token", remember_cookie.value)
    assert second_browser.get("/needs").status_code == 200
    client.post("/sign-out")
    fresh_browser = second_browser.application.test_client()
    fresh_browser.set_cookie("remember_token", remember_cookie.value)
    assert fresh_browser.get("/needs").status_code == 302


def test_signing_out_ends_the_sessions_of_the_other_browsers_too(client, second_browser, sign_in, make_buyer):
    user = make_buyer()
    second_browser.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    sign_in(user)
    client.post("/sign-out")
    assert second_browser.get("/needs").status_code == 302


def change_password(client, current: str, new: str, confirm: str | None = None):
    return client.post(
        "/account/password",
        data={"current_password": current, "password": new, "confirm": new if confirm is None else confirm},
    )


def test_a_password_change_ends_every_other_session_and_keeps_this_one(client, second_browser, sign_in, make_buyer):
    user = make_buyer()
    second_browser.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    sign_in(user)
    response = change_password(client, PASSWORD, "a brand new passphrase")
    assert response.status_code == 302
    assert "Your password is changed, and you are signed out on every other device." in text_of(
        client.get("/dashboard", follow_redirects=True)
    )
    assert client.get("/needs").status_code == 200
    assert second_browser.get("/needs").status_code == 302
    refused = second_browser.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert "Wrong e-mail or password." in text_of(refused)
    assert (
        second_browser.post("/sign-in", data={"email": user.email, "password": "a brand new passphrase"}).status_code
        == 302
    )


def test_a_password_change_needs_the_current_password_and_a_good_new_one(client, second_browser, sign_in, make_buyer):
    user = make_buyer()
    second_browser.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    sign_in(user)
    wrong = change_password(client, "not my password", "a brand new passphrase")
    assert wrong.status_code == 422
    assert "This is not your current password." in text_of(wrong)
    short = change_password(client, PASSWORD, "short", "shorter")
    assert short.status_code == 422
    assert "Use at least 10 characters." in text_of(short)
    assert "The passwords differ." in text_of(short)
    # Nothing changed: the old password still signs in, and no session ended.
    assert second_browser.get("/needs").status_code == 200
    assert client.post("/sign-out").status_code == 302
    assert client.post("/sign-in", data={"email": user.email, "password": PASSWORD}).status_code == 302


def test_disabling_an_account_ends_its_sessions_and_sign_in(client, second_browser, sign_in, make_buyer, make_admin):
    user = make_buyer()
    sign_in(user)
    services.disable(user, actor=make_admin())
    assert client.get("/needs").status_code == 302
    refused = second_browser.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert refused.status_code == 422
    assert "Wrong e-mail or password." in text_of(refused)


def test_a_session_ends_after_two_idle_hours(client, sign_in, make_buyer, now, default_timeouts):
    sign_in(make_buyer())
    start = now()
    now(start + timedelta(hours=1, minutes=59))
    assert client.get("/needs").status_code == 200
    now(start + timedelta(hours=3, minutes=58))  # 1 h 59 min after the last request: still in use
    assert client.get("/needs").status_code == 200
    now(start + timedelta(hours=5, minutes=58))  # 2 h after it
    response = client.get("/needs")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_a_session_ends_twelve_hours_after_sign_in_however_busy(client, sign_in, make_buyer, now, default_timeouts):
    sign_in(make_buyer())
    start = now()
    for hour in range(1, 12):
        now(start + timedelta(hours=hour))
        assert client.get("/needs").status_code == 200
    now(start + timedelta(hours=12))
    assert client.get("/needs").status_code == 302


def test_the_timeouts_are_settings(app, client, sign_in, make_buyer, now, monkeypatch):
    monkeypatch.setitem(app.config, "COOP_SESSION_IDLE_MINUTES", 15)
    sign_in(make_buyer())
    now(now() + timedelta(minutes=15))
    assert client.get("/needs").status_code == 302


def test_keep_me_signed_in_starts_a_new_session_after_the_timeouts(client, make_buyer, now, default_timeouts):
    user = make_buyer()
    client.post("/sign-in", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    now(now() + timedelta(hours=13))
    assert client.get("/needs").status_code == 200
    now(now() + timedelta(hours=1))
    assert client.get("/needs").status_code == 200  # a new session, started an hour ago
