"""Outcomes of published award rounds: a district's ledger and an RFP's public award notice."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, render_template
from flask_login import current_user

from coop import exports
from coop.access import public, roles
from coop.contracts import queries as contract_queries
from coop.outcomes import charts, ledger, notice, queries
from coop.rfps import panels
from coop.rfps.models import Rfp
from coop.rfps.views import public_rfp_or_404
from coop.roles import Role

bp = Blueprint(
    "outcomes", __name__, template_folder="templates", static_folder="static", static_url_path="/static/outcomes"
)
panels.panel(bp, panels.Place.BOARD_SUMMARY, "outcomes/_rfp_panel.html")


@bp.app_template_global()
def award_published_at(rfp: Rfp) -> datetime | None:
    """For the RFP page's panel: when the RFP's award was published, ``None`` while it is not."""
    return queries.publication_date(rfp.id)


@bp.route("/ledger")
@roles(Role.DISTRICT_BUYER)
def ledger_page():
    """The district's ledger: every published round it took part in, its costs, savings and savings over time."""
    district_ledger = ledger.ledger_for(current_user.organisation.id)
    return render_template("outcomes/ledger.html", ledger=district_ledger, chart=charts.savings_chart(district_ledger))


@bp.route("/ledger.csv")
@roles(Role.DISTRICT_BUYER)
def ledger_csv():
    """The district's ledger as CSV, one row per published round."""
    district_ledger = ledger.ledger_for(current_user.organisation.id)
    return exports.download(exports.csv_bytes(ledger.csv_rows(district_ledger)), "csv", "ledger.csv")


def _notice_or_404(reference: str) -> notice.AwardNotice:
    award_notice = notice.notice_for(public_rfp_or_404(reference))
    if award_notice is None:
        abort(404)
    return award_notice


@bp.route("/rfps/<reference>/award")
@public
def notice_page(reference: str):
    """The public award notice of an RFP whose award round is published: a notice of intent, then the final award."""
    award_notice = _notice_or_404(reference)
    return render_template(
        "outcomes/notice.html", notice=award_notice, stage=contract_queries.live_notice(public_rfp_or_404(reference).id)
    )


@bp.route("/rfps/<reference>/award.csv")
@public
def notice_csv(reference: str):
    """The public award notice's awards as CSV."""
    award_notice = _notice_or_404(reference)
    return exports.download(
        exports.csv_bytes(notice.csv_rows(award_notice)), "csv", f"{award_notice.reference}-award.csv"
    )
