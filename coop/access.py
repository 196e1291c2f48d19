"""Role-based access that denies by default.

Every view declares who may call it with one of the decorators below. A
request for a view that declares nothing is refused: forgetting a declaration
closes a page rather than opening it.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from coop.roles import Role

_ACCESS_ATTR = "coop_access"
PUBLIC = "public"
SIGNED_IN = "signed_in"


def public(view: Callable) -> Callable:
    """Anyone, signed in or not."""
    setattr(view, _ACCESS_ATTR, PUBLIC)
    return view


def signed_in(view: Callable) -> Callable:
    """Any signed-in user, whatever the role."""
    setattr(view, _ACCESS_ATTR, SIGNED_IN)
    return view


def roles(*allowed: Role, approved: bool = True) -> Callable[[Callable], Callable]:
    """Signed-in users with one of ``allowed`` roles, whose organisation is approved unless ``approved=False``."""

    def decorate(view: Callable) -> Callable:
        setattr(view, _ACCESS_ATTR, (frozenset(allowed), approved))
        return view

    return decorate


def declared_access(view: Callable):
    return getattr(view, _ACCESS_ATTR, None)


def enforce():
    """``before_request`` hook: apply the declaration of the view being called."""
    if request.endpoint is None:
        return None  # 404 and 405 answer on their own
    if request.endpoint == "static" or request.endpoint.endswith(".static"):
        return None
    view = current_app.view_functions[request.endpoint]
    rule = declared_access(view)
    if rule is None:
        current_app.logger.error("view %s declares no access rule; refused", request.endpoint)
        abort(403)
    if rule == PUBLIC:
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.sign_in", next=request.full_path.rstrip("?")))
    if rule == SIGNED_IN:
        return None
    allowed, needs_approval = rule
    if current_user.role not in allowed:
        abort(403)
    if needs_approval and not current_user.organisation.is_approved:
        abort(403, description="Your organisation is awaiting approval by the cooperative.")
    return None
