"""The fairness gate and the notice of intent (administrators), protests (bidders), awards and purchase orders."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from coop import clock, exports
from coop.access import roles
from coop.awards import queries as award_queries
from coop.awards.models import AwardRound
from coop.contracts import documents, queries, services
from coop.contracts.forms import CancelLineForm, DecisionForm, FinaliseForm, ProtestForm, PublishForm
from coop.contracts.models import NoticeStatus, PurchaseOrder
from coop.errors import Refusal, show_on_form
from coop.rfps import panels
from coop.rfps.documents import pdf_response
from coop.rfps.models import Rfp
from coop.roles import Role

bp = Blueprint("contracts", __name__, template_folder="templates")
panels.panel(bp, panels.Place.MANAGE, "contracts/_manage_panel.html")
panels.panel(bp, panels.Place.COMMITMENT, "contracts/_commitment_outcome.html")

FORM_EXPIRED = "The form expired; please try again."


@bp.app_template_global()
def award_rounds_panel(rfp: Rfp) -> list[tuple[AwardRound, object]]:
    """The administrator's RFP page: each round of an opened RFP with its notice, if published."""
    if rfp.opened_at is None:
        return []
    notices = queries.notices_by_round(rfp.id)
    return [(award_round, notices.get(award_round.id)) for award_round in award_queries.rounds_of(rfp.id)]


@bp.app_template_global()
def commitment_outcome(link) -> queries.Outcome | None:
    """The commitments page: what became of a committed line (notice of intent, then purchase orders)."""
    return queries.commitment_outcome(link)


# --- the fairness gate and the notice of intent -------------------------------------------------------------------------


def _opened_round_or_404(round_id: int) -> AwardRound:
    award_round = queries.award_round(round_id)
    if award_round is None or award_round.rfp.opened_at is None:
        abort(404)
    return award_round


def _gate(award_round: AwardRound, form: PublishForm, status: int = 200):
    return render_template(
        "contracts/gate.html",
        award_round=award_round,
        rfp=award_round.rfp,
        form=form,
        gate=queries.fairness(award_round),
        notice=queries.notice_for_round(award_round.id),
        live=queries.live_notice(award_round.rfp_id),
        default_days=current_app.config["COOP_PROTEST_DAYS"],
    ), status


@bp.route("/admin/rounds/<int:round_id>/gate")
@roles(Role.COOP_ADMIN)
def gate(round_id: int):
    """The fairness gate of a round: shares, standalone costs, savings, the core check; publish from here."""
    return _gate(_opened_round_or_404(round_id), PublishForm(formdata=None))


@bp.route("/admin/rounds/<int:round_id>/publish", methods=["POST"])
@roles(Role.COOP_ADMIN)
def publish(round_id: int):
    """Publish the round as the notice of intent to award, opening the protest period."""
    award_round = _opened_round_or_404(round_id)
    form = PublishForm()
    if form.validate():
        try:
            notice = services.publish_round(
                current_user,
                round_id,
                services.PublishInput(
                    protest_days=form.protest_days.data, confirm=bool(form.confirm.data), reason=form.reason.data or ""
                ),
            )
        except Refusal as error:
            if not show_on_form(form, error):
                return redirect(url_for("contracts.gate", round_id=round_id))
        else:
            flash(
                f"The notice of intent to award {award_round.rfp.reference} is published; bidders may protest "
                f"until {clock.format_utc(notice.protest_ends_at)}. Districts and bidders are e-mailed.",
                "success",
            )
            return redirect(url_for("contracts.notice", notice_id=notice.id))
    return _gate(_opened_round_or_404(round_id), form, 422)


@bp.route("/admin/notices")
@roles(Role.COOP_ADMIN)
def notices():
    """Every notice of intent to award: in their protest period first."""
    return render_template("contracts/notices.html", notices=queries.notices(), now=clock.utcnow())


def _notice_page(notice_id: int, *, decision_forms=None, status: int = 200):
    notice = queries.notice(notice_id)
    if notice is None:
        abort(404)
    forms = {protest.id: DecisionForm(formdata=None, prefix=f"p{protest.id}") for protest in notice.protests}
    forms.update(decision_forms or {})
    return render_template(
        "contracts/notice.html",
        notice=notice,
        rfp=notice.rfp,
        decision_forms=forms,
        finalise_form=FinaliseForm(),
        now=clock.utcnow(),
        lines=queries.award_lines(notice.award_round_id),
        orders=queries.orders_of_notice(notice.id),
    ), status


@bp.route("/admin/notices/<int:notice_id>")
@roles(Role.COOP_ADMIN)
def notice(notice_id: int):
    """One notice of intent: its awards, its protests to decide, and the final award."""
    return _notice_page(notice_id)


@bp.route("/admin/protests/<int:protest_id>/decide", methods=["POST"])
@roles(Role.COOP_ADMIN)
def decide(protest_id: int):
    """Uphold or deny a protest, in writing."""
    protest = queries.protest(protest_id)
    if protest is None:
        abort(404)
    notice_id = protest.notice_id
    form = DecisionForm(prefix=f"p{protest_id}")
    if form.validate():
        upheld = bool(form.uphold.data)
        try:
            services.resolve_protest(current_user, protest_id, upheld=upheld, decision=form.decision.data)
        except Refusal as error:
            if not show_on_form(form, error):
                return redirect(url_for("contracts.notice", notice_id=notice_id))
        else:
            flash(
                "The protest is upheld: the notice of intent is cancelled, and every district and bidder is told."
                if upheld
                else "The protest is denied; the vendor is told.",
                "success",
            )
            return redirect(url_for("contracts.notice", notice_id=notice_id))
    return _notice_page(notice_id, decision_forms={protest_id: form}, status=422)


@bp.route("/admin/notices/<int:notice_id>/finalise", methods=["POST"])
@roles(Role.COOP_ADMIN)
def finalise(notice_id: int):
    """Make the award final and issue the purchase orders."""
    if not FinaliseForm().validate_on_submit():
        flash(FORM_EXPIRED, "warning")
        return redirect(url_for("contracts.notice", notice_id=notice_id))
    try:
        notice = services.finalise(current_user, notice_id)
    except Refusal as error:
        flash(error.message, "warning")
    else:
        flash(f"The award of {notice.rfp.reference} is final; the purchase orders are issued and e-mailed.", "success")
    return redirect(url_for("contracts.notice", notice_id=notice_id))


# --- bidders' protests and vendors' awards --------------------------------------------------------------------------------


def _protest_page(reference: str, form: ProtestForm, status: int = 200):
    rfp, notice = services.protest_page(current_user, reference)
    return render_template(
        "contracts/protest.html",
        rfp=rfp,
        notice=notice,
        form=form,
        now=clock.utcnow(),
        lines=queries.bidder_award_lines(notice.award_round, current_user.organisation.id) if notice else [],
        protests=queries.vendor_protests(notice.id, current_user.organisation.id) if notice else [],
        open_to_protests=notice is not None
        and notice.status == NoticeStatus.PROTEST_PERIOD
        and clock.utcnow() < notice.protest_ends_at,
    ), status


@bp.route("/rfps/<reference>/protest", methods=["GET", "POST"])
@roles(Role.VENDOR_REP)
def protest(reference: str):
    """A bidder reads the notice of intent to award and may protest it during the protest period."""
    form = ProtestForm(formdata=None)
    status = 200
    if request.method == "POST":
        form = ProtestForm()
        if form.validate():
            try:
                services.file_protest(current_user, reference, form.grounds.data)
            except Refusal as error:
                show_on_form(form, error)
            else:
                flash(
                    "Your protest is filed. The cooperative decides it in writing before the award is final.", "success"
                )
                return redirect(url_for("contracts.protest", reference=reference))
        status = 422
    return _protest_page(reference, form, status)


@bp.route("/awards")
@roles(Role.VENDOR_REP)
def vendor_awards():
    """The vendor's awards (intended and final), its purchase orders, and the notices it may protest."""
    vendor_id = current_user.organisation.id
    return render_template(
        "contracts/vendor_awards.html",
        awards=queries.vendor_awards(vendor_id),
        orders=queries.purchase_orders(vendor_id=vendor_id),
        protestable=queries.bidder_notices(vendor_id),
        now=clock.utcnow(),
    )


# --- purchase orders ---------------------------------------------------------------------------------------------------


@bp.route("/orders")
@roles(Role.DISTRICT_BUYER, Role.VENDOR_REP, Role.COOP_ADMIN)
def orders():
    """Purchase orders: a district's, a vendor's, or every one for the cooperative."""
    organisation_id = current_user.organisation.id
    if current_user.role == Role.DISTRICT_BUYER:
        found = queries.purchase_orders(district_id=organisation_id)
    elif current_user.role == Role.VENDOR_REP:
        found = queries.purchase_orders(vendor_id=organisation_id)
    else:
        found = queries.purchase_orders()
    return render_template("contracts/orders.html", orders=found)


def _order_or_404(number: str) -> PurchaseOrder:
    """The order, for its district, its vendor and administrators; a 404 for anyone else, as for no such order."""
    order = queries.purchase_order(number)
    if order is None:
        abort(404)
    organisation_id = current_user.organisation.id
    allowed = (
        current_user.role == Role.COOP_ADMIN
        or (current_user.role == Role.DISTRICT_BUYER and order.district_id == organisation_id)
        or (current_user.role == Role.VENDOR_REP and order.contract.vendor_id == organisation_id)
    )
    if not allowed:
        abort(404)
    return order


@bp.route("/orders/<number>")
@roles(Role.DISTRICT_BUYER, Role.VENDOR_REP, Role.COOP_ADMIN)
def order(number: str):
    """One purchase order; administrators may cancel a line of it."""
    return _order_page(_order_or_404(number), CancelLineForm())


def _order_page(order: PurchaseOrder, form: CancelLineForm, *, line_no: int | None = None, status: int = 200):
    can_cancel = current_user.role == Role.COOP_ADMIN
    return render_template(
        "contracts/order.html", order=order, form=form, can_cancel=can_cancel, form_line_no=line_no
    ), status


@bp.route("/orders/<number>/lines/<int:line_no>/cancel", methods=["POST"])
@roles(Role.COOP_ADMIN)
def cancel_order_line(number: str, line_no: int):
    """Cancel one line of a purchase order, with the reason; its fee is credited to the vendor."""
    order = _order_or_404(number)
    form = CancelLineForm()
    if form.validate_on_submit():
        try:
            services.cancel_order_line(current_user, number, line_no, form.reason.data)
        except Refusal as refusal:
            show_on_form(form, refusal)
        else:
            flash(f"Line {line_no} of {number} is cancelled; the district and the vendor are told.", "success")
            return redirect(url_for("contracts.order", number=number))
    return _order_page(order, form, line_no=line_no, status=422)


@bp.route("/orders/<number>.pdf")
@roles(Role.DISTRICT_BUYER, Role.VENDOR_REP, Role.COOP_ADMIN)
def order_pdf(number: str):
    """One purchase order as PDF."""
    order = _order_or_404(number)
    return pdf_response(documents.order_pdf(order), documents.filename(order, "pdf"))


@bp.route("/orders/<number>.csv")
@roles(Role.DISTRICT_BUYER, Role.VENDOR_REP, Role.COOP_ADMIN)
def order_csv(number: str):
    """One purchase order as CSV."""
    order = _order_or_404(number)
    return exports.download(documents.order_csv(order), "csv", documents.filename(order, "csv"))
