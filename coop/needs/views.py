"""Districts' needs: post, edit, withdraw, import; the administrator's view of demand."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from coop import money, urls
from coop.access import roles
from coop.catalogue import queries as catalogue
from coop.errors import Refusal, Rejection, show_on_form
from coop.needs import importing, queries, services
from coop.needs.forms import ConfirmForm, DemandFilterForm, ImportForm, NeedForm, item_choices
from coop.needs.models import NeedStatus
from coop.orgs import queries as org_queries
from coop.roles import Role

bp = Blueprint("needs", __name__, template_folder="templates")

MAX_PROBLEMS_SHOWN = 500


def _need_input(form: NeedForm) -> services.NeedInput:
    return services.NeedInput(
        item_id=form.item_id.data,
        quantity=form.quantity.data,
        needed_by=form.needed_by.data,
        budget_cap_cents=form.budget_cap_cents,
        erate_eligible=form.erate_eligible.data,
        spec_notes=form.spec_notes.data or "",
    )


@bp.route("/needs")
@roles(Role.DISTRICT_BUYER)
def index():
    """The district's own needs."""
    district_id = current_user.organisation.id
    page = queries.own_needs(district_id, page=urls.page_number())
    return render_template(
        "needs/index.html", page=page, counts=queries.status_counts(district_id), statuses=list(NeedStatus)
    )


@bp.route("/needs/new", methods=["GET", "POST"])
@roles(Role.DISTRICT_BUYER)
def new():
    """Post a need."""
    form = NeedForm()
    form.item_id.choices = item_choices(catalogue.items(), placeholder="Choose an item…")
    if form.validate_on_submit():
        try:
            need = services.post_need(current_user, _need_input(form))
        except Refusal as error:
            show_on_form(form, error)
        else:
            flash(f"Your need for {need.quantity:,} × {need.item.name} is posted.", "success")
            return redirect(url_for("needs.index"))
    return render_template("needs/form.html", form=form, need=None), (422 if form.errors else 200)


@bp.route("/needs/<int:need_id>")
@roles(Role.DISTRICT_BUYER)
def show(need_id: int):
    """One of the district's needs."""
    return render_template("needs/show.html", need=services.own_need(current_user, need_id))


@bp.route("/needs/<int:need_id>/edit", methods=["GET", "POST"])
@roles(Role.DISTRICT_BUYER)
def edit(need_id: int):
    """Change an open need."""
    need = services.own_need(current_user, need_id)
    if not need.is_editable:
        flash(services.not_editable_message(need, "changed"), "warning")
        return redirect(url_for("needs.show", need_id=need.id))
    form = NeedForm(obj=need)
    if request.method == "GET":
        form.budget_cap.data = money.plain_dollars(need.budget_cap_cents)
    form.item_id.choices = item_choices(catalogue.items(), placeholder="Choose an item…", keep_item=need.item)
    form.submit.label.text = "Save changes"
    if form.validate_on_submit():
        try:
            need = services.edit_need(current_user, need.id, _need_input(form))
        except Refusal as error:
            if not show_on_form(form, error):
                return redirect(url_for("needs.show", need_id=need.id))
        else:
            flash("Your changes are saved.", "success")
            return redirect(url_for("needs.index"))
    return render_template("needs/form.html", form=form, need=need), (422 if form.errors else 200)


@bp.route("/needs/<int:need_id>/withdraw", methods=["GET", "POST"])
@roles(Role.DISTRICT_BUYER)
def withdraw(need_id: int):
    """Confirm, then withdraw an open need."""
    need = services.own_need(current_user, need_id)
    form = ConfirmForm()
    if not need.is_editable:
        flash(services.not_editable_message(need, "withdrawn"), "warning")
        return redirect(url_for("needs.show", need_id=need.id))
    if form.validate_on_submit():
        try:
            need = services.withdraw_need(current_user, need.id)
        except Refusal as error:
            flash(str(error), "warning")
            return redirect(url_for("needs.show", need_id=need.id))
        flash(f"Your need for {need.quantity:,} × {need.item.name} is withdrawn.", "success")
        return redirect(url_for("needs.index"))
    return render_template("needs/withdraw.html", need=need, form=form)


@bp.route("/needs/import", methods=["GET", "POST"])
@roles(Role.DISTRICT_BUYER)
def import_needs():
    """Import needs from a spreadsheet."""
    form = ImportForm()
    problems = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            result = services.import_needs(current_user, upload.filename or "", upload.read())
        except Rejection as rejected:
            problems = rejected.problems
        else:
            noun = "need" if result.count == 1 else "needs"
            flash(f"Imported {result.count:,} {noun} from {upload.filename}.", "success")
            return redirect(url_for("needs.index"))
    status = 422 if (form.errors or problems) else 200
    return render_template(
        "needs/import.html",
        form=form,
        problems=problems,
        problems_shown=(problems or [])[:MAX_PROBLEMS_SHOWN],
        bad_lines=len({problem.line for problem in problems or [] if problem.line is not None}),
        column_help=importing.COLUMN_HELP,
        items=catalogue.items(),
        max_rows=current_app.config["COOP_IMPORT_MAX_ROWS"],
    ), status


@bp.route("/needs/import/template.<any(csv, xlsx):kind>")
@roles(Role.DISTRICT_BUYER)
def import_template(kind: str):
    """The import template as CSV or XLSX."""
    template = services.import_template(kind)
    return (
        template.content,
        200,
        {
            "Content-Type": template.mimetype,
            "Content-Disposition": f'attachment; filename="{template.filename}"',
        },
    )


DEMAND_ITEMS_PER_PAGE = 25  # items on one page of the demand report (its totals count every item)


@bp.route("/admin/demand")
@roles(Role.COOP_ADMIN)
def demand():
    """Every open need, pooled per item."""
    form = DemandFilterForm(formdata=request.args)
    form.category_id.choices = [SelectChoice(0, "All categories")] + [
        SelectChoice(category.id, category.name) for category in catalogue.categories()
    ]
    form.item_id.choices = item_choices(catalogue.items(active_only=False), placeholder="All items")
    form.region_id.choices = [SelectChoice(0, "All regions")] + [
        SelectChoice(region.id, region.name) for region in org_queries.regions()
    ]
    report = None
    if form.validate():
        report = queries.demand(
            queries.DemandFilter(
                category_id=form.category_id.data or None,
                item_id=form.item_id.data or None,
                region_id=form.region_id.data or None,
                needed_from=form.needed_from.data,
                needed_to=form.needed_to.data,
            )
        )
    filtered = any(request.args.get(name) not in (None, "", "0") for name in form.data)
    return render_template(
        "needs/demand.html",
        form=form,
        report=report,
        items=urls.list_page(report.items, urls.page_number(), DEMAND_ITEMS_PER_PAGE) if report else None,
        filter_args=urls.arguments_but_page(),
        filtered=filtered,
    ), (200 if report else 422)
