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


class _Purchase:
    """A coalition's purchase with what its exact cost is made of, so that a move is priced by what it changes."""

    def __init__(self, problem: Problem, members: frozenset[str], units: Units) -> None:
        self.problem = problem
        self.members = members
        self.units = units
        self.by_district: dict[str, list[tuple[tuple[str, str, int], int]]] = {}
        for key, q in units.items():
            self.by_district.setdefault(key[0], []).append((key, q))
        self.quantity = _quantities(units)
        self.offer_cost = {k: problem.offers[k].purchase_cost(q) for k, q in self.quantity.items()}
        self.vendor_value: dict[str, Decimal] = {}
        for k, cost in self.offer_cost.items():
            v = problem.offers[k].vendor
            self.vendor_value[v] = self.vendor_value.get(v, Decimal("0.00")) + cost
        self.vendors = {v.id: v for v in problem.vendors}
        self.cost = purchase_cost(problem, self.quantity)

    def _discount(self, vendor: str, value: Decimal) -> Decimal:
        return to_cents(value * self.vendors[vendor].discount_percent(value) / 100)

    def cost_after(self, change: dict[int, int]) -> Decimal:
        """The exact cost with each offer's quantity changed by ``change[k]`` units."""
        offers, years = self.problem.offers, self.problem.tco_years
        cost = self.cost
        value_change: dict[str, Decimal] = {}
        for k, dq in change.items():
            offer = offers[k]
            before = self.offer_cost.get(k, Decimal("0.00"))
            rise = offer.purchase_cost(self.quantity.get(k, 0) + dq) - before
            cost += rise + offer.annual_cost_per_unit * dq * years
            value_change[offer.vendor] = value_change.get(offer.vendor, Decimal("0.00")) + rise
        for v, rise in value_change.items():
            old = self.vendor_value.get(v, Decimal("0.00"))
            cost -= self._discount(v, old + rise) - self._discount(v, old)
        return cost


class _Neighbourhood:
    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        region = {d.id: d.region for d in problem.districts}
        by_item: dict[str, list[int]] = {}
        for k, o in enumerate(problem.offers):
            by_item.setdefault(o.item, []).append(k)
        self.demands: dict[str, list[tuple[str, int, list[int]]]] = {}
        for r in problem.demands:
            offers = [
                k
                for k in by_item.get(r.item, [])
                if problem.offers[k].serves(region[r.district])
                and (problem.offers[k].capacity is None or problem.offers[k].capacity >= r.quantity)
            ]
            self.demands.setdefault(r.district, []).append((r.item, r.quantity, offers))

    def without(self, purchase: _Purchase, district: str) -> dict[int, int] | None:
        """The quantity changes of ``district`` leaving, or ``None`` if an offer would fall below its minimum."""
        change: dict[int, int] = {}
        for (_, _, k), q in purchase.by_district.get(district, []):
            change[k] = change.get(k, 0) - q
        for k, dq in change.items():
            left = purchase.quantity[k] + dq
            if 0 < left < self.problem.offers[k].min_award_quantity:
                return None
        return change

    def joined(self, purchase: _Purchase, district: str) -> tuple[dict[int, int], Units] | None:
        """The quantity changes and new units of ``district`` joining, or ``None`` if a demand finds no offer."""
        offers = self.problem.offers
        quantity = dict(purchase.quantity)
        cap = self.problem.rules.max_vendors_per_item
        vendors_on: dict[str, set[str]] = {}
        for k, q in quantity.items():
            if q > 0:
                vendors_on.setdefault(offers[k].item, set()).add(offers[k].vendor)
        change: dict[int, int] = {}
        added: Units = {}
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
            change[best] = change.get(best, 0) + need
            added[(district, item, best)] = need
        return change, added


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
    everyone = frozenset(shares)
    seen = {members for members, _ in known}

    def share_sum(members: frozenset[str]) -> Decimal:
        return sum((shares[d] for d in members), Decimal("0.00"))

    found: dict[frozenset[str], tuple[Decimal, Decimal, _Purchase, str, Units | None]] = {}
    purchases = [_Purchase(problem, m, u) for m, u in known]
    starts = sorted(purchases, key=lambda p: (p.cost - share_sum(p.members), sorted(p.members)))[:STARTS]
    for purchase in starts:
        current_gain = share_sum(purchase.members) - purchase.cost
        for _ in range(STEPS):
            step = None
            for d in sorted(shares):
                leaving = d in purchase.members
                after = purchase.members - {d} if leaving else purchase.members | {d}
                if not after or after == everyone:
                    continue
                if leaving:
                    change, added = hood.without(purchase, d), None
                    if change is None:
                        continue
                else:
                    move = hood.joined(purchase, d)
                    if move is None:
                        continue
                    change, added = move
                cost = purchase.cost_after(change)
                gain = current_gain + (-shares[d] if leaving else shares[d]) - (cost - purchase.cost)
                if gain > above and after not in seen and (after not in found or gain > found[after][0]):
                    found[after] = (gain, cost, purchase, d, added)
                if gain > current_gain and (step is None or gain > step[0]):
                    step = (gain, after, purchase, d, added)
            if step is None:
                break
            current_gain, after, _, d, added = step
            purchase = _Purchase(problem, after, _moved(purchase.units, d, added))
    best = sorted(found.items(), key=lambda t: (-t[1][0], sorted(t[0])))[:MAX_CUTS]
    return [(members, cost, _moved(p.units, d, added)) for members, (_, cost, p, d, added) in best]


def _moved(units: Units, district: str, added: Units | None) -> Units:
    """``units`` with ``district`` gone (``added`` is None) or joined with ``added``."""
    if added is None:
        return {key: q for key, q in units.items() if key[0] != district}
    return {**units, **added}
