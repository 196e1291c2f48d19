"""The administrator's review of organisations, and each organisation's own profile."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from coop.access import roles, signed_in
from coop.catalogue import queries as catalogue
from coop.errors import Refusal, show_on_form
from coop.inputs import Form
from coop.orgs import queries, services
from coop.orgs.forms import ProfileForm, VendorProfileForm
from coop.orgs.models import OrganisationStatus, Vendor
from coop.roles import Role

bp = Blueprint("orgs", __name__, template_folder="templates")


@bp.route("/admin/organisations")
@roles(Role.COOP_ADMIN)
def review():
    """Organisations by status, pending first."""
    status = request.args.get("status", OrganisationStatus.PENDING.value)
    selected = OrganisationStatus(status) if status in OrganisationStatus._value2member_map_ else None
    return render_template(
        "orgs/review.html",
        organisations=queries.organisations(status=selected),
        selected=selected,
        statuses=list(OrganisationStatus),
        form=Form(),
    )


@bp.route("/admin/organisations/<int:organisation_id>/<any(approve, reject):decision>", methods=["POST"])
@roles(Role.COOP_ADMIN)
def decide(organisation_id: int, decision: str):
    """Approve or reject one organisation."""
    if not Form().validate_on_submit():
        flash("The form expired; please try again.", "warning")
        return redirect(url_for("orgs.review"))
    try:
        organisation = (services.approve if decision == "approve" else services.reject)(current_user, organisation_id)
    except Refusal as error:
        flash(str(error), "warning")
    else:
        flash(f"{organisation.name} is {organisation.status.value}.", "success")
    return redirect(url_for("orgs.review"))


@bp.route("/organisation")
@signed_in
def profile():
    """The signed-in user's own organisation."""
    organisation = current_user.organisation
    return render_template(
        "orgs/profile.html",
        organisation=organisation,
        can_edit=services.can_edit_profile(current_user),
        missing=services.missing_details(organisation),
    )


def _profile_input(form: ProfileForm) -> services.ProfileInput:
    common = dict(
        name=form.name.data or "",
        contact_name=form.contact_name.data or "",
        contact_email=form.contact_email.data or "",
        contact_phone=form.contact_phone.data or "",
    )
    if isinstance(form, VendorProfileForm):
        return services.VendorProfileInput(
            **common,
            website=form.website.data or "",
            description=form.description.data or "",
            postal_address=form.postal_address.data or "",
            region_ids=tuple(form.region_ids.data or ()),
            category_ids=tuple(form.category_ids.data or ()),
        )
    return services.ProfileInput(**common)


# Pending organisations may edit too: completing the profile is what they do while they wait for approval.
@bp.route("/organisation/edit", methods=["GET", "POST"])
@roles(Role.VENDOR_REP, Role.DISTRICT_BUYER, approved=False)
def edit_profile():
    """Edit the signed-in user's own organisation: there is no id to change, so no one reaches another's."""
    if not services.can_edit_profile(current_user):
        abort(403, description="Your organisation's profile cannot be changed; contact the cooperative.")
    organisation = current_user.organisation
    is_vendor = isinstance(organisation, Vendor)
    form = (VendorProfileForm if is_vendor else ProfileForm)(obj=organisation)
    if is_vendor:
        form.region_ids.choices = [SelectChoice(region.id, region.name) for region in queries.regions()]
        form.category_ids.choices = [SelectChoice(category.id, category.name) for category in catalogue.categories()]
        if request.method == "GET":
            form.region_ids.data = [region.id for region in organisation.regions]
            form.category_ids.data = [category.id for category in organisation.categories]
    if form.validate_on_submit():
        try:
            changed = services.update_profile(current_user, _profile_input(form))
        except Refusal as error:
            show_on_form(form, error)
        else:
            flash("Your profile is saved." if changed else "Nothing changed.", "success" if changed else "info")
            return redirect(url_for("orgs.profile"))
    return render_template("orgs/edit_profile.html", form=form, organisation=organisation), (
        422 if form.errors else 200
    )
