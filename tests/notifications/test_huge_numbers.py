"""A page number no outbox can have: a 404 page, never a database error."""

from __future__ import annotations

import pytest
from support import HUGE_NUMBERS, NOT_FOUND, text_of


@pytest.mark.parametrize("page", [*HUGE_NUMBERS, "0", "-1", "last"])
def test_a_page_number_that_cannot_exist_is_not_found(log_in, make_admin, page):
    response = log_in(make_admin()).get("/admin/outbox", query_string={"page": page})
    assert response.status_code == 404
    assert NOT_FOUND in text_of(response)
