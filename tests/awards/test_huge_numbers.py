"""Round numbers no round can have, in the compare page's query: a 404 page, never a database error."""

from __future__ import annotations

import pytest
from support import HUGE_NUMBERS, NOT_FOUND, text_of


@pytest.mark.parametrize("number", HUGE_NUMBERS)
@pytest.mark.parametrize("query", ["a={number}&b=1", "a=1&b={number}"])
def test_comparing_a_round_number_that_cannot_exist_is_not_found(log_in, admin, opened_rfp, number, query):
    response = log_in(admin).get(f"/admin/rfps/{opened_rfp.id}/rounds/compare?{query.format(number=number)}")
    assert response.status_code == 404
    assert NOT_FOUND in text_of(response)
