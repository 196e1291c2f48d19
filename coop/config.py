"""Configuration: the only module that reads ``os.environ``.

Every setting is listed, with its default and its meaning, in the README's
configuration table.
"""

from __future__ import annotations

import os
from pathlib import Path

DEVELOPMENT_SECRET_KEY = "dev-only-secret-key-do-not-use-in-production"

PACKAGE_DIR = Path(__file__).resolve().parent
# migrations/ and rfp_templates/ live at the top of a checkout; a wheel carries them inside the package
# (pyproject.toml maps them there), and then nothing of the checkout is around to find.
INSTALLED = (PACKAGE_DIR / "migrations").is_dir()
_DATA_ROOT = PACKAGE_DIR if INSTALLED else PACKAGE_DIR.parent
MIGRATIONS_DIR = _DATA_ROOT / "migrations"
RFP_TEMPLATES_DIR = _DATA_ROOT / "rfp_templates"

# Installed, the package sits in a read-only site-packages: local files go under the working directory instead.
INSTANCE_PATH = Path(
    os.environ.get("COOP_INSTANCE_PATH", (Path.cwd() if INSTALLED else PACKAGE_DIR.parent) / "instance")
)


class ConfigError(RuntimeError):
    """The environment describes a configuration the app refuses to run with."""


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def from_environment() -> dict:
    """Build the Flask configuration from the environment.

    Raises
    ------
    ConfigError
        With ``COOP_ENV=production``, when the secret key is the development one
        or no ``DATABASE_URL`` is given.
    """
    env = os.environ.get("COOP_ENV", "development")
    secret_key = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
    database_url = os.environ.get("DATABASE_URL")
    if env == "production":
        if secret_key == DEVELOPMENT_SECRET_KEY:
            raise ConfigError("COOP_ENV=production needs SECRET_KEY set to a secret of your own")
        if not database_url:
            raise ConfigError("COOP_ENV=production needs DATABASE_URL (a PostgreSQL URL)")
    if not database_url:
        database_url = f"sqlite:///{INSTANCE_PATH / 'coop.sqlite3'}"
    return {
        "COOP_ENV": env,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SESSION_COOKIE_SECURE": env == "production",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # A session ends after this long without a request, and this long after sign-in whatever happens.
        "COOP_SESSION_IDLE_MINUTES": int(os.environ.get("COOP_SESSION_IDLE_MINUTES", 120)),
        "COOP_SESSION_MAX_HOURS": int(os.environ.get("COOP_SESSION_MAX_HOURS", 12)),
        # How many reverse proxies (load balancer, nginx) stand in front of the app and set X-Forwarded-*;
        # 0 trusts none, so that a client cannot pick the address the rate limits see.
        "COOP_TRUSTED_PROXIES": int(os.environ.get("COOP_TRUSTED_PROXIES", 0)),
        "MAX_CONTENT_LENGTH": int(os.environ.get("COOP_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)),
        "BOOTSTRAP_SERVE_LOCAL": True,
        "COOP_IMPORT_MAX_ROWS": int(os.environ.get("COOP_IMPORT_MAX_ROWS", 20000)),
        # An uploaded XLSX file is a zip archive: what it may unpack to, checked before any of it is parsed.
        "COOP_XLSX_MAX_PARTS": int(os.environ.get("COOP_XLSX_MAX_PARTS", 1000)),
        "COOP_XLSX_MAX_PART_BYTES": int(os.environ.get("COOP_XLSX_MAX_PART_BYTES", 32 * 1024 * 1024)),
        "COOP_XLSX_MAX_UNPACKED_BYTES": int(os.environ.get("COOP_XLSX_MAX_UNPACKED_BYTES", 64 * 1024 * 1024)),
        "COOP_XLSX_MAX_RATIO": int(os.environ.get("COOP_XLSX_MAX_RATIO", 100)),
        # Bid attachments live here, under random names; in a deployment of several hosts, a shared volume.
        "COOP_UPLOAD_DIR": os.environ.get("COOP_UPLOAD_DIR", str(INSTANCE_PATH / "uploads")),
        "COOP_MAX_ATTACHMENT_BYTES": int(os.environ.get("COOP_MAX_ATTACHMENT_BYTES", 5 * 1024 * 1024)),
        "SQLALCHEMY_ECHO": _bool("COOP_SQL_ECHO", False),
        "REDIS_URL": os.environ.get("REDIS_URL"),
        "RQ_QUEUE": os.environ.get("COOP_RQ_QUEUE", "coop"),
        # Award rounds: one larger than this (demands times offers) runs as an RQ job when REDIS_URL is set.
        "COOP_ROUND_INLINE_MAX_SIZE": int(os.environ.get("COOP_ROUND_INLINE_MAX_SIZE", 20000)),
        # A running round writes its heartbeat this often; one silent for COOP_ROUND_STALE_S lost its worker.
        "COOP_ROUND_HEARTBEAT_S": float(os.environ.get("COOP_ROUND_HEARTBEAT_S", 5)),
        "COOP_ROUND_STALE_S": float(os.environ.get("COOP_ROUND_STALE_S", 60)),
        # The most progress writes a round makes: one per this many seconds (and always the last).
        "COOP_ROUND_PROGRESS_EVERY_S": float(os.environ.get("COOP_ROUND_PROGRESS_EVERY_S", 1)),
        "COOP_SMTP_URL": os.environ.get("COOP_SMTP_URL"),
        "COOP_MAIL_FROM": os.environ.get("COOP_MAIL_FROM", "Coop <no-reply@coop.example>"),
        # The protest period a notice of intent to award opens, in days, unless its publication sets another.
        "COOP_PROTEST_DAYS": int(os.environ.get("COOP_PROTEST_DAYS", 7)),
        # Printed on purchase orders, unless the RFP's terms state their own payment terms.
        "COOP_PAYMENT_TERMS": os.environ.get("COOP_PAYMENT_TERMS", "Net 30 days from delivery and invoice"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Failed sign-ins only. Generous per address: a district's whole staff may share one public address.
        "COOP_SIGN_IN_RATE_LIMIT": os.environ.get("COOP_SIGN_IN_RATE_LIMIT", "100 per 10 minutes"),
        # Tight per account (whatever the address): password guessing against one person. A browser that signed in
        # to the account before is exempt (coop/accounts/views.py), so that guessing cannot lock its owner out.
        "COOP_SIGN_IN_ACCOUNT_RATE_LIMIT": os.environ.get("COOP_SIGN_IN_ACCOUNT_RATE_LIMIT", "5 per 15 minutes"),
        "COOP_SIGN_UP_RATE_LIMIT": os.environ.get("COOP_SIGN_UP_RATE_LIMIT", "10 per hour"),
        # Billing through Stripe Invoicing; without a key billing is off and invoices are recorded by hand.
        "STRIPE_API_KEY": os.environ.get("STRIPE_API_KEY") or None,
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET") or None,
        # Another Stripe-compatible server (localstripe in the tests); unset means Stripe itself.
        "STRIPE_API_BASE": os.environ.get("STRIPE_API_BASE") or None,
    }


def test_database_url() -> str | None:
    """The database the test suite runs against, when it is not SQLite."""
    return os.environ.get("COOP_TEST_DATABASE_URL")
