"""The public bid tabulation of an opened RFP and its downloads; the administrators' award rounds."""

from __future__ import annotations

import json
from decimal import Decimal

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from coop import exports, urls
from coop.access import public, roles
from coop.awards import adapters, explanation, forms, queries, services, tabulation
from coop.awards.models import AwardRound, AwardRoundStatus
from coop.errors import Refusal, show_on_form
from coop.money import format_dollars
from coop.rfps import panels
from coop.rfps.documents import pdf_response
from coop.rfps.models import Rfp, RfpStatus
from coop.rfps.views import public_rfp_or_404
from coop.roles import Role

bp = Blueprint("awards", __name__, template_folder="templates")
panels.panel(bp, panels.Place.MANAGE, "awards/_rounds_panel.html")

ROUND_STARTED = "Round {number} is running in the background: this page shows its progress."
ROUND_ENDED = "Round {number} is {status}."
CANCEL_ASKED = "Round {number} stops at the engine's next progress report: this page shows when."
ROUND_CANCELLED = "Round {number} is cancelled."
COMPARE_TWO = "Choose two rounds of this RFP to compare."


def _opened_rfp_or_404(reference: str) -> Rfp:
    rfp = public_rfp_or_404(reference)
    if rfp.opened_at is None:
        abort(404)
    return rfp


def _tabulation(rfp: Rfp) -> tabulation.Tabulation:
    administrator = current_user.is_authenticated and current_user.role == Role.COOP_ADMIN
    return tabulation.tabulation_for(rfp, with_evaluation=administrator or queries.has_published_round(rfp.id))


@bp.route("/rfps/<reference>/tabulation", endpoint="tabulation")
@public
def tabulation_page(reference: str):
    """The public bid tabulation of an opened RFP."""
    rfp = _opened_rfp_or_404(reference)
    return render_template("awards/tabulation.html", rfp=rfp, tabulation=_tabulation(rfp))


@bp.route("/rfps/<reference>/tabulation.<any(csv, xlsx):kind>")
@public
def tabulation_export(reference: str, kind: str):
    """The public bid tabulation as CSV or XLSX."""
    rfp = _opened_rfp_or_404(reference)
    return exports.download(tabulation.export(_tabulation(rfp), kind), kind, tabulation.filename(rfp, kind))


# --- award rounds (administrators) -----------------------------------------------------------------------------------


@bp.app_template_global()
def award_rounds_of(rfp: Rfp) -> list[AwardRound] | None:
    """The RFP's rounds for the administrator's RFP page; ``None`` while its bids are sealed."""
    return None if rfp.opened_at is None else queries.rounds_of(rfp.id)


@bp.app_template_global()
def round_status(award_round: AwardRound) -> str:
    """The round's status as shown: a running round whose worker stopped shows as failed."""
    return AwardRoundStatus.FAILED.value if services.worker_stopped(award_round) else award_round.status.value


@bp.app_template_global()
def share_rule_label(rule: str) -> str:
    return forms.share_rule_label(rule)


@bp.app_template_filter("engine_dollars")
def engine_dollars(amount: str | None) -> str:
    """An amount of the engine's result (a decimal string) as ``$1,250.00``."""
    return "" if amount is None else format_dollars(adapters.cents(Decimal(amount)))


def _rfp_or_404(rfp_id: int) -> Rfp:
    rfp = queries.opened_rfp(rfp_id)
    if rfp is None:
        abort(404)
    return rfp


def _round_or_404(rfp: Rfp, number: int) -> AwardRound:
    award_round = queries.round_of(rfp.id, number)
    if award_round is None:
        abort(404)
    return award_round


def _rounds_page(rfp: Rfp, form: forms.RoundOptionsForm, status: int = 200):
    return render_template(
        "awards/rounds.html",
        rfp=rfp,
        rounds=queries.rounds_of(rfp.id),
        form=form,
        can_run=rfp.status == RfpStatus.OPENED,
    ), status


def _after_start(award_round: AwardRound):
    if award_round.status in queries.ACTIVE:
        flash(ROUND_STARTED.format(number=award_round.number), "info")
    else:
        flash(
            ROUND_ENDED.format(number=award_round.number, status=award_round.status.value),
            "success" if award_round.status == AwardRoundStatus.SOLVED else "warning",
        )
    return redirect(url_for("awards.round_page", rfp_id=award_round.rfp_id, number=award_round.number))


@bp.route("/admin/rfps/<int:rfp_id>/rounds", methods=["GET", "POST"])
@roles(Role.COOP_ADMIN)
def rounds(rfp_id: int):
    """The RFP's award rounds, and the form to run a new one."""
    rfp = _rfp_or_404(rfp_id)
    form = forms.RoundOptionsForm()
    if request.method == "GET":
        return _rounds_page(rfp, form)
    if form.validate():
        try:
            award_round = services.start_round(current_user, rfp.id, form.options())
        except Refusal as error:
            show_on_form(form, error)
        else:
            return _after_start(award_round)
    return _rounds_page(_rfp_or_404(rfp_id), form, 422)


@bp.route("/admin/rfps/<int:rfp_id>/rounds/<int:number>")
@roles(Role.COOP_ADMIN)
def round_page(rfp_id: int, number: int):
    """One award round: its options, progress or result, awards and shares."""
    rfp = _rfp_or_404(rfp_id)
    award_round = _round_or_404(rfp, number)
    stopped = services.worker_stopped(award_round)
    return render_template(
        "awards/round.html",
        rfp=rfp,
        award_round=award_round,
        stopped=stopped,
        stopped_message=services.stopped_message(award_round) if stopped else None,
        active=award_round.status in queries.ACTIVE and not stopped,
        awards=queries.sorted_awards(award_round),
        shares=queries.sorted_shares(award_round),
        others=[other for other in queries.rounds_of(rfp.id) if other.number != number],
        names=adapters.engine_names(award_round.problem, rfp) if award_round.problem else {},
        action_form=forms.RoundActionForm(),
        can_run=rfp.status == RfpStatus.OPENED,
    )


@bp.route("/admin/rfps/<int:rfp_id>/rounds/<int:number>/progress.json")
@roles(Role.COOP_ADMIN)
def round_progress(rfp_id: int, number: int):
    """The round's progress, for its page's script."""
    award_round = _round_or_404(_rfp_or_404(rfp_id), number)
    stopped = services.worker_stopped(award_round)
    response = jsonify(
        queries.progress_of(
            award_round, stopped=stopped, stopped_message=services.stopped_message(award_round) if stopped else ""
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/admin/rfps/<int:rfp_id>/rounds/<int:number>/cancel", methods=["POST"])
@roles(Role.COOP_ADMIN)
def cancel_round(rfp_id: int, number: int):
    """Cancel a queued or running round."""
    rfp = _rfp_or_404(rfp_id)
    if forms.RoundActionForm().validate():
        try:
            award_round = services.cancel_round(current_user, rfp.id, number)
        except LookupError:
            abort(404)
        except Refusal as error:
            flash(error.message, "warning")
        else:
            if award_round.status == AwardRoundStatus.CANCELLED:
                flash(ROUND_CANCELLED.format(number=number), "success")
            else:
                flash(CANCEL_ASKED.format(number=number), "info")
    return redirect(url_for("awards.round_page", rfp_id=rfp.id, number=number))


@bp.route("/admin/rfps/<int:rfp_id>/rounds/<int:number>/rerun", methods=["POST"])
@roles(Role.COOP_ADMIN)
def rerun_round(rfp_id: int, number: int):
    """A new round from this round's stored problem and options."""
    rfp = _rfp_or_404(rfp_id)
    if forms.RoundActionForm().validate():
        try:
            award_round = services.rerun_round(current_user, rfp.id, number)
        except LookupError:
            abort(404)
        except Refusal as error:
            flash(error.message, "warning")
        else:
            return _after_start(award_round)
    return redirect(url_for("awards.round_page", rfp_id=rfp.id, number=number))


def _json_download(document: dict, filename: str) -> Response:
    response = Response(json.dumps(document, indent=2, ensure_ascii=False) + "\n", mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/admin/rfps/<int:rfp_id>/rounds/<int:number>/problem.json")
@roles(Role.COOP_ADMIN)
def round_problem(rfp_id: int, number: int):
    """The round's problem as the engine read it (``python -m pricing solve problem.json``)."""
    rfp = _rfp_or_404(rfp_id)
    award_round = _round_or_404(rfp, number)
    if award_round.problem is None:
        abort(404)
    return _json_download(award_round.problem, f"{rfp.reference}-round-{number}-problem.json")


@bp.route("/admin/rfps/<int:rfp_id>/rounds/<int:number>/result.json")
@roles(Role.COOP_ADMIN)
def round_result(rfp_id: int, number: int):
    """The engine's result of the round, once it has one."""
    rfp = _rfp_or_404(rfp_id)
    award_round = _round_or_404(rfp, number)
    if award_round.result is None:
        abort(404)
    return _json_download(award_round.result, f"{rfp.reference}-round-{number}-result.json")


@bp.route("/admin/rfps/<int:rfp_id>/rounds/<int:number>/explanation.pdf")
@roles(Role.COOP_ADMIN)
def round_explanation_pdf(rfp_id: int, number: int):
    """The round's explanation, line by line with its charts, as a PDF for the board."""
    rfp = _rfp_or_404(rfp_id)
    award_round = _round_or_404(rfp, number)
    if award_round.explanation_html is None:
        abort(404)
    return pdf_response(
        explanation.render_pdf(rfp, award_round.explanation_html), f"{rfp.reference}-round-{number}-explanation.pdf"
    )


@bp.route("/admin/rfps/<int:rfp_id>/rounds/compare")
@roles(Role.COOP_ADMIN)
def compare_rounds(rfp_id: int):
    """Two rounds side by side: totals, every district's share, and what moved."""
    rfp = _rfp_or_404(rfp_id)
    a, b = urls.whole_argument("a"), urls.whole_argument("b")
    first = None if a is None else queries.round_of(rfp.id, a)
    second = None if b is None else queries.round_of(rfp.id, b)
    if first is None or second is None or a == b:
        flash(COMPARE_TWO, "warning")
        return redirect(url_for("awards.rounds", rfp_id=rfp.id))
    return render_template("awards/compare.html", rfp=rfp, comparison=queries.compare(first, second))
