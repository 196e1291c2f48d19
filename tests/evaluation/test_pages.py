"""The scoring page: a table of bids × criteria and a form per bid; sealed before the opening."""

from __future__ import annotations

import sqlalchemy as sa
from support import text_of

from coop.evaluation.models import BidScore
from coop.extensions import db
from coop.rfps.models import RfpStatus


def form_data(bid, quality, quality_comment, service="40", service_comment="Next-day replacement."):
    prefix = f"bid{bid.id}-"
    return {
        f"{prefix}points_quality": quality,
        f"{prefix}comment_quality": quality_comment,
        f"{prefix}points_service": service,
        f"{prefix}comment_service": service_comment,
    }


def test_the_page_of_a_bid_not_yet_opened_does_not_exist(client, log_in, admin, closed, make_bid):
    bid = make_bid(closed, "Acme Devices")
    log_in(admin)
    assert client.get(f"/admin/rfps/{closed.id}/evaluation").status_code == 404
    response = client.post(f"/admin/rfps/{closed.id}/evaluation/bids/{bid.id}", data=form_data(bid, "60", "Ok."))
    assert response.status_code == 404
    assert db.session.scalars(sa.select(BidScore)).all() == []
    # The RFP's page says nothing of an evaluation either.
    assert "evaluation-link" not in client.get(f"/admin/rfps/{closed.id}").get_data(as_text=True)


def test_the_administrator_scores_a_bid_and_sees_its_evaluation(client, log_in, admin, bids, opened, table_rows):
    log_in(admin)
    manage = client.get(f"/admin/rfps/{opened.id}").get_data(as_text=True)
    assert f'href="/admin/rfps/{opened.id}/evaluation"' in manage and "4 scores still to give" in manage
    page = client.get(f"/admin/rfps/{opened.id}/evaluation")
    assert page.status_code == 200
    assert table_rows(page, "scores") == ["Acme Devices — — — —", "Birch Computing — — — —"]

    response = client.post(
        f"/admin/rfps/{opened.id}/evaluation/bids/{bids['birch'].id}",
        data=form_data(bids["birch"], "60", "Meets the specification."),
        follow_redirects=True,
    )
    assert f"The scores of bid {bids['birch'].id} are saved." in text_of(response)
    # S = (25×60 + 15×40) / 40 = 52.5; f = 1 + (40/60) × 47.5/100 = 1.316667.
    assert table_rows(response, "scores")[1] == (
        "Birch Computing 60 40 52.5 1.316667 Scored 52.5 of 100 on the "
        "non-price criteria, below this RFP's minimum of 60."
    )


def test_errors_show_on_their_fields_and_nothing_is_saved(client, log_in, admin, bids, opened):
    log_in(admin)
    response = client.post(
        f"/admin/rfps/{opened.id}/evaluation/bids/{bids['acme'].id}",
        data=form_data(bids["acme"], "70", "", service="120"),
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    form = html.split(f'id="score-form-{bids["acme"].id}"', 1)[1].split("</form>", 1)[0]
    for field, message in [
        ("comment_quality", "Explain the score on “Quality of the offer” in a comment."),
        ("points_service", "Give “Service and support” a whole number of points from 0 to 100."),
    ]:
        after_field = form.split(f'id="bid{bids["acme"].id}-{field}"', 1)[1].split("</fieldset>", 1)[0]
        assert (
            f'<div class="invalid-feedback d-block">{message}</div>' in after_field.split('<div class="col-md-9">')[0]
        )
    assert db.session.scalars(sa.select(BidScore)).all() == []


def test_once_awarded_the_scores_are_shown_and_no_longer_editable(client, log_in, admin, bids, opened):
    opened.status = RfpStatus.AWARDED
    db.session.commit()
    log_in(admin)
    page = client.get(f"/admin/rfps/{opened.id}/evaluation")
    assert f"{opened.reference} is awarded: its scores are final and can no longer be changed." in text_of(page)
    assert 'id="score-form-' not in page.get_data(as_text=True)
    response = client.post(
        f"/admin/rfps/{opened.id}/evaluation/bids/{bids['acme'].id}",
        data=form_data(bids["acme"], "60", "Ok."),
        follow_redirects=True,
    )
    assert f"{opened.reference} is awarded: its scores are final and can no longer be changed." in text_of(response)
    assert db.session.scalars(sa.select(BidScore)).all() == []


def test_the_scoring_form_is_labelled_for_keyboard_and_screen_reader_users(client, log_in, admin, bids, opened):
    log_in(admin)
    html = client.get(f"/admin/rfps/{opened.id}/evaluation").get_data(as_text=True)
    field = f"bid{bids['acme'].id}-points_quality"
    assert f'<label class="form-label" for="{field}">Quality of the offer: points (0 to 100)</label>' in html
    assert "<legend" in html and "<caption>" in html
