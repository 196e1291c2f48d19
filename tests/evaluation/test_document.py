"""One method, stated by the RFP document: lowest evaluated cost, the criteria, the minimum, the formula, an example."""

from __future__ import annotations

import html as html_lib
from datetime import date

import pytest
import sqlalchemy as sa
from library_copy import copy_library, edit
from support import text_of

from coop.audit.models import AuditEvent
from coop.errors import Refusal
from coop.extensions import db
from coop.rfps import queries, services
from coop.rfps.template_library import TemplateError, load_library

LAPTOP_SPEC = {"screen_in": "11.6", "ram_gb": 8, "storage_gb": 64, "battery_hours": 10, "warranty_years": 3}


@pytest.fixture
def draft(admin, make_district, make_region, make_item, make_need):
    """A draft laptop RFP pooling two districts' needs, from the student-laptops template (price 50, others 50)."""
    north = make_region("north", "North")
    item = make_item("LAPTOP-14", category="student-laptops", name="14-inch student laptop", spec=LAPTOP_SPEC)
    needs = [
        make_need(make_district(name, region=north), item=item, quantity=quantity)
        for name, quantity in (("Lakeview SD", 40), ("Riverside USD", 60))
    ]
    return services.create_rfp(
        admin,
        services.PoolInput(
            category_id=item.category_id,
            need_ids=[need.id for need in needs],
            template_key="student-laptops",
            title="Student laptops 2027",
            tco_years=4,
        ),
    )


def details(rfp, **changes) -> services.DetailsInput:
    values = {
        "title": rfp.title,
        "tco_years": rfp.tco_years,
        "erate_eligible": False,
        "form470_number": None,
        "form470_date": None,
        "weights": {},
    }
    return services.DetailsInput(**{**values, **changes})


def document_text(client, log_in, admin, rfp) -> str:
    log_in(admin)
    return html_lib.unescape(text_of(client.get(f"/rfps/{rfp.reference}/document.html")))


def test_an_rfp_starts_with_its_templates_minimum_score(draft):
    assert draft.terms["evaluation"] == {"minimum_score": 60}
    assert queries.minimum_score(draft) == 60


def test_the_document_states_one_method(client, log_in, admin, draft):
    text = document_text(client, log_in, admin, draft)
    assert (
        "the cooperative awards each line at the lowest evaluated cost: the total cost of ownership adjusted by "
        "the bid's score on the non-price criteria, as section 4 states. Districts pay the prices offered, never "
        "evaluated costs."
    ) in text
    assert "lowest total cost of ownership" not in text
    assert (
        "4. Evaluation Criterion Weight Total cost of ownership (price and support over the term) 50% "
        "Meeting or exceeding the specification 20% Warranty, repair turnaround and support 20% "
        "Delivery schedule and imaging services 10%"
    ) in text
    assert (
        "A bid's non-price score S is the average of its points weighted by the criteria's weights "
        "(Meeting or exceeding the specification 20, Warranty, repair turnaround and support 20, "
        "Delivery schedule and imaging services 10), rounded to two decimal places."
    ) in text
    assert (
        "Minimum score: a bid whose non-price score is below 60 of 100 is set aside with the reason and is not awarded."
    ) in text
    assert (
        "With the price weight W p = 50 and the non-price weights adding up to W n = 50, a bid's evaluation factor "
        "is f = 1 + (W n / W p ) × (100 − S) / 100 , here f = 1 + 1 × (100 − S) / 100, and an offer's "
        "evaluated cost = TCO × f ."
    ) in text
    assert "The factor is rounded to six decimal places and the evaluated cost to the cent, each half up." in text
    assert (
        "Bid TCO Score S Factor f Evaluated cost A $100,000.00 90 1.1 $110,000.00 B $95,000.00 75 1.25 $118,750.00"
    ) in text
    assert "Bid A is awarded: its TCO is higher, but its evaluated cost is lower." in text
    # The template's own scope section (section 5) says the same.
    assert (
        "5. Scope The cooperative seeks pricing for 100 student computing devices for 2 member districts, "
        "awarded by line to the offers with the lowest evaluated cost: the total cost of ownership over 4 years "
        "adjusted by the non-price score, as section 4 states."
    ) in text


def test_the_minimum_score_is_set_with_the_rfp_audited_and_printed(client, log_in, admin, draft):
    services.update_details(admin, draft.id, details(draft, minimum_score=70))
    assert queries.minimum_score(queries.rfp(draft.id)) == 70
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "rfp.details_changed")).one()
    assert (event.before["terms"]["evaluation"], event.after["terms"]["evaluation"]) == (
        {"minimum_score": 60},
        {"minimum_score": 70},
    )
    assert "is below 70 of 100 is set aside" in document_text(client, log_in, admin, draft)


@pytest.mark.parametrize("minimum", [-1, 101, True])
def test_a_minimum_score_out_of_range_is_refused(admin, draft, minimum):
    with pytest.raises(Refusal) as refused:
        services.update_details(admin, draft.id, details(draft, minimum_score=minimum, title="Changed"))
    assert (refused.value.message, refused.value.field) == (
        "The minimum non-price score must be a whole number from 0 to 100.",
        "minimum_score",
    )
    assert queries.rfp(draft.id).title == "Student laptops 2027"


def test_the_details_form_shows_a_bad_minimum_on_its_field(client, log_in, admin, draft):
    log_in(admin)
    response = client.post(
        f"/admin/rfps/{draft.id}/details",
        data={
            "details-title": draft.title,
            "details-tco_years": "4",
            "details-weight_price": "50",
            "details-weight_specification": "20",
            "details-weight_warranty": "20",
            "details-weight_delivery": "10",
            "details-minimum_score": "150",
        },
    )
    assert response.status_code == 422
    after_field = response.get_data(as_text=True).split('id="details-minimum_score"', 1)[1]
    assert "The minimum non-price score must be a whole number from 0 to 100." in after_field.split("</form>")[0]
    assert queries.minimum_score(queries.rfp(draft.id)) == 60


def test_under_e_rate_the_document_keeps_price_the_heaviest(client, log_in, admin, draft):
    services.update_details(
        admin, draft.id, details(draft, erate_eligible=True, form470_number="260012345", form470_date=date(2026, 3, 1))
    )
    text = document_text(client, log_in, admin, draft)
    assert (
        "Price is the most heavily weighted evaluation criterion (50%), and the evaluated cost of section 4 "
        "applies it with that weight."
    ) in text


def test_an_rfp_with_price_alone_says_it_is_awarded_on_tco(client, log_in, admin, draft):
    services.update_details(
        admin, draft.id, details(draft, weights={"price": 70, "specification": 10, "warranty": 10, "delivery": 10})
    )
    rfp = queries.rfp(draft.id)
    rfp.terms = {**rfp.terms, "criteria": [{"key": "price", "label": "Total cost of ownership", "weight": 100}]}
    db.session.commit()
    text = document_text(client, log_in, admin, rfp)
    assert (
        "This RFP has no non-price criterion: each line is awarded at the lowest total cost of ownership over "
        "4 years (every bid's evaluation factor is 1)."
    ) in text


# --- the templates ----------------------------------------------------------------------------------------------------


def test_every_shipped_template_has_a_minimum_score_and_no_scope_awarding_on_tco_alone():
    library = load_library()
    assert {template.minimum_score for template in library.values()} == {60}
    for template in library.values():
        for section in template.sections:
            assert "lowest total cost" not in section.body, template.key


def test_a_bad_evaluation_table_or_an_e_rate_template_weighing_price_less_is_refused(tmp_path):
    library = copy_library(tmp_path)
    edit(library / "tablets.toml", "minimum_score = 60", "minimum_score = 101")
    edit(library / "cabling.toml", "[evaluation]\n", "[assessment]\n")
    # Firewalls serve E-Rate: price 40 beside specification 35; make specification 45 and support 15.
    edit(library / "firewalls.toml", "weight = 35", "weight = 45")
    edit(library / "firewalls.toml", "weight = 25", "weight = 15")
    with pytest.raises(TemplateError) as raised:
        load_library(library)
    assert raised.value.errors == [
        "cabling.toml: assessment: unknown key",
        "cabling.toml: evaluation: must be a table with minimum_score",
        "firewalls.toml: criteria: an E-Rate template must weigh price most: price weighs 40 and 'specification' "
        "weighs 45",
        "tablets.toml: evaluation.minimum_score: must be a whole number from 0 to 100",
    ]
