"""The demo's sealed bids: drafts and submitted bids on the open RFP, and an RFP opened with its public tabulation."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from demo_cooperative import EVERGREEN, HIGH_DESERT, NORTHWEST, WILLAMETTE, bids_on, demo_rfp, user
from support import text_of

from coop import clock
from coop.audit.models import AuditEvent
from coop.audit.services import verify_chain
from coop.bids import services as bid_services
from coop.bids.models import Bid, BidStatus, PricingKind
from coop.demo import data
from coop.demo import rfps as demo_rfps
from coop.demo.bids import spec_sheet_pdf
from coop.demo.services import load_demo
from coop.extensions import db
from coop.rfps.models import Rfp


def test_the_open_rfp_has_two_submitted_bids_and_a_draft_all_before_the_deadline(demo):
    rfp = demo_rfp(demo_rfps.OPEN)
    bids = bids_on(rfp)
    assert {vendor: bid.status for vendor, bid in bids.items()} == {
        EVERGREEN: BidStatus.SUBMITTED,
        HIGH_DESERT: BidStatus.SUBMITTED,
        WILLAMETTE: BidStatus.DRAFT,
    }
    for bid in bids.values():
        assert rfp.published_at < bid.updated_at < clock.utcnow() < rfp.bid_deadline
    for vendor in (EVERGREEN, HIGH_DESERT):
        bid = bids[vendor]
        assert bid.submitted_at is not None and bid.content_sha256 == bid_services.content_sha256(bid)
    assert bids[WILLAMETTE].submitted_at is None

    evergreen, high_desert = bids[EVERGREEN], bids[HIGH_DESERT]
    assert {line.pricing_kind for line in evergreen.lines} == {PricingKind.ALL_UNITS}
    assert PricingKind.INCREMENTAL in {line.pricing_kind for line in high_desert.lines}
    assert [(b.min_value_cents, str(b.percent)) for b in evergreen.discount_brackets] == [
        (40_000_000, "1.50"),
        (60_000_000, "2.50"),
    ]
    chromebooks = next(line for line in high_desert.lines if line.rfp_line.item.code == "CB-11-8-64")
    assert (chromebooks.capacity, chromebooks.min_award_quantity) == (900, 200)
    assert chromebooks.capacity < chromebooks.rfp_line.quantity  # the award round will need a second vendor
    assert {region.code for region in chromebooks.regions} == {"central", "south"}  # where High Desert delivers
    for bid in bids.values():
        for line in bid.lines:
            tier_prices = [tier.unit_price_cents for tier in line.tiers]
            assert 250_00 <= min(tier_prices) <= max(tier_prices) <= 400_00, (bid.vendor.name, line.product)


def test_the_headline_vendor_s_bid_carries_a_pdf_spec_sheet_and_its_receipt(demo, app, log_in):
    rfp = demo_rfp(demo_rfps.OPEN)
    evergreen = bids_on(rfp)[EVERGREEN]
    [attachment] = evergreen.attachments
    stored = Path(app.config["COOP_UPLOAD_DIR"]) / "bids" / attachment.stored_name
    content = stored.read_bytes()
    assert content.startswith(b"%PDF-") and hashlib.sha256(content).hexdigest() == attachment.sha256
    assert attachment.filename.endswith(".pdf") and attachment.size_bytes == len(content)

    client = log_in(user(data.HEADLINE_VENDOR_EMAIL))
    mine = text_of(client.get("/bids"))
    assert rfp.reference in mine and evergreen.content_sha256[:16] in mine  # the list shows the receipt's start
    page = client.get(f"/rfps/{rfp.reference}/bid")
    assert page.status_code == 200
    assert evergreen.content_sha256 in text_of(page) and attachment.filename in text_of(page)
    with client.get(f"/bids/attachments/{attachment.key}") as download:  # closes the file sent
        assert download.status_code == 200 and download.data == content


def test_the_demo_keeps_the_open_rfp_s_bids_sealed(demo, client, log_in):
    rfp = demo_rfp(demo_rfps.OPEN)
    bids = bids_on(rfp)
    products = [line.product for bid in bids.values() for line in bid.lines]
    board = text_of(client.get(f"/rfps/{rfp.reference}"))
    assert "Student Chromebooks" in board
    # Evergreen asked the public question, anonymously; the others only bid. No page names them, nor shows a product.
    for leak in (EVERGREEN, HIGH_DESERT, WILLAMETTE, "highdesert-digital", "willamette-networks", *products):
        assert leak not in board, leak
    assert client.get(f"/rfps/{rfp.reference}/tabulation").status_code == 404

    admin = log_in(user(data.ADMIN.email))
    admin_page = text_of(admin.get(f"/admin/rfps/{rfp.id}"))
    assert rfp.reference in admin_page
    for leak in (HIGH_DESERT, WILLAMETTE, *products):
        assert leak not in admin_page, leak
    [attachment] = bids[EVERGREEN].attachments
    assert admin.get(f"/bids/attachments/{attachment.key}").status_code == 404

    # A rival vendor does not see Evergreen's bid either.
    rival = log_in(user("sales@willamette-networks.example"))
    assert rival.get(f"/bids/attachments/{attachment.key}").status_code == 404
    assert bids[EVERGREEN].content_sha256[:16] not in text_of(rival.get("/bids"))


def test_the_licences_rfp_was_opened_after_its_deadline_with_one_bid_withdrawn_and_one_set_aside(demo):
    rfp = demo_rfp(demo_rfps.LICENCES)
    assert rfp.title == "Device management and web filtering licences for the 2026-27 school year"
    assert rfp.published_at < rfp.bid_deadline < rfp.opened_at < clock.utcnow()
    bids = bids_on(rfp)
    assert {vendor: bid.status for vendor, bid in bids.items()} == {
        NORTHWEST: BidStatus.SUBMITTED,
        EVERGREEN: BidStatus.SUBMITTED,
        HIGH_DESERT: BidStatus.WITHDRAWN,
        WILLAMETTE: BidStatus.DRAFT,
    }
    assert all(rfp.published_at < bid.updated_at < rfp.bid_deadline for bid in bids.values())
    assert bids[HIGH_DESERT].withdrawn_at is not None
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.rfp_id == rfp.id).order_by(AuditEvent.id)).all()
    set_aside = [event.entity_id for event in events if event.action == "bid.set_aside"]
    assert set_aside == [bids[WILLAMETTE].id]
    [opening] = [event for event in events if event.action == "rfp.bids_opened"]
    assert (opening.after["submitted"], opening.after["set_aside"], opening.after["withdrawn"]) == (2, 1, 1)
    assert opening.actor_user_id == user(data.ADMIN.email).id


def test_the_public_tabulation_shows_the_submitted_bids_priced_at_the_pooled_quantities(demo, client):
    rfp = demo_rfp(demo_rfps.LICENCES)
    response = client.get(f"/rfps/{rfp.reference}/tabulation")
    assert response.status_code == 200
    page = text_of(response)
    assert "2 submitted bids" in page
    assert NORTHWEST in page and EVERGREEN in page
    assert HIGH_DESERT not in page and WILLAMETTE not in page
    # Evergreen's Chromebook licence reaches its last tier ($28.75 from 1,200) at the pooled quantity.
    line = next(line for line in rfp.lines if line.item.code == "CBM-DEV-LIFE")
    assert line.quantity >= 1_200
    cents = line.quantity * 28_75
    assert f"${cents // 100:,}.{cents % 100:02d}" in page
    assert "2% off from $50,000.00; 3% off from $75,000.00" in page
    export = client.get(f"/rfps/{rfp.reference}/tabulation.csv")
    assert export.status_code == 200 and NORTHWEST in export.get_data(as_text=True)


def test_every_demo_rfp_s_audit_chain_is_intact_with_the_bids_on_it(demo):
    rfps = db.session.scalars(sa.select(Rfp)).all()
    assert len(rfps) == 6
    for rfp in rfps:
        assert verify_chain(rfp.id).first_broken_event_id is None, rfp.reference
    bid_actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("bid.%"))).all()
    assert {
        "bid.created",
        "bid.saved",
        "bid.submitted",
        "bid.withdrawn",
        "bid.attachment_added",
        "bid.set_aside",
    } <= set(bid_actions)


def test_a_second_load_if_empty_leaves_the_bids_as_they_are(demo, app):
    before = {(bid.id, bid.status, bid.revision) for bid in db.session.scalars(sa.select(Bid))}
    result = app.test_cli_runner().invoke(args=["demo", "load", "--if-empty"])
    assert result.exit_code == 0 and result.output.startswith("Demo not loaded:")
    db.session.expire_all()
    assert {(bid.id, bid.status, bid.revision) for bid in db.session.scalars(sa.select(Bid))} == before


@pytest.mark.parametrize("moment", [datetime(2031, 1, 3, 2, 30, tzinfo=UTC), datetime(2029, 7, 15, 23, 59, tzinfo=UTC)])
def test_the_demo_loads_on_any_date_its_history_dated_back_from_it(moment):
    # Early January puts the licences RFP in the previous year; just before midnight, today's moments are still past.
    with clock.replaying(moment):
        summary = load_demo()
        assert [status for _, status, _ in summary.rfps] == [
            "awarded",
            "opened",
            "closed",
            "open",
            "committing",
            "draft",
        ]
        assert demo_rfp(demo_rfps.OPEN).bid_deadline > clock.utcnow()
    pooled_on = moment.date() - timedelta(days=75)
    assert summary.rfps[0][0] == f"RFP-{pooled_on.year}-0001"


def test_the_spec_sheet_is_a_pdf_whose_cross_references_point_at_its_objects():
    document = spec_sheet_pdf(("Model (CS-1186)", "Back\\slash"))
    assert document.startswith(b"%PDF-1.4\n") and document.endswith(b"%%EOF\n")
    assert b"(Model \\(CS-1186\\)) Tj" in document and b"(Back\\\\slash) Tj" in document
    xref_at = int(re.search(rb"startxref\n(\d+)\n", document).group(1))
    assert document[xref_at:].startswith(b"xref\n0 6\n")
    offsets = [int(entry) for entry in re.findall(rb"(\d{10}) 00000 n ", document[xref_at:])]
    assert [document[offset:].split(b"\n", 1)[0] for offset in offsets] == [
        b"%d 0 obj" % number for number in range(1, 6)
    ]
