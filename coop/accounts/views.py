"""Sign-up, sign-in and sign-out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from wtforms import SelectChoice

from coop.access import public, signed_in
from coop.accounts import services
from coop.accounts.forms import SignInForm, SignUpForm
from coop.extensions import limiter, login_manager
from coop.orgs import queries as org_queries

bp = Blueprint("accounts", __name__, template_folder="templates")


@login_manager.user_loader
def load_user(user_id: str):
    from coop.accounts.models import User
    from coop.extensions import db

    return db.session.get(User, int(user_id))


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect would let a phishing link borrow our sign-in page.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("main.dashboard")


@bp.route("/sign-up", methods=["GET", "POST"])
@public
def sign_up():
    """Register a district or a vendor and its first user."""
    form = SignUpForm()
    regions = org_queries.regions()
    form.region_id.choices = [SelectChoice(0, "—")] + [SelectChoice(r.id, r.name) for r in regions]
    form.region_ids.choices = [SelectChoice(r.id, r.name) for r in regions]
    if form.validate_on_submit():
        try:
            user = services.sign_up(services.SignUp(
                kind=form.kind.data, organisation_name=form.organisation_name.data, name=form.name.data,
                email=form.email.data, password=form.password.data, state=form.state.data or None,
                region_id=form.region_id.data or None, enrollment=form.enrollment.data, nces_id=form.nces_id.data or None,
                region_ids=tuple(form.region_ids.data or ()), website=form.website.data or "",
                contact_phone=form.contact_phone.data or "",
            ))
        except services.SignUpError as error:
            getattr(form, error.field).errors.append(str(error))
        else:
            session.clear()
            login_user(user)
            flash("Your account is created. A cooperative administrator will review your organisation shortly.", "success")
            return redirect(url_for("main.dashboard"))
    return render_template("accounts/sign_up.html", form=form), (422 if form.errors else 200)


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["COOP_SIGN_IN_RATE_LIMIT"], methods=["POST"])
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
            return redirect(next_url)
    return render_template("accounts/sign_in.html", form=form), (422 if form.errors else 200)


@bp.route("/sign-out", methods=["POST"])
@signed_in
def sign_out():
    """Sign out and forget the session."""
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("main.index"))
