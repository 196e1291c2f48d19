"""The explanation of an award round: names instead of engine ids, the partial, the charts and the PDF.

The round is solved here by the engine from a problem built with the adapters' offers, as a stored round's
problem and result documents would be. Figures are worked out by hand in the fixture's comments.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import timedelta
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from flask import render_template
from pypdf import PdfReader
from support import offer

from coop.awards import adapters, charts, explanation
from coop.bids import queries as bid_queries
from coop.bids.models import PricingKind
from coop.extensions import db
from coop.rfps.models import RfpStatus
from pricing import Demand, District, Item, Problem, Vendor, solve

HOSTILE = "Cedar $x^2$ </svg><script>alert(1)</script> & Co"


@pytest.fixture
def round_documents(make_rfp, make_district, make_bid, make_region, now):
    """An opened RFP of two lines, three bids, two districts; its problem and the engine's result as stored.

    Line 1: Alder (north) 70, Birch Valley (south) 50. Acme, all units, 300.00 and 280.00 from 100 units: 120 x 280
    = 33,600.00. Cedar, 290.00, north only, capacity 100: Alder's 70 for 20,300.00 leaves Birch Valley 50 x 300.00.
    Birch Computing, incremental 310.00 then 290.00 from 100 units: 99 x 310 + 21 x 290 = 36,780.00 for 120.
    Line 2: Alder 40. Acme 450.00: 18,000.00; Cedar 400.00 only from 50 units. Total 51,600.00.
    """
    north, south = make_region("north", "North"), make_region("south", "South")
    rfp = make_rfp(quantities=(120, 40), deadline_in=timedelta(days=-1))
    rfp.status, rfp.opened_at, rfp.tco_years = RfpStatus.OPENED, now(), 4
    alder = make_district("Alder School District", region=north)
    birch_valley = make_district("Birch Valley SD", region=south)
    lines = {line.line_no: line for line in rfp.lines}

    make_bid(rfp, "Acme Devices", {1: offer([(1, 300_00), (100, 280_00)]), 2: offer([(1, 450_00)])})
    make_bid(
        rfp, HOSTILE, {1: offer([(1, 290_00)], capacity=100, regions=[north]), 2: offer([(1, 400_00)], min_award=50)}
    )
    make_bid(rfp, "Birch Computing", {1: offer([(1, 310_00), (100, 290_00)], pricing=PricingKind.INCREMENTAL)})
    db.session.flush()
    versions = bid_queries.submitted_versions(rfp)
    line_no = {line.id: line.line_no for line in rfp.lines}
    offers = [adapters.offer_for(v.bid, lines[line_no[line.rfp_line_id]], line) for v in versions for line in v.lines]
    problem = Problem(
        items=(Item("L1"), Item("L2")),
        districts=(District(f"D{alder.id}", "north"), District(f"D{birch_valley.id}", "south")),
        demands=(
            Demand(f"D{alder.id}", "L1", 70),
            Demand(f"D{alder.id}", "L2", 40),
            Demand(f"D{birch_valley.id}", "L1", 50),
        ),
        offers=tuple(offers),
        vendors=tuple(Vendor(adapters.vendor_id(v.bid)) for v in versions),
        tco_years=4,
    ).to_dict()
    result = solve(Problem.from_dict(problem), time_limit_s=20, mip_rel_gap=0.0).to_dict()
    return rfp, problem, result


def test_the_explanation_names_vendors_districts_and_lines(round_documents):
    rfp, problem, result = round_documents
    explained = explanation.explanation_for(explanation.names_for(rfp, problem), problem, result)
    first, second = explained.lines
    assert first.title.startswith("Line 1: 11-inch student laptop (LAPTOP-")
    assert [(a.vendor, a.districts, a.quantity, a.tier, a.unit_price, a.total) for a in first.awards] == [
        (
            "Acme Devices",
            ("Alder School District", "Birch Valley SD"),
            120,
            "from 100 units at $280.00",
            "$280.00",
            "$33,600.00",
        )
    ]
    # Without Acme: Cedar takes Alder's 70 (20,300.00), Birch Computing Birch Valley's 50 (15,500.00).
    assert first.runner_up == (
        "Without Acme Devices, the best allocation of this line would cost $35,800.00 and the "
        "round $53,800.00, $2,200.00 more."
    )
    assert [(a.vendor, a.districts, a.total) for a in first.runner_up_awards] == [
        (HOSTILE, ("Alder School District",), "$20,300.00"),
        ("Birch Computing", ("Birch Valley SD",), "$15,500.00"),
    ]
    assert [(row.vendor, row.reason, row.message) for row in first.lost] == [
        (
            HOSTILE,
            "Dearer at the pooled volume",
            f"Dearer at the pooled volume: at 70 units (the volume of the districts it serves) {HOSTILE} would cost "
            "$290.00 a unit over 4 years (unit price $290.00); those districts pay $280.00 a unit as awarded.",
        ),
        (
            "Birch Computing",
            "Dearer at the pooled volume",
            "Dearer at the pooled volume: at 120 units (the volume of the districts it serves) Birch Computing would "
            "cost $306.50 a unit over 4 years (incremental bands down to $290.00); those districts pay $280.00 a unit "
            "as awarded.",
        ),
    ]
    assert [(row.vendor, row.reason, row.message) for row in second.lost] == [
        (
            HOSTILE,
            "Minimum award not reached",
            f"{HOSTILE} must be awarded at least 50 units if awarded at all, but "
            "the districts it serves order only 40.",
        )
    ]
    assert second.runner_up.startswith(
        "Without Acme Devices, this line could not be bought: the minimum award "
        "quantities of the offers serving it cannot be reached"
    )
    # Alone: Alder 70 x 290.00 + 18,000.00 = 38,300.00, Birch Valley 50 x 300.00 = 15,000.00.
    pooling = explained.pooling
    assert (pooling.pooled_cost, pooling.standalone_cost, pooling.savings, pooling.complete) == (
        "$51,600.00",
        "$53,300.00",
        "$1,700.00",
        True,
    )


def test_the_explanation_reports_its_runner_ups_then_its_charts_line_by_line(round_documents):
    rfp, problem, result = round_documents
    seen = []
    explained = explanation.explanation_for(
        explanation.names_for(rfp, problem), problem, result, on_progress=lambda *step: seen.append(step)
    )
    assert len(explained.lines) == 2
    # Line 2 has no runner-up to solve (without Acme, Cedar's minimum award of 50 exceeds Alder's 40): done at
    # once; then line 1's is solved; then each chart as it is drawn.
    runner_ups = [step for step in seen if step[0] == "runner-ups"]
    assert runner_ups == [("runner-ups", 1, 2), ("runner-ups", 2, 2)]
    assert seen[len(runner_ups) :] == [("charts", 0, 2), ("charts", 1, 2), ("charts", 2, 2)]


def test_the_partial_renders_tables_headings_and_an_accessible_chart_per_line(app, round_documents, table_rows):
    rfp, problem, result = round_documents
    explained = explanation.explanation_for(explanation.names_for(rfp, problem), problem, result)
    with app.test_request_context():
        html = render_template("awards/_explanation.html", explanation=explained)
    page = BeautifulSoup(html, "html.parser")
    assert [h.get_text(" ", strip=True) for h in page.find_all(["h2", "h3"])] == [
        "Explanation of the award",
        "Buying together against buying alone",
        explained.lines[0].title,
        explained.lines[1].title,
    ]
    assert page.find(id="pooling-savings").get_text() == "$1,700.00"

    class Page:  # what table_rows reads
        def __init__(self, text):
            self.text = text

        def get_data(self, as_text):
            return self.text

    assert table_rows(Page(html), "chart-L1-awards") == [
        "Acme Devices Alder School District, Birch Valley SD 120 from 100 units at $280.00 $280.00 $33,600.00 $0.00 "
        "$0.00 $33,600.00"
    ]
    assert table_rows(Page(html), "chart-L1-figures")[2] == (
        "Birch Computing Incremental 1+ units: $310.00; 100+ units: $290.00 99 units: $30,690.00; "
        "120 units: $36,780.00 unlimited 0 not awarded"
    )
    svgs = page.find_all("svg")
    assert [svg["aria-labelledby"] for svg in svgs] == ["chart-L1-title chart-L1-desc", "chart-L2-title chart-L2-desc"]
    assert svgs[0].find("title").get_text() == f"{explained.lines[0].title}: cost against quantity"
    assert "Awarded: Acme Devices 120 units at $280.00 a unit." in svgs[0].find("desc").get_text()
    # The hostile vendor name is text everywhere: no script element, its dollar signs kept as typed.
    assert page.find("script") is None
    assert HOSTILE in [t.get_text() for t in svgs[0].find_all("text")]


def test_a_chart_is_the_same_bytes_for_the_same_figures_and_escapes_names():
    series = [
        charts.Series(
            HOSTILE,
            ((0, Decimal("0.00")), (99, Decimal("10890.00")), (100, Decimal("10000.00"))),
            (100, Decimal("10000.00")),
        ),
        charts.Series("Birch", ((0, Decimal("0.00")), (110, Decimal("9850.00"))), None),
    ]
    first = charts.line_chart("chart-L1", "Line 1 <laptops>", "Two offers & one award", series)
    assert first == charts.line_chart("chart-L1", "Line 1 <laptops>", "Two offers & one award", series)
    svg = ET.fromstring(first)  # well-formed whatever the names
    ns = {"svg": "http://www.w3.org/2000/svg"}
    assert (svg.find("svg:title", ns).text, svg.find("svg:desc", ns).text) == (
        "Line 1 <laptops>",
        "Two offers & one award",
    )
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert HOSTILE in texts and f"{HOSTILE}: awarded 100 units" in texts
    assert "<script" not in first and "dc:date" not in first
    with pytest.raises(ValueError, match="chart_id: 'chart 1' is not a plain identifier"):
        charts.line_chart("chart 1", "t", "d", series)


def test_the_pdf_has_the_explanation_with_its_charts(app, round_documents):
    rfp, problem, result = round_documents
    explained = explanation.explanation_for(explanation.names_for(rfp, problem), problem, result)
    with app.test_request_context():
        pdf = explanation.render_pdf(rfp, explanation.render_html(explained))
    pages = PdfReader(io.BytesIO(pdf)).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())
    assert f"{rfp.reference} · Award explanation · page 1 of {len(pages)}" in text
    assert "Without Acme Devices, the best allocation of this line would cost $35,800.00" in text
    assert "Alder School District, Birch Valley SD" in text
    # The charts' text is in it too: their legends name the awarded points.
    assert "Acme Devices: awarded 120 units" in text


def test_an_infeasible_round_names_each_unmet_demand_and_why(app, round_documents):
    rfp, problem, result = round_documents
    acme = {o["vendor"] for o in problem["offers"] if o["tiers"][0]["unit_price"] == "450.00"}
    problem = {**problem, "offers": [o for o in problem["offers"] if o["vendor"] not in acme]}
    result = solve(Problem.from_dict(problem), time_limit_s=20).to_dict()
    explained = explanation.explanation_for(explanation.names_for(rfp, problem), problem, result)
    assert (explained.status, explained.lines) == ("infeasible", ())
    assert [(u.district, u.line, u.quantity) for u in explained.unmet] == [
        ("Alder School District", explained.unmet[0].line, 40)
    ]
    assert explained.unmet[0].line.startswith("Line 2: 14-inch student laptop")
    # The engine's reason, its ids in words.
    cedar = next(o["id"] for o in problem["offers"] if o["item"] == "L2")
    assert result["unmet"][0]["reason"] == (
        f"the minimum award quantities of the offers serving it cannot be reached: {cedar} (50)"
    )
    assert explained.unmet[0].reason == (
        f"the minimum award quantities of the offers serving it cannot be reached: {HOSTILE}'s offer on line 2 (50)"
    )
    with app.test_request_context():
        html = render_template("awards/_explanation.html", explanation=explained)
    assert "Demands that cannot be met" in html and "Alder School District" in html


def _contrast_with_white(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


def test_chart_series_are_told_apart_without_colour_and_each_colour_passes_wcag_aa():
    styles = {(style["marker"], style["linestyle"]) for style in map(charts.series_style, range(32))}
    assert len(styles) == 32
    assert min(_contrast_with_white(colour) for colour in charts.COLOURS) >= 4.5
