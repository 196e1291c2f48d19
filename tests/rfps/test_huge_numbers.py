"""Numbers no row can have, in an RFP's URLs: a 404 page, never a database error."""

from __future__ import annotations

import pytest
from support import HUGE_NUMBERS, NOT_FOUND, text_of

from coop.rfps.forms import WINDOW_DAYS_RANGE


@pytest.mark.parametrize("number", HUGE_NUMBERS)
@pytest.mark.parametrize("kind", ["html", "pdf"])
def test_a_document_version_that_cannot_exist_is_not_found(client, make_rfp, number, kind):
    rfp = make_rfp()
    response = client.get(f"/rfps/{rfp.reference}/document.{kind}?version={number}")
    assert response.status_code == 404
    assert NOT_FOUND in text_of(response)


@pytest.mark.parametrize("version", ["0", "-1", "1.0", "one", "1e3", " 1"])
def test_a_document_version_that_is_not_a_version_number_is_not_found(client, make_rfp, version):
    rfp = make_rfp()
    response = client.get(f"/rfps/{rfp.reference}/document.html", query_string={"version": version})
    assert response.status_code == 404
    assert NOT_FOUND in text_of(response)


def test_a_stored_version_and_the_latest_are_still_shown(client, make_rfp):
    rfp = make_rfp()
    assert client.get(f"/rfps/{rfp.reference}/document.html?version=1").get_data(as_text=True) == "<p>version 1</p>"
    assert client.get(f"/rfps/{rfp.reference}/document.html?version=").get_data(as_text=True) == "<p>version 1</p>"


@pytest.mark.parametrize("number", HUGE_NUMBERS)
def test_an_rfp_id_that_cannot_exist_is_not_found(log_in, admin, number):
    response = log_in(admin).get(f"/admin/rfps/{number}")
    assert response.status_code == 404
    assert NOT_FOUND in text_of(response)


@pytest.mark.parametrize("page", HUGE_NUMBERS)
def test_a_page_of_the_rfp_list_that_cannot_exist_is_not_found(log_in, admin, page):
    response = log_in(admin).get("/admin/rfps", query_string={"page": page})
    assert response.status_code == 404
    assert NOT_FOUND in text_of(response)


@pytest.mark.parametrize("window_days", ["9" * 400, "-" + "9" * 400])
def test_a_pooling_window_beyond_any_number_is_refused_on_its_field(log_in, admin, window_days):
    # 309 digits and more is beyond what a float holds, where the range check compares it.
    response = log_in(admin).get("/admin/rfps/pool", query_string={"window_days": window_days})
    assert response.status_code in (200, 422)
    assert WINDOW_DAYS_RANGE in text_of(response)
