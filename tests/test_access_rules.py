"""Every view declares who may call it; a view that declares nothing is refused."""

from __future__ import annotations

from coop.access import declared_access


def test_every_view_declares_its_access_rule(app):
    undeclared = sorted(
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and not endpoint.endswith(".static") and declared_access(view) is None
    )
    assert undeclared == []


def test_a_view_without_a_declaration_is_refused(app):
    from flask import Flask

    from coop import access

    bare = Flask(__name__)
    bare.before_request(access.enforce)
    bare.add_url_rule("/forgotten", "forgotten", lambda: "secret")
    with bare.test_client() as client:
        response = client.get("/forgotten")
    assert response.status_code == 403
    assert b"secret" not in response.data
