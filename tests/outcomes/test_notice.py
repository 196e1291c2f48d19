"""The public award notice (``/rfps/<reference>/award``), its CSV file and its link on the RFP page."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import pytest
from support import text_of

from coop.awards.models import AwardRoundStatus
from coop.extensions import db
from coop.rfps.models import RfpStatus

PUBLISHED = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
HEADER = "line,item_code,district,vendor,quantity,unit_price,cost"


@pytest.fixture
def districts(make_district, north):
    return {
        name: make_district(name, region=north)
        for name in ("Lakeside Unified", "Pine Hollow SD", "Cedar Falls", "Oak Ridge")
    }


@pytest.fixture
def published(publish_rfp, districts):
    """Lakeside agreed to be named on both its lines, Oak Ridge on one of its two only, the others on none."""
    lakeside, pine, cedar, oak = districts.values()
    return publish_rfp(
        {lakeside: (100, 25), pine: (20, 0), cedar: (0, 15), oak: (30, 5)}, published_at=PUBLISHED, named=(lakeside,)
    )


@pytest.fixture
def oak_named_on_line_one(published, districts):
    for line in published.rfp.lines:
        for link in line.pooled_needs:
            if link.need.district_id == districts["Oak Ridge"].id and line.line_no == 1:
                link.named_publicly = True
    db.session.flush()


def test_anyone_reads_the_award_notice(client, published, oak_named_on_line_one, table_rows):
    rfp = published.rfp
    response = client.get(f"/rfps/{rfp.reference}/award")
    assert response.status_code == 200
    text = text_of(response)
    assert f"Award notice — {rfp.reference}" in text
    assert "Published 2026-03-02 15:30 UTC" in text
    assert "Sharing rule Equal price, capped at the standalone cost" in text
    line_1, line_2 = (line.item.code for line in rfp.lines)
    # Named only with the district's agreement on every line it committed to (Oak Ridge agreed on one of two);
    # the unnamed numbered in the order they first appear: by line, vendor, then largest quantity first.
    assert table_rows(response, "notice-awards") == [
        f"1 11-inch student laptop {line_1} Lakeside Unified Acme Devices 100 $280.00 $28,000.00",
        f"1 11-inch student laptop {line_1} District 1 (not named) Acme Devices 30 $280.00 $8,400.00",
        f"1 11-inch student laptop {line_1} District 2 (not named) Acme Devices 20 $280.00 $5,600.00",
        f"2 14-inch student laptop {line_2} Lakeside Unified Acme Devices 25 $450.00 $11,250.00",
        f"2 14-inch student laptop {line_2} District 3 (not named) Acme Devices 15 $450.00 $6,750.00",
        f"2 14-inch student laptop {line_2} District 1 (not named) Acme Devices 5 $450.00 $2,250.00",
        "Total of the awards $62,250.00",
    ]
    assert "Oak Ridge" not in text and "Pine Hollow" not in text and "Cedar Falls" not in text
    shares = published.shares
    total = sum(share.pooled_cost_cents for share in shares.values())
    assert total == published.award_round.total_cost_cents == 69_450_00
    assert "Total $69,450.00 total cost of ownership the 4 districts pay together" in text
    # Pine Hollow's 20 units and Oak Ridge's 30 of line 1 reach no vendor's minimum alone: standalone unknown.
    compared = [share for share in shares.values() if share.standalone_cost_cents is not None]
    assert sorted(share.district.name for share in compared) == ["Cedar Falls", "Lakeside Unified"]
    assert (
        "Savings of pooling $1,200.00 $52,000.00 if the 2 districts had bought alone, against $50,800.00 pooled. "
        "Leaves out 2 districts whose standalone cost is unknown"
    ) in text
    assert f'href="/rfps/{rfp.reference}/award.csv"' in response.get_data(as_text=True)


def test_the_csv_file_names_districts_as_the_page_does(client, published):
    response = client.get(f"/rfps/{published.rfp.reference}/award.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f"attachment; filename={published.rfp.reference}-award.csv"
    line_1, line_2 = (line.item.code for line in published.rfp.lines)
    assert response.get_data().decode("utf-8-sig").split("\r\n") == [
        HEADER,
        f"1,{line_1},Lakeside Unified,Acme Devices,100,280.00,28000.00",
        f"1,{line_1},District 1 (not named),Acme Devices,30,280.00,8400.00",
        f"1,{line_1},District 2 (not named),Acme Devices,20,280.00,5600.00",
        f"2,{line_2},Lakeside Unified,Acme Devices,25,450.00,11250.00",
        f"2,{line_2},District 3 (not named),Acme Devices,15,450.00,6750.00",
        f"2,{line_2},District 1 (not named),Acme Devices,5,450.00,2250.00",
        "",
    ]


def test_vendors_are_named_as_in_their_bids_and_formulas_stay_text(client, publish_rfp, make_district, north, bidders):
    acme, _birch = bidders
    acme.name = '=HYPERLINK("http://evil.example","Cheapest")'
    district = make_district("+SUM(A1:A9) District", region=north)
    published = publish_rfp({district: (100, 0)}, published_at=PUBLISHED, named=(district,))
    acme.name = "Acme Renamed Later"
    db.session.flush()
    response = client.get(f"/rfps/{published.rfp.reference}/award.csv")
    line = response.get_data().decode("utf-8-sig").split("\r\n")[1]
    assert line == (
        f"1,{published.rfp.lines[0].item.code},'+SUM(A1:A9) District,"
        '"\'=HYPERLINK(""http://evil.example"",""Cheapest"")",100,280.00,28000.00'
    )
    page = html.unescape(text_of(client.get(f"/rfps/{published.rfp.reference}/award")))
    assert '=HYPERLINK("http://evil.example","Cheapest")' in page and "Acme Renamed Later" not in page


@pytest.mark.parametrize("suffix", ["", ".csv"])
def test_no_notice_before_the_round_is_published(client, published, suffix):
    award_round = published.award_round
    award_round.status, award_round.published_at = AwardRoundStatus.SOLVED, None
    published.rfp.status = RfpStatus.OPENED
    db.session.flush()
    response = client.get(f"/rfps/{published.rfp.reference}/award{suffix}")
    assert response.status_code == 404
    assert "Acme" not in text_of(response) and "28,000.00" not in text_of(response)


@pytest.mark.parametrize("suffix", ["", ".csv"])
@pytest.mark.parametrize("status", [RfpStatus.DRAFT, RfpStatus.CANCELLED])
def test_no_notice_for_a_draft_or_cancelled_rfp(client, published, status, suffix):
    published.rfp.status = status
    if status == RfpStatus.DRAFT:
        published.rfp.published_at = None
    db.session.flush()
    assert client.get(f"/rfps/{published.rfp.reference}/award{suffix}").status_code == 404


@pytest.mark.parametrize("suffix", ["", ".csv"])
def test_no_notice_for_sealed_bids(client, make_rfp, suffix):
    rfp = make_rfp(status=RfpStatus.OPEN, deadline_in=timedelta(days=5))
    assert client.get(f"/rfps/{rfp.reference}/award{suffix}").status_code == 404
    assert client.get("/rfps/RFP-NOWHERE/award").status_code == 404


def test_the_rfp_page_links_the_notice_once_published(client, published):
    rfp = published.rfp
    page = client.get(f"/rfps/{rfp.reference}")
    assert f'href="/rfps/{rfp.reference}/award"' in page.get_data(as_text=True)
    assert "Award notice the award was published on 2026-03-02 15:30 UTC" in text_of(page)
    published.award_round.status, published.award_round.published_at = AwardRoundStatus.SOLVED, None
    db.session.flush()
    page = client.get(f"/rfps/{rfp.reference}")
    assert "/award" not in page.get_data(as_text=True) and "Award notice" not in text_of(page)
