"""The public bid tabulation page and its downloads (routes ``awards.tabulation`` and ``awards.tabulation_export``)."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa
from support import offer, text_of

from coop.awards.models import AwardRound, AwardRoundStatus
from coop.bids import services
from coop.bids.models import Bid, BidLine, BidStatus, PricingKind
from coop.evaluation.models import BidScore
from coop.extensions import db
from coop.orgs import services as orgs
from coop.rfps.models import RfpStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def rfp_with_bids(make_rfp, make_bid, make_region):
    """Quantities 120 and 40, TCO over 4 years; two submitted bids on line 1 and a draft on line 2; not yet opened."""
    rfp = make_rfp(quantities=(120, 40), deadline_in=timedelta(days=-1))
    rfp.tco_years = 4
    tiers = [(1, 300_00), (100, 280_00)]
    make_bid(
        rfp,
        "Acme Devices",
        {1: offer(tiers, product="Acme Book 14", support_cents=12_00, regions=[make_region("north", "North")])},
    )
    make_bid(
        rfp,
        "Birch Computing",
        {1: offer(tiers, product="Birch B14", pricing=PricingKind.INCREMENTAL, capacity=100)},
        brackets=[(250_000_00, "2.5")],
    )
    make_bid(rfp, "Dogwood Drafts", {2: offer(tiers, product="Dogwood D1")}, status=BidStatus.DRAFT)
    db.session.flush()
    return rfp


@pytest.fixture
def opened(rfp_with_bids, now):
    rfp_with_bids.status = RfpStatus.OPENED
    rfp_with_bids.opened_at = now()
    db.session.flush()
    return rfp_with_bids


def test_anyone_reads_the_tabulation_after_opening(client, opened, table_rows):
    response = client.get(f"/rfps/{opened.reference}/tabulation")
    assert response.status_code == 200
    text = text_of(response)
    assert f"Bid tabulation — {opened.reference}" in text
    assert f"Bids opened {opened.opened_at.strftime('%Y-%m-%d %H:%M')} UTC" in text
    assert "Bids received 2 submitted bids" in text
    assert table_rows(response, "tabulation-line-1") == [
        "Birch Computing Lowest TCO Capacity 100 < pooled quantity 120: cannot supply the whole line alone. Birch B14 "
        "Incremental 1+: $300.00; 100+: $280.00 $0.00 100 None All regions $296.50 (average) $35,580.00 $0.00 "
        "$35,580.00",
        "Acme Devices Acme Book 14 All units 1+: $300.00; 100+: $280.00 $12.00 Unlimited None North $280.00 "
        "$33,600.00 $5,760.00 $39,360.00",
    ]
    assert "this RFP has no non-price criteria, so its evaluated cost is its TCO" in text
    assert table_rows(response, "tabulation-line-2") == ["No bid on this line."]
    assert table_rows(response, "tabulation-discounts") == [
        "Acme Devices None",
        "Birch Computing 2.5% off from $250,000.00",
    ]
    html = response.get_data(as_text=True)
    assert f'href="/rfps/{opened.reference}/tabulation.csv"' in html
    assert f'href="/rfps/{opened.reference}/tabulation.xlsx"' in html
    assert f'href="/rfps/{opened.reference}"' in html
    assert "Dogwood" not in html


def _score(rfp, points_by_vendor: dict[str, int], minimum_score: int = 0) -> None:
    """Price weighs 60 and one non-price criterion 40; each named vendor's bid gets ``points`` on it."""
    rfp.terms = {
        **rfp.terms,
        "criteria": [
            {"key": "price", "label": "Price", "weight": 60},
            {"key": "service", "label": "Service", "weight": 40},
        ],
        "evaluation": {"minimum_score": minimum_score},
    }
    for bid in db.session.scalars(sa.select(Bid).where(Bid.rfp_id == rfp.id)):
        if bid.vendor.name in points_by_vendor:
            db.session.add(
                BidScore(bid=bid, criterion_key="service", points=points_by_vendor[bid.vendor.name], comment="")
            )
    db.session.flush()


def _marked(response) -> list[str]:
    """The vendor of each row marked lowest, line by line."""
    html = response.get_data(as_text=True)
    return re.findall(r'<tr class="lowest-offer">\s*<td>([^<]+?) <span class="badge', html)


def test_every_offer_tied_at_the_lowest_tco_is_marked_as_a_tie(client, opened, make_bid, table_rows):
    # Cedar offers what Birch offers: the same $35,580.00 TCO on line 1; neither is "the" lowest.
    make_bid(opened, "Cedar Tech", {1: offer([(1, 300_00), (100, 280_00)], pricing=PricingKind.INCREMENTAL)})
    db.session.flush()
    response = client.get(f"/rfps/{opened.reference}/tabulation")
    assert _marked(response) == ["Birch Computing", "Cedar Tech"]
    assert [row.split(" $")[0] for row in table_rows(response, "tabulation-line-1")] == [
        "Birch Computing Lowest TCO, tied Capacity 100 < pooled quantity 120: cannot supply the whole line alone. "
        "Birch B14 Incremental 1+:",
        "Cedar Tech Lowest TCO, tied Model 14 Incremental 1+:",
        "Acme Devices Acme Book 14 All units 1+:",
    ]


@pytest.fixture
def administrator(client, log_in, make_admin):
    """The cooperative's administrator, signed in: who sees the evaluation while it goes on."""
    return log_in(make_admin())


def test_the_lowest_tco_is_marked_while_the_bids_are_not_all_scored_and_the_page_says_so(administrator, opened):
    client = administrator
    _score(opened, {"Acme Devices": 100})
    response = client.get(f"/rfps/{opened.reference}/tabulation")
    text = text_of(response)
    assert "The bids are not all scored yet: Lowest TCO marks each line's offer with the lowest total cost" in text
    assert _marked(response) == ["Birch Computing"]
    assert "Evaluated cost" in text  # a column, empty until every bid is scored
    assert "—" in text


def test_the_lowest_evaluated_offer_is_marked_once_every_bid_is_scored(administrator, opened, table_rows):
    client = administrator
    # Birch's TCO is lower ($35,580.00 against $39,360.00) but its score makes its evaluated cost higher:
    # f = 1 + 40/60 × (100 − 50)/100 = 1.333333, $35,580.00 × 1.333333 = $47,439.99; Acme's f is 1.
    _score(opened, {"Acme Devices": 100, "Birch Computing": 50})
    response = client.get(f"/rfps/{opened.reference}/tabulation")
    assert "Lowest evaluated marks each line's offer with the lowest evaluated cost" in text_of(response)
    assert _marked(response) == ["Acme Devices"]
    assert [row.split()[-2:] for row in table_rows(response, "tabulation-line-1")] == [
        ["$35,580.00", "$47,439.99"],
        ["$39,360.00", "$39,360.00"],
    ]


def test_a_bid_set_aside_for_its_score_is_never_marked(administrator, opened):
    client = administrator
    _score(opened, {"Acme Devices": 40, "Birch Computing": 100}, minimum_score=50)
    response = client.get(f"/rfps/{opened.reference}/tabulation")
    assert _marked(response) == ["Birch Computing"]
    assert "Set aside: Scored 40 of 100 on the non-price criteria, below this RFP" in text_of(response)


def test_bidders_and_the_public_see_the_evaluation_only_once_an_award_is_published(client, opened, table_rows):
    # While the cooperative evaluates, no scores, evaluated costs or set-aside reasons reach a bidder who could
    # lobby against them; from the notice of intent on they are part of the record a protest is argued on.
    _score(opened, {"Acme Devices": 40, "Birch Computing": 100}, minimum_score=50)
    for suffix in ("", ".csv"):
        text = text_of(client.get(f"/rfps/{opened.reference}/tabulation{suffix}"))
        assert "Set aside" not in text and "Scored 40" not in text
    response = client.get(f"/rfps/{opened.reference}/tabulation")
    assert "Lowest evaluated" not in text_of(response) and "Evaluated cost" not in text_of(response)
    assert "is published with the notice of intent to award" in text_of(response)
    assert _marked(response) == ["Birch Computing"]  # the lowest TCO
    db.session.add(AwardRound(rfp_id=opened.id, status=AwardRoundStatus.PUBLISHED, published_at=opened.opened_at))
    db.session.flush()
    response = client.get(f"/rfps/{opened.reference}/tabulation")
    assert "Set aside: Scored 40 of 100 on the non-price criteria, below this RFP" in text_of(response)
    assert "Lowest evaluated marks each line's offer with the lowest evaluated cost" in text_of(response)


def test_long_region_lists_are_printed_once_in_a_legend(client, opened, make_region, table_rows):
    acme = db.session.scalar(sa.select(Bid).join(Bid.vendor).where(Bid.vendor.has(name="Acme Devices")))
    acme.lines[0].regions.extend([make_region("south", "South"), make_region("east", "East")])
    db.session.flush()
    acme.submitted_content = services.content(acme)
    db.session.flush()
    response = client.get(f"/rfps/{opened.reference}/tabulation")
    assert "Regions served" in text_of(response)
    assert re.search(r"<dt[^>]*>A</dt><dd[^>]*>East, North, South</dd>", response.get_data(as_text=True))
    acme_row = table_rows(response, "tabulation-line-1")[1]
    assert " A (3 regions) " in acme_row and "East, North, South" not in acme_row


@pytest.mark.parametrize("status", [RfpStatus.OPEN, RfpStatus.CLOSED])
@pytest.mark.parametrize("suffix", ["", ".csv", ".xlsx"])
def test_bids_stay_sealed_until_opening(client, rfp_with_bids, status, suffix):
    rfp_with_bids.status = status
    db.session.flush()
    response = client.get(f"/rfps/{rfp_with_bids.reference}/tabulation{suffix}")
    assert response.status_code == 404
    assert not {"Acme", "Birch", "$35,580.00", "35580.00"} & set(text_of(response).split())


def test_the_csv_download(client, opened):
    response = client.get(f"/rfps/{opened.reference}/tabulation.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f"attachment; filename={opened.reference}-tabulation.csv"
    frame = pd.read_csv(io.BytesIO(response.get_data()), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert [
        (row["vendor"], row["unit_price_at_pooled_quantity"], row["purchase_cost"], row["tco"])
        for row in frame.to_dict("records")
    ] == [
        ("Birch Computing", "296.50", "35580.00", "35580.00"),
        ("Acme Devices", "280.00", "33600.00", "39360.00"),
    ]


def test_the_xlsx_download(client, opened):
    response = client.get(f"/rfps/{opened.reference}/tabulation.xlsx")
    assert response.status_code == 200
    assert response.mimetype == XLSX
    assert response.headers["Content-Disposition"] == f"attachment; filename={opened.reference}-tabulation.xlsx"
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    assert workbook.sheetnames == ["Tabulation", "Discounts"]
    assert [row[4] for row in workbook["Tabulation"].iter_rows(min_row=2, values_only=True)] == [
        "Birch Computing",
        "Acme Devices",
    ]


def test_no_other_download_kind(client, opened):
    assert client.get(f"/rfps/{opened.reference}/tabulation.pdf").status_code == 404


def test_what_was_opened_stays_as_submitted_when_the_vendor_changes_afterwards(
    client, rfp, vendor_user, admin, bid_input, now, north
):
    """A vendor renames itself (into a formula, even) and its rows change after the opening: the published record
    keeps the name, products and prices the bid was submitted with."""
    services.save_bid(vendor_user, rfp.reference, bid_input(rfp, line_nos=(1,)), revision=None, submit=True)
    now(rfp.bid_deadline)
    services.open_bids(admin, rfp.id)
    vendor = vendor_user.organisation
    orgs.update_profile(
        vendor_user,
        orgs.VendorProfileInput(
            name='=HYPERLINK("http://evil.example","Cheapest")',
            contact_name="Mallory",
            contact_email="m@evil.example",
            description="Renamed after the opening",
            region_ids=(north.id,),
        ),
    )
    line = db.session.scalars(sa.select(BidLine).join(Bid).where(Bid.vendor_id == vendor.id)).one()
    line.product = "Swapped Model"
    line.tiers[0].unit_price_cents = 1_00
    db.session.commit()

    page = client.get(f"/rfps/{rfp.reference}/tabulation")
    assert "Evergreen Learning" in text_of(page) and "Acme Book 11 G3" in text_of(page)
    assert "1+: $300.00; 100+: $280.00" in text_of(page)
    assert not {"HYPERLINK", "Swapped", "$1.00"} & set(re.split(r'[\s("]+', text_of(page)))
    frame = pd.read_csv(
        io.BytesIO(client.get(f"/rfps/{rfp.reference}/tabulation.csv").get_data()),
        dtype=str,
        keep_default_na=False,
        encoding="utf-8-sig",
    )
    assert [(row["vendor"], row["product"], row["tiers"]) for row in frame.to_dict("records")] == [
        ("Evergreen Learning", "Acme Book 11 G3", "1+: 300.00; 100+: 280.00")
    ]
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"/rfps/{rfp.reference}/tabulation.xlsx").get_data()))
    assert [row[4:8] for row in workbook["Tabulation"].iter_rows(min_row=2, values_only=True)] == [
        ("Evergreen Learning", "Acme Book 11 G3", "all_units", "1+: 300.00; 100+: 280.00")
    ]
