"""Hand-computed cases, one per rule of the format."""

from decimal import Decimal

from pricing import Problem, solve


def run(doc, **options):
    return solve(Problem.from_dict(doc), time_limit_s=20, mip_rel_gap=0.0, **options)


def by_district(result):
    return {s.district: s for s in result.shares}


def test_pool_crosses_a_tier_and_lowers_every_members_price(document):
    result = run(document())
    assert result.status == "optimal"
    assert result.total_cost == Decimal("9900.00")  # 110 units at the 100+ price of 90.00
    assert {a.district: a.unit_price for a in result.awards} == {"D1": Decimal("90.00"), "D2": Decimal("90.00")}
    shares = by_district(result)
    assert (shares["D1"].pooled_cost, shares["D1"].standalone_cost, shares["D1"].savings) == (
        Decimal("5400.00"),
        Decimal("6000.00"),
        Decimal("600.00"),
    )
    assert (shares["D2"].pooled_cost, shares["D2"].standalone_cost, shares["D2"].savings) == (
        Decimal("4500.00"),
        Decimal("5000.00"),
        Decimal("500.00"),
    )
    assert result.worse_off == ()


def test_incremental_bands_and_support_cost_over_tco_years(document, offer):
    doc = document(
        demands=[{"district": "D1", "item": "laptop", "quantity": 25}],
        offers=[
            offer(
                "O1",
                "V1",
                [(1, "10.00"), (11, "8.00"), (21, "5.00")],
                pricing="incremental",
                annual_cost_per_unit="1.50",
            )
        ],
    )
    result = run(doc)
    # 10 x 10.00 + 10 x 8.00 + 5 x 5.00 = 205.00; support 25 x 1.50 x 4 years = 150.00
    assert result.total_cost == Decimal("355.00")
    (award,) = result.awards
    assert (award.unit_price, award.cost, award.support_cost) == (Decimal("8.20"), Decimal("205.00"), Decimal("150.00"))


def test_quantity_exactly_at_tier_break_and_discount_bracket(document):
    doc = document(
        demands=[
            {"district": "D1", "item": "laptop", "quantity": 60},
            {"district": "D2", "item": "laptop", "quantity": 40},
        ],
        vendors=[{"id": "V1", "total_discounts": [{"min_value": "9000.00", "percent": "10"}]}],
    )
    result = run(doc)
    # 100 units: exactly the 90.00 tier -> 9000.00, exactly the bracket -> 10 % off
    assert result.total_cost == Decimal("8100.00")
    shares = by_district(result)
    assert (shares["D1"].pooled_cost, shares["D2"].pooled_cost) == (Decimal("4860.00"), Decimal("3240.00"))
    assert sum(a.discount for a in result.awards) == Decimal("900.00")


def test_minimum_award_forces_consolidation_on_one_vendor(document, offer):
    doc = document(
        demands=[
            {"district": "D1", "item": "laptop", "quantity": 60},
            {"district": "D2", "item": "laptop", "quantity": 30},
        ],
        offers=[
            offer("A", "V1", [(1, "10.00")], min_award_quantity=80),
            offer("B", "V2", [(1, "11.00")]),
            offer("C", "V3", [(1, "10.50")], min_award_quantity=61),
        ],
        vendors=[{"id": "V1"}, {"id": "V2"}, {"id": "V3"}],
    )
    result = run(doc)
    assert result.total_cost == Decimal("900.00")
    assert {(a.district, a.offer) for a in result.awards} == {("D1", "A"), ("D2", "A")}
    shares = by_district(result)
    assert (shares["D1"].standalone_cost, shares["D2"].standalone_cost) == (Decimal("660.00"), Decimal("330.00"))


def test_district_that_cannot_buy_alone_gets_no_standalone_cost(document, offer):
    doc = document(offers=[offer("A", "V1", [(1, "10.00")], min_award_quantity=100)])
    result = run(doc)
    assert result.total_cost == Decimal("1100.00")
    shares = by_district(result)
    assert shares["D1"].standalone_cost is None
    assert shares["D1"].standalone_reason == (
        "laptop: the minimum award quantities of the offers serving it cannot be reached: A (100)"
    )


def test_district_no_vendor_serves_is_reported_not_raised(document, offer):
    doc = document(
        districts=[{"id": "D1", "region": "north"}, {"id": "D2", "region": "south"}],
        offers=[offer("O1", "V1", [(1, "10.00")], regions=["north"])],
    )
    result = run(doc)
    assert result.status == "infeasible"
    assert result.total_cost is None
    assert [(u.district, u.item, u.reason) for u in result.unmet] == [
        ("D2", "laptop", "no offer on item 'laptop' serves region 'south'")
    ]


def test_capacities_too_small_names_the_short_districts(document, offer):
    doc = document(offers=[offer("O1", "V1", [(1, "10.00")], capacity=100)], rules={"split_district_demand": True})
    result = run(doc)
    assert result.status == "infeasible"
    assert {u.reason for u in result.unmet} == {
        "capacities too small: the offers serving D1, D2 can supply 100 units of item 'laptop' but they need 110"
    }


def test_vendor_cap_puts_an_item_on_one_vendor(one_vendor_per_item):
    result = run(one_vendor_per_item)
    assert result.total_cost == Decimal("1166.00")  # 110 x 10.60: the only vendor serving both
    assert {a.vendor for a in result.awards} == {"V3"}
    shares = by_district(result)
    # Alone each district buys from its regional vendor at 10.00: the cap costs D1 36.00.
    assert shares["D1"].savings == Decimal("-36.00")
    assert result.worse_off == ("D1", "D2")


def test_vendor_cap_that_cannot_be_met_is_explained(document, offer):
    doc = document(
        districts=[{"id": "D1", "region": "north"}, {"id": "D2", "region": "south"}],
        offers=[
            offer("N", "V1", [(1, "10.00")], regions=["north"]),
            offer("S", "V2", [(1, "10.00")], regions=["south"]),
        ],
        vendors=[{"id": "V1"}, {"id": "V2"}],
        rules={"max_vendors_per_item": 1},
    )
    result = run(doc, standalone=False)
    assert result.status == "infeasible"
    assert {u.reason for u in result.unmet} == {
        "the demands on item 'laptop' cannot all be met under the cap of max_vendors_per_item"
    }


def test_split_demand_uses_a_capacity_then_the_next_offer(document, offer):
    doc = document(
        demands=[{"district": "D1", "item": "laptop", "quantity": 80}],
        offers=[offer("A", "V1", [(1, "10.00")], capacity=50), offer("B", "V1", [(1, "12.00")])],
        rules={"split_district_demand": True},
    )
    result = run(doc)
    assert result.total_cost == Decimal("860.00")
    assert sorted((a.offer, a.quantity) for a in result.awards) == [("A", 50), ("B", 30)]


def test_whole_demand_larger_than_every_capacity(document, offer):
    doc = document(
        demands=[{"district": "D1", "item": "laptop", "quantity": 80}],
        offers=[offer("A", "V1", [(1, "10.00")], capacity=50)],
    )
    result = run(doc)
    assert [u.reason for u in result.unmet] == [
        "no single offer serving region 'north' can supply all 80 units (largest capacity 50) "
        "and split_district_demand is false"
    ]


def test_other_rules_add_up_to_the_total(document, offer):
    doc = document(
        districts=[{"id": f"D{k}", "region": "north"} for k in range(1, 4)],
        demands=[{"district": f"D{k}", "item": "laptop", "quantity": q} for k, q in [(1, 60), (2, 30), (3, 10)]],
    )
    for rule in ("proportional", "shapley"):
        result = run(doc, shares=rule)
        figures = [getattr(s, f"{rule}_cost") for s in result.shares]
        assert sum(figures) == result.total_cost == Decimal("9000.00")
    # Exact Shapley: alone 6000, 3000, 1000; pairs 9000 (D1+D2, 90 units), 7000, 4000; all 9000.
    # D1 = (2 x 6000 + 6000 + 6000 + 2 x 5000) / 6 = 5666.67, D2 = 2666.67, D3 = 666.67 - 1 cent
    # (equal remainders: the missing cents go to the first districts).
    assert [s.shapley_cost for s in result.shares] == [Decimal("5666.67"), Decimal("2666.67"), Decimal("666.66")]


def test_core_check_finds_the_coalition_that_would_leave(document, offer):
    doc = document(
        districts=[{"id": f"D{k}", "region": "north"} for k in range(1, 4)],
        demands=[{"district": f"D{k}", "item": "laptop", "quantity": q} for k, q in [(1, 60), (2, 40), (3, 5)]],
        offers=[
            offer("O1", "V1", [(1, "100.00"), (100, "90.00")], annual_cost_per_unit="0.00"),
            offer("O2", "V2", [(1, "95.00")], capacity=5),
        ],
        vendors=[{"id": "V1"}, {"id": "V2"}],
    )
    result = run(doc, core=True)
    assert result.core is not None and not result.core.blocked
    assert result.core.message == "no coalition of districts would gain more than 0.00 by leaving the pool"


def test_a_solver_that_overruns_its_limit_is_stopped(monkeypatch):
    import time

    from pricing import guard

    def stuck(*args, **kwargs):
        time.sleep(60)

    monkeypatch.setattr(guard, "GRACE_S", 0.5)
    # The stuck stand-in reaches the child only through fork (a fork server imports the module afresh),
    # and earlier tests in the same run may have left threads that would choose the fork server.
    monkeypatch.setattr(guard, "START_METHOD", "fork")
    monkeypatch.setattr(guard, "solve_arrays", stuck)
    (raw,) = guard.run_guarded([None], time_limit_s=0.1, mip_rel_gap=1e-6)
    assert (raw.status, raw.x, raw.message) == (None, None, "the solver overran its time limit and was stopped")


def test_single_price_offer_keeps_its_capacity_when_demand_is_split(document, offer):
    # Regression: an offer with one price from the first unit used to carry its
    # cost on the assignments alone, without the row that holds its capacity.
    doc = document(
        rules={"split_district_demand": True},
        offers=[offer("O1", "V1", [(1, "10.00")], capacity=70), offer("O2", "V2", [(1, "20.00")])],
        vendors=[{"id": "V1"}, {"id": "V2"}],
    )
    result = run(doc)
    assert result.status == "optimal"
    assert sum(a.quantity for a in result.awards if a.offer == "O1") == 70
    assert result.total_cost == Decimal("1500.00")  # 70 at 10.00 and 40 at 20.00


def test_a_threaded_caller_gets_its_solver_from_a_fork_server(document):
    # Forking a process with other threads can deadlock the child; such a
    # caller (a threaded web server) gets a clean child from a fork server.
    import threading

    from pricing import guard

    release = threading.Event()
    worker = threading.Thread(target=release.wait, daemon=True)
    worker.start()
    try:
        assert guard._context().get_start_method() == "forkserver"
        result = run(document())
    finally:
        release.set()
        worker.join()
    assert result.status == "optimal" and result.total_cost == Decimal("9900.00")
