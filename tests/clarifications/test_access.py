"""Who may reach each question and addendum page: vendors ask and follow, the cooperative answers and issues addenda."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from support import text_of

from coop.clarifications.models import Addendum, Question, QuestionStatus
from coop.extensions import db
from coop.orgs.models import OrganisationStatus
from coop.rfps.models import VendorInterest

VENDOR_PAGES = [
    ("GET", "/rfps/{ref}/questions/new"),
    ("POST", "/rfps/{ref}/questions/new"),
    ("POST", "/rfps/{ref}/follow"),
    ("GET", "/questions"),
]
ADMIN_PAGES = [
    ("GET", "/admin/questions"),
    ("GET", "/admin/rfps/{id}/questions"),
    ("GET", "/admin/questions/{qid}"),
    ("POST", "/admin/questions/{qid}/answer"),
    ("POST", "/admin/questions/{qid}/dismiss"),
    ("GET", "/admin/rfps/{id}/addenda"),
    ("GET", "/admin/rfps/{id}/addenda/new"),
    ("POST", "/admin/rfps/{id}/addenda/new"),
]
DATA = {"text": "A question?", "answer": "An answer.", "question": "A question?", "reason": "No.", "summary": "Change."}


@pytest.fixture
def setting(rfp, acme):
    question = Question(
        rfp_id=rfp.id, vendor_id=acme.id, text="Pending question about line 2?", status=QuestionStatus.PENDING
    )
    db.session.add(question)
    db.session.flush()
    return {"ref": rfp.reference, "id": rfp.id, "qid": question.id, "rfp": rfp, "question": question}


def call(client, method, path, setting):
    url = path.format(**setting)
    return client.get(url) if method == "GET" else client.post(url, data=DATA)


def unchanged(setting):
    db.session.expire_all()
    assert db.session.get(Question, setting["qid"]).status == QuestionStatus.PENDING
    assert db.session.scalar(sa.select(sa.func.count(Question.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(Addendum.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(VendorInterest.id))) == 0


def params(pages):
    return pytest.mark.parametrize(("method", "path"), pages, ids=[f"{m} {p}" for m, p in pages])


@params(VENDOR_PAGES + ADMIN_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, setting, method, path):
    response = call(client, method, path, setting)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")
    unchanged(setting)


@params(VENDOR_PAGES + ADMIN_PAGES)
def test_district_buyers_are_refused(log_in, make_buyer, setting, method, path):
    response = call(log_in(make_buyer()), method, path, setting)
    assert response.status_code == 403
    assert "You are not allowed to do that." in text_of(response)
    unchanged(setting)


@params(ADMIN_PAGES)
def test_vendors_are_refused_the_cooperatives_pages(log_in, acme_rep, globex_rep, setting, method, path):
    for vendor in (acme_rep, globex_rep):  # the asker too: answering is the cooperative's
        response = call(log_in(vendor), method, path, setting)
        assert response.status_code == 403
    unchanged(setting)


@params(VENDOR_PAGES)
def test_administrators_are_refused_the_vendor_pages(log_in, admin, setting, method, path):
    response = call(log_in(admin), method, path, setting)
    assert response.status_code == 403
    unchanged(setting)


@params(VENDOR_PAGES)
def test_a_vendor_awaiting_approval_is_refused(log_in, make_vendor_rep, setting, method, path):
    response = call(log_in(make_vendor_rep(status=OrganisationStatus.PENDING)), method, path, setting)
    assert response.status_code == 403
    assert "Your organisation is awaiting approval by the cooperative." in text_of(response)
    unchanged(setting)


@params([(m, p) for m, p in ADMIN_PAGES if "{" in p])
def test_the_administrator_gets_404_for_what_does_not_exist(log_in, admin, setting, method, path):
    response = call(log_in(admin), method, path, {**setting, "id": 999999, "qid": 999999})
    assert response.status_code == 404
    unchanged(setting)


@params(VENDOR_PAGES[:3])
def test_vendors_get_404_for_an_rfp_that_is_not_public(log_in, globex_rep, setting, method, path):
    response = call(log_in(globex_rep), method, path, {**setting, "ref": "RFP-NOPE"})
    assert response.status_code == 404


@params(ADMIN_PAGES[:3] + ADMIN_PAGES[5:7])
def test_the_administrator_reaches_every_page(log_in, admin, setting, method, path):
    response = call(log_in(admin), method, path, setting)
    assert response.status_code == 200
    assert "Acme" not in response.get_data(as_text=True)  # who asked is never shown


@params(VENDOR_PAGES[:1] + VENDOR_PAGES[3:])
def test_a_vendor_reaches_its_pages(log_in, globex_rep, setting, method, path):
    assert call(log_in(globex_rep), method, path, setting).status_code == 200


def test_a_vendor_sees_only_its_own_questions(log_in, acme_rep, globex_rep, setting):
    assert "Pending question about line 2?" in text_of(log_in(acme_rep).get("/questions"))
    assert "Pending question about line 2?" not in text_of(log_in(globex_rep).get("/questions"))


def test_the_public_addendum_page_is_public(client, setting):
    assert client.get(f"/rfps/{setting['ref']}/addenda/1").status_code == 404  # none issued yet, but reachable
