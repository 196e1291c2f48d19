"""A district buyer posts, edits and withdraws needs on the web form; every change is audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from support import text_of

from coop import clock
from coop.audit.models import AuditEvent
from coop.audit.services import verify_chain
from coop.errors import Refusal
from coop.extensions import db
from coop.needs import services
from coop.needs.models import Need, NeedStatus


def days_ahead(days: int):
    return clock.today() + timedelta(days=days)


def need_form(item, **overrides) -> dict:
    form = {
        "item_id": str(item.id),
        "quantity": "40",
        "needed_by": days_ahead(60).isoformat(),
        "budget_cap": "12,500.50",
        "erate_eligible": "y",
        "spec_notes": "8 GB RAM, spill-resistant keyboard",
    }
    form.update(overrides)
    return {key: value for key, value in form.items() if value is not None}


def audit_actions() -> list[tuple[str, int | None]]:
    return [
        (event.action, event.entity_id)
        for event in db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.entity_type == "need").order_by(AuditEvent.id)
        )
    ]


def only_need() -> Need:
    db.session.expire_all()
    return db.session.scalars(sa.select(Need)).one()


# -- posting -------------------------------------------------------------------------------------------------------


def test_a_buyer_posts_a_need_and_sees_it_in_the_list(as_buyer, buyer, catalogue):
    laptop = catalogue["LAPTOP-14"]
    response = as_buyer.post("/needs/new", data=need_form(laptop), follow_redirects=True)
    assert response.status_code == 200
    page = text_of(response)
    assert "Your need for 40 × 14-inch student laptop is posted." in page
    assert (
        f"Open 14-inch student laptop LAPTOP-14 · Student Devices 40 {days_ahead(60).isoformat()} $12,500.50 Yes Edit Withdraw"
        in page
    )
    need = only_need()
    assert (
        need.district_id,
        need.item_id,
        need.quantity,
        need.needed_by,
        need.budget_cap_cents,
        need.erate_eligible,
        need.spec_notes,
        need.status,
        need.created_by_id,
    ) == (
        buyer.organisation.id,
        laptop.id,
        40,
        days_ahead(60),
        1_250_050,
        True,
        "8 GB RAM, spill-resistant keyboard",
        NeedStatus.OPEN,
        buyer.id,
    )
    assert audit_actions() == [("need.posted", need.id)]


def test_the_item_list_is_grouped_by_category_and_works_without_javascript(as_buyer, catalogue):
    html = as_buyer.get("/needs/new").get_data(as_text=True)
    assert (
        '<optgroup label="Network"><option value="'
        + str(catalogue["AP-WIFI6"].id)
        + '">AP-WIFI6 — Wi-Fi 6 access point</option></optgroup>'
        in html
    )
    assert '<optgroup label="Student Devices">' in html
    assert "<script" not in html.split("<main", 1)[1].split("</main>", 1)[0]


def test_no_budget_cap_and_no_e_rate_are_fine(as_buyer, catalogue):
    response = as_buyer.post(
        "/needs/new",
        data=need_form(catalogue["AP-WIFI6"], budget_cap="", erate_eligible=None, spec_notes=""),
        follow_redirects=True,
    )
    assert "Your need for 40 × Wi-Fi 6 access point is posted." in text_of(response)
    need = only_need()
    assert (need.budget_cap_cents, need.erate_eligible, need.spec_notes) == (None, False, "")


@pytest.mark.parametrize(
    ("overrides", "field_label", "message"),
    [
        ({"quantity": "0"}, "Quantity", "Quantity must be a whole number greater than 0."),
        ({"quantity": "-5"}, "Quantity", "Quantity must be a whole number greater than 0."),
        ({"quantity": "2.5"}, "Quantity", "Quantity must be a whole number greater than 0."),
        ({"quantity": "lots"}, "Quantity", "Quantity must be a whole number greater than 0."),
        ({"quantity": "1000001"}, "Quantity", "Quantity must be at most 1,000,000."),
        ({"quantity": ""}, "Quantity", "Enter a quantity."),
        ({"needed_by": ""}, "Needed by", "Enter the date the items are needed by."),
        ({"needed_by": "31/12/2030"}, "Needed by", "Enter the date as YYYY-MM-DD."),
        (
            {"budget_cap": "12.345"},
            "Budget cap in dollars (optional)",
            "Budget cap must be an amount in dollars, like 1250 or 1250.00 (at most 2 decimals).",
        ),
        (
            {"budget_cap": "-100"},
            "Budget cap in dollars (optional)",
            "Budget cap must be an amount in dollars, like 1250 or 1250.00 (at most 2 decimals).",
        ),
        (
            {"budget_cap": "about 5k"},
            "Budget cap in dollars (optional)",
            "Budget cap must be an amount in dollars, like 1250 or 1250.00 (at most 2 decimals).",
        ),
        (
            {"budget_cap": "100000000.01"},
            "Budget cap in dollars (optional)",
            "Budget cap must be at most $100,000,000.",
        ),
        ({"item_id": "0"}, "Item", "Choose an item from the catalogue."),
        ({"item_id": "999999"}, "Item", "Choose an item from the catalogue."),
        ({"spec_notes": "x" * 2001}, "Spec notes (optional)", "Spec notes must be at most 2,000 characters."),
    ],
)
def test_a_bad_field_is_named_next_to_it_and_nothing_is_posted(as_buyer, catalogue, overrides, field_label, message):
    response = as_buyer.post("/needs/new", data=need_form(catalogue["LAPTOP-14"], **overrides))
    assert response.status_code == 422
    page = text_of(response)
    # The message follows its field's label and input, as Bootstrap's invalid-feedback renders it.
    assert f"{field_label}" in page.split(message)[0]
    assert page.count(message) == 1
    assert 'class="invalid-feedback' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Need)) == 0
    assert audit_actions() == []


def test_a_needed_by_date_in_the_past_is_refused(as_buyer, catalogue):
    yesterday = clock.today() - timedelta(days=1)
    response = as_buyer.post("/needs/new", data=need_form(catalogue["LAPTOP-14"], needed_by=yesterday.isoformat()))
    assert response.status_code == 422
    assert f"{yesterday.isoformat()} is in the past; the needed-by date must be today or later." in text_of(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Need)) == 0


@pytest.mark.parametrize("needed_by", ["9999-12-31", "LATEST+1"])
def test_a_needed_by_date_more_than_five_years_ahead_is_refused_on_its_field(as_buyer, catalogue, needed_by):
    latest = clock.latest_date_ahead(clock.today())
    if needed_by == "LATEST+1":
        needed_by = (latest + timedelta(days=1)).isoformat()
    response = as_buyer.post("/needs/new", data=need_form(catalogue["LAPTOP-14"], needed_by=needed_by))
    assert response.status_code == 422
    message = (
        f"{needed_by} is too far ahead; the needed-by date must be on or before {latest.isoformat()} "
        "(at most 5 years ahead)."
    )
    assert text_of(response).count(message) == 1
    assert "Needed by" in text_of(response).split(message)[0]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Need)) == 0


def test_the_day_five_years_ahead_is_a_valid_needed_by_date(as_buyer, catalogue):
    latest = clock.latest_date_ahead(clock.today())
    response = as_buyer.post("/needs/new", data=need_form(catalogue["LAPTOP-14"], needed_by=latest.isoformat()))
    assert response.status_code == 302
    assert only_need().needed_by == latest


def test_today_is_a_valid_needed_by_date(as_buyer, catalogue):
    response = as_buyer.post("/needs/new", data=need_form(catalogue["LAPTOP-14"], needed_by=clock.today().isoformat()))
    assert response.status_code == 302
    assert only_need().needed_by == clock.today()


def test_a_retired_item_cannot_be_chosen(as_buyer, catalogue):
    catalogue["LAPTOP-14"].active = False
    db.session.flush()
    assert "LAPTOP-14" not in text_of(as_buyer.get("/needs/new"))
    response = as_buyer.post("/needs/new", data=need_form(catalogue["LAPTOP-14"]))
    assert response.status_code == 422
    assert "Choose an item from the catalogue." in text_of(response)


# -- editing -------------------------------------------------------------------------------------------------------


def test_the_edit_form_shows_the_need_as_it_is(as_buyer, buyer, catalogue, make_need):
    need = make_need(buyer.organisation, item=catalogue["CHROMEBOOK-11"], quantity=120, budget_cap_cents=3_600_000)
    html = as_buyer.get(f"/needs/{need.id}/edit").get_data(as_text=True)
    assert f'<option selected value="{catalogue["CHROMEBOOK-11"].id}">' in html
    assert 'value="120"' in html
    assert 'value="36000.00"' in html


def test_a_buyer_edits_an_open_need_and_the_audit_log_keeps_before_and_after(as_buyer, buyer, catalogue, make_need):
    need = make_need(buyer.organisation, item=catalogue["LAPTOP-14"], quantity=40, needed_by=days_ahead(30))
    response = as_buyer.post(
        f"/needs/{need.id}/edit",
        data=need_form(
            catalogue["CHROMEBOOK-11"],
            quantity="55",
            needed_by=days_ahead(45).isoformat(),
            budget_cap="",
            erate_eligible=None,
            spec_notes="",
        ),
        follow_redirects=True,
    )
    page = text_of(response)
    assert "Your changes are saved." in page
    assert (
        f"Open 11-inch Chromebook CHROMEBOOK-11 · Student Devices 55 {days_ahead(45).isoformat()} — No Edit Withdraw"
        in page
    )
    edited = only_need()
    assert (edited.item_id, edited.quantity, edited.needed_by) == (catalogue["CHROMEBOOK-11"].id, 55, days_ahead(45))
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "need.edited")).one()
    assert (event.entity_id, event.actor_user_id) == (need.id, buyer.id)
    assert event.before == {
        "item_id": catalogue["LAPTOP-14"].id,
        "quantity": 40,
        "needed_by": days_ahead(30).isoformat(),
    }
    assert event.after == {
        "item_id": catalogue["CHROMEBOOK-11"].id,
        "quantity": 55,
        "needed_by": days_ahead(45).isoformat(),
    }
    assert verify_chain(None).intact


def test_an_edit_with_a_bad_quantity_changes_nothing(as_buyer, buyer, catalogue, make_need):
    need = make_need(buyer.organisation, item=catalogue["LAPTOP-14"], quantity=40)
    response = as_buyer.post(f"/needs/{need.id}/edit", data=need_form(catalogue["LAPTOP-14"], quantity="0"))
    assert response.status_code == 422
    assert "Quantity must be a whole number greater than 0." in text_of(response)
    assert only_need().quantity == 40
    assert audit_actions() == []


def test_a_need_keeps_its_retired_item_when_edited(as_buyer, buyer, catalogue, make_need):
    laptop = catalogue["LAPTOP-14"]
    need = make_need(buyer.organisation, item=laptop, quantity=40)
    laptop.active = False
    db.session.flush()
    response = as_buyer.post(f"/needs/{need.id}/edit", data=need_form(laptop, quantity="45"), follow_redirects=True)
    assert "Your changes are saved." in text_of(response)
    assert only_need().quantity == 45


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (NeedStatus.POOLED, "This need is pooled into an RFP and can no longer be changed."),
        (NeedStatus.COMMITTED, "This need is committed to an RFP and can no longer be changed."),
        (NeedStatus.AWARDED, "This need is awarded and can no longer be changed."),
        (NeedStatus.WITHDRAWN, "This need is withdrawn and can no longer be changed."),
    ],
)
def test_a_need_that_is_no_longer_open_cannot_be_edited(as_buyer, buyer, catalogue, make_need, status, message):
    need = make_need(buyer.organisation, item=catalogue["LAPTOP-14"], quantity=40, status=status)
    listing = text_of(as_buyer.get("/needs"))
    assert f"{status.value.capitalize()} 14-inch student laptop" in listing
    assert "Edit" not in listing.split("14-inch student laptop", 1)[1]
    for response in (
        as_buyer.get(f"/needs/{need.id}/edit", follow_redirects=True),
        as_buyer.post(
            f"/needs/{need.id}/edit", data=need_form(catalogue["LAPTOP-14"], quantity="99"), follow_redirects=True
        ),
    ):
        assert message in text_of(response)
    assert only_need().quantity == 40
    with pytest.raises(Refusal, match=message):
        services.edit_need(buyer, need.id, services.NeedInput(catalogue["LAPTOP-14"].id, 99, days_ahead(10)))
    assert audit_actions() == []


# -- withdrawing ---------------------------------------------------------------------------------------------------


def test_withdrawing_asks_for_confirmation_first(as_buyer, buyer, catalogue, make_need):
    need = make_need(buyer.organisation, item=catalogue["LAPTOP-14"], quantity=40)
    response = as_buyer.get(f"/needs/{need.id}/withdraw")
    assert response.status_code == 200
    assert "Withdraw this need?" in text_of(response)
    html = response.get_data(as_text=True)
    assert f'<form method="post" action="/needs/{need.id}/withdraw"' in html
    assert only_need().status == NeedStatus.OPEN


def test_a_buyer_withdraws_an_open_need(as_buyer, buyer, catalogue, make_need):
    need = make_need(buyer.organisation, item=catalogue["LAPTOP-14"], quantity=40)
    response = as_buyer.post(f"/needs/{need.id}/withdraw", follow_redirects=True)
    page = text_of(response)
    assert "Your need for 40 × 14-inch student laptop is withdrawn." in page
    assert "Withdrawn 14-inch student laptop" in page
    assert "Edit" not in page.split("Withdrawn 14-inch student laptop", 1)[1]
    assert only_need().status == NeedStatus.WITHDRAWN
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "need.withdrawn")).one()
    assert (event.entity_id, event.actor_user_id, event.before, event.after) == (
        need.id,
        buyer.id,
        {"status": "open"},
        {"status": "withdrawn"},
    )


def test_withdrawing_needs_the_csrf_token(app, as_buyer, buyer, catalogue, make_need, monkeypatch):
    need = make_need(buyer.organisation, item=catalogue["LAPTOP-14"])
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = as_buyer.post(f"/needs/{need.id}/withdraw")
    assert response.status_code == 400
    assert "CSRF" in text_of(response)
    assert only_need().status == NeedStatus.OPEN
    confirm = as_buyer.get(f"/needs/{need.id}/withdraw").get_data(as_text=True)
    token = confirm.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    assert as_buyer.post(f"/needs/{need.id}/withdraw", data={"csrf_token": token}).status_code == 302
    assert only_need().status == NeedStatus.WITHDRAWN


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (NeedStatus.POOLED, "This need is pooled into an RFP and can no longer be withdrawn."),
        (NeedStatus.COMMITTED, "This need is committed to an RFP and can no longer be withdrawn."),
        (NeedStatus.WITHDRAWN, "This need is already withdrawn."),
    ],
)
def test_a_need_that_is_no_longer_open_cannot_be_withdrawn(as_buyer, buyer, catalogue, make_need, status, message):
    need = make_need(buyer.organisation, item=catalogue["LAPTOP-14"], status=status)
    response = as_buyer.post(f"/needs/{need.id}/withdraw", follow_redirects=True)
    assert message in text_of(response)
    assert only_need().status == status
    with pytest.raises(Refusal, match=message):
        services.withdraw_need(buyer, need.id)
    assert audit_actions() == []


# -- the list and the detail page ------------------------------------------------------------------------------------


def test_the_list_shows_only_the_districts_own_needs_open_ones_first(
    as_buyer, buyer, catalogue, make_need, make_district, table_rows
):
    own = buyer.organisation
    make_need(own, item=catalogue["LAPTOP-14"], quantity=10, needed_by=days_ahead(20), status=NeedStatus.WITHDRAWN)
    make_need(own, item=catalogue["CHROMEBOOK-11"], quantity=3000, needed_by=days_ahead(90), budget_cap_cents=99_00)
    make_need(own, item=catalogue["AP-WIFI6"], quantity=12, needed_by=days_ahead(40), status=NeedStatus.POOLED)
    make_need(own, item=catalogue["LAPTOP-14"], quantity=25, needed_by=days_ahead(50), erate_eligible=True)
    make_need(make_district("Other SD"), item=catalogue["LAPTOP-14"], quantity=777)
    response = as_buyer.get("/needs")
    assert "2 open · 1 pooled · 1 withdrawn" in text_of(response)
    assert table_rows(response, "needs") == [
        f"Open 14-inch student laptop LAPTOP-14 · Student Devices 25 {days_ahead(50).isoformat()} — Yes Edit Withdraw",
        f"Open 11-inch Chromebook CHROMEBOOK-11 · Student Devices 3,000 {days_ahead(90).isoformat()} $99.00 No Edit Withdraw",
        f"Pooled Wi-Fi 6 access point AP-WIFI6 · Network 12 {days_ahead(40).isoformat()} — No",
        f"Withdrawn 14-inch student laptop LAPTOP-14 · Student Devices 10 {days_ahead(20).isoformat()} — No",
    ]


def test_a_new_district_is_told_how_to_start(as_buyer):
    page = text_of(as_buyer.get("/needs"))
    assert "Your district has no needs yet. Post a need or import them from a spreadsheet" in page


def test_the_detail_page_shows_the_need(as_buyer, buyer, catalogue, make_need):
    need = make_need(
        buyer.organisation,
        item=catalogue["LAPTOP-14"],
        quantity=1200,
        budget_cap_cents=36_000_000,
        erate_eligible=True,
        spec_notes="Backlit keyboard",
    )
    page = text_of(as_buyer.get(f"/needs/{need.id}"))
    assert (
        f"Need: 1,200 × 14-inch student laptop Status Open Item 14-inch student laptop (LAPTOP-14 · Student Devices) "
        f"Quantity 1,200 each Needed by {need.needed_by.isoformat()} Budget cap $360,000.00 E-Rate eligible Yes "
        f"Spec notes Backlit keyboard Edit Withdraw"
    ) in page


def test_a_long_list_is_paged(as_buyer, buyer, catalogue, make_need):
    for quantity in range(1, 106):
        make_need(buyer.organisation, item=catalogue["LAPTOP-14"], quantity=quantity)
    first = text_of(as_buyer.get("/needs"))
    assert "Page 1 of 2" in first
    second = text_of(as_buyer.get("/needs?page=2"))
    assert "Page 2 of 2" in second
    assert second.count("14-inch student laptop") == 5


# -- services ------------------------------------------------------------------------------------------------------


def test_the_service_refuses_what_the_form_would_let_through(buyer, catalogue):
    laptop = catalogue["LAPTOP-14"].id
    cases = [
        (services.NeedInput(laptop, 0, days_ahead(5)), "quantity", "Quantity must be a whole number greater than 0."),
        (services.NeedInput(laptop, 1_000_001, days_ahead(5)), "quantity", "Quantity must be at most 1,000,000."),
        (
            services.NeedInput(laptop, 5, clock.today() - timedelta(days=3)),
            "needed_by",
            f"{(clock.today() - timedelta(days=3)).isoformat()} is in the past; the needed-by date must be today or later.",
        ),
        (
            services.NeedInput(laptop, 5, days_ahead(5), budget_cap_cents=-1),
            "budget_cap",
            "Budget cap must be an amount in dollars, like 1250 or 1250.00 (at most 2 decimals).",
        ),
        (services.NeedInput(999_999, 5, days_ahead(5)), "item_id", "Choose an item from the catalogue."),
    ]
    for data, field, message in cases:
        with pytest.raises(Refusal) as caught:
            services.post_need(buyer, data)
        assert (caught.value.field, str(caught.value)) == (field, message)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Need)) == 0


def test_another_districts_need_is_not_found_by_the_services(buyer, make_buyer, catalogue, make_need):
    other = make_buyer()
    need = make_need(other.organisation, item=catalogue["LAPTOP-14"])
    db.session.commit()  # to the test's savepoint: each refused attempt rolls back only its own work
    for attempt in (
        lambda: services.own_need(buyer, need.id),
        lambda: services.withdraw_need(buyer, need.id),
        lambda: services.edit_need(buyer, need.id, services.NeedInput(catalogue["LAPTOP-14"].id, 1, days_ahead(9))),
    ):
        with pytest.raises(LookupError):
            attempt()
    db.session.expire_all()
    assert db.session.get(Need, need.id).status == NeedStatus.OPEN
