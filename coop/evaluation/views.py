"""The administrators' scoring page of an opened RFP, and its link on the RFP's page."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from coop import evaluated_cost
from coop.access import roles
from coop.errors import Refusal, Rejection, show_on_form
from coop.evaluation import forms, queries, services
from coop.rfps import panels
from coop.rfps import queries as rfp_queries
from coop.rfps.models import Rfp
from coop.roles import Role

bp = Blueprint("evaluation", __name__, template_folder="templates")
panels.panel(bp, panels.Place.MANAGE, "evaluation/_manage_panel.html")


@dataclass(frozen=True)
class ManagePanel:
    opened: bool
    unscored: int
    criteria: int


@bp.app_template_global()
def evaluation_panel(rfp: Rfp) -> ManagePanel:
    """The administrator's RFP page's evaluation panel: nothing before the opening (sealed)."""
    if not queries.is_opened(rfp):
        return ManagePanel(opened=False, unscored=0, criteria=0)
    return ManagePanel(
        opened=True,
        unscored=len(queries.scoring_problems(rfp)),
        criteria=len(evaluated_cost.non_price_criteria(rfp_queries.criteria(rfp))),
    )


def _opened_rfp_or_404(rfp_id: int) -> Rfp:
    rfp = rfp_queries.rfp_or_404(rfp_id)
    if not queries.is_opened(rfp):
        abort(404)  # sealed: before the opening there is no scoring page, whoever asks
    return rfp


def _page(rfp: Rfp, *, posted: forms.ScoreFormBase | None = None, posted_bid_id: int | None = None, status: int = 200):
    criteria = evaluated_cost.non_price_criteria(rfp_queries.criteria(rfp))
    rows = queries.scoring_rows(rfp)
    try:
        services.check_scorable(rfp)
        closed_reason = None
    except Refusal as refusal:
        closed_reason = refusal.message
    score_forms = {}
    for row in rows:
        if row.bid.id == posted_bid_id and posted is not None:
            score_forms[row.bid.id] = posted
            continue
        data = {}
        for criterion in criteria:
            score = row.scores.get(criterion["key"])
            if score is not None:
                data[services.points_field(criterion["key"])] = score.points
                data[services.comment_field(criterion["key"])] = score.comment
        score_forms[row.bid.id] = forms.score_form(row.bid.id, criteria, formdata=None, data=data)
    return render_template(
        "evaluation/scoring.html",
        rfp=rfp,
        criteria=criteria,
        rows=rows,
        score_forms=score_forms,
        closed_reason=closed_reason,
        problems=queries.scoring_problems(rfp),
        plain=evaluated_cost.plain,
        method=evaluated_cost.method(rfp_queries.criteria(rfp), rfp_queries.minimum_score(rfp)),
    ), status


@bp.route("/admin/rfps/<int:rfp_id>/evaluation")
@roles(Role.COOP_ADMIN)
def scoring(rfp_id: int):
    """Score the opened bids on the RFP's non-price criteria."""
    return _page(_opened_rfp_or_404(rfp_id))


@bp.route("/admin/rfps/<int:rfp_id>/evaluation/bids/<int:bid_id>", methods=["POST"])
@roles(Role.COOP_ADMIN)
def score(rfp_id: int, bid_id: int):
    """Save one bid's scores."""
    rfp = _opened_rfp_or_404(rfp_id)
    criteria = evaluated_cost.non_price_criteria(rfp_queries.criteria(rfp))
    form = forms.score_form(bid_id, criteria, formdata=request.form)
    if form.validate():
        try:
            scored = services.score_bid(current_user, rfp.id, bid_id, forms.typed_scores(form))
        except Rejection as error:
            show_on_form(form, error)
        except Refusal as error:
            flash(error.message, "warning")
            return redirect(url_for("evaluation.scoring", rfp_id=rfp.id))
        else:
            if scored.changed:
                flash(f"The scores of bid {bid_id} are saved.", "success")
            else:
                flash(f"The scores of bid {bid_id} are unchanged.", "info")
            return redirect(url_for("evaluation.scoring", rfp_id=rfp.id) + f"#bid-{bid_id}")
    return _page(rfp_queries.rfp_or_404(rfp_id), posted=form, posted_bid_id=bid_id, status=422)
