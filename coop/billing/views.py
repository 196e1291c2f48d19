"""Billing pages: each organisation's invoices, the administrator's receivables and fee schedule, and the
endpoint Stripe delivers its events to."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from coop import clock, urls
from coop.access import public, roles
from coop.billing import adapters, queries, services
from coop.billing.forms import DuesRunForm, FeeScheduleForm
from coop.errors import Refusal, Rejection, show_on_form
from coop.extensions import csrf, limiter
from coop.inputs import Form
from coop.roles import Role

bp = Blueprint("billing", __name__, template_folder="templates")


@bp.route("/billing")
@roles(Role.DISTRICT_BUYER, Role.VENDOR_REP)
def mine():
    """The signed-in user's organisation's invoices, and the link to pay each."""
    return render_template(
        "billing/mine.html",
        invoices=queries.invoices_of(current_user.organisation.id),
        now=clock.utcnow(),
        billing_on=services.billing_enabled(),
    )


@bp.route("/admin/billing")
@roles(Role.COOP_ADMIN)
def receivables():
    """What every organisation owes the cooperative, overdue first to see."""
    state = request.args.get("state", "open")
    if state not in queries.FILTERS:
        state = "open"
    now = clock.utcnow()
    return render_template(
        "billing/receivables.html",
        page=queries.receivables(state, now, page=urls.page_number()),
        state=state,
        summary=queries.summary(now),
        now=now,
        billing_on=services.billing_enabled(),
        schedule=queries.current_schedule(),
        dues_form=DuesRunForm(year=services.membership_year(clock.today())),
        form=Form(),
    )


@bp.route("/admin/billing/dues", methods=["POST"])
@roles(Role.COOP_ADMIN)
def run_dues():
    """Invoice every member district its dues for a membership year (again: nothing new)."""
    form = DuesRunForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(errors[0], "warning")
        return redirect(url_for("billing.receivables"))
    try:
        run = services.run_dues(current_user, form.year.data)
    except Refusal as error:
        flash(error.message, "warning")
        return redirect(url_for("billing.receivables"))
    label = services.membership_year_label(form.year.data)
    flash(
        f"Dues {label}: {len(run.recorded)} invoice(s) recorded, {run.already_recorded} already recorded before"
        + (
            f", {len(run.issued)} issued through Stripe."
            if services.billing_enabled()
            else ". Billing through Stripe is off: record them as issued by hand."
        ),
        "success",
    )
    for failure in run.failures:
        flash(failure, "danger")
    return redirect(url_for("billing.receivables", state="all" if services.billing_enabled() else "draft"))


@bp.route("/admin/billing/fees", methods=["GET", "POST"])
@roles(Role.COOP_ADMIN)
def fee_schedule():
    """The fee schedule new invoices are priced by."""
    schedule = queries.current_schedule()
    form = FeeScheduleForm()
    if request.method == "GET" and schedule is not None:
        form.dues_bands.data = services.format_dues_bands(schedule.dues_bands)
        form.admin_fee_percent.data = str(schedule.admin_fee_percent)
        form.admin_fee_minimum.data = f"{schedule.admin_fee_min_cents / 100:.2f}"
        form.currency.data = schedule.currency
        form.payment_terms_days.data = schedule.payment_terms_days
    if form.validate_on_submit():
        data = services.FeeScheduleInput(
            dues_bands=form.dues_bands.data,
            admin_fee_percent=form.admin_fee_percent.data,
            admin_fee_minimum=form.admin_fee_minimum.data,
            currency=form.currency.data,
            payment_terms_days=form.payment_terms_days.data,
        )
        try:
            services.update_fee_schedule(current_user, data)
        except (Refusal, Rejection) as error:
            show_on_form(form, error)
        else:
            flash("The fee schedule is saved; it prices the invoices made from now on.", "success")
            return redirect(url_for("billing.receivables"))
    return render_template("billing/fee_schedule.html", form=form, schedule=schedule), (422 if form.errors else 200)


@bp.route("/admin/billing/invoices/<int:invoice_id>/<any(issued, paid):what>", methods=["POST"])
@roles(Role.COOP_ADMIN)
def record(invoice_id: int, what: str):
    """Record by hand that an invoice outside Stripe was issued, or paid."""
    if Form().validate_on_submit():
        try:
            invoice = (services.record_issued if what == "issued" else services.record_paid)(current_user, invoice_id)
        except Refusal as error:
            flash(error.message, "warning")
        else:
            flash(f"{invoice.number} is recorded as {what}.", "success")
    return redirect(request.referrer if _same_site(request.referrer) else url_for("billing.receivables"))


def _same_site(url: str | None) -> bool:
    return bool(url) and url.startswith(request.host_url)


# Stripe's servers call this, not a browser: no session and no CSRF token, and a burst of retries after an outage
# must not be turned away. The signature over the raw body (checked first, with STRIPE_WEBHOOK_SECRET) is what
# admits a request, so the route is public to the access rules and exempt from CSRF and the rate limit alone.
@bp.route("/stripe/webhook", methods=["POST"])
@public
@csrf.exempt
@limiter.exempt
def stripe_webhook():
    """Receive one Stripe event: verified, applied once, acknowledged."""
    try:
        event = adapters.verified_event(request.get_data(cache=True), request.headers.get("Stripe-Signature"))
    except adapters.BadSignature as error:
        current_app.logger.warning("Stripe webhook refused: %s", error)
        abort(400, description="The request does not carry a valid Stripe signature.")
    outcome = services.handle_event(event)
    return {"received": True, "outcome": outcome}
