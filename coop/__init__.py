"""Coop: a purchasing cooperative and vendor-neutral RFP marketplace for small school districts."""

from __future__ import annotations

import time

from flask import Flask, render_template
from flask_talisman import Talisman
from werkzeug.exceptions import NotFound
from werkzeug.middleware.proxy_fix import ProxyFix

from coop import access, clock, config, money, request_log, transactions
from coop.extensions import bootstrap, csrf, db, limiter, login_manager, migrate

MIGRATIONS_DIR = str(config.MIGRATIONS_DIR)


def create_app(test_config: dict | None = None) -> Flask:
    """Create the Coop application.

    ``test_config`` overrides the configuration read from the environment.
    """
    app = Flask(__name__, instance_path=str(config.INSTANCE_PATH))
    app.config.from_mapping(config.from_environment())
    if test_config:
        app.config.update(test_config)
    config.INSTANCE_PATH.mkdir(parents=True, exist_ok=True)
    request_log.init_app(app)
    _trust_proxies(app)
    _set_security_headers(app)

    transactions.configure_engine(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    bootstrap.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    from coop.rfps.template_library import load_library

    # A broken RFP template stops the app here, naming the file and the field, not later on an RFP.
    app.extensions["coop.rfp_templates"] = load_library()

    _register_models()
    _register_url_converters(app)
    _register_template_filters(app)  # before the blueprints: registering a panel compiles its template
    _register_blueprints(app)
    _register_input_checks(app)
    app.before_request(access.enforce)
    _register_error_pages(app)
    _register_cli(app)
    return app


# Scripts and styles come from our own static files only: no inline script or style attribute runs, so
# injected markup cannot either; no page may be framed (clickjacking).
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def _trust_proxies(app: Flask) -> None:
    # Behind COOP_TRUSTED_PROXIES proxies, the client's address (for the rate limits) and scheme are those the
    # proxies forwarded; with none, X-Forwarded-* is ignored so that a client cannot choose its own address.
    proxies = app.config["COOP_TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)


def _set_security_headers(app: Flask) -> None:
    production = app.config["COOP_ENV"] == "production"
    # One Talisman per app, not a shared extension object: Talisman keeps the app it was given.
    Talisman(
        app,
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        # HTTPS is the proxy's business; HSTS (sent on HTTPS responses) keeps browsers on it once they came.
        force_https=False,
        strict_transport_security=production,
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=app.config["SESSION_COOKIE_HTTPONLY"],
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
    )


def _register_models() -> None:
    # Every model module is imported so that metadata (and Alembic) sees the whole schema.
    from coop.accounts import models as _accounts  # noqa: F401
    from coop.audit import models as _audit  # noqa: F401
    from coop.awards import models as _awards  # noqa: F401
    from coop.bids import models as _bids  # noqa: F401
    from coop.billing import models as _billing  # noqa: F401
    from coop.catalogue import models as _catalogue  # noqa: F401
    from coop.clarifications import models as _clarifications  # noqa: F401
    from coop.contracts import models as _contracts  # noqa: F401
    from coop.evaluation import models as _evaluation  # noqa: F401
    from coop.needs import models as _needs  # noqa: F401
    from coop.notifications import models as _notifications  # noqa: F401
    from coop.orgs import models as _orgs  # noqa: F401
    from coop.rfps import models as _rfps  # noqa: F401


def _register_url_converters(app: Flask) -> None:
    from coop.urls import BoundedIntegerConverter, RandomKeyConverter

    # Before the blueprints: each rule picks its converters when it is added.
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.url_map.converters["key"] = RandomKeyConverter


def _register_input_checks(app: Flask) -> None:
    from coop.inputs import refuse_nul_characters

    # Before access.enforce, whose queries would be the first to meet the NUL character.
    app.before_request(refuse_nul_characters)


def _register_blueprints(app: Flask) -> None:
    from coop.accounts.views import bp as accounts_bp
    from coop.awards.views import bp as awards_bp
    from coop.bids.views import bp as bids_bp
    from coop.billing.views import bp as billing_bp
    from coop.clarifications.views import bp as clarifications_bp
    from coop.contracts.views import bp as contracts_bp
    from coop.evaluation.views import bp as evaluation_bp
    from coop.main.views import bp as main_bp
    from coop.needs.views import bp as needs_bp
    from coop.notifications.views import bp as notifications_bp
    from coop.orgs.views import bp as orgs_bp
    from coop.outcomes.views import bp as outcomes_bp
    from coop.rfps.views import bp as rfps_bp

    for blueprint in (
        main_bp,
        accounts_bp,
        orgs_bp,
        needs_bp,
        rfps_bp,
        clarifications_bp,
        bids_bp,
        evaluation_bp,
        awards_bp,
        contracts_bp,
        outcomes_bp,
        billing_bp,
        notifications_bp,
    ):
        app.register_blueprint(blueprint)


def _register_template_filters(app: Flask) -> None:
    """The one way every page writes an amount of money and a moment in UTC."""
    app.add_template_filter(money.format_dollars, "dollars")
    app.add_template_filter(money.format_unit_price, "unit_price")
    app.add_template_filter(clock.format_utc, "utc")


def _register_error_pages(app: Flask) -> None:
    def render_error(error):
        # A refused attempt says how long to wait: until the breached limit's window lets one through again.
        breached = limiter.current_limit if error.code == 429 else None
        wait_minutes = None if breached is None else max(1, round((breached.reset_at - time.time()) / 60))
        return render_template("error.html", error=error, wait_minutes=wait_minutes), error.code

    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, render_error)
    # A use case raises LookupError for what is not there, or not there for this user: the same 404 page either way.
    app.register_error_handler(LookupError, lambda _error: render_error(NotFound()))
    transactions.register_lost_race_page(app)


def _register_cli(app: Flask) -> None:
    from coop.accounts.cli import coop_cli
    from coop.billing.cli import billing_cli
    from coop.contracts.cli import contracts_cli
    from coop.demo.cli import demo_cli
    from coop.rfps.cli import audit_cli

    app.cli.add_command(coop_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(contracts_cli)
    app.cli.add_command(billing_cli)
