"""Ids that are not the RFP's, in the bid pages: a 404 page or a message, never an error, and nothing saved."""

from __future__ import annotations

import html as html_lib
import io

import pytest
from support import HUGE_NUMBERS, NOT_FOUND, text_of

from coop.bids import rules
from coop.extensions import db
from tests.bids.bid_form import PDF, form_fields, the_bid


@pytest.mark.parametrize("line_id", ["other RFP's", *HUGE_NUMBERS, "²", "", "line 1"])
def test_a_bid_on_a_line_of_another_rfp_is_refused_and_nothing_is_saved(
    log_in, rfp, make_rfp, vendor_user, bid_input, now, line_id
):
    other = make_rfp()
    db.session.commit()
    fields = form_fields(rfp, bid_input(rfp, line_nos=(1,)))
    fields["lines-0-rfp_line_id"] = str(other.lines[0].id) if line_id == "other RFP's" else line_id
    response = log_in(vendor_user).post(f"/rfps/{rfp.reference}/bid", data=fields)
    assert response.status_code == 422
    assert f"Nothing was saved. Correct the fields marked below, and: {rules.UNKNOWN_LINE}" in text_of(response)
    assert the_bid(rfp, vendor_user) is None


@pytest.mark.parametrize("number", HUGE_NUMBERS)
@pytest.mark.parametrize("path", ["/bids/attachments/{number}", "/rfps/{reference}/bid/attachments/{number}/remove"])
def test_an_attachment_id_that_cannot_exist_is_not_found(log_in, rfp, vendor_user, path, number):
    client = log_in(vendor_user)
    url = path.format(reference=rfp.reference, number=number)
    response = client.post(url, data={}) if url.endswith("/remove") else client.get(url)
    assert response.status_code == 404
    assert NOT_FOUND in text_of(response)


@pytest.mark.parametrize("quantity", ["9" * 5000, "99999999999999999999999"])
def test_a_tier_quantity_of_any_length_is_refused_next_to_its_field(log_in, rfp, vendor_user, bid_input, now, quantity):
    data = bid_input(rfp, line_nos=(1,), tiers=(("1", "300"), (quantity, "280")))
    response = log_in(vendor_user).post(f"/rfps/{rfp.reference}/bid", data=form_fields(rfp, data))
    assert response.status_code == 422
    html = html_lib.unescape(response.get_data(as_text=True))
    field = html.index('name="lines-0-tiers-1-min_quantity"')
    assert html.index(rules.TIER_QUANTITY_NOT_WHOLE, field) < html.index('name="lines-0-tiers-1-unit_price"')
    assert the_bid(rfp, vendor_user) is None


def test_a_revision_of_any_length_is_read_as_a_page_without_one(log_in, rfp, vendor_user, bid_input, now):
    client = log_in(vendor_user)
    assert client.post(f"/rfps/{rfp.reference}/bid", data=form_fields(rfp, bid_input(rfp))).status_code == 302
    response = client.post(
        f"/rfps/{rfp.reference}/bid/attachments",
        data={"revision": "9" * 5000, "file": (io.BytesIO(PDF), "Spec sheet.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert [attachment.filename for attachment in the_bid(rfp, vendor_user).attachments] == ["Spec sheet.pdf"]
