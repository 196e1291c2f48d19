"""Random but realistic allocation problems, for benchmarks, tests and demos."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from .costing import CENT
from .problem import Demand, DiscountBracket, District, Item, Offer, Problem, Rules, Tier, Vendor

REGIONS = ("north", "south", "east", "west", "central", "coast")
FALLBACK_VENDOR = "CATALOG"


def _money(value: float) -> Decimal:
    return Decimal(str(round(float(value), 2))).quantize(CENT)


def generate_problem(
    *,
    districts: int,
    items: int,
    vendors: int,
    seed: int = 0,
    max_vendors_per_item: int | None = None,
    split_district_demand: bool = False,
) -> Problem:
    """A random problem shaped like a real pooled RFP.

    District enrollments are lognormal; each item has a per-student yearly
    intensity, and each district wants each item with probability 0.7. Vendors
    bid on about half the items, some only in a few regions; their tier breaks
    sit at fractions of the pooled demand. Some offers have capacities,
    minimum awards or incremental pricing; some vendors give total-quantity
    discounts. Every item also has a catalog offer (all regions, no capacity,
    no minimum, one dear tier), so every problem is feasible.

    Parameters
    ----------
    districts, items, vendors : int
        Problem size (``vendors`` bidders besides the catalog).
    seed : int, optional
        Seed of the random generator; equal seeds give equal problems.
    max_vendors_per_item : int, optional
        Vendor cap written into the rules.
    split_district_demand : bool, optional
        Rule written into the problem.

    Returns
    -------
    Problem
    """
    if min(districts, items, vendors) < 1:
        raise ValueError("districts, items and vendors: must be at least 1")
    rng = np.random.default_rng(seed)
    regions = REGIONS[: max(1, min(len(REGIONS), districts // 10 + 1))]
    district_rows = tuple(District(f"D{k + 1:03d}", str(regions[k % len(regions)])) for k in range(districts))
    enrollment = rng.lognormal(mean=7.5, sigma=0.9, size=districts)
    item_rows = tuple(Item(f"I{k + 1:02d}") for k in range(items))
    intensity = rng.uniform(0.01, 0.12, size=items)
    base_price = rng.lognormal(mean=5.5, sigma=0.8, size=items)

    demands = []
    for d, district in enumerate(district_rows):
        for i, item in enumerate(item_rows):
            if rng.random() < 0.7:
                quantity = max(1, int(round(enrollment[d] * intensity[i] * rng.lognormal(0, 0.3))))
                demands.append(Demand(district.id, item.id, quantity))
    if not demands:
        demands.append(Demand(district_rows[0].id, item_rows[0].id, 1))
    pooled = {item.id: sum(r.quantity for r in demands if r.item == item.id) for item in item_rows}

    vendor_ids = [f"V{k + 1:02d}" for k in range(vendors)]
    offers = []
    expected_value = dict.fromkeys(vendor_ids, 0.0)
    for v in vendor_ids:
        regional = rng.random() < 0.35
        served = (
            tuple(sorted(rng.choice(regions, size=max(1, len(regions) // 2), replace=False).tolist()))
            if regional
            else None
        )
        for i, item in enumerate(item_rows):
            if rng.random() >= 0.5 or pooled[item.id] == 0:
                continue
            total = pooled[item.id]
            price = base_price[i] * rng.uniform(0.9, 1.12)
            breaks = sorted(
                {1} | {max(2, int(total * f)) for f in rng.choice([0.03, 0.08, 0.15, 0.3, 0.5], size=3, replace=False)}
            )
            tiers, current = [], price
            for start in breaks:
                tiers.append(Tier(start, _money(current)))
                current *= 1 - rng.uniform(0.02, 0.08)
            capacity = int(total * rng.uniform(0.25, 0.7)) + 1 if rng.random() < 0.3 else None
            minimum = int(total * rng.uniform(0.01, 0.08)) if rng.random() < 0.2 else 0
            if capacity is not None:
                minimum = min(minimum, capacity)
            offers.append(
                Offer(
                    id=f"{v}-{item.id}",
                    vendor=v,
                    item=item.id,
                    tiers=tuple(tiers),
                    pricing="incremental" if rng.random() < 0.25 else "all_units",
                    annual_cost_per_unit=_money(price * rng.uniform(0.0, 0.06)),
                    capacity=capacity,
                    min_award_quantity=minimum,
                    regions=served,
                )
            )
            expected_value[v] += price * total / 3
    for i, item in enumerate(item_rows):
        offers.append(
            Offer(
                id=f"{FALLBACK_VENDOR}-{item.id}",
                vendor=FALLBACK_VENDOR,
                item=item.id,
                tiers=(Tier(1, _money(base_price[i] * 1.3)),),
                annual_cost_per_unit=_money(base_price[i] * 0.05),
            )
        )
    vendor_rows = []
    for v in vendor_ids:
        brackets: tuple[DiscountBracket, ...] = ()
        if rng.random() < 0.3 and expected_value[v] > 0:
            first = expected_value[v] * rng.uniform(0.3, 0.8)
            brackets = (
                DiscountBracket(_money(first), Decimal("1.5")),
                DiscountBracket(_money(first * 2), Decimal("3")),
            )
        vendor_rows.append(Vendor(v, brackets))
    vendor_rows.append(Vendor(FALLBACK_VENDOR))
    return Problem(
        items=item_rows,
        districts=district_rows,
        demands=tuple(demands),
        offers=tuple(offers),
        vendors=tuple(vendor_rows),
        rules=Rules(max_vendors_per_item, split_district_demand),
        currency="USD",
        tco_years=4,
    )
