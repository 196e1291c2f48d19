"""Organisations keep their own profile: vendors their company details, regions and contacts; districts their contacts."""

from __future__ import annotations

import html as html_lib
import re

import pytest
import sqlalchemy as sa
from support import text_of

from coop.audit.models import AuditEvent
from coop.audit.services import verify_chain
from coop.extensions import db
from coop.orgs.models import District, OrganisationStatus, Vendor


@pytest.fixture
def regions(make_region):
    return {
        code: make_region(code, name)
        for code, name in [("north", "North Coast"), ("valley", "Central Valley"), ("east", "Eastern Plateau")]
    }


@pytest.fixture
def rep(make_vendor_rep, regions):
    return make_vendor_rep(name="Evergreen Learning", regions=[regions["north"]])


def vendor_form(regions, **overrides) -> dict:
    """A complete, valid vendor profile form; ``overrides`` replace fields."""
    form = {
        "name": "Evergreen Learning",
        "website": "https://evergreen.example",
        "description": "Chromebooks and carts.",
        "postal_address": "12 Cedar Street\nPortland, OR 97201",
        "region_ids": [regions["north"].id],
        "contact_name": "Sam Rivera",
        "contact_email": "sam@evergreen.example",
        "contact_phone": "503-555-0100",
    }
    form.update(overrides)
    return form


def feedback_for(response, field_id: str) -> str:
    """The text of the validation message rendered right after the input(s) with this id (a group of checkboxes
    has ids ``field-0``, ``field-1``…), before the next field starts."""
    html = response.get_data(as_text=True)
    after = re.split(rf'id="{field_id}(?:-\d+)?"', html)[-1]
    next_field = re.search(r'<(?:input|textarea|select)\b(?![^>]*id="' + field_id + r"-\d)", after)
    within = after[: next_field.start()] if next_field else after
    found = re.search(r'class="invalid-feedback[^"]*"[^>]*>(.*?)</div>', within, flags=re.S)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split()) if found else ""


def reloaded(model, organisation_id: int):
    """The row as the database has it now, not as this test's session last saw it."""
    db.session.expire_all()
    return db.session.get(model, organisation_id)


def profile_events() -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "organisation.profile_updated").order_by(AuditEvent.id)
        )
    )


def test_the_edit_form_starts_from_the_current_profile(client, log_in, rep):
    page = log_in(rep).get("/organisation/edit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="Evergreen Learning"' in html and 'value="sam@example.com"' in html
    region_id = rep.organisation.regions[0].id
    assert re.search(rf'<input[^>]*checked[^>]*value="{region_id}"|<input[^>]*value="{region_id}"[^>]*checked', html)


def test_every_field_edited_shows_on_the_profile_page(client, log_in, rep, regions):
    log_in(rep)
    data = vendor_form(regions, name="Evergreen Learning Co", region_ids=[regions["valley"].id, regions["east"].id])
    response = client.post("/organisation/edit", data=data)
    assert response.status_code == 302 and response.headers["Location"] == "/organisation"

    page = client.get("/organisation")
    text = text_of(page)
    assert "Your profile is saved." in text
    assert "Evergreen Learning Co" in text
    assert "Eastern Plateau, Central Valley" in text and "North Coast" not in text
    assert "https://evergreen.example" in text
    assert "Chromebooks and carts." in text
    assert "12 Cedar Street Portland, OR 97201" in text
    assert "Sam Rivera" in text and "sam@evergreen.example" in text and "503-555-0100" in text
    assert 'href="https://evergreen.example"' in page.get_data(as_text=True)
    vendor = reloaded(Vendor, rep.organisation.id)
    assert vendor.postal_address == "12 Cedar Street\nPortland, OR 97201"
    assert vendor.status == OrganisationStatus.APPROVED  # renaming asks for no new approval


def test_a_change_is_audited_with_only_the_changed_fields_before_and_after(client, log_in, rep, regions):
    log_in(rep)
    client.post("/organisation/edit", data=vendor_form(regions))
    client.post(
        "/organisation/edit",
        data=vendor_form(
            regions,
            name="Evergreen Learning Co",
            contact_phone="",
            region_ids=[regions["north"].id, regions["east"].id],
        ),
    )

    first, second = profile_events()
    assert (first.entity_type, first.entity_id, first.actor_user_id) == ("organisation", rep.organisation.id, rep.id)
    assert set(first.after) == {
        "website",
        "description",
        "postal_address",
        "contact_name",
        "contact_email",
        "contact_phone",
    }
    assert second.before == {"name": "Evergreen Learning", "contact_phone": "503-555-0100", "regions": ["north"]}
    assert second.after == {"name": "Evergreen Learning Co", "contact_phone": "", "regions": ["east", "north"]}
    assert verify_chain(None).intact


def test_saving_an_unchanged_profile_records_nothing(client, log_in, rep, regions):
    log_in(rep)
    client.post("/organisation/edit", data=vendor_form(regions))
    response = client.post("/organisation/edit", data=vendor_form(regions), follow_redirects=True)
    assert "Nothing changed." in text_of(response)
    assert len(profile_events()) == 1


@pytest.mark.parametrize(
    ("overrides", "field_id", "message"),
    [
        ({"name": "  "}, "name", "Enter the name of your organisation."),
        (
            {"website": "evergreen.example"},
            "website",
            "Enter the full address of your website, starting with https://.",
        ),
        (
            {"website": "javascript://evergreen.example/%0Aalert(1)"},
            "website",
            "Enter the full address of your website, starting with https://.",
        ),
        ({"region_ids": []}, "region_ids", "Choose at least one region you serve."),
        ({"region_ids": ["999999"]}, "region_ids", "Choose the regions you serve from the list."),
        ({"contact_name": ""}, "contact_name", "Enter the name of the person to contact."),
        ({"contact_email": ""}, "contact_email", "Enter the e-mail address of the person to contact."),
        ({"contact_email": "sam at evergreen"}, "contact_email", "Enter an e-mail address like name@example.com."),
        ({"description": "x" * 4001}, "description", "Use at most 4,000 characters."),
    ],
)
def test_a_bad_field_is_named_next_to_it_and_nothing_changes(
    client, log_in, rep, regions, overrides, field_id, message
):
    log_in(rep)
    response = client.post("/organisation/edit", data=vendor_form(regions, **overrides))
    assert response.status_code == 422
    assert feedback_for(response, field_id) == message
    assert text_of(response).count(message) == 1
    vendor = reloaded(Vendor, rep.organisation.id)
    assert (vendor.name, vendor.website, vendor.contact_name, [r.code for r in vendor.regions]) == (
        "Evergreen Learning",
        "",
        "Sam",
        ["north"],
    )
    assert profile_events() == []


def test_a_name_another_vendor_uses_is_refused_but_a_districts_is_not(
    client, log_in, rep, regions, make_vendor, make_district
):
    make_vendor("Cascade Tech")
    make_district("Lakeview SD")
    log_in(rep)
    response = client.post("/organisation/edit", data=vendor_form(regions, name=" Cascade Tech "))
    assert response.status_code == 422
    assert feedback_for(response, "name") == "Another vendor is already registered as Cascade Tech."
    assert profile_events() == []

    response = client.post("/organisation/edit", data=vendor_form(regions, name="Lakeview SD"))
    assert response.status_code == 302
    assert reloaded(Vendor, rep.organisation.id).name == "Lakeview SD"


def test_a_vendor_rep_edits_only_their_own_company(client, log_in, rep, regions, make_vendor_rep):
    other = make_vendor_rep(name="Cascade Tech")
    log_in(other)
    client.post("/organisation/edit", data=vendor_form(regions, name="Cascade Technology"))
    assert reloaded(Vendor, other.organisation.id).name == "Cascade Technology"
    assert db.session.get(Vendor, rep.organisation.id).name == "Evergreen Learning"
    # A stray id is ignored: the URL names no organisation.
    client.post(
        f"/organisation/edit?organisation_id={rep.organisation.id}", data=vendor_form(regions, name="Taken over")
    )
    assert reloaded(Vendor, rep.organisation.id).name == "Evergreen Learning"


def test_a_pending_vendor_is_told_to_complete_its_profile_and_may_edit_it(client, log_in, make_vendor_rep, regions):
    pending = make_vendor_rep(name="Newcomer Supplies", status=OrganisationStatus.PENDING)
    log_in(pending)
    notice = text_of(client.get("/organisation"))
    assert (
        "A cooperative administrator must approve Newcomer Supplies before it can bid. Complete your profile so "
        "that they can decide; it still lacks: website, description, postal address, contact phone."
    ) in notice
    assert "Edit profile" in notice

    response = client.post("/organisation/edit", data=vendor_form(regions, name="Newcomer Supplies"))
    assert response.status_code == 302
    notice = text_of(client.get("/organisation"))
    assert "Complete your profile so that they can decide." in notice
    assert reloaded(Vendor, pending.organisation.id).status == OrganisationStatus.PENDING


def test_an_approved_vendor_sees_no_approval_notice(client, log_in, rep):
    response = log_in(rep).get("/organisation")
    assert 'id="approval-notice"' not in response.get_data(as_text=True)
    assert 'id="edit-profile"' in response.get_data(as_text=True)


def test_a_rejected_vendor_cannot_edit(client, log_in, make_vendor_rep, regions):
    rejected = make_vendor_rep(name="Shady Supplies", status=OrganisationStatus.REJECTED)
    log_in(rejected)
    assert 'id="edit-profile"' not in client.get("/organisation").get_data(as_text=True)
    assert client.get("/organisation/edit").status_code == 403
    assert client.post("/organisation/edit", data=vendor_form(regions, name="Nice Supplies")).status_code == 403
    assert reloaded(Vendor, rejected.organisation.id).name == "Shady Supplies"


def test_administrators_cannot_edit_and_anonymous_visitors_sign_in(client, log_in, make_admin):
    assert client.get("/organisation/edit").headers["Location"].startswith("/sign-in?next=")
    log_in(make_admin())
    assert client.get("/organisation/edit").status_code == 403
    assert 'id="edit-profile"' not in client.get("/organisation").get_data(as_text=True)


def test_a_district_edits_its_contacts_but_not_its_state_region_or_enrollment(client, log_in, make_buyer):
    buyer = make_buyer(name="Lakeview SD", state="OR", enrollment=1200)
    log_in(buyer)
    form = client.get("/organisation/edit").get_data(as_text=True)
    assert 'name="enrollment"' not in form and 'name="region_ids"' not in form and 'name="website"' not in form
    response = client.post(
        "/organisation/edit",
        data={
            "name": "Lakeview School District",
            "contact_name": "Dana Lee",
            "contact_email": "dana@lakeview.example",
            "contact_phone": "541-555-0199",
            "state": "WA",
            "enrollment": "9",
            "region_id": "999",
        },
    )
    assert response.status_code == 302
    page = text_of(client.get("/organisation"))
    assert "Lakeview School District" in page and "Dana Lee" in page and "dana@lakeview.example" in page
    assert "541-555-0199" in page
    district = reloaded(District, buyer.organisation.id)
    assert (district.state, district.enrollment) == ("OR", 1200)
    (event,) = profile_events()
    assert event.after == {
        "name": "Lakeview School District",
        "contact_name": "Dana Lee",
        "contact_email": "dana@lakeview.example",
        "contact_phone": "541-555-0199",
    }


def test_a_district_name_clash_is_refused(client, log_in, make_buyer, make_district):
    make_district("Cedar Falls SD")
    log_in(make_buyer(name="Lakeview SD"))
    response = client.post(
        "/organisation/edit", data={"name": "Cedar Falls SD", "contact_name": "Pat", "contact_email": "pat@example.org"}
    )
    assert response.status_code == 422
    assert feedback_for(response, "name") == "Another district is already registered as Cedar Falls SD."


def test_the_review_page_shows_each_vendors_regions_website_and_contacts(
    client, log_in, make_admin, make_vendor_rep, regions, table_rows
):
    pending = make_vendor_rep(
        name="Newcomer Supplies", status=OrganisationStatus.PENDING, regions=[regions["north"], regions["valley"]]
    )
    log_in(pending)
    client.post(
        "/organisation/edit",
        data=vendor_form(
            regions,
            name="Newcomer Supplies",
            website="https://newcomer.example",
            contact_name="Alex Kim",
            contact_email="alex@newcomer.example",
            contact_phone="360-555-0142",
            region_ids=[regions["north"].id, regions["valley"].id],
        ),
    )
    log_in(make_admin())
    (row,) = [row for row in table_rows(client.get("/admin/organisations"), "organisations") if "Newcomer" in row]
    assert "North Coast, Central Valley" in row
    assert "https://newcomer.example" in row
    assert "Alex Kim" in row and "alex@newcomer.example" in row and "360-555-0142" in row
    assert "Chromebooks and carts." in row


def test_a_vendor_chooses_the_categories_it_sells(client, log_in, rep, regions, make_item):
    laptops = make_item("LAPTOP-14", category="student-laptops").category
    security = make_item("CAM-1", category="security").category
    log_in(rep)
    response = client.post("/organisation/edit", data=vendor_form(regions, category_ids=[laptops.id, security.id]))
    assert response.status_code == 302
    assert "Categories sold Security, Student Laptops" in text_of(client.get("/organisation"))
    assert [category.slug for category in reloaded(Vendor, rep.organisation.id).categories] == [
        "security",
        "student-laptops",
    ]
    assert profile_events()[-1].after["categories"] == ["security", "student-laptops"]
    refused = client.post("/organisation/edit", data=vendor_form(regions, category_ids=["999999"]))
    assert refused.status_code == 422
    assert feedback_for(refused, "category_ids") == "Choose the categories you sell from the list."
