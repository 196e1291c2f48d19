"""Exact money: costs recomputed from awards, rule checks, cent-exact rounding.

The solver works in floating point; nothing it computes about money is
reported. Costs are recomputed here from the awarded quantities in
``Decimal``, and the awards are checked against every rule of the format.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from .problem import Demand, Problem

CENT = Decimal("0.01")


def to_cents(amount: Decimal) -> Decimal:
    """Round half up to the cent (how an invoice line is rounded)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def round_preserving_sum(values: list[Fraction]) -> list[Decimal]:
    """Round exact amounts to cents so that they add up to their (whole-cent) sum.

    Largest-remainder rounding: every amount is floored to the cent and the
    missing cents go to the largest remainders, earliest first on ties.
    """
    hundredths = [v * 100 for v in values]
    total = sum(hundredths, Fraction(0))
    if total.denominator != 1:
        raise ValueError("the amounts must add up to a whole number of cents")
    floors = [math.floor(h) for h in hundredths]
    missing = int(total) - sum(floors)
    order = sorted(range(len(values)), key=lambda k: (-(hundredths[k] - floors[k]), k))
    for k in order[:missing]:
        floors[k] += 1
    return [(Decimal(f) / 100).quantize(CENT) for f in floors]


def split_cents(amount: Decimal, weights: list[Decimal | int]) -> list[Decimal]:
    """Split a whole-cent amount in proportion to non-negative weights, to the cent."""
    total_weight = sum((Fraction(w) for w in weights), Fraction(0))
    if total_weight == 0:
        return round_preserving_sum([Fraction(amount)] + [Fraction(0)] * (len(weights) - 1))
    return round_preserving_sum([Fraction(amount) * Fraction(w) / total_weight for w in weights])


@dataclass(frozen=True)
class Award:
    """One district's purchase on one offer.

    ``cost`` is the purchase cost at the offer's achieved unit price (exact
    split of the offer's cost), ``support_cost`` the annual cost over
    ``tco_years`` and ``discount`` the district's part of the vendor's total
    discount; ``cost + support_cost - discount`` is what it pays.
    """

    district: str
    item: str
    vendor: str
    offer: str
    quantity: int
    unit_price: Decimal
    cost: Decimal
    support_cost: Decimal
    discount: Decimal

    def to_dict(self) -> dict:
        return {
            "district": self.district,
            "item": self.item,
            "vendor": self.vendor,
            "offer": self.offer,
            "quantity": self.quantity,
            "unit_price": str(self.unit_price),
            "cost": str(self.cost),
            "support_cost": str(self.support_cost),
            "discount": str(self.discount),
        }


Units = dict[tuple[str, str, int], int]  # (district, item, offer index) -> units


def coalition_gain(shares: dict[str, Decimal], members: frozenset[str], cost: Decimal) -> Decimal:
    """What ``members`` would save together by leaving the pool: their ``shares`` less ``cost``, what their own
    purchase costs."""
    return sum((shares[d] for d in members), Decimal("0.00")) - cost


def price_awards(problem: Problem, units: Units) -> tuple[list[Award], Decimal]:
    """Exact award rows and total cost of ownership of an allocation.

    A vendor's discount is its bracket's percent of its purchase value,
    rounded half up to the cent, shared among its award rows in proportion
    to their purchase cost.
    """
    offer_quantity: dict[int, int] = {}
    for (_, _, k), q in units.items():
        offer_quantity[k] = offer_quantity.get(k, 0) + q
    keys = sorted(units, key=lambda key: (key[2], key[0]))
    purchase: dict[tuple[str, str, int], Decimal] = {}
    unit_price: dict[int, Decimal] = {}
    for k, total_q in offer_quantity.items():
        offer = problem.offers[k]
        offer_cost = offer.purchase_cost(total_q)
        if offer.pricing == "all_units":
            unit_price[k] = [t.unit_price for t in offer.tiers if t.min_quantity <= total_q][-1]
        else:
            unit_price[k] = to_cents(offer_cost / total_q)
        rows = [key for key in keys if key[2] == k]
        for key, cost in zip(rows, split_cents(offer_cost, [units[key] for key in rows])):
            purchase[key] = cost

    vendors = {v.id: v for v in problem.vendors}
    discount: dict[tuple[str, str, int], Decimal] = {}
    for vendor_id in sorted({problem.offers[k].vendor for k in offer_quantity}):
        rows = [key for key in keys if problem.offers[key[2]].vendor == vendor_id]
        value = sum((purchase[key] for key in rows), Decimal("0.00"))
        amount = to_cents(value * vendors[vendor_id].discount_percent(value) / 100)
        for key, part in zip(rows, split_cents(amount, [purchase[key] for key in rows])):
            discount[key] = part

    awards = []
    for key in keys:
        district, item, k = key
        offer = problem.offers[k]
        awards.append(
            Award(
                district=district,
                item=item,
                vendor=offer.vendor,
                offer=offer.id,
                quantity=units[key],
                unit_price=unit_price[k],
                cost=purchase[key],
                support_cost=offer.annual_cost_per_unit * units[key] * problem.tco_years,
                discount=discount[key],
            )
        )
    total = sum((a.cost + a.support_cost - a.discount for a in awards), Decimal("0.00"))
    return awards, total


def rule_violations(problem: Problem, units: Units, demands: tuple[Demand, ...]) -> list[str]:
    """Every way ``units`` breaks the format's rules when buying ``demands``."""
    errors = []
    region = {d.id: d.region for d in problem.districts}
    wanted = {(r.district, r.item): r.quantity for r in demands}
    got: dict[tuple[str, str], int] = {}
    offers_used: dict[tuple[str, str], int] = {}
    offer_quantity: dict[int, int] = {}
    for (district, item, k), q in units.items():
        offer = problem.offers[k]
        if (district, item) not in wanted:
            errors.append(f"{district} buys {item} without a demand")
        if offer.item != item:
            errors.append(f"offer {offer.id} is not for item {item}")
        if not offer.serves(region[district]):
            errors.append(f"offer {offer.id} does not serve region {region[district]} of {district}")
        got[(district, item)] = got.get((district, item), 0) + q
        offers_used[(district, item)] = offers_used.get((district, item), 0) + 1
        offer_quantity[k] = offer_quantity.get(k, 0) + q
    for (district, item), q in wanted.items():
        if got.get((district, item), 0) != q:
            errors.append(f"{district} gets {got.get((district, item), 0)} of {item}, demand is {q}")
        if not problem.rules.split_district_demand and offers_used.get((district, item), 0) > 1:
            errors.append(f"{district}'s demand for {item} is split")
    vendors_on_item: dict[str, set[str]] = {}
    for k, q in offer_quantity.items():
        offer = problem.offers[k]
        if offer.capacity is not None and q > offer.capacity:
            errors.append(f"offer {offer.id} awarded {q} above its capacity {offer.capacity}")
        if q < offer.min_award_quantity:
            errors.append(f"offer {offer.id} awarded {q} below its minimum {offer.min_award_quantity}")
        vendors_on_item.setdefault(offer.item, set()).add(offer.vendor)
    cap = problem.rules.max_vendors_per_item
    for item, vendors in vendors_on_item.items():
        if cap is not None and len(vendors) > cap:
            errors.append(f"{len(vendors)} vendors awarded on {item}, the cap is {cap}")
    return errors
