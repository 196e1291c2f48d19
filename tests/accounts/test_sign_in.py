"""Sign-up, sign-in, sign-out, sessions and CSRF."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from conftest import PASSWORD
from support import text_of

from coop.accounts.forms import ENROLLMENT_RANGE
from coop.accounts.models import User
from coop.extensions import db
from coop.notifications.models import OutboundEmail
from coop.orgs.models import District, OrganisationStatus, Vendor
from coop.roles import Role


def district_sign_up(region_id: int, **overrides) -> dict:
    form = {
        "kind": "district",
        "organisation_name": "Lakeview School District",
        "state": "OR",
        "region_id": str(region_id),
        "enrollment": "1450",
        "nces_id": "4100001",
        "name": "Dana Reyes",
        "email": "Dana@Lakeview.k12.example",
        "password": "a long enough pass",
        "confirm": "a long enough pass",
    }
    form.update(overrides)
    return form


def test_a_district_signs_up_pending_approval_and_its_password_is_hashed_with_argon2id(client, make_region):
    region = make_region("north")
    client.post("/sign-up", data=district_sign_up(region.id))
    response = client.post(
        "/sign-in", data={"email": "dana@lakeview.k12.example", "password": "a long enough pass"}, follow_redirects=True
    )
    assert response.status_code == 200
    assert "Lakeview School District is pending" in text_of(response)
    user = db.session.scalar(sa.select(User).where(User.email == "dana@lakeview.k12.example"))
    assert user.password_hash.startswith("$argon2id$")
    assert "a long enough pass" not in user.password_hash
    district = user.organisation
    assert isinstance(district, District)
    assert (district.status, district.region, district.enrollment, user.role) == (
        OrganisationStatus.PENDING,
        region,
        1450,
        Role.DISTRICT_BUYER,
    )


@pytest.mark.parametrize("typed", ["NaN", "1e309", "many", "0", "2000001", "9" * 400])
def test_a_bad_enrollment_is_refused_once_on_its_field(client, make_region, typed):
    response = client.post("/sign-up", data=district_sign_up(make_region("north").id, enrollment=typed))
    assert response.status_code in (200, 422)
    page = text_of(response)
    assert page.count(ENROLLMENT_RANGE) == 1
    assert "Enrollment (students)" in page.split(ENROLLMENT_RANGE)[0]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(District)) == 0


def test_a_pending_district_cannot_post_needs(client, make_region):
    client.post("/sign-up", data=district_sign_up(make_region("north").id))
    client.post("/sign-in", data={"email": "dana@lakeview.k12.example", "password": "a long enough pass"})
    response = client.get("/needs/new")
    assert response.status_code == 403
    assert "awaiting approval" in text_of(response)


def test_a_vendor_signs_up_with_the_regions_it_serves(client, make_region):
    north, south = make_region("north"), make_region("south")
    response = client.post(
        "/sign-up",
        data={
            "kind": "vendor",
            "organisation_name": "Acme Edu Tech",
            "region_ids": [str(north.id), str(south.id)],
            "website": "https://acme.example.com",
            "name": "Sam Lee",
            "email": "sam@acme.example.com",
            "password": "another long pass",
            "confirm": "another long pass",
        },
    )
    assert response.status_code == 302
    vendor = db.session.scalar(sa.select(Vendor).where(Vendor.name == "Acme Edu Tech"))
    assert vendor.regions == [north, south]


def test_sign_up_errors_name_their_field_and_create_nothing(client, make_region):
    region = make_region("north")
    response = client.post("/sign-up", data=district_sign_up(region.id, enrollment="", confirm="different pass!"))
    assert response.status_code == 422
    page = text_of(response)
    assert "A district needs its enrollment." in page
    assert "The passwords differ." in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_sign_up_answers_the_same_for_a_known_email_and_writes_to_its_owner_instead(client, make_buyer, make_region):
    # Sign-up must not tell whether an address has an account: the owner is told by e-mail, nothing is created.
    region = make_region("north")
    existing = make_buyer()
    new = client.post("/sign-up", data=district_sign_up(region.id), follow_redirects=True)
    known = client.post(
        "/sign-up",
        data=district_sign_up(
            region.id, email=existing.email.upper(), organisation_name="Hillside School District", nces_id="4100002"
        ),
        follow_redirects=True,
    )
    assert new.status_code == known.status_code == 200
    assert [response.request.path for response in (new, known)] == ["/sign-in", "/sign-in"]
    assert text_of(new) == text_of(known)
    assert (
        "Thank you for registering. Sign in with your e-mail and password; a cooperative administrator will "
        "review your organisation shortly."
    ) in text_of(known)
    assert db.session.scalar(sa.select(District.id).where(District.name == "Hillside School District")) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.email == existing.email)) == 1
    mail = db.session.scalars(sa.select(OutboundEmail).order_by(OutboundEmail.id)).all()
    assert [(message.to_address, message.subject) for message in mail] == [
        (existing.email, "Someone tried to register with your e-mail address")
    ]
    assert "Someone tried to register Hillside School District on Coop with this e-mail address" in mail[0].body


def test_sign_in_renews_the_session_and_sign_out_ends_it(client, make_buyer):
    user = make_buyer()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == f"{user.id}:{user.session_version}"  # the session version: see test_sessions.py
    assert client.get("/needs").status_code == 200
    client.post("/sign-out")
    assert client.get("/needs").status_code == 302


def test_a_wrong_password_says_so_without_telling_which_part_was_wrong(client, make_buyer):
    user = make_buyer()
    wrong_password = client.post("/sign-in", data={"email": user.email, "password": "not it at all"})
    unknown_email = client.post("/sign-in", data={"email": "nobody@example.org", "password": PASSWORD})
    assert wrong_password.status_code == unknown_email.status_code == 422
    assert "Wrong e-mail or password." in text_of(wrong_password)
    assert "Wrong e-mail or password." in text_of(unknown_email)


def test_sign_in_only_redirects_to_this_site(client, make_buyer):
    user = make_buyer()
    response = client.post("/sign-in?next=//evil.example.com/x", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/dashboard"


def test_every_form_needs_its_csrf_token(app, client, make_buyer, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    user = make_buyer()
    response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in text_of(response)
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_sign_in_attempts_are_limited_per_address(app, client, make_buyer, monkeypatch):
    from coop.extensions import limiter

    monkeypatch.setitem(app.config, "COOP_SIGN_IN_RATE_LIMIT", "3 per minute")
    limiter.reset()
    user = make_buyer()
    statuses = [
        client.post("/sign-in", data={"email": user.email, "password": "guess number x"}).status_code for _ in range(4)
    ]
    assert statuses == [422, 422, 422, 429]
    refused = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert refused.status_code == 429
    assert "Too many attempts; try again in 1 minute." in text_of(refused)
    limiter.reset()


def test_a_sign_up_is_e_mailed_to_every_administrator(client, make_region, make_admin):
    admin = make_admin()
    client.post("/sign-up", data=district_sign_up(make_region("north").id))
    mail = db.session.scalars(sa.select(OutboundEmail).where(OutboundEmail.to_address == admin.email)).all()
    assert [message.subject for message in mail] == ["New district awaiting approval: Lakeview School District"]
    assert "Review it in the approval queue: http://localhost/admin/organisations" in mail[0].body
    assert "dana@lakeview.k12.example" in mail[0].body
