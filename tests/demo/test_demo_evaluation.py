"""The demo's RFPs past their deadline: the switches' bids sealed until someone opens them, and the scored opened RFPs."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from demo_cooperative import EVERGREEN, HIGH_DESERT, NORTHWEST, WILLAMETTE, bids_on, demo_rfp, user
from support import text_of

from coop import clock
from coop.audit.models import AuditEvent
from coop.audit.services import verify_chain
from coop.bids import services as bid_services
from coop.bids.models import BidStatus
from coop.demo import data
from coop.demo import rfps as demo_rfps
from coop.evaluated_cost import evaluated_cost
from coop.evaluation import queries as evaluation
from coop.extensions import db
from coop.rfps.models import RfpStatus
from coop.rfps.queries import effective_status

ROGUE_VALLEY = "Rogue Valley Security and Cabling"

SET_ASIDE = "Scored 47 of 100 on the non-price criteria, below this RFP's minimum of 60."


# --- The switches RFP: closed two days ago, its bids sealed --------------------------------------------------------


def test_the_switches_rfp_closed_two_days_ago_with_three_submitted_bids_and_a_draft_not_opened(demo):
    rfp = demo_rfp(demo_rfps.SWITCHES)
    now = clock.utcnow()
    assert effective_status(rfp, now) == RfpStatus.CLOSED and rfp.opened_at is None
    assert now - timedelta(days=3) < rfp.bid_deadline < now - timedelta(days=1)
    assert rfp.erate_eligible and rfp.form470_date + timedelta(days=28) <= rfp.bid_deadline.date()
    [line] = rfp.lines
    assert (line.item.code, line.quantity) == ("SW-24P-370", 46)
    assert len({link.need.district_id for link in line.pooled_needs}) == 6
    bids = bids_on(rfp)
    assert {vendor: bid.status for vendor, bid in bids.items()} == {
        WILLAMETTE: BidStatus.SUBMITTED,
        HIGH_DESERT: BidStatus.SUBMITTED,
        EVERGREEN: BidStatus.SUBMITTED,
        ROGUE_VALLEY: BidStatus.DRAFT,
    }
    assert all(rfp.published_at < bid.updated_at < rfp.bid_deadline for bid in bids.values())
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.rfp_id == rfp.id)).all()
    assert "rfp.bids_opened" not in actions and "bid.set_aside" not in actions
    assert verify_chain(rfp.id).intact


def test_nothing_public_or_on_the_administrator_s_pages_reveals_the_switches_bids(demo, client, log_in):
    rfp = demo_rfp(demo_rfps.SWITCHES)
    bids = bids_on(rfp)
    products = [line.product for bid in bids.values() for line in bid.lines]
    leaks = (EVERGREEN, HIGH_DESERT, WILLAMETTE, ROGUE_VALLEY, "1,749", "1,659", "1,719", "1,895", *products)
    board = text_of(client.get(f"/rfps/{rfp.reference}"))
    assert "PoE+ access switches for wiring closets" in board
    for leak in leaks:
        assert leak not in board, leak
    assert client.get(f"/rfps/{rfp.reference}/tabulation").status_code == 404
    assert client.get(f"/rfps/{rfp.reference}/tabulation.csv").status_code == 404
    listing = text_of(client.get("/rfps"))
    assert rfp.reference in listing
    assert not any(vendor in listing for vendor in (EVERGREEN, HIGH_DESERT, WILLAMETTE, ROGUE_VALLEY))

    admin = log_in(user(data.ADMIN.email))
    admin_page = text_of(admin.get(f"/admin/rfps/{rfp.id}"))
    assert "The bid deadline has passed. Opening the bids sets aside drafts" in admin_page  # try it at once
    for leak in leaks:
        assert leak not in admin_page, leak
    assert admin.get(f"/admin/rfps/{rfp.id}/evaluation").status_code == 404

    rival = log_in(user("sales@willamette-networks.example"))
    assert bids[EVERGREEN].content_sha256[:16] not in text_of(rival.get("/bids"))


def test_the_administrator_can_open_the_switches_bids_at_once(demo):
    rfp = demo_rfp(demo_rfps.SWITCHES)
    opening = bid_services.open_bids(user(data.ADMIN.email), rfp.id)
    assert (opening.submitted, opening.set_aside, opening.withdrawn) == (3, 1, 0)
    assert rfp.status == RfpStatus.OPENED


def test_once_opened_the_switches_tabulation_marks_both_offers_tied_at_the_lowest_tco(demo, client):
    rfp = demo_rfp(demo_rfps.SWITCHES)
    bid_services.open_bids(user(data.ADMIN.email), rfp.id)
    html_page = client.get(f"/rfps/{rfp.reference}/tabulation").get_data(as_text=True)
    marked = re.findall(r'<tr class="lowest-offer">\s*<td>([^<]+?) <span class="badge[^>]*>([^<]+)</span>', html_page)
    assert marked == [(EVERGREEN, "Lowest TCO, tied"), (WILLAMETTE, "Lowest TCO, tied")]


# --- The opened RFPs, scored -----------------------------------------------------------------------------------------


def test_the_cabling_rfp_was_opened_after_its_deadline_with_three_submitted_bids(demo, client):
    rfp = demo_rfp(demo_rfps.CABLING)
    assert rfp.status == RfpStatus.OPENED
    assert rfp.published_at < rfp.bid_deadline < rfp.opened_at < clock.utcnow()
    assert {line.item.code: line.spec["cable_category"] for line in rfp.lines} == {
        "CAT6-DROP": "Cat6",
        "CAT6A-DROP": "Cat6A",
    }
    bids = bids_on(rfp)
    assert {vendor: bid.status for vendor, bid in bids.items()} == {
        ROGUE_VALLEY: BidStatus.SUBMITTED,
        HIGH_DESERT: BidStatus.SUBMITTED,
        WILLAMETTE: BidStatus.SUBMITTED,
    }
    page = text_of(client.get(f"/rfps/{rfp.reference}/tabulation"))
    assert "3 submitted bids" in page
    assert ROGUE_VALLEY in page and HIGH_DESERT in page and WILLAMETTE in page


@pytest.mark.parametrize("plan", [demo_rfps.LICENCES, demo_rfps.CABLING], ids=["licences", "cabling"])
def test_every_opened_bid_is_scored_on_every_non_price_criterion_with_a_comment(demo, plan):
    rfp = demo_rfp(plan)
    assert evaluation.scoring_problems(rfp) == []  # ready for an award round
    rows = evaluation.scoring_rows(rfp)
    criteria = {criterion["key"] for criterion in rfp.terms["criteria"]} - {"price"}
    assert rows and all(set(row.scores) == criteria for row in rows)
    for row in rows:
        assert row.evaluation.score is not None
        for score in row.scores.values():
            assert 0 <= score.points <= 100 and len(score.comment) > 60
            assert rfp.opened_at < score.scored_at < clock.utcnow()
    assert verify_chain(rfp.id).intact


def test_no_licences_bid_is_set_aside_as_the_device_management_line_has_a_single_bid(demo):
    rfp = demo_rfp(demo_rfps.LICENCES)
    evaluations = {evaluation.vendor_name(row.bid): row.evaluation for row in evaluation.scoring_rows(rfp)}
    assert {vendor: str(e.score) for vendor, e in evaluations.items()} == {NORTHWEST: "84.00", EVERGREEN: "80.80"}
    assert all(e.set_aside_reason is None for e in evaluations.values())


def test_evergreen_s_licences_score_names_the_line_it_did_not_bid(demo):
    rfp = demo_rfp(demo_rfps.LICENCES)
    bid = bids_on(rfp)[EVERGREEN]
    bid_line_ids = {line.rfp_line_id for line in bid.lines}
    [not_bid] = [line for line in rfp.lines if line.id not in bid_line_ids]
    assert not_bid.item.code == "MDM-DEV-1Y"  # device management for Windows laptops and tablets
    [row] = [row for row in evaluation.scoring_rows(rfp) if row.bid.id == bid.id]
    assert row.scores["functionality"].comment.endswith(f"(line {not_bid.line_no} not bid).")


def test_willamette_s_cabling_bid_is_set_aside_with_its_reason_and_two_bids_remain_on_every_line(demo, log_in):
    rfp = demo_rfp(demo_rfps.CABLING)
    evaluations = {evaluation.vendor_name(row.bid): row.evaluation for row in evaluation.scoring_rows(rfp)}
    assert {vendor: e.set_aside_reason for vendor, e in evaluations.items()} == {
        ROGUE_VALLEY: None,
        HIGH_DESERT: None,
        WILLAMETTE: SET_ASIDE,
    }
    eligible = {vendor for vendor, e in evaluations.items() if e.set_aside_reason is None}
    for line in rfp.lines:
        bidders = {
            bid.vendor.name for bid in bids_on(rfp).values() for offer in bid.lines if offer.rfp_line_id == line.id
        }
        assert len(bidders & eligible) >= 2, line.item.code
    # Willamette's was the lowest price on the Cat6A line: the score, not the price, sets it aside.
    cat6a = next(line for line in rfp.lines if line.item.code == "CAT6A-DROP")
    prices = {
        bid.vendor.name: min(
            tier.unit_price_cents for offer in bid.lines if offer.rfp_line_id == cat6a.id for tier in offer.tiers
        )
        for bid in bids_on(rfp).values()
    }
    assert min(prices, key=prices.get) == WILLAMETTE

    page = html.unescape(text_of(log_in(user(data.ADMIN.email)).get(f"/admin/rfps/{rfp.id}/evaluation")))
    assert SET_ASIDE in page and "Installation subcontracted to a firm not named in the bid" in page


def test_the_scores_are_in_the_audit_log_by_the_administrator(demo):
    admin = user(data.ADMIN.email)
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "bid.scored")).all()
    assert len(events) == 2 * 2 + 3 * 2  # licences: 2 bids x 2 criteria; cabling: 3 bids x 2 criteria
    assert {event.actor_user_id for event in events} == {admin.id}
    evaluated = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "bid.evaluated")).all()
    assert len(evaluated) == 5
    assert [event.after["set_aside_reason"] for event in evaluated if event.after["set_aside_reason"]] == [SET_ASIDE]


def test_on_the_cabling_rfp_the_scores_decide_which_offer_is_cheapest_at_its_evaluated_cost(demo):
    rfp = demo_rfp(demo_rfps.CABLING)
    factors = {
        evaluation.vendor_name(row.bid): row.evaluation.evaluation_factor
        for row in evaluation.scoring_rows(rfp)
        if row.evaluation.set_aside_reason is None
    }
    cheapest, lowest_evaluated = {}, {}
    for line in rfp.lines:
        tco, evaluated = {}, {}
        for bid in bids_on(rfp).values():
            for offer in bid.lines:
                if offer.rfp_line_id == line.id and bid.vendor.name in factors:
                    # All-units tiers: every drop at the price of the highest tier the line's quantity reaches.
                    price = [tier.unit_price_cents for tier in offer.tiers if tier.min_quantity <= line.quantity][-1]
                    tco[bid.vendor.name] = Decimal(price * line.quantity) / 100
                    evaluated[bid.vendor.name] = evaluated_cost(tco[bid.vendor.name], factors[bid.vendor.name])
        cheapest[line.item.code] = min(tco, key=tco.get)
        lowest_evaluated[line.item.code] = min(evaluated, key=evaluated.get)
    assert cheapest == {"CAT6-DROP": HIGH_DESERT, "CAT6A-DROP": HIGH_DESERT}
    assert lowest_evaluated == {"CAT6-DROP": HIGH_DESERT, "CAT6A-DROP": ROGUE_VALLEY}
