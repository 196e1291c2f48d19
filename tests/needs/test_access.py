"""Who may reach each needs page: deny by default, a district sees only its own needs, the demand view is the cooperative's."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from support import text_of

from coop.extensions import db
from coop.needs.models import Need, NeedStatus
from coop.orgs.models import OrganisationStatus

DISTRICT_PAGES = [
    ("GET", "/needs"),
    ("GET", "/needs/new"),
    ("POST", "/needs/new"),
    ("GET", "/needs/import"),
    ("POST", "/needs/import"),
    ("GET", "/needs/import/template.csv"),
    ("GET", "/needs/import/template.xlsx"),
    ("GET", "/needs/{id}"),
    ("GET", "/needs/{id}/edit"),
    ("POST", "/needs/{id}/edit"),
    ("GET", "/needs/{id}/withdraw"),
    ("POST", "/needs/{id}/withdraw"),
]
ONE_NEED_PAGES = [(method, path) for method, path in DISTRICT_PAGES if "{id}" in path]


@pytest.fixture
def someones_need(make_buyer, make_need, catalogue):
    return make_need(make_buyer().organisation, item=catalogue["LAPTOP-14"], quantity=40)


def call(client, method: str, path: str, need: Need, data: dict | None = None):
    url = path.format(id=need.id)
    return client.get(url) if method == "GET" else client.post(url, data=data or {})


def pages_params(pages):
    return pytest.mark.parametrize(("method", "path"), pages, ids=[f"{method} {path}" for method, path in pages])


@pages_params(DISTRICT_PAGES + [("GET", "/admin/demand")])
def test_anonymous_visitors_are_sent_to_sign_in(client, someones_need, method, path):
    response = call(client, method, path, someones_need)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


@pages_params(DISTRICT_PAGES + [("GET", "/admin/demand")])
def test_vendors_are_refused(client, log_in, make_vendor_rep, someones_need, method, path):
    response = call(log_in(make_vendor_rep()), method, path, someones_need)
    assert response.status_code == 403
    assert "You are not allowed to do that." in text_of(response)


@pages_params(DISTRICT_PAGES)
def test_administrators_are_refused_the_district_pages(client, log_in, make_admin, someones_need, method, path):
    response = call(log_in(make_admin()), method, path, someones_need)
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Need, someones_need.id).status == NeedStatus.OPEN


@pages_params(DISTRICT_PAGES)
def test_a_district_awaiting_approval_is_refused(client, log_in, make_buyer, someones_need, method, path):
    pending = make_buyer(status=OrganisationStatus.PENDING)
    response = call(log_in(pending), method, path, someones_need)
    assert response.status_code == 403
    assert "Your organisation is awaiting approval by the cooperative." in text_of(response)


@pages_params(ONE_NEED_PAGES)
def test_another_districts_need_is_not_found(as_buyer, someones_need, catalogue, method, path):
    before = (someones_need.quantity, someones_need.status)
    response = call(
        as_buyer,
        method,
        path,
        someones_need,
        data={"item_id": str(catalogue["LAPTOP-14"].id), "quantity": "1", "needed_by": "2099-01-01"},
    )
    assert response.status_code == 404
    assert "There is no such page, or it is not yours to see." in text_of(response)
    db.session.expire_all()
    need = db.session.get(Need, someones_need.id)
    assert (need.quantity, need.status) == before


def test_another_districts_needs_are_not_listed(as_buyer, someones_need):
    assert "14-inch student laptop" not in text_of(as_buyer.get("/needs"))


def test_a_need_that_does_not_exist_is_not_found(as_buyer):
    assert as_buyer.get("/needs/987654").status_code == 404


def test_the_administrator_sees_demand(log_in, make_admin):
    response = log_in(make_admin()).get("/admin/demand")
    assert response.status_code == 200
    assert "Open demand" in text_of(response)


def test_a_district_buyer_is_refused_the_demand_view(as_buyer):
    assert as_buyer.get("/admin/demand").status_code == 403


def test_the_navigation_links_work_for_a_buyer(as_buyer):
    for path in ("/needs", "/needs/new", "/needs/import"):
        assert as_buyer.get(path).status_code == 200


def test_signing_in_through_the_form_reaches_the_needs(sign_in, buyer):
    client = sign_in(buyer)
    assert client.get("/needs").status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Need)) == 0
