"""Sign-up, sign-in, sign-out and password changes; how long a session lasts."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user, user_loaded_from_cookie, user_logged_in
from itsdangerous import BadSignature, URLSafeTimedSerializer
from wtforms import SelectChoice

from coop import clock
from coop.access import public, signed_in
from coop.accounts import services
from coop.accounts.forms import ChangePasswordForm, SignInForm, SignUpForm
from coop.errors import Refusal, show_on_form
from coop.extensions import limiter, login_manager
from coop.orgs import queries as org_queries

bp = Blueprint("accounts", __name__, template_folder="templates")


# When the session began and when it was last used (seconds since the epoch, from the one clock).
_SIGNED_IN_AT = "coop_signed_in_at"
_SEEN_AT = "coop_seen_at"
# Flask-Login's keys and ours: what ending a session removes. The flashed messages and CSRF token stay, and so
# does Flask-Login's browser identifier "_id": without it, strong session protection would delete the
# remember-me cookie too.
_SESSION_KEYS = ("_user_id", "_fresh", _SIGNED_IN_AT, _SEEN_AT)


@login_manager.user_loader
def load_user(session_user_id: str):
    return services.user_for_session(session_user_id)


def _now_seconds() -> int:
    return int(clock.utcnow().timestamp())


@user_logged_in.connect
@user_loaded_from_cookie.connect
def _start_session(_app, **_extra) -> None:
    session[_SIGNED_IN_AT] = session[_SEEN_AT] = _now_seconds()


@bp.before_app_request
def _end_expired_session() -> None:
    """End a session idle for too long, or too old, before anything reads the signed-in user.

    A remember-me cookie (the user ticked "keep me signed in") then starts a new session.
    """
    if "_user_id" not in session:
        return
    now = _now_seconds()
    signed_in_at, seen_at = session.get(_SIGNED_IN_AT), session.get(_SEEN_AT)
    if (
        signed_in_at is None
        or seen_at is None
        or now - seen_at >= current_app.config["COOP_SESSION_IDLE_MINUTES"] * 60
        or now - signed_in_at >= current_app.config["COOP_SESSION_MAX_HOURS"] * 3600
    ):
        for key in _SESSION_KEYS:
            session.pop(key, None)
    else:
        session[_SEEN_AT] = now


def _failed_attempt(response) -> bool:
    # A sign-in form shown again with errors; a page view or a success never counts.
    return response.status_code == 422


def _account_key() -> str:
    return f"account:{services.normalise_email(request.form.get('email', ''))}"


# A browser that has signed in to an account is not held by the failed sign-ins of others at that account: a rival
# guessing at a vendor's guessable address before a bid deadline must not lock its owner out. The browser keeps a
# signed cookie with a digest of each account it signed in to (not the address itself); a new browser is still held.
_KNOWN_ACCOUNTS_COOKIE = "coop_known_accounts"
_KNOWN_ACCOUNTS_MAX_AGE_S = 180 * 24 * 3600
_KNOWN_ACCOUNTS_KEPT = 10


def _known_accounts_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="coop-known-accounts")


def _account_digest(email: str) -> str:
    return hashlib.sha256(services.normalise_email(email).encode()).hexdigest()


def _known_accounts() -> list[str]:
    token = request.cookies.get(_KNOWN_ACCOUNTS_COOKIE)
    if not token:
        return []
    try:
        known = _known_accounts_serializer().loads(token, max_age=_KNOWN_ACCOUNTS_MAX_AGE_S)
    except BadSignature:  # forged, altered or expired: an unknown browser
        return []
    return [digest for digest in known if isinstance(digest, str)] if isinstance(known, list) else []


def _known_browser() -> bool:
    return _account_digest(request.form.get("email", "")) in _known_accounts()


def _remember_browser(response, email: str):
    digest = _account_digest(email)
    known = [digest] + [other for other in _known_accounts() if other != digest]
    response.set_cookie(
        _KNOWN_ACCOUNTS_COOKIE,
        _known_accounts_serializer().dumps(known[:_KNOWN_ACCOUNTS_KEPT]),
        max_age=_KNOWN_ACCOUNTS_MAX_AGE_S,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    return response


def _signed_in_account_key() -> str:
    return f"account:{current_user.email}"


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect would let a phishing link borrow our sign-in page.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("main.dashboard")


@bp.route("/sign-up", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["COOP_SIGN_UP_RATE_LIMIT"], methods=["POST"])
def sign_up():
    """Register a district or a vendor and its first user."""
    form = SignUpForm()
    regions = org_queries.regions()
    form.region_id.choices = [SelectChoice(0, "—")] + [SelectChoice(r.id, r.name) for r in regions]
    form.region_ids.choices = [SelectChoice(r.id, r.name) for r in regions]
    if form.validate_on_submit():
        try:
            services.sign_up(
                services.SignUp(
                    kind=form.kind.data,
                    organisation_name=form.organisation_name.data,
                    name=form.name.data,
                    email=form.email.data,
                    password=form.password.data,
                    state=form.state.data or None,
                    region_id=form.region_id.data or None,
                    enrollment=form.enrollment.data,
                    nces_id=form.nces_id.data or None,
                    region_ids=tuple(form.region_ids.data or ()),
                    website=form.website.data or "",
                    contact_phone=form.contact_phone.data or "",
                )
            )
        except Refusal as error:
            show_on_form(form, error)
        else:
            # The same answer whether or not the e-mail already had an account (then its owner got an e-mail).
            flash(
                "Thank you for registering. Sign in with your e-mail and password; a cooperative administrator "
                "will review your organisation shortly.",
                "success",
            )
            return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/sign_up.html", form=form), (422 if form.errors else 200)


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["COOP_SIGN_IN_RATE_LIMIT"], methods=["POST"], deduct_when=_failed_attempt)
@limiter.limit(
    lambda: current_app.config["COOP_SIGN_IN_ACCOUNT_RATE_LIMIT"],
    methods=["POST"],
    key_func=_account_key,
    deduct_when=_failed_attempt,
    exempt_when=_known_browser,
)
def sign_in():
    """Sign in with e-mail and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = SignInForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append("Wrong e-mail or password.")
        else:
            next_url = _safe_next(request.args.get("next"))
            # A fresh session at sign-in, so that a session fixed before sign-in is worth nothing after it.
            session.clear()
            login_user(user, remember=form.remember.data)
            flash(f"Welcome, {user.name}.", "success")
            return _remember_browser(redirect(next_url), user.email)
    return render_template("accounts/sign_in.html", form=form), (422 if form.errors else 200)


@bp.route("/sign-out", methods=["POST"])
@signed_in
def sign_out():
    """Sign out: end this session and every other one of the user."""
    services.sign_out_everywhere(current_user._get_current_object())
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("main.index"))


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
@limiter.limit(
    lambda: current_app.config["COOP_SIGN_IN_ACCOUNT_RATE_LIMIT"],
    methods=["POST"],
    key_func=_signed_in_account_key,
    deduct_when=_failed_attempt,
)
def change_password():
    """Change one's password: every other session of the user ends; this one goes on."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(user, form.current_password.data, form.password.data)
        except Refusal as error:
            show_on_form(form, error)
        else:
            session.clear()
            login_user(user)
            flash("Your password is changed, and you are signed out on every other device.", "success")
            return redirect(url_for("main.dashboard"))
    return render_template("accounts/change_password.html", form=form), (422 if form.errors else 200)
