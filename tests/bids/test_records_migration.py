"""The revision that brings bids' records and attachment keys gives them to the bids and attachments already there."""

from __future__ import annotations

import re

from flask_migrate import downgrade, upgrade

from coop.bids import queries, services
from coop.demo.bids import spec_sheet_pdf
from coop.extensions import db

PDF = spec_sheet_pdf(("Acme Book 11 G3",))


def test_bids_submitted_before_the_revision_get_their_record_and_attachments_a_key(
    committed_db, rfp, vendor_user, other_vendor_user, bid_input, now
):
    services.save_bid(vendor_user, rfp.reference, bid_input(rfp, discounts=(("250000", "2.5"),)), revision=None)
    services.add_attachment(vendor_user, rfp.reference, "spec.pdf", PDF, revision=2)
    services.submit_bid(vendor_user, rfp.reference, revision=3)
    services.save_bid(other_vendor_user, rfp.reference, bid_input(rfp, region_codes=("north",)), revision=None)
    rfp_id, submitter, drafter = rfp.id, vendor_user.organisation.id, other_vendor_user.organisation.id
    db.session.remove()

    downgrade(revision="781e9489b786")
    upgrade()

    submitted, draft = queries.own_bid(rfp_id, submitter), queries.own_bid(rfp_id, drafter)
    assert submitted.submitted_content == services.content(submitted)
    assert submitted.submitted_content["vendor"] == "Evergreen Learning"
    assert draft.submitted_content is None
    [attachment] = submitted.attachments
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", attachment.key)
