"""Numbers no row can have, in the URLs of questions and addenda: a 404 page, never a database error."""

from __future__ import annotations

import pytest
from support import HUGE_NUMBERS, NOT_FOUND, text_of


@pytest.mark.parametrize("number", HUGE_NUMBERS)
def test_an_addendum_number_that_cannot_exist_is_not_found(client, rfp, number):
    response = client.get(f"/rfps/{rfp.reference}/addenda/{number}")
    assert response.status_code == 404
    assert NOT_FOUND in text_of(response)


@pytest.mark.parametrize("number", HUGE_NUMBERS)
@pytest.mark.parametrize("path", ["/admin/questions/{number}", "/admin/rfps/{number}/addenda"])
def test_a_question_or_rfp_id_that_cannot_exist_is_not_found(log_in, admin, path, number):
    response = log_in(admin).get(path.format(number=number))
    assert response.status_code == 404
    assert NOT_FOUND in text_of(response)
