"""The home page and each role's dashboard."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from coop import clock
from coop.access import public, signed_in
from coop.main import queries
from coop.rfps import services as rfp_services
from coop.roles import Role

bp = Blueprint("main", __name__, template_folder="templates")


@bp.route("/")
@public
def index():
    """What Coop is, for visitors."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    return render_template("main/index.html")


@bp.route("/healthz")
@public
def healthz():
    """Whether this process serves and reaches its database, for load balancers and orchestrators."""
    if queries.database_answers():
        return {"status": "ok", "database": "ok"}
    return {"status": "unavailable", "database": "unreachable"}, 503


@bp.route("/dashboard")
@signed_in
def dashboard():
    """Where each role starts: what needs its attention, each item linking to where it is handled."""
    organisation = current_user.organisation
    if current_user.role == Role.COOP_ADMIN:
        rfp_services.close_past_deadlines()
        return render_template("main/dashboard_admin.html", board=queries.admin_dashboard(clock.utcnow()))
    if not organisation.is_approved:
        return render_template("main/dashboard.html")
    if current_user.role == Role.DISTRICT_BUYER:
        return render_template(
            "main/dashboard_buyer.html", board=queries.buyer_dashboard(organisation.id, clock.utcnow())
        )
    return render_template("main/dashboard_vendor.html", board=queries.vendor_dashboard(organisation, clock.utcnow()))


# What each role sees in the navigation: only what it can do.
NAV_LINKS: dict[Role, list[tuple[str, str]]] = {
    Role.DISTRICT_BUYER: [
        ("main.dashboard", "Dashboard"),
        ("needs.index", "Our needs"),
        ("needs.new", "Post a need"),
        ("needs.import_needs", "Import needs"),
        ("rfps.commitments", "Commitments"),
        ("contracts.orders", "Purchase orders"),
        ("outcomes.ledger_page", "Ledger"),
        ("billing.mine", "Billing"),
    ],
    Role.VENDOR_REP: [
        ("main.dashboard", "Dashboard"),
        ("bids.mine", "Our bids"),
        ("clarifications.my_questions", "Our questions"),
        ("contracts.vendor_awards", "Our awards"),
        ("billing.mine", "Billing"),
    ],
    Role.COOP_ADMIN: [
        ("main.dashboard", "Dashboard"),
        ("needs.demand", "Demand"),
        ("rfps.pool", "Pool needs"),
        ("rfps.index", "RFPs"),
        ("clarifications.admin_overview", "Questions & addenda"),
        ("contracts.notices", "Award notices"),
        ("orgs.review", "Organisations"),
        ("notifications.outbox", "Outbox"),
        ("billing.receivables", "Billing"),
    ],
}


@bp.app_context_processor
def navigation():
    def nav_links() -> list[tuple[str, str]]:
        return NAV_LINKS.get(current_user.role, []) if current_user.is_authenticated else []

    return {"nav_links": nav_links}
