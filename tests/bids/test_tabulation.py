"""The bid tabulation after opening: offers priced at the pooled quantity by the engine's costing, and its exports.

Every figure below is worked out by hand from the tiers, not by the code under test.
"""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest
from support import offer

from coop.awards import adapters, tabulation
from coop.bids.models import BidLine, BidStatus, PricingKind
from coop.extensions import db
from coop.rfps.models import RfpStatus
from pricing import Offer, Tier

CAPACITY_NOTE = "Capacity 100 < pooled quantity 120: cannot supply the whole line alone."
MIN_AWARD_NOTE = "Minimum award 50 > pooled quantity 40: cannot be awarded on this line."


@pytest.fixture
def opened_rfp(make_rfp, now):
    """Two lines, 120 and 40 laptops, TCO over 4 years; bids opened now."""
    rfp = make_rfp(quantities=(120, 40), deadline_in=timedelta(days=-1))
    rfp.status = RfpStatus.OPENED
    rfp.opened_at = now()
    rfp.tco_years = 4
    db.session.flush()
    return rfp


@pytest.fixture
def bids(opened_rfp, make_bid, make_region):
    """Three submitted bids, a draft and a withdrawn bid (both cheaper than any submitted one)."""
    north = make_region("north", "North")
    south = make_region("south", "South")
    # Line 1: 120 units. Acme reaches the 100+ tier: 120 x $280 = $33,600; support $12 x 120 x 4 = $5,760.
    # Line 2: 40 units, below Acme's 50+ tier: 40 x $450 = $18,000.
    make_bid(
        opened_rfp,
        "Acme Devices",
        {
            1: offer([(1, 300_00), (100, 280_00)], product="Acme Book 14", support_cents=12_00, regions=[north, south]),
            2: offer([(1, 450_00), (50, 420_00)], product="Acme Book 11"),
        },
    )
    # Incremental: units 1-99 at $300, 100-120 at $280: 99 x 300 + 21 x 280 = $35,580, average $296.50.
    make_bid(
        opened_rfp,
        "Birch Computing",
        {
            1: offer([(1, 300_00), (100, 280_00)], product="Birch B14", pricing=PricingKind.INCREMENTAL),
        },
        brackets=[(250_000_00, "2.5"), (500_000_00, "4")],
    )
    # Flat $290 on line 1 (120 x 290 = $34,800) but only 100 units; $400 on line 2 (40 x 400 = $16,000) from 50 units.
    make_bid(
        opened_rfp,
        "Cedar Tech",
        {
            1: offer([(1, 290_00)], product="Cedar C1", capacity=100, regions=[north]),
            2: offer([(1, 400_00)], product="Cedar C2", min_award=50),
        },
    )
    make_bid(
        opened_rfp, "Dogwood Drafts", {1: offer([(1, 100_00)])}, status=BidStatus.DRAFT, brackets=[(1_000_00, "10")]
    )
    make_bid(
        opened_rfp, "Elm Withdrawn", {1: offer([(1, 100_00)]), 2: offer([(1, 100_00)])}, status=BidStatus.WITHDRAWN
    )
    return opened_rfp


# --- the adapter: ORM rows to the engine's offers ---------------------------------------------------------------------


def test_a_bid_line_becomes_the_engines_offer(bids):
    (acme_line,) = [line for line in bids.lines if line.line_no == 1]
    bid_line = db.session.scalar(
        db.select(BidLine).where(BidLine.rfp_line_id == acme_line.id, BidLine.product == "Acme Book 14")
    )
    assert adapters.offer_of(bid_line) == Offer(
        id=f"B{bid_line.bid.id}-L1",
        vendor=f"V{bid_line.bid.vendor_id}",
        item="L1",
        tiers=(Tier(1, Decimal("300.00")), Tier(100, Decimal("280.00"))),
        pricing="all_units",
        annual_cost_per_unit=Decimal("12.00"),
        capacity=None,
        min_award_quantity=0,
        regions=("north", "south"),
    )


def test_a_line_serving_every_region_has_no_region_list_in_the_engine(opened_rfp, make_bid):
    bid = make_bid(opened_rfp, "Anywhere Inc", {2: offer([(1, 100_00)], capacity=500, min_award=10)})
    engine_offer = adapters.offer_of(bid.lines[0])
    assert (engine_offer.regions, engine_offer.capacity, engine_offer.min_award_quantity, engine_offer.item) == (
        None,
        500,
        10,
        "L2",
    )


@pytest.mark.parametrize(
    ("pricing", "quantity", "cost_cents", "unit_cents"),
    [
        (PricingKind.ALL_UNITS, 99, 99 * 300_00, 300_00),
        (PricingKind.ALL_UNITS, 100, 100 * 280_00, 280_00),
        (PricingKind.ALL_UNITS, 120, 33_600_00, 280_00),
        (PricingKind.INCREMENTAL, 99, 99 * 300_00, 300_00),
        (PricingKind.INCREMENTAL, 120, 35_580_00, 296_50),
        (PricingKind.INCREMENTAL, 0, 0, None),
    ],
)
def test_purchase_cost_and_unit_price_come_from_the_engine(
    opened_rfp, make_bid, pricing, quantity, cost_cents, unit_cents
):
    bid = make_bid(opened_rfp, "Tiered Co", {1: offer([(1, 300_00), (100, 280_00)], pricing=pricing)})
    assert adapters.purchase_cost_cents(bid.lines[0], quantity) == cost_cents
    assert adapters.unit_price_cents(bid.lines[0], quantity) == unit_cents


def test_an_incremental_average_is_rounded_half_up_to_the_cent(opened_rfp, make_bid):
    # 2 units: $10.01 + $10.00 = $20.01, an average of 1,000.5 cents.
    bid = make_bid(opened_rfp, "Half Cent Co", {1: offer([(1, 10_01), (2, 10_00)], pricing=PricingKind.INCREMENTAL)})
    assert adapters.unit_price_cents(bid.lines[0], 2) == 10_01


def test_money_crosses_the_bridge_exactly():
    assert str(adapters.dollars(28_900)) == "289.00"
    assert adapters.cents(Decimal("35580.00")) == 35_580_00
    with pytest.raises(ValueError, match="296.505 is not a whole number of cents"):
        adapters.cents(Decimal("296.505"))


# --- the tabulation ---------------------------------------------------------------------------------------------------


def test_offers_are_priced_at_the_pooled_quantity_and_sorted_by_tco(bids):
    result = tabulation.tabulation_for(bids, with_evaluation=True)
    line_1, line_2 = result.lines
    assert (line_1.line_no, line_1.pooled_quantity, line_2.line_no, line_2.pooled_quantity) == (1, 120, 2, 40)
    assert [
        (row.vendor, row.unit_price_cents, row.purchase_cost_cents, row.support_cost_cents, row.tco_cents)
        for row in line_1.offers
    ] == [
        ("Cedar Tech", 290_00, 34_800_00, 0, 34_800_00),
        ("Birch Computing", 296_50, 35_580_00, 0, 35_580_00),
        ("Acme Devices", 280_00, 33_600_00, 5_760_00, 39_360_00),
    ]
    assert [(row.vendor, row.purchase_cost_cents, row.tco_cents) for row in line_2.offers] == [
        ("Cedar Tech", 16_000_00, 16_000_00),
        ("Acme Devices", 18_000_00, 18_000_00),
    ]


def test_offers_read_as_a_person_reads_them(bids):
    cedar, birch, acme = tabulation.tabulation_for(bids, with_evaluation=True).lines[0].offers
    assert (
        acme.tiers_text,
        acme.pricing_label,
        acme.annual_support_text,
        acme.capacity_text,
        acme.min_award_text,
        acme.regions_text,
        acme.unit_price_text,
        acme.purchase_cost_text,
        acme.support_cost_text,
        acme.tco_text,
    ) == (
        "1+: $300.00; 100+: $280.00",
        "All units",
        "$12.00",
        "Unlimited",
        "None",
        "North, South",
        "$280.00",
        "$33,600.00",
        "$5,760.00",
        "$39,360.00",
    )
    assert (birch.pricing_label, birch.unit_price_text, birch.regions_text) == (
        "Incremental",
        "$296.50 (average)",
        "All regions",
    )
    assert (cedar.capacity_text, cedar.regions_text) == ("100", "North")


def test_capacity_and_minimum_that_do_not_fit_the_pooled_quantity_are_noted(bids):
    line_1, line_2 = tabulation.tabulation_for(bids, with_evaluation=True).lines
    assert {row.vendor: row.notes for row in line_1.offers} == {
        "Cedar Tech": (CAPACITY_NOTE,),
        "Birch Computing": (),
        "Acme Devices": (),
    }
    assert {row.vendor: row.notes for row in line_2.offers} == {"Cedar Tech": (MIN_AWARD_NOTE,), "Acme Devices": ()}
    assert line_2.offers[0].min_award_text == "50"


def test_drafts_and_withdrawn_bids_are_neither_listed_nor_counted(bids):
    result = tabulation.tabulation_for(bids, with_evaluation=True)
    assert result.bid_count == 3
    listed = {row.vendor for line in result.lines for row in line.offers} | {entry.vendor for entry in result.discounts}
    assert listed == {"Acme Devices", "Birch Computing", "Cedar Tech"}


def test_every_bidding_vendors_discount_brackets_are_listed_once(bids):
    assert [
        (entry.vendor, entry.brackets_text) for entry in tabulation.tabulation_for(bids, with_evaluation=True).discounts
    ] == [
        ("Acme Devices", "None"),
        ("Birch Computing", "2.5% off from $250,000.00; 4% off from $500,000.00"),
        ("Cedar Tech", "None"),
    ]


def test_support_is_counted_over_the_rfps_tco_years(bids):
    bids.tco_years = 5
    acme = tabulation.tabulation_for(bids, with_evaluation=True).lines[0].offers[-1]
    assert (acme.vendor, acme.support_cost_cents, acme.tco_cents) == ("Acme Devices", 7_200_00, 40_800_00)


def test_ties_on_tco_are_listed_by_vendor_name(opened_rfp, make_bid):
    make_bid(opened_rfp, "Zephyr Ltd", {2: offer([(1, 100_00)])})
    make_bid(opened_rfp, "alpha supplies", {2: offer([(1, 100_00)])})
    assert [row.vendor for row in tabulation.tabulation_for(opened_rfp, with_evaluation=True).lines[1].offers] == [
        "alpha supplies",
        "Zephyr Ltd",
    ]


def test_an_rfp_without_bids_has_lines_with_no_offers(opened_rfp):
    result = tabulation.tabulation_for(opened_rfp, with_evaluation=True)
    assert (result.bid_count, result.discounts, [line.offers for line in result.lines]) == (0, (), [(), ()])
    assert list(tabulation.as_frame(result).columns) == list(tabulation.COLUMNS)
    assert len(tabulation.as_frame(result)) == 0


@pytest.mark.parametrize("status", [RfpStatus.OPEN, RfpStatus.CLOSED])
def test_sealed_bids_have_no_tabulation(make_rfp, make_bid, status):
    rfp = make_rfp(status=status)
    make_bid(rfp, "Early Bird", {1: offer([(1, 100_00)])})
    with pytest.raises(tabulation.TabulationSealed, match=f"The bids on {rfp.reference} have not been opened."):
        tabulation.tabulation_for(rfp, with_evaluation=True)


# --- exports ----------------------------------------------------------------------------------------------------------

ACME_LINE_1 = {
    "line": "1",
    "item": "11-inch student laptop",
    "pooled_quantity": "120",
    "vendor": "Acme Devices",
    "product": "Acme Book 14",
    "pricing": "all_units",
    "tiers": "1+: 300.00; 100+: 280.00",
    "annual_support_per_unit": "12.00",
    "capacity": "unlimited",
    "min_award_quantity": "0",
    "regions": "North; South",
    "unit_price_at_pooled_quantity": "280.00",
    "purchase_cost": "33600.00",
    "tco_years": "4",
    "support_cost_over_tco_years": "5760.00",
    "tco": "39360.00",
    "notes": "",
}


def test_the_frame_has_one_row_per_line_and_offer_in_page_order(bids):
    frame = tabulation.as_frame(tabulation.tabulation_for(bids, with_evaluation=True))
    assert list(frame.columns) == list(tabulation.COLUMNS)
    assert list(zip(frame["line"], frame["vendor"])) == [
        (1, "Cedar Tech"),
        (1, "Birch Computing"),
        (1, "Acme Devices"),
        (2, "Cedar Tech"),
        (2, "Acme Devices"),
    ]
    assert frame.loc[1, "unit_price_at_pooled_quantity"] == Decimal("296.50")
    assert frame.loc[0, "capacity"] == 100 and frame.loc[0, "notes"] == CAPACITY_NOTE


def test_the_csv_is_exact(bids):
    content = tabulation.export(tabulation.tabulation_for(bids, with_evaluation=True), "csv")
    assert content.startswith("\ufeffline,item_code,item,pooled_quantity,vendor,".encode("utf-8"))
    frame = pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    rows = frame.to_dict("records")
    assert rows[2] == {**ACME_LINE_1, "item_code": bids.lines[0].item.code}  # the fixture numbers item codes
    assert [(row["vendor"], row["purchase_cost"], row["tco"], row["notes"]) for row in rows] == [
        ("Cedar Tech", "34800.00", "34800.00", CAPACITY_NOTE),
        ("Birch Computing", "35580.00", "35580.00", ""),
        ("Acme Devices", "33600.00", "39360.00", ""),
        ("Cedar Tech", "16000.00", "16000.00", MIN_AWARD_NOTE),
        ("Acme Devices", "18000.00", "18000.00", ""),
    ]
    assert rows[1]["pricing"] == "incremental" and rows[1]["regions"] == "All regions"


def test_the_workbook_has_the_tabulation_and_the_discounts(bids):
    content = tabulation.export(tabulation.tabulation_for(bids, with_evaluation=True), "xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["Tabulation", "Discounts"]
    sheet = workbook["Tabulation"]
    header = [cell.value for cell in sheet[1]]
    assert header == list(tabulation.COLUMNS)
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    acme = dict(zip(header, (cell.value for cell in sheet[4]), strict=True))
    assert (
        acme["vendor"],
        acme["pooled_quantity"],
        acme["capacity"],
        acme["unit_price_at_pooled_quantity"],
        acme["purchase_cost"],
        acme["support_cost_over_tco_years"],
        acme["tco"],
    ) == ("Acme Devices", 120, "unlimited", 280, 33600, 5760, 39360)
    purchase_cell = sheet.cell(row=4, column=header.index("purchase_cost") + 1)
    assert purchase_cell.number_format == "#,##0.00"
    assert sheet.cell(row=3, column=header.index("unit_price_at_pooled_quantity") + 1).value == 296.5  # Birch
    assert sheet.max_row == 6
    assert sheet.column_dimensions["H"].width == len("1+: 300.00; 100+: 280.00") + 2  # tiers

    discounts = workbook["Discounts"]
    assert [[cell.value for cell in row] for row in discounts.iter_rows()] == [
        ["vendor", "min_purchase_value", "percent_off"],
        ["Birch Computing", 250000, 2.5],
        ["Birch Computing", 500000, 4],
    ]
    assert discounts["A1"].font.bold


def test_exports_are_named_after_the_rfp(bids):
    assert tabulation.filename(bids, "csv") == f"{bids.reference}-tabulation.csv"
    assert tabulation.filename(bids, "xlsx") == f"{bids.reference}-tabulation.xlsx"
    with pytest.raises(ValueError, match='Unknown export kind "pdf": "csv" or "xlsx".'):
        tabulation.export(tabulation.tabulation_for(bids, with_evaluation=True), "pdf")
