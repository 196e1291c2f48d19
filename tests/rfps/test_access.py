"""Who may reach each RFP page: the administrator's pages, districts' commitments, and the public board."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from support import text_of

from coop.extensions import db
from coop.orgs.models import OrganisationStatus
from coop.rfps.models import CommitmentStatus, RfpLineNeed, RfpStatus

ADMIN_PAGES = [
    ("GET", "/admin/rfps"),
    ("GET", "/admin/rfps/pool"),
    ("POST", "/admin/rfps/pool"),
    ("GET", "/admin/rfps/{rfp}"),
    ("POST", "/admin/rfps/{rfp}/details"),
    ("POST", "/admin/rfps/{rfp}/lines/{line}"),
    ("POST", "/admin/rfps/{rfp}/needs/{link}/drop"),
    ("POST", "/admin/rfps/{rfp}/commitment"),
    ("POST", "/admin/rfps/{rfp}/publish"),
    ("POST", "/admin/rfps/{rfp}/cancel"),
]
DISTRICT_PAGES = [("GET", "/commitments"), ("POST", "/commitments/{link}")]
PUBLIC_PAGES = [
    ("GET", "/rfps"),
    ("GET", "/rfps/{reference}"),
    ("GET", "/rfps/{reference}/document.html"),
    ("GET", "/rfps/{reference}/document.pdf"),
]


def params(pages):
    return pytest.mark.parametrize(("method", "path"), pages, ids=[f"{method} {path}" for method, path in pages])


def call(client, method, path, rfp, data=None):
    line = rfp.lines[-1]
    url = path.format(rfp=rfp.id, reference=rfp.reference, line=line.id, link=line.pooled_needs[0].id)
    return client.get(url) if method == "GET" else client.post(url, data=data or {})


def unchanged(rfp_id):
    db.session.expire_all()
    links = db.session.scalars(sa.select(RfpLineNeed)).all()
    return all(link.commitment != CommitmentStatus.WITHDRAWN for link in links)


@params(ADMIN_PAGES + DISTRICT_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, committing, method, path):
    response = call(client, method, path, committing)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


@params(ADMIN_PAGES)
def test_districts_and_vendors_are_refused_the_administrators_pages(
    client, log_in, make_vendor_rep, buyers, committing, method, path
):
    for user in (buyers["Lakeview SD"], make_vendor_rep()):
        response = call(log_in(user), method, path, committing, data={"cancel-reason": "no"})
        assert response.status_code == 403
        assert "You are not allowed to do that." in text_of(response)
    db.session.expire_all()
    assert db.session.get(type(committing), committing.id).status == RfpStatus.COMMITTING


@params(ADMIN_PAGES)
def test_the_administrator_reaches_every_administrators_page(log_in, admin, draft, method, path):
    response = call(log_in(admin), method, path, draft)
    assert response.status_code in (200, 302, 422)


@params(DISTRICT_PAGES)
def test_vendors_and_administrators_are_refused_the_commitments(
    log_in, make_vendor_rep, admin, committing, method, path
):
    for user in (make_vendor_rep(), admin):
        assert call(log_in(user), method, path, committing).status_code == 403
    assert unchanged(committing.id)


@params(DISTRICT_PAGES)
def test_a_district_awaiting_approval_is_refused(log_in, make_buyer, committing, method, path):
    response = call(log_in(make_buyer(status=OrganisationStatus.PENDING)), method, path, committing)
    assert response.status_code == 403
    assert "Your organisation is awaiting approval by the cooperative." in text_of(response)


def test_another_districts_commitment_is_not_found(log_in, buyers, committing):
    link = committing.lines[-1].pooled_needs[0]  # Lakeview's laptops
    client = log_in(buyers["Hillcrest SD"])
    assert client.post(f"/commitments/{link.id}", data={f"c{link.id}-withdraw": "Withdraw"}).status_code == 404
    assert "Lakeview" not in text_of(client.get("/commitments"))
    assert unchanged(committing.id)


def test_the_own_district_reaches_its_commitments(log_in, buyers, committing):
    link = committing.lines[-1].pooled_needs[0]
    client = log_in(buyers[link.need.district.name])
    assert client.get("/commitments").status_code == 200
    response = client.post(f"/commitments/{link.id}", data={f"c{link.id}-confirm": "Confirm"})
    assert (response.status_code, response.headers["Location"]) == (302, "/commitments")


@params(PUBLIC_PAGES)
def test_everyone_reads_a_published_rfp(client, log_in, make_vendor_rep, buyers, admin, published, method, path):
    for user in (None, buyers["Lakeview SD"], buyers["Hillcrest SD"], make_vendor_rep(), admin):
        response = call(log_in(user) if user else client, method, path, published)
        assert response.status_code == 200, (user, response.status_code)


@params(PUBLIC_PAGES[1:])
def test_only_the_administrator_sees_a_draft_on_the_board(
    client, log_in, make_vendor_rep, buyers, admin, draft, method, path
):
    for user in (None, buyers["Lakeview SD"], make_vendor_rep()):
        assert call(log_in(user) if user else client, method, path, draft).status_code == 404
    assert call(log_in(admin), method, path, draft).status_code == 200
