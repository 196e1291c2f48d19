"""A district's ledger (``/ledger``) and its CSV file (``/ledger.csv``)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from support import text_of

from coop.awards.models import AwardRoundStatus
from coop.extensions import db
from coop.outcomes import charts, ledger
from coop.outcomes.figures import per_student_cents

MARCH = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
JUNE = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)
HEADER = "rfp,title,published_at,rule,pooled_cost,standalone_cost,savings,standalone_note"
# As the app stores it: the engine's reason with its ids in words.
MINIMUM_NOTE = (
    "Line 1: 11-inch student laptop: the minimum award quantities of the offers serving it cannot be reached: "
    "Acme Devices's offer on line 1 (50)"
)


@pytest.fixture
def districts(make_district, north):
    return {
        name: make_district(name, region=north, enrollment=enrollment)
        for name, enrollment in (
            ("Lakeside Unified", 1200),
            ("Pine Hollow SD", 800),
            ("Cedar Falls", 500),
            ("Far Away District", 300),
        )
    }


@pytest.fixture
def rounds(publish_rfp, districts):
    """Lakeside and Cedar Falls in two published rounds, Pine Hollow in the first only (it cannot buy alone),
    Far Away District in a round of its own; and a solved round not published."""
    lakeside, pine, cedar, far = districts.values()
    first = publish_rfp(
        {lakeside: (100, 25), pine: (20, 0), cedar: (0, 15)}, published_at=MARCH, title="Student laptops 2026"
    )
    second = publish_rfp({lakeside: (60, 30), cedar: (50, 0)}, published_at=JUNE, title="Student laptops 2027")
    own = publish_rfp({far: (100, 10)}, published_at=JUNE, title="Far Away laptops")
    unpublished = publish_rfp({lakeside: (70, 0), cedar: (70, 0)}, published_at=JUNE, title="Not published yet")
    unpublished.award_round.status, unpublished.award_round.published_at = AwardRoundStatus.SOLVED, None
    db.session.flush()
    return first, second, own, unpublished


def csv_lines(response) -> list[str]:
    assert response.mimetype == "text/csv"
    return response.get_data().decode("utf-8-sig").split("\r\n")


def test_the_ledger_equals_the_shares_to_the_cent(rounds, districts):
    first, second, *_ = rounds
    lakeside = districts["Lakeside Unified"]
    entries = ledger.ledger_for(lakeside.id).rounds
    assert [
        (entry.reference, entry.pooled_cost_cents, entry.standalone_cost_cents, entry.savings_cents)
        for entry in entries
    ] == [
        (published.rfp.reference, share.pooled_cost_cents, share.standalone_cost_cents, share.savings_cents)
        for published in (first, second)
        for share in [published.shares["Lakeside Unified"]]
    ]
    # Worked by hand from the bids: line 1 at $280.00 pooled (100+ units) plus 4 years of $12.00 support, line 2 at
    # $450.00; alone, 60 units of line 1 cost $300.00 each.
    assert [(entry.pooled_cost_cents, entry.standalone_cost_cents, entry.savings_cents) for entry in entries] == [
        (44_050_00, 44_800_00, 750_00),
        (33_180_00, 34_380_00, 1_200_00),
    ]


def test_the_district_reads_its_ledger(client, log_in, make_buyer, rounds, districts, table_rows):
    first, second, *_ = rounds
    response = log_in(make_buyer(districts["Lakeside Unified"])).get("/ledger")
    assert response.status_code == 200
    text = text_of(response)
    assert "Savings ledger — Lakeside Unified" in text
    assert "Enrollment 1,200 students" in text
    assert table_rows(response, "ledger-summary") == [
        f"{first.rfp.reference} Student laptops 2026 2026-03-02 15:30 UTC Equal price, capped at the standalone cost "
        "$44,050.00 $36.71 per student $44,800.00 $37.33 per student $750.00 $0.63 per student",
        f"{second.rfp.reference} Student laptops 2027 2026-06-15 09:00 UTC Equal price, capped at the standalone cost "
        "$33,180.00 $27.65 per student $34,380.00 $28.65 per student $1,200.00 $1.00 per student",
        "Total, 2 rounds $77,230.00 $64.36 per student $79,180.00 $65.98 per student $1,950.00 $1.63 per student",
    ]
    assert table_rows(response, "round-1-lines") == [
        "1 11-inch student laptop " + first.rfp.lines[0].item.code + " Acme Devices 100 $280.00 $28,000.00",
        "2 14-inch student laptop " + first.rfp.lines[1].item.code + " Acme Devices 25 $450.00 $11,250.00",
    ]
    assert table_rows(response, "savings-over-time") == [
        f"2026-03-02 {first.rfp.reference} $750.00 $750.00",
        f"2026-06-15 {second.rfp.reference} $1,200.00 $1,950.00",
    ]
    html = response.get_data(as_text=True)
    assert (
        '<div class="chart" id="savings-chart"><svg ' in html and 'aria-labelledby="savings-title savings-desc"' in html
    )
    assert 'href="/ledger.csv"' in html
    assert f'href="/rfps/{first.rfp.reference}/award"' in html


def test_a_share_that_differs_from_the_orders_shows_the_fair_share_adjustment(
    client, log_in, make_buyer, rounds, districts
):
    first, *_ = rounds
    # As a sharing rule does when it caps a district at its standalone cost: $100.00 of Lakeside's orders carried by
    # Cedar Falls, the shares still adding up to the round's total.
    first.shares["Lakeside Unified"].pooled_cost_cents -= 100_00
    first.shares["Cedar Falls"].pooled_cost_cents += 100_00
    db.session.flush()
    entry = ledger.ledger_for(districts["Lakeside Unified"].id).rounds[0]
    assert (entry.pooled_cost_cents, entry.ordered_cents, entry.adjustment_cents) == (43_950_00, 44_050_00, -100_00)
    text = text_of(log_in(make_buyer(districts["Lakeside Unified"])).get("/ledger"))
    assert "Paid to the vendors $44,050.00 (the purchase orders)" in text
    assert "Fair-share adjustment -$100.00: credited to Lakeside Unified by the cooperative" in text
    cedar = ledger.ledger_for(districts["Cedar Falls"].id).rounds[0]
    assert cedar.adjustment_cents == 100_00
    # A district whose share is what its orders say reads no adjustment.
    assert "Fair-share adjustment" not in text_of(log_in(make_buyer(districts["Pine Hollow SD"])).get("/ledger"))


def test_an_unknown_standalone_cost_is_said_and_left_out_of_the_totals(
    client, log_in, make_buyer, rounds, districts, table_rows
):
    first, *_ = rounds
    share = first.shares["Pine Hollow SD"]
    assert share.standalone_cost_cents is None
    response = log_in(make_buyer(districts["Pine Hollow SD"])).get("/ledger")
    note = MINIMUM_NOTE
    assert share.standalone_note == note
    assert table_rows(response, "ledger-summary") == [
        f"{first.rfp.reference} Student laptops 2026 2026-03-02 15:30 UTC Equal price, capped at the standalone cost "
        f"$6,560.00 $8.20 per student Unknown: {note}",
        "Total, 1 round $6,560.00 $8.20 per student Unknown",
    ]
    text = text_of(response)
    assert (
        "The standalone and savings totals leave out 1 round whose standalone cost is unknown (pooled cost $6,560.00)."
    ) in text
    assert table_rows(response, "savings-over-time") == [f"2026-03-02 {first.rfp.reference} Unknown $0.00"]


def test_the_csv_file(client, log_in, make_buyer, rounds, districts):
    first, second, *_ = rounds
    client = log_in(make_buyer(districts["Cedar Falls"]))
    response = client.get("/ledger.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == "attachment; filename=ledger.csv"
    assert csv_lines(response) == [
        HEADER,
        f"{first.rfp.reference},Student laptops 2026,2026-03-02T15:30:00Z,capped_equal_price,6750.00,7200.00,450.00,",
        f"{second.rfp.reference},Student laptops 2027,2026-06-15T09:00:00Z,capped_equal_price,"
        "16400.00,17400.00,1000.00,",
        "",
    ]


def test_the_csv_file_leaves_an_unknown_standalone_cost_empty_with_the_reason(
    client, log_in, make_buyer, rounds, districts
):
    first, *_ = rounds
    note = MINIMUM_NOTE
    response = log_in(make_buyer(districts["Pine Hollow SD"])).get("/ledger.csv")
    assert csv_lines(response) == [
        HEADER,
        f"{first.rfp.reference},Student laptops 2026,2026-03-02T15:30:00Z,capped_equal_price,6560.00,,,{note}",
        "",
    ]


def test_another_districts_rounds_are_never_shown(client, log_in, make_buyer, rounds, districts):
    first, second, own, unpublished = rounds
    client = log_in(make_buyer(districts["Lakeside Unified"]))
    page = text_of(client.get("/ledger"))
    csv = client.get("/ledger.csv").get_data().decode("utf-8-sig")
    for shown in (page, csv):
        assert first.rfp.reference in shown and second.rfp.reference in shown
        assert own.rfp.reference not in shown and "Far Away" not in shown
        assert unpublished.rfp.reference not in shown
        # Other districts' shares of the same rounds: Pine Hollow's $6,560.00, Cedar Falls' $6,750.00.
        assert not {"6,560.00", "6560.00", "6,750.00", "6750.00"} & set(shown.replace("$", " ").split())
    far = text_of(log_in(make_buyer(districts["Far Away District"])).get("/ledger"))
    assert own.rfp.reference in far and first.rfp.reference not in far and "Lakeside" not in far


def test_a_district_without_a_published_round(client, log_in, make_buyer, make_district, north, rounds):
    client = log_in(make_buyer(make_district("Newcomer District", region=north)))
    text = text_of(client.get("/ledger"))
    assert "No published award round includes Newcomer District yet." in text
    assert csv_lines(client.get("/ledger.csv")) == [HEADER, ""]


def test_formulas_in_names_stay_text_in_the_csv(client, log_in, make_buyer, make_district, north, publish_rfp):
    district = make_district("-Minus District", region=north)
    published = publish_rfp({district: (100, 0)}, published_at=MARCH, title='=HYPERLINK("http://evil.example","x")')
    lines = csv_lines(log_in(make_buyer(district)).get("/ledger.csv"))
    assert lines[1].startswith(f'{published.rfp.reference},"\'=HYPERLINK(""http://evil.example"",""x"")"')


@pytest.mark.parametrize(
    ("cents", "enrollment", "expected"),
    [
        (750_00, 1200, 63),
        (-750_00, 1200, -63),
        (1_00, 3, 33),
        (None, 1200, None),
        (750_00, 0, None),
        (750_00, None, None),
    ],
)
def test_amounts_per_student(cents, enrollment, expected):
    """Rounded half up to the cent; unknown when the amount or the enrollment is."""
    assert per_student_cents(cents, enrollment) == expected


def test_the_chart_is_the_same_bytes_every_time_and_says_what_it_shows(rounds, districts):
    lakeside_ledger = ledger.ledger_for(districts["Lakeside Unified"].id)
    chart = charts.savings_chart(lakeside_ledger)
    assert chart.svg == charts.savings_chart(ledger.ledger_for(districts["Lakeside Unified"].id)).svg
    svg = str(chart.svg)
    assert svg.count("<svg ") == 1 and 'role="img" aria-labelledby="savings-title savings-desc"' in svg
    assert '<title id="savings-title">Cumulative savings of Lakeside Unified from pooled purchasing</title>' in svg
    first, second, *_ = rounds
    assert (
        '<desc id="savings-desc">2 published award rounds, $1,950.00 saved in all. '
        f"2026-03-02 {first.rfp.reference}: saved $750.00, $750.00 so far; "
        f"2026-06-15 {second.rfp.reference}: saved $1,200.00, $1,950.00 so far.</desc>"
    ) in svg
    assert "dc:date" not in svg


def test_the_ledger_prints_without_navigation_or_downloads(client, log_in, make_buyer, rounds, districts):
    html = log_in(make_buyer(districts["Lakeside Unified"])).get("/ledger").get_data(as_text=True)
    assert '<link rel="stylesheet" href="/static/outcomes/print.css">' in html
    assert '<dd class="col-sm-9 d-print-none" id="downloads">' in html
    stylesheet = client.get("/static/outcomes/print.css")
    assert stylesheet.status_code == 200
    assert "@media print" in stylesheet.get_data(as_text=True)
    stylesheet.close()


def test_the_chart_escapes_names_and_draws_a_single_round(make_district, north, publish_rfp):
    district = make_district("Smith & <Jones> District", region=north)
    publish_rfp({district: (100, 0)}, published_at=MARCH)
    svg = str(charts.savings_chart(ledger.ledger_for(district.id)).svg)
    assert "Cumulative savings of Smith &amp; &lt;Jones&gt; District" in svg
    assert "<Jones>" not in svg
