"""The administrator's view of the e-mail outbox."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from coop import urls
from coop.access import roles
from coop.notifications import queries, services
from coop.notifications.forms import DeliverForm
from coop.roles import Role

bp = Blueprint("notifications", __name__, template_folder="templates")


@bp.route("/admin/outbox")
@roles(Role.COOP_ADMIN)
def outbox():
    """Every e-mail the app queued or sent, newest first, but the sealed mail to RFPs' vendors."""
    state = request.args.get("state")
    if state not in queries.STATES:
        state = None
    page = queries.messages(state, page=urls.page_number())
    return render_template(
        "notifications/outbox.html",
        page=page,
        state=state,
        counts=queries.counts(),
        form=DeliverForm(),
        max_attempts=services.MAX_ATTEMPTS,
        smtp_configured=bool(current_app.config.get("COOP_SMTP_URL")),
    )


@bp.route("/admin/outbox/deliver", methods=["POST"])
@roles(Role.COOP_ADMIN)
def deliver():
    """Hand queued e-mail to delivery now."""
    if DeliverForm().validate_on_submit():
        if not current_app.config.get("COOP_SMTP_URL"):
            flash("E-mail delivery is not configured (COOP_SMTP_URL is not set): messages stay queued here.", "warning")
        else:
            services.send_queued()
            flash("Queued e-mail has been handed to delivery.", "success")
    return redirect(url_for("notifications.outbox"))
