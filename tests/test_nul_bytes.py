"""A NUL byte in a request's text (PostgreSQL's text cannot hold one): refused, naming the field, and nothing changes."""

from __future__ import annotations

import html

import pytest
import sqlalchemy as sa
from support import text_of

from coop.clarifications.models import Question
from coop.extensions import db
from coop.needs.models import Need


def page_text(response) -> str:
    return html.unescape(text_of(response))


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_need_with_a_nul_byte_in_its_notes_is_refused_on_that_field_and_the_form_is_kept(client, log_in, scenario):
    users, _ = scenario
    needs = count(Need)
    item_id = db.session.scalars(sa.select(Need.item_id)).first()
    response = log_in(users["buyer"]).post(
        "/needs/new",
        data={"item_id": str(item_id), "quantity": "40", "needed_by": "2030-08-15", "spec_notes": "8 GB\x00 RAM"},
    )
    assert response.status_code == 422
    message = "Spec notes (optional) contains a NUL character (\\0), which no text may hold. Remove it and try again."
    page = page_text(response)
    assert page.count(message) == 1
    assert "Spec notes (optional)" in page.split(message)[0]
    html = response.get_data(as_text=True)
    assert 'class="invalid-feedback' in html and 'value="40"' in html and 'value="2030-08-15"' in html
    assert "spec_notes" not in page
    assert count(Need) == needs


def test_a_question_with_a_nul_byte_is_refused_on_its_field(client, log_in, scenario):
    users, values = scenario
    questions = count(Question)
    response = log_in(users["vendor"]).post(
        f"/rfps/{values['open_reference']}/questions/new",
        data={"text": "Is a 3-year\x00 warranty acceptable for line 1?"},
    )
    assert response.status_code == 422
    assert page_text(response).count("Your question contains a NUL character (\\0)") == 1
    assert count(Question) == questions


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/rfps/RFP%00", "reference"),
        ("/admin/organisations?status=%00", "status"),
        ("/admin/outbox?state=sent%00", "state"),
    ],
)
def test_a_nul_byte_in_a_link_is_refused(client, log_in, scenario, path, name):
    users, _ = scenario
    response = log_in(users["admin"]).get(path)
    assert response.status_code == 400
    assert f'The field "{name}" contains a NUL character (\\0)' in page_text(response)
