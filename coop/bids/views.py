"""Vendors' bids (form, bid sheet, attachments, submit, withdraw) and the opening."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from coop import clock, exports
from coop.access import roles
from coop.bids import forms, queries, services, sheets
from coop.bids.models import Bid, BidStatus
from coop.errors import Refusal, Rejection, show_on_form
from coop.rfps import panels
from coop.rfps import queries as rfp_queries
from coop.rfps.models import Rfp, RfpStatus
from coop.rfps.views import public_rfp_or_404
from coop.roles import Role

bp = Blueprint("bids", __name__, template_folder="templates")
panels.panel(bp, panels.Place.BOARD_SUMMARY, "bids/_board_panel.html")
panels.panel(bp, panels.Place.MANAGE, "bids/_opening_panel.html")


@dataclass
class BoardPanel:
    """What an RFP's pages show about bids: nothing about any bid before opening, whoever asks."""

    opened: bool
    vendor_can_bid: bool
    open_form: forms.OpenBidsForm | None


@bp.app_template_global()
def bid_panel(rfp: Rfp) -> BoardPanel:
    """The board's and the administrator's bid panel: the way to bid, the opening button, the tabulation link."""
    status = rfp_queries.effective_status(rfp, clock.utcnow())
    is_vendor = current_user.is_authenticated and current_user.role == Role.VENDOR_REP
    is_admin = current_user.is_authenticated and current_user.role == Role.COOP_ADMIN
    return BoardPanel(
        opened=rfp.opened_at is not None,
        vendor_can_bid=is_vendor and status == RfpStatus.OPEN,
        open_form=forms.OpenBidsForm(formdata=None) if is_admin and status == RfpStatus.CLOSED else None,
    )


@dataclass
class BidPage:
    """Everything the vendor's bid page shows."""

    rfp: Rfp
    bid: Bid | None
    status: RfpStatus
    can_change: bool
    lines: list
    requirements: dict
    receipt: services.Receipt | None
    # A submitted bid being edited: the version submitted stays in force until the changes are submitted.
    unsubmitted_changes: bool
    # What the vendor's bid is read as once bids can no longer change: the version in force, or the draft.
    version: queries.SubmittedVersion | None


def _page(rfp: Rfp) -> BidPage:
    bid = queries.own_bid(rfp.id, current_user.organisation.id)
    status = rfp_queries.effective_status(rfp, clock.utcnow())
    can_change = status == RfpStatus.OPEN
    version = None
    if bid and bid.lines and not can_change:
        record = bid.submitted_content if bid.status == BidStatus.SUBMITTED else services.content(bid)
        version = queries.version_of(bid, record)
    return BidPage(
        rfp=rfp,
        bid=bid,
        status=status,
        can_change=can_change,
        lines=sorted(rfp.lines, key=lambda line: line.line_no),
        requirements=queries.requirements_by_line(rfp),
        receipt=services.receipt_of(bid) if bid else None,
        unsubmitted_changes=bool(bid) and services.has_unsubmitted_changes(bid),
        version=version,
    )


def _bid_form(page: BidPage, formdata=None) -> forms.BidForm:
    bid_input = queries.as_input(page.bid) if page.bid and page.bid.lines else None
    default_regions = [region.code for region in current_user.organisation.regions]
    line_ids = [line.id for line in page.lines]
    data = forms.form_data(
        bid_input, line_ids, page.requirements, default_regions, page.bid.revision if page.bid else None
    )
    form = forms.BidForm(formdata=formdata, data=data, rfp_line_ids=line_ids)
    region_choices = [SelectChoice(region.code, f"{region.name} ({region.code})") for region in queries.regions()]
    for entry in form.lines:
        entry.form.regions.choices = region_choices
    return form


def _render(
    page: BidPage,
    *,
    form=None,
    status: int = 200,
    general=(),
    line_wide=None,
    attachment_form=None,
    sheet_form=None,
    sheet_problems=None,
):
    return render_template(
        "bids/bid.html",
        page=page,
        form=form or _bid_form(page),
        general=list(general),
        line_wide=line_wide or {},
        rejected=status == 422 and form is not None,
        attachment_form=attachment_form or forms.AttachmentForm(formdata=None, revision=_revision(page)),
        sheet_form=sheet_form or forms.SheetForm(formdata=None, revision=_revision(page)),
        action_form=forms.RevisionForm(formdata=None, revision=_revision(page)),
        sheet_problems=sheet_problems,
        lines_by_id={line.id: line for line in page.lines},
    ), status


def _revision(page: BidPage) -> str:
    return str(page.bid.revision) if page.bid else ""


def _refused(page: BidPage, error: Refusal, **forms_shown):
    flash(str(error), "danger")
    return _render(_page(page.rfp), status=409, **forms_shown)


VENDOR = roles(Role.VENDOR_REP)


@bp.route("/bids")
@VENDOR
def mine():
    """The vendor's bids, each with its status and receipt, and the RFPs open for bids now."""
    bids = queries.vendor_bids(current_user.organisation.id)
    now = clock.utcnow()
    bid_on = {bid.rfp_id for bid in bids}
    open_rfps = [rfp for rfp in rfp_queries.public_rfps() if rfp_queries.effective_status(rfp, now) == RfpStatus.OPEN]
    return render_template(
        "bids/mine.html",
        rows=[(bid, rfp_queries.effective_status(bid.rfp, now), services.receipt_of(bid)) for bid in bids],
        open_rfps=[(rfp, rfp.id in bid_on) for rfp in open_rfps],
        changed={bid.id: services.has_unsubmitted_changes(bid) for bid in bids},
    )


@bp.route("/rfps/<reference>/bid", methods=["GET", "POST"])
@VENDOR
def edit(reference: str):
    """The vendor's bid on one RFP: fill in, save as draft, submit."""
    page = _page(public_rfp_or_404(reference))
    if request.method == "GET":
        return _render(page)
    form = _bid_form(page, request.form)
    if not form.validate_on_submit():
        if form.lines.errors:  # blocks of lines the RFP does not have cannot be shown again: its own lines instead
            return _render(page, form=_bid_form(page), status=422, general=form.lines.errors)
        return _render(page, form=form, status=400)
    try:
        bid = services.save_bid(
            current_user,
            reference,
            forms.bid_input(form),
            revision=forms.revision_of(form),
            submit=bool(form.submit.data),
        )
    except Rejection as rejected:
        general, line_wide = forms.place_problems(form, rejected.problems)
        return _render(_page(page.rfp), form=form, status=422, general=general, line_wide=line_wide)
    except Refusal as error:
        return _refused(page, error)
    if form.submit.data and bid.status == BidStatus.SUBMITTED:
        flash(f"Your bid is submitted. Receipt: {bid.content_sha256}.", "success")
    elif bid.status == BidStatus.SUBMITTED:
        flash(
            "Your changes are saved as a draft. The bid you submitted stays in force until you submit them.", "success"
        )
    else:
        flash("Your bid is saved as a draft. It is not considered unless you submit it before the deadline.", "success")
    return redirect(url_for("bids.edit", reference=reference))


def _revision_action(reference: str, action, success: str):
    page = _page(public_rfp_or_404(reference))
    form = forms.RevisionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        action(current_user, reference, revision=forms.revision_of(form))
    except Rejection as rejected:
        flash("The bid cannot be submitted as it stands: correct it below and submit it again.", "danger")
        form = _bid_form(page)
        form.validate()
        general, line_wide = forms.place_problems(form, rejected.problems)
        return _render(page, form=form, status=422, general=general, line_wide=line_wide)
    except Refusal as error:
        return _refused(page, error)
    flash(success, "success")
    return redirect(url_for("bids.edit", reference=reference))


@bp.route("/rfps/<reference>/bid/submit", methods=["POST"])
@VENDOR
def submit(reference: str):
    """Submit the saved draft as it stands."""
    return _revision_action(reference, services.submit_bid, "Your bid is submitted.")


@bp.route("/rfps/<reference>/bid/withdraw", methods=["POST"])
@VENDOR
def withdraw(reference: str):
    """Withdraw the bid; it is kept, marked withdrawn."""
    return _revision_action(
        reference, services.withdraw_bid, "Your bid is withdrawn. You can save and submit it again before the deadline."
    )


@bp.route("/rfps/<reference>/bid/attachments", methods=["POST"])
@VENDOR
def attach(reference: str):
    """Attach a PDF spec sheet to the bid."""
    page = _page(public_rfp_or_404(reference))
    form = forms.AttachmentForm()
    if not form.validate_on_submit():
        return _render(page, attachment_form=form, status=422)
    upload = form.file.data
    try:
        attachment = services.add_attachment(
            current_user, reference, upload.filename or "", upload.read(), revision=forms.revision_of(form)
        )
    except Refusal as error:
        if show_on_form(form, error, category="danger"):
            return _render(_page(page.rfp), attachment_form=form, status=422)
        return _render(_page(page.rfp), status=409)  # refused as a whole: flashed
    flash(f"{attachment.filename} is attached.", "success")
    return redirect(url_for("bids.edit", reference=reference, _anchor="attachments"))


@bp.route("/rfps/<reference>/bid/attachments/<key:attachment_key>/remove", methods=["POST"])
@VENDOR
def detach(reference: str, attachment_key: str):
    """Remove an attachment from the bid."""
    return _revision_action(
        reference,
        lambda user, ref, *, revision: services.remove_attachment(user, ref, attachment_key, revision=revision),
        "The attachment is removed.",
    )


@bp.route("/bids/attachments/<key:attachment_key>")
@roles(Role.VENDOR_REP, Role.COOP_ADMIN)
def download(attachment_key: str):
    """An attachment, as a download: for its own vendor, and for administrators once the bids are opened."""
    attachment, path = services.attachment_for_download(current_user, attachment_key)
    return send_file(path, mimetype="application/pdf", as_attachment=True, download_name=attachment.filename, max_age=0)


@bp.route("/rfps/<reference>/bid/sheet.<any(csv, xlsx):kind>")
@VENDOR
def sheet(reference: str, kind: str):
    """The RFP's bid sheet, pre-filled with the vendor's bid when it has one."""
    page = _page(public_rfp_or_404(reference))
    content = sheets.write_sheet(
        page.rfp,
        queries.as_input(page.bid) if page.bid else None,
        kind,
        requirements=page.requirements,
        deadline_text=clock.format_utc(page.rfp.bid_deadline),
    )
    return exports.download(content, kind, f"{page.rfp.reference}-bid-sheet.{kind}")


@bp.route("/rfps/<reference>/bid/sheet", methods=["POST"])
@VENDOR
def upload_sheet(reference: str):
    """Read a filled bid sheet and save it as the bid's draft: all of it, or nothing with every problem listed."""
    page = _page(public_rfp_or_404(reference))
    form = forms.SheetForm()
    if not form.validate_on_submit():
        return _render(page, sheet_form=form, status=422)
    upload = form.file.data
    try:
        services.save_sheet(
            current_user, reference, upload.filename or "", upload.read(), revision=forms.revision_of(form)
        )
    except Rejection as rejected:
        return _render(_page(page.rfp), sheet_form=form, status=422, sheet_problems=rejected.problems)
    except Refusal as error:
        return _refused(page, error)
    flash("The bid sheet is read and saved as your draft. Check it below, then submit it.", "success")
    return redirect(url_for("bids.edit", reference=reference))


# --- the opening and the tabulation ----------------------------------------------------------------------------------


@bp.route("/admin/rfps/<int:rfp_id>/open", methods=["POST"])
@roles(Role.COOP_ADMIN)
def open_bids(rfp_id: int):
    """Open the bids of a closed RFP, once."""
    if not forms.OpenBidsForm().validate_on_submit():
        abort(400)
    try:
        opening = services.open_bids(current_user, rfp_id)
    except Refusal as error:
        flash(str(error), "warning")
        return redirect(url_for("rfps.manage", rfp_id=rfp_id))
    flash(
        f"The bids are opened: {opening.submitted} submitted, {opening.set_aside} draft(s) set aside, "
        f"{opening.withdrawn} withdrawn. The tabulation is public.",
        "success",
    )
    return redirect(url_for("awards.tabulation", reference=opening.rfp.reference))
