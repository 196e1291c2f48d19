"""The administrator's review of organisations, and each organisation's own profile."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from coop.access import roles, signed_in
from coop.accounts.models import Role
from coop.orgs import queries, services
from coop.orgs.models import OrganisationStatus

bp = Blueprint("orgs", __name__, template_folder="templates")


@bp.route("/admin/organisations")
@roles(Role.COOP_ADMIN)
def review():
    """Organisations by status, pending first."""
    status = request.args.get("status", OrganisationStatus.PENDING.value)
    selected = OrganisationStatus(status) if status in OrganisationStatus._value2member_map_ else None
    return render_template(
        "orgs/review.html", organisations=queries.organisations(status=selected), selected=selected,
        statuses=list(OrganisationStatus), form=FlaskForm(),
    )


@bp.route("/admin/organisations/<int:organisation_id>/<any(approve, reject):decision>", methods=["POST"])
@roles(Role.COOP_ADMIN)
def decide(organisation_id: int, decision: str):
    """Approve or reject one organisation."""
    if not FlaskForm().validate_on_submit():
        flash("The form expired; please try again.", "warning")
        return redirect(url_for("orgs.review"))
    try:
        organisation = (services.approve if decision == "approve" else services.reject)(current_user, organisation_id)
    except LookupError:
        abort(404)
    except services.OrganisationError as error:
        flash(str(error), "warning")
    else:
        flash(f"{organisation.name} is {organisation.status.value}.", "success")
    return redirect(url_for("orgs.review"))


@bp.route("/organisation")
@signed_in
def profile():
    """The signed-in user's own organisation."""
    return render_template("orgs/profile.html", organisation=current_user.organisation)
