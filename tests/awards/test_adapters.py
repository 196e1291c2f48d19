"""The bridge to the engine for award rounds: the problem built from an opened RFP, the result back as rows.

The figures are worked out by hand in tests/awards/conftest.py's scenario:

* Line 1: Birch Computing (north only, incremental) takes Alder's 60 and Birch's 50: 99 x $295.00 + 11 x $270.00
  = $32,175.00, an average of $292.50; Cedar (south) can only buy from Acme: 30 x $300.00 = $9,000.00 plus support
  $12.00 x 30 x 4 = $1,440.00. (All 140 from Acme would cost $39,200.00 + $6,720.00.)
* Line 2: Acme, 45 units from its 40+ tier: Alder 20 x $420.00 = $8,400.00, Cedar 25 x $420.00 = $10,500.00.
* Acme's purchase value $27,900.00 reaches its 2 % bracket: $558.00 off, split in proportion to cost: $180.00 on
  Cedar's line 1, $168.00 on Alder's line 2, $210.00 on Cedar's line 2.
* Total $32,175.00 + $27,900.00 - $558.00 + $1,440.00 = $60,957.00. Shares: Alder $25,782.00, Birch $14,625.00,
  Cedar $20,550.00. Alone: Alder $26,700.00 (Birch's line 1, Acme's line 2 below the bracket), Birch $14,750.00,
  Cedar $21,690.00.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from support import offer

from coop.awards import adapters
from coop.bids.models import BidLine, PriceTier
from coop.extensions import db


@dataclass(frozen=True)
class Evaluation:
    set_aside_reason: str | None = None
    evaluation_factor: Decimal = Decimal(1)


def build(rfp, evaluations=None, **options):
    return adapters.problem_document(
        adapters.problem_for(rfp, options=adapters.RoundOptions(**options), evaluations=evaluations or {})
    )


def test_the_problem_holds_confirmed_quantities_and_the_bids_as_opened(opened_rfp, districts, bid_of):
    acme, birch = bid_of(opened_rfp, "Acme Devices"), bid_of(opened_rfp, "Birch Computing")
    # The vendor edits its rows after the opening (it cannot through the app): the record is what counts.
    row = db.session.scalar(db.select(PriceTier).join(BidLine).where(BidLine.bid_id == acme.id))
    row.unit_price_cents = 1_00
    db.session.flush()
    document = build(opened_rfp, max_vendors_per_item=2, split_district_demand=True)
    alder, birch_district, cedar = (f"D{districts[name].organisation_id}" for name in ("Alder", "Birch", "Cedar"))
    assert document["tco_years"] == 4
    assert document["items"] == [{"id": "L1"}, {"id": "L2"}]
    assert document["districts"] == [
        {"id": alder, "region": "north"},
        {"id": birch_district, "region": "north"},
        {"id": cedar, "region": "south"},
    ]
    # Alder's two needs are one demand; proposed and withdrawn commitments are not demands.
    assert document["demands"] == [
        {"district": alder, "item": "L1", "quantity": 60},
        {"district": birch_district, "item": "L1", "quantity": 50},
        {"district": cedar, "item": "L1", "quantity": 30},
        {"district": alder, "item": "L2", "quantity": 20},
        {"district": cedar, "item": "L2", "quantity": 25},
    ]
    assert [offer["id"] for offer in document["offers"]] == [f"B{acme.id}-L1", f"B{acme.id}-L2", f"B{birch.id}-L1"]
    assert document["offers"][0]["tiers"] == [
        {"min_quantity": 1, "unit_price": "300.00"},
        {"min_quantity": 100, "unit_price": "280.00"},
    ]
    assert document["offers"][0]["annual_cost_per_unit"] == "12.00"
    assert document["offers"][2]["pricing"] == "incremental"
    assert document["offers"][2]["regions"] == ["north"]
    assert document["vendors"] == [
        {"id": f"V{acme.vendor_id}", "total_discounts": [{"min_value": "25000.00", "percent": "2"}]},
        {"id": f"V{birch.vendor_id}", "total_discounts": []},
    ]
    assert document["rules"] == {"max_vendors_per_item": 2, "split_district_demand": True}


def test_a_bid_set_aside_by_its_evaluation_is_left_out_and_factors_reach_the_engine(opened_rfp, bid_of):
    acme, birch = bid_of(opened_rfp, "Acme Devices"), bid_of(opened_rfp, "Birch Computing")
    document = build(
        opened_rfp,
        {
            birch.id: Evaluation("Scored 40 of 100, below the minimum of 60."),
            acme.id: Evaluation(evaluation_factor=Decimal("1.0833333333")),
        },
    )
    assert [offer["vendor"] for offer in document["offers"]] == [f"V{acme.vendor_id}", f"V{acme.vendor_id}"]
    assert document["vendors"] == [
        {
            "id": f"V{acme.vendor_id}",
            "evaluation_factor": "1.083333",
            "total_discounts": [{"min_value": "25000.00", "percent": "2"}],
        }
    ]


def test_offers_serve_only_regions_where_districts_buy(opened_rfp, make_bid, make_region, north, bid_of):
    acme, birch = bid_of(opened_rfp, "Acme Devices"), bid_of(opened_rfp, "Birch Computing")
    east = make_region("east", "East")
    eastern = make_bid(opened_rfp, "Eastern Only", {1: offer([(1, 100_00)], regions=[east])})
    both = make_bid(opened_rfp, "East and North", {2: offer([(1, 400_00)], regions=[east, north])})
    document = build(opened_rfp)
    # The engine knows regions only as districts' regions: an offer for the east alone serves nobody here.
    assert [offer["id"] for offer in document["offers"]] == [
        f"B{acme.id}-L1",
        f"B{acme.id}-L2",
        f"B{birch.id}-L1",
        f"B{both.id}-L2",
    ]
    assert document["offers"][-1]["regions"] == ["north"]
    assert f"V{eastern.vendor_id}" not in {vendor["id"] for vendor in document["vendors"]}


def test_the_result_comes_back_as_rows_with_database_ids_and_exact_cents(opened_rfp, districts, bid_of):
    acme, birch = bid_of(opened_rfp, "Acme Devices"), bid_of(opened_rfp, "Birch Computing")
    lines = {line.line_no: line for line in opened_rfp.lines}
    result = adapters.solve(build(opened_rfp), adapters.RoundOptions())
    assert result["status"] == "optimal"
    assert result["total_cost"] == "60957.00"
    bid_lines = {(line.bid_id, line.rfp_line_id): line.id for line in db.session.scalars(db.select(BidLine))}
    rows = sorted(
        (
            award.rfp_line_id,
            award.district_id,
            award.vendor_id,
            award.bid_line_id,
            award.quantity,
            award.unit_price,
            award.cost_cents,
            award.support_cost_cents,
            award.discount_cents,
        )
        for award in adapters.awards_from(result, opened_rfp)
    )
    alder, birch_district, cedar = (districts[name].organisation_id for name in ("Alder", "Birch", "Cedar"))
    line_1, line_2 = lines[1].id, lines[2].id
    assert rows == sorted(
        [
            (line_1, alder, birch.vendor_id, bid_lines[(birch.id, line_1)], 60, Decimal("292.50"), 1755000, 0, 0),
            (
                line_1,
                birch_district,
                birch.vendor_id,
                bid_lines[(birch.id, line_1)],
                50,
                Decimal("292.50"),
                1462500,
                0,
                0,
            ),
            (line_1, cedar, acme.vendor_id, bid_lines[(acme.id, line_1)], 30, Decimal("300.00"), 900000, 144000, 18000),
            (line_2, alder, acme.vendor_id, bid_lines[(acme.id, line_2)], 20, Decimal("420.00"), 840000, 0, 16800),
            (line_2, cedar, acme.vendor_id, bid_lines[(acme.id, line_2)], 25, Decimal("420.00"), 1050000, 0, 21000),
        ]
    )
    shares = {
        share.district_id: (
            share.pooled_cost_cents,
            share.standalone_cost_cents,
            share.savings_cents,
            share.standalone_note,
        )
        for share in adapters.shares_from(result, "capped_equal_price")
    }
    assert shares == {
        alder: (2578200, 2670000, 91800, ""),
        birch_district: (1462500, 1475000, 12500, ""),
        cedar: (2055000, 2169000, 114000, ""),
    }
    assert sum(pooled for pooled, *_ in shares.values()) == 6095700


def test_engine_ids_read_back_and_name_things_for_people(opened_rfp, districts, bid_of):
    acme = bid_of(opened_rfp, "Acme Devices")
    assert adapters.bid_and_line_of(f"B{acme.id}-L2") == (acme.id, 2)
    cedar = districts["Cedar"].organisation_id
    assert adapters.district_pk(adapters.district_id(cedar)) == cedar
    names = adapters.engine_names(build(opened_rfp), opened_rfp)
    assert names[f"D{districts['Cedar'].organisation_id}"] == "Cedar"
    assert names[f"V{acme.vendor_id}"] == "Acme Devices"
    assert names["L1"] == "Line 1: 11-inch student laptop"
