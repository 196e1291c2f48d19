"""The demo cooperative: what ``flask --app coop demo load`` puts in the database, and when it refuses."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from support import text_of

from coop import clock
from coop.accounts.models import Membership, User
from coop.audit import services as audit
from coop.audit.models import AuditEvent
from coop.audit.services import verify_chain
from coop.bids.models import Bid, BidAttachment
from coop.catalogue.models import Category, Item
from coop.demo import DEMO_LOGINS, DEMO_PASSWORD, data
from coop.demo import rfps as demo_rfps
from coop.demo.services import DatabaseNotEmpty, load_demo
from coop.extensions import db
from coop.needs.models import Need, NeedStatus
from coop.orgs.models import District, Organisation, OrganisationKind, OrganisationStatus, Region, Vendor
from coop.rfps.models import Rfp, RfpStatus
from coop.roles import Role

REFUSAL = (
    "Error: The database already has 21 organisations. The demo loads only into an empty database, "
    "so nothing changed. To start again from the demo, run `make demo-reset` "
    "(it deletes the embedded SQLite database).\n"
)


def count(model, *conditions) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*conditions))


def row_counts() -> dict[str, int]:
    return {
        model.__name__: count(model)
        for model in (Organisation, User, Region, Category, Item, Need, AuditEvent, Bid, BidAttachment)
    }


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["demo", "load", *args])


def test_the_demo_is_a_cooperative_of_twelve_small_districts_in_three_regions(demo):
    districts = db.session.scalars(sa.select(District).where(District.status == OrganisationStatus.APPROVED)).all()
    assert len(districts) == demo.districts == 12
    assert count(Region) == 3
    assert {district.region.code for district in districts} == {"north", "central", "south"}
    assert all(district.state == "OR" and 300 <= district.enrollment <= 5000 for district in districts)
    nces_ids = [district.nces_id for district in districts if district.nces_id]
    assert 0 < len(nces_ids) < len(districts)
    assert all(re.fullmatch(r"\d{7}", nces_id) for nces_id in nces_ids)
    for district in districts:
        assert [(m.role, m.user.email) for m in district.memberships] == [(Role.DISTRICT_BUYER, district.contact_email)]
        assert district.contact_email.endswith(".k12.example") and district.approved_at is not None


def test_the_demo_has_six_vendors_an_administrator_and_two_organisations_awaiting_approval(demo):
    vendors = db.session.scalars(sa.select(Vendor).where(Vendor.status == OrganisationStatus.APPROVED)).all()
    assert len(vendors) == 6
    for vendor in vendors:
        assert vendor.regions and vendor.website.startswith("https://") and vendor.contact_name and vendor.contact_phone
        assert [(m.role, m.user.email) for m in vendor.memberships] == [(Role.VENDOR_REP, vendor.contact_email)]
    pending = db.session.scalars(sa.select(Organisation.name).where(Organisation.status == OrganisationStatus.PENDING))
    assert sorted(pending) == ["Elk Meadow School District", "Summit Classroom Technology"]
    cooperative = db.session.scalars(
        sa.select(Organisation).where(Organisation.kind == OrganisationKind.COOPERATIVE)
    ).one()
    assert (cooperative.name, cooperative.status) == (
        "Cascadia Schools Purchasing Cooperative",
        OrganisationStatus.APPROVED,
    )
    assert [(m.role, m.user.email) for m in cooperative.memberships] == [(Role.COOP_ADMIN, "admin@coop.example")]
    assert count(Membership, Membership.role == Role.COOP_ADMIN) == 1


def test_the_demo_needs_are_open_in_the_coming_months_and_sized_to_each_district(demo):
    today = clock.today()
    needs = db.session.scalars(sa.select(Need)).all()
    assert len(needs) == 60
    open_needs = [need for need in needs if need.status == NeedStatus.OPEN]
    assert len(open_needs) == demo.open_needs == 23  # the others are pooled into the demo RFPs
    assert len({need.district_id for need in needs}) == 12
    assert all(today + timedelta(days=60) <= need.needed_by <= today + timedelta(days=8 * 31) for need in needs)
    assert all(need.quantity > 0 for need in needs)
    assert all(need.created_by.organisation == need.district for need in needs)
    chromebooks = [need for need in needs if need.item.code.startswith("CB-1")]
    assert chromebooks and all(0.05 <= need.quantity / need.district.enrollment <= 0.25 for need in chromebooks)
    assert {need.item.category.slug for need in needs if need.erate_eligible} <= {
        "network-switches",
        "wireless-access-points",
        "firewalls",
    }
    capped = [need.budget_cap_cents for need in needs if need.budget_cap_cents is not None]
    assert 10 <= len(capped) <= 40 and all(isinstance(cap, int) and cap > 0 for cap in capped)
    assert sum(bool(need.spec_notes) for need in needs) >= 30


def test_the_catalogue_names_performance_requirements_never_brands(app, demo):
    categories = {category.slug: category for category in db.session.scalars(sa.select(Category))}
    templates = {template.category for template in app.extensions["coop.rfp_templates"].values()}
    assert set(categories) == templates  # every category has its RFP template
    assert all(category.items for category in categories.values())
    chromebook = db.session.scalars(sa.select(Item).where(Item.code == "CB-11-8-64")).one()
    assert chromebook.name == "11.6-inch Chromebook, 8 GB RAM, 64 GB storage"
    assert (chromebook.spec["screen_in"], chromebook.spec["ram_gb"], chromebook.spec["storage_gb"]) == (11.6, 8, 64)
    brands = re.compile(
        r"\b(dell|hp|lenovo|acer|asus|apple|ipad|microsoft|google|cisco|meraki|aruba|ubiquiti|"
        r"fortinet|sonicwall|palo alto|smart board|promethean|powerschool|infinite campus|jamf|"
        r"verkada|axis|samsung|panduit)\b",
        re.IGNORECASE,
    )
    items = db.session.scalars(sa.select(Item)).all()
    assert len(items) == demo.items
    assert [item.name for item in items if brands.search(item.name)] == []
    assert all(item.spec and item.unit for item in items)


def test_the_documented_log_ins_work_with_the_documented_password(demo, app):
    assert DEMO_PASSWORD == "coop-demo-2026"
    assert [email for _, email, _ in DEMO_LOGINS] == [
        "admin@coop.example",
        "buyer@lakeview.k12.example",
        "sales@evergreen-learning.example",
    ]
    for _, email, _ in DEMO_LOGINS:
        response = app.test_client().post("/sign-in", data={"email": email, "password": "coop-demo-2026"})
        assert response.status_code == 302, email


def test_the_headline_buyer_signs_in_and_sees_the_needs_page(demo, client):
    response = client.post("/sign-in", data={"email": "buyer@lakeview.k12.example", "password": "coop-demo-2026"})
    assert response.status_code == 302
    assert client.get("/needs").status_code == 200


def test_the_administrator_finds_the_two_pending_organisations_in_the_approval_queue(demo, client):
    client.post("/sign-in", data={"email": "admin@coop.example", "password": "coop-demo-2026"})
    page = text_of(client.get("/admin/organisations"))
    assert "Elk Meadow School District" in page
    assert "Summit Classroom Technology" in page
    assert "Lakeview School District" not in page


def test_sign_ups_approvals_and_posted_needs_are_in_an_intact_audit_chain(demo):
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert actions.count("organisation.signed_up") == 20
    assert actions.count("organisation.approved") == 18
    assert actions.count("need.posted") == 60
    report = audit.verify_chain(None)
    # The demo's invoices (tests/billing/test_demo_invoices.py) are in the same chain, about no RFP.
    billing_events = sum(action.startswith(("invoice.", "billing.")) for action in actions)
    assert report.intact and report.events_checked == 98 + billing_events


def test_the_demo_is_the_same_every_time_and_only_its_dates_move_with_the_day():
    monday, friday = date(2027, 1, 4), date(2027, 1, 8)
    assert data.plan_needs(monday) == data.plan_needs(monday)
    shifted = [
        dataclasses.replace(need, needed_by=need.needed_by + timedelta(days=4)) for need in data.plan_needs(monday)
    ]
    assert shifted == data.plan_needs(friday)


def test_demo_load_prints_the_counts_and_the_log_ins(cli):
    result = cli()
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Loaded the demo cooperative: Cascadia Schools Purchasing Cooperative.\n")
    assert "3 regions, 12 districts (+1 pending approval), 6 vendors (+1 pending approval)," in result.output
    assert "29 catalogue items in 11 categories, 23 open needs," in result.output
    assert "Every demo user's password is coop-demo-2026." in result.output
    for _, email, _ in DEMO_LOGINS:
        assert email in result.output
    assert "buyer@table-rock.k12.example" in result.output
    # The command ran in the test's session: its data is here (and rolled back with the test).
    assert count(District) == 13


def test_load_if_empty_loads_an_empty_database(cli):
    result = cli("--if-empty")
    assert result.exit_code == 0, result.output
    assert "23 open needs," in result.output
    assert count(Need) == 60


def test_load_if_empty_on_a_loaded_database_changes_nothing_and_says_so(demo, cli):
    before = row_counts()
    result = cli("--if-empty")
    assert result.exit_code == 0
    assert result.output == "Demo not loaded: The database already has 21 organisations. Nothing changed.\n"
    assert row_counts() == before


def test_load_on_a_loaded_database_refuses_and_suggests_demo_reset(demo, cli):
    before = row_counts()
    result = cli()
    assert result.exit_code == 1
    assert result.output == REFUSAL
    assert row_counts() == before


def test_load_refuses_a_database_with_a_real_organisation_and_adds_nothing(cli, make_district):
    make_district("Real School District")
    result = cli()
    assert result.exit_code == 1
    assert "The database already has 1 organisation. The demo loads only into an empty database" in result.output
    assert (count(User), count(Item), count(Organisation)) == (0, 0, 1)
    with pytest.raises(DatabaseNotEmpty):
        load_demo()


def test_a_failure_half_way_loads_nothing(monkeypatch):
    broken = [dataclasses.replace(data.plan_needs(clock.today())[0], quantity=0)]
    monkeypatch.setattr(data, "plan_needs", lambda today: broken)
    with pytest.raises(IntegrityError):
        load_demo()
    assert {name: n for name, n in row_counts().items() if n} == {}


def test_regions_and_catalogue_rows_already_there_are_reused(make_region, make_item):
    north = make_region("north")
    chromebook = make_item("CB-11-8-64", category="student-laptops")
    load_demo()
    assert count(Region) == 3 and count(Category) == 11
    lakeview = db.session.scalars(sa.select(District).where(District.name == "Lakeview School District")).one()
    assert lakeview.region == north
    assert count(Need, Need.item_id == chromebook.id) > 0


def test_the_demo_shows_an_awarded_an_opened_a_closed_an_open_a_committing_and_a_draft_rfp(demo, client):
    rfps = {rfp.title: rfp for rfp in db.session.scalars(sa.select(Rfp))}
    assert {rfp.status for rfp in rfps.values()} == {
        RfpStatus.AWARDED,
        RfpStatus.OPENED,
        RfpStatus.OPEN,
        RfpStatus.COMMITTING,
        RfpStatus.DRAFT,
    }
    # In the order of their history, which their references follow: the licences RFP was pooled first.
    assert [status for _, status, _ in demo.rfps] == ["awarded", "opened", "closed", "open", "committing", "draft"]
    assert [title for _, _, title in demo.rfps] == [
        plan.title
        for plan in (
            demo_rfps.LICENCES,
            demo_rfps.CABLING,
            demo_rfps.SWITCHES,
            demo_rfps.OPEN,
            demo_rfps.COMMITTING,
            demo_rfps.DRAFT,
        )
    ]
    assert [reference for reference, _, _ in demo.rfps] == sorted(rfp.reference for rfp in rfps.values())
    open_rfp = rfps[demo_rfps.OPEN.title]
    assert open_rfp.bid_deadline > clock.utcnow() > open_rfp.published_at
    assert all(verify_chain(rfp.id).intact for rfp in rfps.values())
    board = text_of(client.get(f"/rfps/{open_rfp.reference}"))
    assert "Student Chromebooks for the 2027-28 school year" in board
    assert "May a bidder offer a 4-year warranty" in board
    assert "Evergreen" not in board  # the asker stays anonymous
    committing = rfps[demo_rfps.COMMITTING.title]
    assert committing.erate_eligible and committing.form470_number == "260014471"
    assert client.get(f"/rfps/{committing.reference}").status_code == 404
    assert client.get(f"/rfps/{rfps[demo_rfps.DRAFT.title].reference}").status_code == 404
    pooled = db.session.scalars(sa.select(Need).where(Need.status.in_([NeedStatus.POOLED, NeedStatus.COMMITTED]))).all()
    assert {need.item.category.slug for need in pooled} == {
        "mdm-licences",
        "cabling",
        "network-switches",
        "student-laptops",
        "wireless-access-points",
        "interactive-displays",
    }
