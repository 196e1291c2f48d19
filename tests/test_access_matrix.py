"""Who may call every route: anonymous visitors, each role, and another organisation (``tests/access_matrix.py``)."""

from __future__ import annotations

import pytest
from access_matrix import ALLOWED, MATRIX, PRINCIPALS, SIGN_IN


def test_every_route_is_in_the_matrix(app):
    endpoints = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and not rule.endpoint.endswith(".static")
    }
    assert sorted(endpoints - set(MATRIX)) == []
    assert sorted(set(MATRIX) - endpoints) == []


CASES = [
    (endpoint, route, principal) for endpoint, routes in MATRIX.items() for route in routes for principal in PRINCIPALS
]


@pytest.mark.parametrize(
    ("endpoint", "route", "principal"),
    CASES,
    ids=[f"{route.method} {route.path} as {principal}" for _, route, principal in CASES],
)
def test_access(client, log_in, scenario, endpoint, route, principal):
    users, values = scenario
    if principal != "anonymous":
        log_in(users[principal])
    response = client.open(route.path.format(**values), method=route.method, data={})
    response.close()  # a download streams its file until then
    expected = route.expected[principal]
    if expected == SIGN_IN:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/sign-in?next=")
    elif expected == ALLOWED:
        refused_to_sign_in = response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
        assert response.status_code not in (401, 403, 404) and not refused_to_sign_in, response.status_code
    else:
        assert response.status_code == expected
