"""Coalitions next to known ones: cheap cuts for the least core, found without a MILP.

The least core's generation (:mod:`pricing.least_core`) needs, each round, a
coalition that gains more than the current bound at the current shares. The
coalition MILP finds one, but each search spends seconds at its root; and the
coalitions that gain late in the generation are mostly a known coalition with
one district more or fewer (the shares moved just enough to stop the known
one). This module looks there first.

A coalition's known purchase (units per district, item and offer) is changed
by one district: one leaves (its units go; every offer keeps its minimum
award), or one joins (each of its demands, whole, to the offer of the item
whose cost rises least, within capacity, minimum award, region and the vendor
cap). The changed purchase obeys every rule, so its exact cost (tiers,
support, discounts: :func:`purchase_cost`, as :func:`pricing.costing.price_awards`
prices it) is at least the coalition's own cost: if the members' shares exceed
it by more than the bound, the coalition gains at least that much, a valid
cut. From each of the best-gaining known coalitions the search climbs, one
best move at a time, while the gain grows.
"""

from __future__ import annotations

from decimal import Decimal

from .costing import to_cents
from .problem import Problem

Units = dict[tuple[str, str, int], int]

#: Known coalitions the climb starts from (those gaining most at the shares), and its most steps. A climb
#: evaluates one move per district a step, about 0.1 s for 60 districts; a coalition MILP costs 5-40 s.
STARTS = 15
STEPS = 8
#: Cuts one search returns at most (each is a row of the least core's programs).
MAX_CUTS = 20


def purchase_cost(problem: Problem, quantity: dict[int, int]) -> Decimal:
    """Exact cost of buying ``quantity`` units of each offer (by index), as ``price_awards`` totals it."""
    total = Decimal("0.00")
    value: dict[str, Decimal] = {}
    for k, q in quantity.items():
        if q <= 0:
            continue
        offer = problem.offers[k]
        cost = offer.purchase_cost(q)
        total += cost + offer.annual_cost_per_unit * q * problem.tco_years
        value[offer.vendor] = value.get(offer.vendor, Decimal("0.00")) + cost
    vendors = {v.id: v for v in problem.vendors}
    for v, amount in value.items():
        total -= to_cents(amount * vendors[v].discount_percent(amount) / 100)
    return total


class _Neighbourhood:
    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        region = {d.id: d.region for d in problem.districts}
        self.demands: dict[str, list[tuple[str, int, list[int]]]] = {}
        for r in problem.demands:
            offers = [
                k
                for k, o in enumerate(problem.offers)
                if o.item == r.item
                and o.serves(region[r.district])
                and (o.capacity is None or o.capacity >= r.quantity)
            ]
            self.demands.setdefault(r.district, []).append((r.item, r.quantity, offers))

    def without(self, units: Units, district: str) -> Units | None:
        left = {key: q for key, q in units.items() if key[0] != district}
        quantity = _quantities(left)
        if any(0 < q < self.problem.offers[k].min_award_quantity for k, q in quantity.items()):
            return None
        return left

    def joined(self, units: Units, district: str) -> Units | None:
        offers = self.problem.offers
        quantity = _quantities(units)
        cap = self.problem.rules.max_vendors_per_item
        vendors_on: dict[str, set[str]] = {}
        for k, q in quantity.items():
            if q > 0:
                vendors_on.setdefault(offers[k].item, set()).add(offers[k].vendor)
        out = dict(units)
        for item, need, eligible in self.demands.get(district, []):
            best, best_rise = None, None
            for k in eligible:
                o, q = offers[k], quantity.get(k, 0)
                if o.capacity is not None and q + need > o.capacity or q + need < o.min_award_quantity:
                    continue
                on_item = vendors_on.get(item, set())
                if cap is not None and o.vendor not in on_item and len(on_item) >= cap:
                    continue
                rise = o.purchase_cost(q + need) - o.purchase_cost(q) + o.annual_cost_per_unit * need
                if best_rise is None or rise < best_rise:
                    best, best_rise = k, rise
            if best is None:
                return None
            quantity[best] = quantity.get(best, 0) + need
            vendors_on.setdefault(item, set()).add(offers[best].vendor)
            out[(district, item, best)] = need
        return out


def _quantities(units: Units) -> dict[int, int]:
    quantity: dict[int, int] = {}
    for (_, _, k), q in units.items():
        quantity[k] = quantity.get(k, 0) + q
    return quantity


def neighbour_cuts(
    problem: Problem,
    shares: dict[str, Decimal],
    known: list[tuple[frozenset[str], Units]],
    above: Decimal,
) -> list[tuple[frozenset[str], Decimal, Units]]:
    """Coalitions one district away from known ones (and so on, climbing) gaining more than ``above``.

    ``known``: coalitions with a purchase that obeys the rules. Returns (members, exact cost of the purchase
    found, the purchase), the largest gains first, at most ``MAX_CUTS``.
    """
    hood = _Neighbourhood(problem)
    everyone = sorted(shares)
    seen = {members for members, _ in known}

    def gain(members: frozenset[str], units: Units) -> Decimal:
        return sum((shares[d] for d in members), Decimal("0.00")) - purchase_cost(problem, _quantities(units))

    found: dict[frozenset[str], tuple[Decimal, Units]] = {}
    starts = sorted(((gain(m, u), m, u) for m, u in known), key=lambda t: (-t[0], sorted(t[1])))[:STARTS]
    for current_gain, members, units in starts:
        for _ in range(STEPS):
            step = None
            for d in everyone:
                moved = hood.without(units, d) if d in members else hood.joined(units, d)
                if moved is None:
                    continue
                after = members - {d} if d in members else members | {d}
                if not after or after == frozenset(everyone):
                    continue
                g = gain(after, moved)
                if g > above and after not in seen and (after not in found or g > found[after][0]):
                    found[after] = (g, moved)
                if g > current_gain and (step is None or g > step[0]):
                    step = (g, after, moved)
            if step is None:
                break
            current_gain, members, units = step
    best = sorted(found.items(), key=lambda t: (-t[1][0], sorted(t[0])))[:MAX_CUTS]
    return [(members, sum((shares[d] for d in members), Decimal("0.00")) - g, units) for members, (g, units) in best]
