"""One log record per request on the ``coop.requests`` logger, with its facts as fields.

The fields are what an operator needs and nothing a request carries: the method, the
path (without its query string, whose values may be tokens or search terms), the names
of the query parameters, the status, the time taken in milliseconds and the signed-in
user's id. Never a form, a body or a header: bids, passwords and uploads stay out of
the logs. ``gunicorn.conf.py`` writes every record as one JSON line.
"""

from __future__ import annotations

import logging
import time

import sqlalchemy as sa
from flask import Flask, Response, g, request

logger = logging.getLogger("coop.requests")


def init_app(app: Flask) -> None:
    """Log every request of ``app``; call before any other ``before_request`` hook, so that the clock starts first
    (a hook that answers, such as the sign-in redirect, skips those registered after it)."""
    app.before_request(_start_clock)
    app.after_request(_log)


def _start_clock() -> None:
    g.request_started_s = time.perf_counter()


def _log(response: Response) -> Response:
    started_s = g.get("request_started_s")
    logger.info(
        "request",
        extra={
            "method": request.method,
            "path": request.path,
            "query_keys": sorted(request.args.keys()),
            "status": response.status_code,
            "duration_ms": None if started_s is None else round((time.perf_counter() - started_s) * 1000, 1),
            "user_id": _signed_in_user_id(),
        },
    )
    return response


def _signed_in_user_id() -> int | None:
    # Flask-Login's user of this request, only when the request loaded it: logging must not query the database.
    # Its id comes from the identity map, which stays readable after a rollback expired the row.
    user = g.get("_login_user")
    if user is None or not user.is_authenticated:
        return None
    return sa.inspect(user).identity[0]
