"""Joint RFPs: the administrator's pooling and lifecycle pages, districts' commitments, the public RFP board."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from coop import clock, urls
from coop.access import public, roles
from coop.accounts import queries as account_queries
from coop.audit import queries as audit_queries
from coop.catalogue import queries as catalogue
from coop.errors import Refusal, Rejection, show_on_form
from coop.needs.queries import DemandFilter
from coop.orgs import queries as org_queries
from coop.rfps import documents, panels, queries, services
from coop.rfps.forms import (
    ActionForm,
    CancelForm,
    CommitmentForm,
    DeadlineForm,
    PoolFilterForm,
    PoolForm,
    details_form_class,
    line_form_class,
    spec_for_form,
    template_choices,
)
from coop.rfps.models import Rfp, RfpStatus
from coop.roles import Role

bp = Blueprint("rfps", __name__, template_folder="templates")

FORM_EXPIRED = "The form expired; please try again."
POOLS_PER_PAGE = 5  # proposed pools shown in full on one page of the pooling page (all are in its summary)


@bp.context_processor
def rfp_helpers():
    now = clock.utcnow()
    return {
        "status_of": lambda rfp: queries.effective_status(rfp, now),
        "requirements": documents.requirements,
        "named_districts": queries.named_districts,
        "proposed_quantity": queries.proposed_quantity,
        "rfp_panels": panels.panels,
        "is_public": queries.is_public,
    }


@bp.app_template_global()
def need_pooling(need) -> list[queries.Commitment]:
    """The RFP lines a district's need is pooled into, past the draft stage: for the need's own page."""
    return queries.commitments(need.district_id, need_id=need.id)


@bp.app_template_global()
def commitment_url(entry: queries.Commitment) -> str:
    """Where a district follows one of its commitments: the RFP's page once public, else its commitments page."""
    if queries.is_public(entry.rfp):
        return url_for("rfps.show", reference=entry.rfp.reference)
    return url_for("rfps.commitments", _anchor=f"commitment-{entry.link.id}")


def _is_admin() -> bool:
    return current_user.is_authenticated and current_user.role == Role.COOP_ADMIN


# --- the administrator's pages ---------------------------------------------------------------------------------------


@bp.route("/admin/rfps")
@roles(Role.COOP_ADMIN)
def index():
    """Every RFP, by status."""
    status = request.args.get("status", "")
    selected = RfpStatus(status) if status in RfpStatus._value2member_map_ else None
    services.close_past_deadlines()
    now = clock.utcnow()
    return render_template(
        "rfps/admin_index.html",
        page=queries.rfps_page(now=now, status=selected, page=urls.page_number()),
        selected=selected,
        statuses=list(RfpStatus),
        counts=queries.status_counts(now),
    )


def _filter_form() -> PoolFilterForm:
    form = PoolFilterForm(formdata=request.args)
    form.category_id.choices = [SelectChoice(0, "All categories")] + [
        SelectChoice(category.id, category.name) for category in catalogue.categories()
    ]
    form.item_id.choices = [SelectChoice(0, "All items")] + [
        SelectChoice(item.id, f"{item.code} — {item.name}", optgroup=item.category.name)
        for item in catalogue.items(active_only=False)
    ]
    form.region_id.choices = [SelectChoice(0, "All regions")] + [
        SelectChoice(region.id, region.name) for region in org_queries.regions()
    ]
    return form


def _pool_form(proposal: queries.PoolProposal, formdata=None) -> PoolForm:
    form = PoolForm(formdata=formdata, prefix=f"pool-{proposal.key}")
    form.need_ids.choices = [
        SelectChoice(need.need_id, f"{need.district}: {need.quantity:,}") for need in proposal.needs
    ]
    form.template_key.choices = template_choices(queries.library())
    if formdata is None:
        form.pool_key.data = proposal.key
        form.category_id.data = str(proposal.category_id)
        form.need_ids.data = proposal.need_ids
        form.template_key.data = proposal.template_key or ""
        form.title.data = f"{proposal.category_name}: joint purchase for {proposal.window_end.strftime('%B %Y')}"
    return form


@bp.route("/admin/rfps/pool", methods=["GET", "POST"])
@roles(Role.COOP_ADMIN)
def pool():
    """Proposed pools of open needs; create a draft RFP from one."""
    filters = _filter_form()
    proposals = None
    if filters.validate():
        proposals = queries.propose_pools(
            DemandFilter(
                category_id=filters.category_id.data or None,
                item_id=filters.item_id.data or None,
                region_id=filters.region_id.data or None,
                needed_from=filters.needed_from.data,
                needed_to=filters.needed_to.data,
            ),
            window_days=filters.window_days.data or queries.DEFAULT_WINDOW_DAYS,
        )
    pools = urls.list_page(proposals, urls.page_number(), POOLS_PER_PAGE) if proposals is not None else None
    forms = {proposal.key: _pool_form(proposal) for proposal in pools.items} if pools else {}
    status = 200 if proposals is not None else 422
    if request.method == "POST":
        posted_key = next((key for key in forms if f"pool-{key}-pool_key" in request.form), None)
        if posted_key is None:
            flash(services.NEEDS_CHANGED, "warning")
            return redirect(request.full_path)
        proposal = next(proposal for proposal in pools.items if proposal.key == posted_key)
        form = forms[posted_key] = _pool_form(proposal, request.form)
        if form.validate():
            try:
                rfp = services.create_rfp(
                    current_user,
                    services.PoolInput(
                        category_id=proposal.category_id,
                        need_ids=form.need_ids.data,
                        template_key=form.template_key.data,
                        title=form.title.data,
                        tco_years=form.tco_years.data,
                    ),
                )
            except Refusal as error:
                show_on_form(form, error)
            else:
                flash(
                    f"{rfp.reference} is created as a draft with {len(rfp.lines)} "
                    f"line{'s' if len(rfp.lines) != 1 else ''}.",
                    "success",
                )
                return redirect(url_for("rfps.manage", rfp_id=rfp.id))
        status = 422
    query = request.query_string.decode()
    return render_template(
        "rfps/pool.html",
        filters=filters,
        filter_args=urls.arguments_but_page(),
        proposals=proposals,
        pools=pools,
        per_page=POOLS_PER_PAGE,
        forms=forms,
        action=url_for("rfps.pool") + (f"?{query}" if query else ""),
        filtered=any(request.args.get(name) not in (None, "", "0") for name in filters.data),
    ), status


def _details_form(rfp, formdata=None):
    criteria = (rfp.terms or {}).get("criteria", [])
    form = details_form_class(criteria)(formdata=formdata, prefix="details")
    if formdata is None:
        form.title.data, form.tco_years.data, form.erate_eligible.data = rfp.title, rfp.tco_years, rfp.erate_eligible
        form.form470_number.data, form.form470_date.data = rfp.form470_number, rfp.form470_date
        form.minimum_score.data = queries.minimum_score(rfp)
        for criterion in criteria:
            form[f"weight_{criterion['key']}"].data = criterion["weight"]
    return form


def _line_form(rfp, line, formdata=None):
    template = queries.template_for(rfp)
    form = line_form_class(template)(formdata=formdata, prefix=f"line{line.id}")
    if formdata is None:
        form.description.data = line.description
        for spec_field in template.spec_fields:
            form[f"spec_{spec_field.key}"].data = spec_for_form(spec_field, line.spec.get(spec_field.key))
    return form


def _deadline_form(prefix: str, label: str, button: str, formdata=None) -> DeadlineForm:
    form = DeadlineForm(formdata=formdata, prefix=prefix)
    form.deadline.label.text = label
    form.submit.label.text = button
    return form


def _manage(rfp, *, status: int = 200, **posted):
    """The RFP's management page; ``posted`` replaces a form by the one just submitted (with its errors)."""
    template = queries.template_for(rfp)
    forms = {
        "details": _details_form(rfp),
        "commitment": _deadline_form("commitment", "Commitment deadline", "Start the commitment window"),
        "publish": _deadline_form("publish", "Bid deadline", "Publish"),
        "commitment_deadline": _deadline_form(
            "commitment_deadline", "New commitment deadline", "Change the commitment deadline"
        ),
        "cancel": CancelForm(prefix="cancel"),
        "action": ActionForm(prefix="action"),
    }
    forms.update({key: value for key, value in posted.items() if key != "line_forms"})
    line_forms = {line.id: _line_form(rfp, line) for line in rfp.lines} if template else {}
    line_forms.update(posted.get("line_forms", {}))
    events = audit_queries.rfp_audit_events(rfp.id, opened_at=rfp.opened_at)
    drafting = template is not None and rfp.status == RfpStatus.DRAFT
    return render_template(
        "rfps/manage.html",
        rfp=rfp,
        template=template,
        forms=forms,
        line_forms=line_forms,
        spec_problems=services.incomplete_spec_problems(rfp) if drafting else [],
        spec_problems_by_line=services.spec_problems_by_line(rfp) if drafting else {},
        events=events,
        versions=queries.document_versions(rfp.id),
        actors=audit_queries.actor_labels(events, account_queries.emails_by_user_id(e.actor_user_id for e in events)),
        cancellable=rfp.status in services.CANCELLABLE,
        now=clock.utcnow(),
        min_bidding_days=services.MIN_BIDDING_DAYS,
        minimum_score=queries.minimum_score(rfp),
        erate_rule=services.price_heaviest_message((rfp.terms or {}).get("criteria", []))
        if rfp.erate_eligible
        else None,
    ), status


@bp.route("/admin/rfps/<int:rfp_id>")
@roles(Role.COOP_ADMIN)
def manage(rfp_id: int):
    """One RFP through its lifecycle."""
    return _manage(queries.rfp_or_404(rfp_id))


@bp.route("/admin/rfps/<int:rfp_id>/details", methods=["POST"])
@roles(Role.COOP_ADMIN)
def update_details(rfp_id: int):
    """Change the RFP's title, TCO years, E-Rate details, criteria weights and minimum score."""
    rfp = queries.rfp_or_404(rfp_id)
    form = _details_form(rfp, request.form)
    if form.validate():
        weights = {
            criterion["key"]: form[f"weight_{criterion['key']}"].data
            for criterion in (rfp.terms or {}).get("criteria", [])
        }
        try:
            services.update_details(
                current_user,
                rfp.id,
                services.DetailsInput(
                    title=form.title.data,
                    tco_years=form.tco_years.data,
                    erate_eligible=form.erate_eligible.data,
                    form470_number=form.form470_number.data,
                    form470_date=form.form470_date.data,
                    weights=weights,
                    minimum_score=form.minimum_score.data,
                ),
            )
        except Refusal as error:
            if error.field == "weights":
                form.form_errors.append(str(error))
            else:
                show_on_form(form, error)
        else:
            flash("The RFP's details are saved.", "success")
            return redirect(url_for("rfps.manage", rfp_id=rfp.id))
    return _manage(queries.rfp_or_404(rfp_id), status=422, details=form)


@bp.route("/admin/rfps/<int:rfp_id>/lines/<int:line_id>", methods=["POST"])
@roles(Role.COOP_ADMIN)
def update_line(rfp_id: int, line_id: int):
    """Set a draft line's description and spec values."""
    rfp = queries.rfp_or_404(rfp_id)
    line = next((line for line in rfp.lines if line.id == line_id), None)
    if line is None or queries.template_for(rfp) is None:
        abort(404)
    form = _line_form(rfp, line, request.form)
    template = queries.template_for(rfp)
    if form.validate():
        try:
            services.update_line(
                current_user,
                rfp.id,
                line.id,
                description=form.description.data or "",
                spec={f.key: form[f"spec_{f.key}"].data for f in template.spec_fields},
            )
        except Rejection as rejected:
            show_on_form(form, rejected)
        except Refusal as error:
            flash(str(error), "warning")
            return redirect(url_for("rfps.manage", rfp_id=rfp.id))
        else:
            flash(f"Line {line.line_no} is saved.", "success")
            return redirect(url_for("rfps.manage", rfp_id=rfp.id) + f"#line-{line.line_no}")
    return _manage(queries.rfp_or_404(rfp_id), status=422, line_forms={line.id: form})


@bp.route("/admin/rfps/<int:rfp_id>/needs/<int:link_id>/drop", methods=["POST"])
@roles(Role.COOP_ADMIN)
def drop_need(rfp_id: int, link_id: int):
    """Take one district's need off a draft line."""
    rfp = queries.rfp_or_404(rfp_id)
    if not ActionForm(prefix="action").validate_on_submit():
        flash(FORM_EXPIRED, "warning")
    else:
        try:
            need = services.drop_need(current_user, rfp.id, link_id)
        except Refusal as error:
            flash(str(error), "warning")
        else:
            flash(
                f"{need.district.name}'s {need.quantity:,} × {need.item.name} is off the RFP and open again.", "success"
            )
    return redirect(url_for("rfps.manage", rfp_id=rfp_id))


def _deadline_action(rfp_id: int, prefix: str, label: str, button: str, action, success):
    rfp = queries.rfp_or_404(rfp_id)
    form = _deadline_form(prefix, label, button, request.form)
    if form.validate():
        try:
            rfp = action(current_user, rfp.id, form.utc)
        except Refusal as error:
            if error.field in ("deadline", "bid_deadline"):
                form.deadline.errors = [*form.deadline.errors, str(error)]
            else:
                flash(str(error), "warning")
                return redirect(url_for("rfps.manage", rfp_id=rfp_id))
        else:
            flash(success(rfp), "success")
            return redirect(url_for("rfps.manage", rfp_id=rfp_id))
    return _manage(queries.rfp_or_404(rfp_id), status=422, **{prefix: form})


@bp.route("/admin/rfps/<int:rfp_id>/commitment", methods=["POST"])
@roles(Role.COOP_ADMIN)
def start_commitment(rfp_id: int):
    """Open the commitment window: districts confirm or withdraw their pooled needs until its deadline."""
    return _deadline_action(
        rfp_id,
        "commitment",
        "Commitment deadline",
        "Start the commitment window",
        services.start_commitment,
        lambda rfp: (
            f"{rfp.reference} is open for commitments until "
            f"{clock.format_utc(rfp.commitment_deadline)}; the districts are e-mailed."
        ),
    )


@bp.route("/admin/rfps/<int:rfp_id>/commitment/deadline", methods=["POST"])
@roles(Role.COOP_ADMIN)
def change_commitment_deadline(rfp_id: int):
    """Move the open commitment window's deadline, earlier or later."""
    return _deadline_action(
        rfp_id,
        "commitment_deadline",
        "New commitment deadline",
        "Change the commitment deadline",
        services.change_commitment_deadline,
        lambda rfp: (
            f"The commitment window of {rfp.reference} now closes at "
            f"{clock.format_utc(rfp.commitment_deadline)}; the districts are e-mailed."
        ),
    )


@bp.route("/admin/rfps/<int:rfp_id>/publish", methods=["POST"])
@roles(Role.COOP_ADMIN)
def publish(rfp_id: int):
    """Publish the RFP with what the districts confirmed."""
    return _deadline_action(
        rfp_id,
        "publish",
        "Bid deadline",
        "Publish",
        services.publish,
        lambda rfp: f"{rfp.reference} is published; bids are due by {clock.format_utc(rfp.bid_deadline)}.",
    )


@bp.route("/admin/rfps/<int:rfp_id>/cancel", methods=["POST"])
@roles(Role.COOP_ADMIN)
def cancel(rfp_id: int):
    """Cancel the RFP, with a reason."""
    rfp = queries.rfp_or_404(rfp_id)
    form = CancelForm(request.form, prefix="cancel")
    if form.validate():
        try:
            rfp = services.cancel(current_user, rfp.id, form.reason.data or "")
        except Refusal as error:
            if not show_on_form(form, error):
                return redirect(url_for("rfps.manage", rfp_id=rfp_id))
        else:
            flash(f"{rfp.reference} is cancelled; its needs are open again and the districts are e-mailed.", "success")
            return redirect(url_for("rfps.manage", rfp_id=rfp_id))
    return _manage(queries.rfp_or_404(rfp_id), status=422, cancel=form)


# --- districts' commitments ------------------------------------------------------------------------------------------


@bp.route("/commitments")
@roles(Role.DISTRICT_BUYER)
def commitments():
    """The RFP lines that pool the district's needs: confirm or withdraw each during the commitment window."""
    entries = queries.commitments(current_user.organisation.id)
    forms = {}
    for entry in entries:
        form = CommitmentForm(formdata=None, prefix=f"c{entry.link.id}")
        form.named_publicly.data = entry.link.named_publicly
        forms[entry.link.id] = form
    return render_template("rfps/commitments.html", entries=entries, forms=forms, now=clock.utcnow())


@bp.route("/commitments/<int:link_id>", methods=["POST"])
@roles(Role.DISTRICT_BUYER)
def decide(link_id: int):
    """Confirm or withdraw one pooled need."""
    form = CommitmentForm(request.form, prefix=f"c{link_id}")
    if not form.validate():
        flash(FORM_EXPIRED, "warning")
        return redirect(url_for("rfps.commitments"))
    confirm = bool(form.confirm.data)
    try:
        link = services.decide_commitment(
            current_user, link_id, confirm=confirm, named_publicly=bool(form.named_publicly.data)
        )
    except Refusal as error:
        flash(str(error), "warning")
    else:
        line = link.line
        if confirm:
            flash(
                f"Confirmed: {link.quantity:,} × {line.item.name} on {line.rfp.reference} line {line.line_no}"
                f"{', with your district named publicly' if link.named_publicly else ''}.",
                "success",
            )
        else:
            flash(
                f"Withdrawn: {link.quantity:,} × {line.item.name} from {line.rfp.reference} line {line.line_no}; "
                "the need is open again.",
                "success",
            )
    return redirect(url_for("rfps.commitments"))


# --- the public board --------------------------------------------------------------------------------------------------


def public_rfp_or_404(reference: str) -> Rfp:
    """For the views of every area: the RFP the public may read, or a 404 exactly as for a reference that does not
    exist."""
    rfp = queries.public_rfp(reference)
    if rfp is None:
        abort(404)
    return rfp


def _public_rfp_or_404(reference: str):
    rfp = queries.rfp_by_reference(reference)
    if rfp is None or not (queries.is_public(rfp) or _is_admin()):
        abort(404)  # a draft or committing RFP is not there at all, as far as the public can tell
    return rfp


@bp.route("/rfps")
@public
def board():
    """Published RFPs, open ones first."""
    services.close_past_deadlines()
    return render_template("rfps/board.html", rfps=queries.public_rfps())


@bp.route("/rfps/<reference>")
@public
def show(reference: str):
    """One published RFP: lines, pooled quantities, deadline, criteria, terms, documents, questions and addenda."""
    rfp = _public_rfp_or_404(reference)
    return render_template(
        "rfps/show.html",
        rfp=rfp,
        template=queries.template_for(rfp),
        versions=queries.document_versions(rfp.id),
        preview=not queries.is_public(rfp),
    )


def _document_html(rfp) -> tuple[str, int]:
    version = urls.whole_argument("version")
    if not queries.is_public(rfp) and version is None:
        return documents.render_html(rfp), rfp.document_version  # the administrator's preview of a draft
    stored = queries.document(rfp.id, version)
    if stored is None:
        abort(404)
    return stored.html, stored.version


@bp.route("/rfps/<reference>/document.html")
@public
def document_html(reference: str):
    """The RFP document (latest version, or ?version=N) as printable HTML."""
    html, _ = _document_html(_public_rfp_or_404(reference))
    return html, 200, {"Content-Type": "text/html; charset=utf-8"}


@bp.route("/rfps/<reference>/document.pdf")
@public
def document_pdf(reference: str):
    """The RFP document (latest version, or ?version=N) as PDF."""
    rfp = _public_rfp_or_404(reference)
    html, version = _document_html(rfp)
    return documents.pdf_response(documents.render_pdf(html), f"{rfp.reference}-v{version}.pdf")
