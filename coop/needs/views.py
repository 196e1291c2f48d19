"""Districts' needs: post, edit, withdraw, import; the administrator's view of demand."""

from __future__ import annotations

from flask import Blueprint, render_template

from coop.access import roles
from coop.accounts.models import Role

bp = Blueprint("needs", __name__, template_folder="templates")


@bp.route("/needs")
@roles(Role.DISTRICT_BUYER)
def index():
    """The district's own needs."""
    return render_template("main/dashboard.html")


@bp.route("/needs/new")
@roles(Role.DISTRICT_BUYER)
def new():
    """Post a need."""
    return render_template("main/dashboard.html")


@bp.route("/needs/import")
@roles(Role.DISTRICT_BUYER)
def import_needs():
    """Import needs from a spreadsheet."""
    return render_template("main/dashboard.html")


@bp.route("/admin/demand")
@roles(Role.COOP_ADMIN)
def demand():
    """Every open need, pooled per item."""
    return render_template("main/dashboard.html")
