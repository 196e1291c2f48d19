"""The administrator's view of open demand: pooled totals per item and the needs behind them, filtered."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from support import text_of

from coop import clock
from coop.catalogue.models import Category
from coop.extensions import db
from coop.needs import queries
from coop.needs.models import NeedStatus


def day(days: int) -> str:
    return (clock.today() + timedelta(days=days)).isoformat()


@pytest.fixture
def demand_setup(catalogue, make_district, make_region, make_need):
    """Three districts in two regions; five open needs, one pooled and one withdrawn that do not count."""
    north, south = make_region("north", "North"), make_region("south", "South")
    lakeview = make_district("Lakeview SD", region=north)
    hillcrest = make_district("Hillcrest SD", region=north)
    riverside = make_district("Riverside SD", region=south)
    laptop, chromebook, access_point = catalogue["LAPTOP-14"], catalogue["CHROMEBOOK-11"], catalogue["AP-WIFI6"]
    today = clock.today()
    make_need(
        lakeview,
        item=laptop,
        quantity=40,
        needed_by=today + timedelta(30),
        budget_cap_cents=12_000_00,
        erate_eligible=True,
    )
    make_need(lakeview, item=laptop, quantity=10, needed_by=today + timedelta(90))
    make_need(hillcrest, item=laptop, quantity=60, needed_by=today + timedelta(20), budget_cap_cents=18_000_50)
    make_need(riverside, item=laptop, quantity=100, needed_by=today + timedelta(60), erate_eligible=True)
    make_need(riverside, item=access_point, quantity=12, needed_by=today + timedelta(45), budget_cap_cents=6_000_00)
    make_need(hillcrest, item=chromebook, quantity=200, needed_by=today + timedelta(10), status=NeedStatus.POOLED)
    make_need(lakeview, item=chromebook, quantity=30, needed_by=today + timedelta(10), status=NeedStatus.WITHDRAWN)
    return {"north": north, "south": south, **catalogue}


@pytest.fixture
def as_admin(log_in, make_admin):
    return log_in(make_admin())


def test_every_open_need_is_pooled_per_item(as_admin, demand_setup, table_rows):
    response = as_admin.get("/admin/demand")
    assert response.status_code == 200
    assert "5 open needs for 2 items." in text_of(response)
    assert table_rows(response, "demand-totals") == [
        f"AP-WIFI6 Wi-Fi 6 access point Network 12 1 1 {day(45)} $6,000.00 (1 of 1) 0",
        f"LAPTOP-14 14-inch student laptop Student Devices 210 3 4 {day(20)} $30,000.50 (2 of 4) 2",
    ]
    assert "LAPTOP-14 14-inch student laptop: 210 each from 3 districts" in text_of(response)
    assert table_rows(response, "lines-LAPTOP-14") == [
        f"Hillcrest SD North 60 {day(20)} $18,000.50 No",
        f"Lakeview SD North 40 {day(30)} $12,000.00 Yes",
        f"Riverside SD South 100 {day(60)} — Yes",
        f"Lakeview SD North 10 {day(90)} — No",
    ]
    assert table_rows(response, "lines-AP-WIFI6") == [f"Riverside SD South 12 {day(45)} $6,000.00 No"]
    assert "CHROMEBOOK-11 11-inch" not in text_of(response)  # pooled and withdrawn needs are not open demand


def test_filter_by_region(as_admin, demand_setup, table_rows):
    response = as_admin.get(f"/admin/demand?region_id={demand_setup['north'].id}")
    assert table_rows(response, "demand-totals") == [
        f"LAPTOP-14 14-inch student laptop Student Devices 110 2 3 {day(20)} $30,000.50 (2 of 3) 1"
    ]
    assert "Riverside SD" not in text_of(response)
    assert f'<option selected value="{demand_setup["north"].id}">North</option>' in response.get_data(as_text=True)


def test_filter_by_category(as_admin, demand_setup, table_rows):
    network = db.session.scalar(sa.select(Category).where(Category.slug == "network"))
    response = as_admin.get(f"/admin/demand?category_id={network.id}")
    assert table_rows(response, "demand-totals") == [
        f"AP-WIFI6 Wi-Fi 6 access point Network 12 1 1 {day(45)} $6,000.00 (1 of 1) 0"
    ]
    assert "1 open need for 1 item." in text_of(response)


def test_filter_by_item_and_needed_by_window(as_admin, demand_setup, table_rows):
    laptop = demand_setup["LAPTOP-14"]
    response = as_admin.get(f"/admin/demand?item_id={laptop.id}&needed_from={day(25)}&needed_to={day(60)}")
    assert table_rows(response, "demand-totals") == [
        f"LAPTOP-14 14-inch student laptop Student Devices 140 2 2 {day(30)} $12,000.00 (1 of 2) 2"
    ]
    assert table_rows(response, "lines-LAPTOP-14") == [
        f"Lakeview SD North 40 {day(30)} $12,000.00 Yes",
        f"Riverside SD South 100 {day(60)} — Yes",
    ]
    assert "Clear filters" in text_of(response)


def test_the_window_includes_both_ends(as_admin, demand_setup, table_rows):
    response = as_admin.get(f"/admin/demand?needed_from={day(45)}&needed_to={day(45)}")
    assert table_rows(response, "demand-totals") == [
        f"AP-WIFI6 Wi-Fi 6 access point Network 12 1 1 {day(45)} $6,000.00 (1 of 1) 0"
    ]


def test_filters_that_match_nothing_say_so(as_admin, demand_setup):
    response = as_admin.get(
        f"/admin/demand?region_id={demand_setup['south'].id}&item_id={demand_setup['CHROMEBOOK-11'].id}"
    )
    assert response.status_code == 200
    assert "No open needs match these filters." in text_of(response)


def test_no_demand_at_all(as_admin):
    assert "No open needs." in text_of(as_admin.get("/admin/demand"))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (f"needed_from={day(60)}&needed_to={day(30)}", "The end of the window must be on or after its start."),
        ("needed_from=next+week", "Enter the date as YYYY-MM-DD."),
        ("item_id=laptops", "Choose an item from the list."),
        ("region_id=999999", "Choose a region from the list."),
    ],
)
def test_bad_filters_are_named_and_show_no_figures(as_admin, demand_setup, query, message):
    response = as_admin.get(f"/admin/demand?{query}")
    assert response.status_code == 422
    page = text_of(response)
    assert message in page
    assert "Fix the filters above to see the demand." in page
    assert "Total quantity" not in page


def test_empty_filter_fields_mean_everything(as_admin, demand_setup):
    response = as_admin.get("/admin/demand?category_id=0&item_id=0&region_id=0&needed_from=&needed_to=")
    assert response.status_code == 200
    assert "5 open needs for 2 items." in text_of(response)


def test_the_query_pools_per_item(demand_setup):
    report = queries.demand(queries.DemandFilter(region_id=demand_setup["north"].id))
    [laptop] = report.items
    assert (
        laptop.code,
        laptop.total_quantity,
        laptop.districts,
        laptop.needs,
        laptop.earliest_needed_by.isoformat(),
        laptop.budget_cap_cents,
        laptop.needs_with_budget,
        laptop.erate_needs,
    ) == ("LAPTOP-14", 110, 2, 3, day(20), 30_000_50, 2, 1)
    assert [(line.district, line.quantity) for line in laptop.lines] == [
        ("Hillcrest SD", 60),
        ("Lakeview SD", 40),
        ("Lakeview SD", 10),
    ]
    assert (report.total_needs, report.total_quantity) == (3, 110)


def test_the_items_are_paged_with_the_filter_kept_and_counts_of_every_item(
    as_admin, demand_setup, table_rows, monkeypatch
):
    monkeypatch.setattr("coop.needs.views.DEMAND_ITEMS_PER_PAGE", 1)
    response = as_admin.get(f"/admin/demand?needed_to={day(365)}")
    assert "5 open needs for 2 items; items 1–1 are shown." in text_of(response)
    assert [row.split()[0] for row in table_rows(response, "demand-totals")] == ["AP-WIFI6"]
    html = response.get_data(as_text=True)
    assert f'href="/admin/demand?page=2&amp;needed_to={day(365)}">Next</a>' in html
    assert "Page 1 of 2" in text_of(response)

    response = as_admin.get(f"/admin/demand?page=2&needed_to={day(365)}")
    assert "5 open needs for 2 items; items 2–2 are shown." in text_of(response)
    assert [row.split()[0] for row in table_rows(response, "demand-totals")] == ["LAPTOP-14"]
    assert "lines-AP-WIFI6" not in response.get_data(as_text=True)
    # A page past the end (the demand shrank since the link was made) shows the last page.
    assert [row.split()[0] for row in table_rows(as_admin.get("/admin/demand?page=9"), "demand-totals")] == [
        "LAPTOP-14"
    ]


def test_the_needs_behind_each_total_are_collapsed_under_the_total(as_admin, demand_setup):
    html = as_admin.get("/admin/demand").get_data(as_text=True)
    # Each item's needs are in a closed <details>; the item's link in the totals targets its table, which opens it.
    item = demand_setup["LAPTOP-14"]
    assert f'<details id="item-{item.id}" class="mb-2">' in html
    assert '<a href="#lines-LAPTOP-14">LAPTOP-14</a>' in html
    assert html.index(f'id="item-{item.id}"') < html.index('id="lines-LAPTOP-14"')
