"""Numbers no row can have, in the needs' URLs and spreadsheets: a 404 page or a message, never a database error."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from support import HUGE_NUMBERS, NOT_FOUND, text_of

from coop import clock
from coop.extensions import db
from coop.needs.models import Need


@pytest.mark.parametrize("number", HUGE_NUMBERS)
@pytest.mark.parametrize("path", ["/needs/{number}", "/needs/{number}/edit", "/needs/{number}/withdraw"])
def test_a_need_id_that_cannot_exist_is_not_found(as_buyer, path, number):
    response = as_buyer.get(path.format(number=number))
    assert response.status_code == 404
    assert NOT_FOUND in text_of(response)


@pytest.mark.parametrize("page", [*HUGE_NUMBERS, "0", "-1", "two", "1.5"])
def test_a_page_number_that_cannot_exist_is_not_found(as_buyer, page):
    response = as_buyer.get("/needs", query_string={"page": page})
    assert response.status_code == 404
    assert NOT_FOUND in text_of(response)


def test_a_page_past_the_last_one_is_an_empty_page(as_buyer, buyer, catalogue, make_need):
    make_need(buyer.organisation, item=catalogue["LAPTOP-14"])
    assert as_buyer.get("/needs", query_string={"page": str(2**31 - 1)}).status_code == 200


@pytest.mark.parametrize("budget", ["99999999999999999.99", "9" * 40])
def test_a_budget_cap_too_large_for_any_column_is_refused_on_its_line(upload, catalogue, csv_file, table_rows, budget):
    needed_by = (clock.today() + timedelta(days=30)).isoformat()
    content = csv_file(
        [["LAPTOP-14", "40", needed_by, "12500", "", ""], ["LAPTOP-14", "40", needed_by, budget, "", ""]]
    )
    response = upload("needs.csv", content)
    assert response.status_code == 422
    assert "Nothing was imported." in text_of(response)
    assert table_rows(response, "problem-list") == ["3 budget_cap Budget cap must be at most $100,000,000."]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Need)) == 0
