"""The public bid tabulation of an opened RFP, and its downloads."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from coop import exports
from coop.access import public
from coop.awards import tabulation
from coop.rfps.models import Rfp
from coop.rfps.views import public_rfp_or_404

bp = Blueprint("awards", __name__, template_folder="templates")


def _opened_rfp_or_404(reference: str) -> Rfp:
    rfp = public_rfp_or_404(reference)
    if rfp.opened_at is None:
        abort(404)
    return rfp


@bp.route("/rfps/<reference>/tabulation", endpoint="tabulation")
@public
def tabulation_page(reference: str):
    """The public bid tabulation of an opened RFP."""
    rfp = _opened_rfp_or_404(reference)
    return render_template("awards/tabulation.html", rfp=rfp, tabulation=tabulation.tabulation_for(rfp))


@bp.route("/rfps/<reference>/tabulation.<any(csv, xlsx):kind>")
@public
def tabulation_export(reference: str, kind: str):
    """The public bid tabulation as CSV or XLSX."""
    rfp = _opened_rfp_or_404(reference)
    return exports.download(tabulation.export(tabulation.tabulation_for(rfp), kind), kind,
                            tabulation.filename(rfp, kind))
