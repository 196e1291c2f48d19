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

A purchase inherited that way is seldom the coalition's cheapest, and the
coalition MILP's late cuts were mostly known coalitions at a cheaper purchase.
So the purchases are improved too (:meth:`_Neighbourhood.improved`): awards
move to cheaper offers of their item, and two districts' awards are exchanged
between offers to fill one to its capacity, every rule kept.
"""

from __future__ import annotations

import time
from decimal import Decimal

from .costing import coalition_gain, to_cents
from .problem import Problem

Units = dict[tuple[str, str, int], int]

#: Known coalitions the climb starts from (those gaining most at the shares), and its most steps. A climb
#: evaluates one move per district a step, about 0.1 s for 60 districts; a coalition MILP costs 5-40 s.
STARTS = 15
STEPS = 8
#: Cuts one search returns at most (each is a row of the least core's programs).
MAX_CUTS = 20
#: Coalitions met that did not gain more than the bound with the changed purchase, whose purchase is improved
#: all the same (the best of them).
NEAR_MISSES = 10
#: Most passes of the purchase improvement (:meth:`_Neighbourhood.improved`) over a coalition's awards.
IMPROVE_PASSES = 3


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
        self.by_item: dict[str, list[tuple[tuple[str, str, int], int]]] = {}
        for key, q in units.items():
            self.by_district.setdefault(key[0], []).append((key, q))
            self.by_item.setdefault(key[1], []).append((key, q))
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
        self.eligible: dict[tuple[str, str], set[int]] = {}
        for r in problem.demands:
            offers = [
                k
                for k in by_item.get(r.item, [])
                if problem.offers[k].serves(region[r.district])
                and (problem.offers[k].capacity is None or problem.offers[k].capacity >= r.quantity)
            ]
            self.demands.setdefault(r.district, []).append((r.item, r.quantity, offers))
            self.eligible[(r.district, r.item)] = set(offers)
        self.by_item = by_item

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

    def improved(self, purchase: _Purchase) -> _Purchase:
        """``purchase`` made cheaper by moving awards to other offers of their item while a move saves.

        A move takes one district's units of an item, or all the units on an offer, to another offer of
        the item that serves every district moved; it keeps every rule (capacity, minimum award, region,
        the vendor cap), so the purchase stays one the coalition can make. It finds what a purchase
        inherited from another coalition misses: a vendor that became the cheaper one for these members.
        """
        for _ in range(IMPROVE_PASSES):
            cost_before = purchase.cost
            units = sorted(purchase.units)
            blocks = [[key] for key in units]
            by_offer: dict[int, list] = {}
            for key in units:
                by_offer.setdefault(key[2], []).append(key)
            blocks += [keys for keys in by_offer.values() if len(keys) > 1]
            for keys in blocks:
                if any(key not in purchase.units for key in keys):
                    continue  # an earlier move of this pass took them elsewhere
                move = self._best_move(purchase, keys)
                if move is not None:
                    purchase = _Purchase(self.problem, purchase.members, _moved_to(purchase.units, keys, move))
            for key in sorted(purchase.units):
                if key not in purchase.units:
                    continue
                other = self._best_swap(purchase, key)
                if other is not None:
                    units = _moved_to(_moved_to(purchase.units, [key], other[2]), [other], key[2])
                    purchase = _Purchase(self.problem, purchase.members, units)
            if purchase.cost >= cost_before:
                break
        return purchase

    def _best_move(self, purchase: _Purchase, keys: list[tuple[str, str, int]]) -> int | None:
        """The offer that ``keys``' units (all on one offer) are cheapest on, if cheaper than where they are."""
        offers, cap = self.problem.offers, self.problem.rules.max_vendors_per_item
        item, k = keys[0][1], keys[0][2]
        moved = sum(purchase.units[key] for key in keys)
        left = purchase.quantity[k] - moved
        if 0 < left < offers[k].min_award_quantity:
            return None
        targets = set.intersection(*(self.eligible[(key[0], item)] for key in keys)) - {k}
        vendors_after = {
            offers[j].vendor for j in self.by_item[item] if purchase.quantity.get(j, 0) - (moved if j == k else 0) > 0
        }
        best, best_cost = None, purchase.cost
        for j in sorted(targets):
            o = offers[j]
            q = purchase.quantity.get(j, 0) + moved
            if o.capacity is not None and q > o.capacity or q < o.min_award_quantity:
                continue
            if cap is not None and len(vendors_after | {o.vendor}) > cap:
                continue
            cost = purchase.cost_after({k: -moved, j: moved})
            if cost < best_cost:
                best, best_cost = j, cost
        return best

    def _best_swap(self, purchase: _Purchase, key: tuple[str, str, int]) -> tuple[str, str, int] | None:
        """The award of another district on another offer of the item to exchange ``key``'s with, if cheaper.

        An exchange of two districts' units between two offers changes each offer's quantity by their
        difference: it fills an offer to its capacity, or just over a tier, that no single move can reach.
        """
        offers = self.problem.offers
        district, item, k = key
        q = purchase.units[key]
        best, best_cost = None, purchase.cost
        for other, r in purchase.by_item[item]:
            j = other[2]
            if j == k or r == q or other[0] == district:
                continue
            if j not in self.eligible[(district, item)] or k not in self.eligible[(other[0], item)]:
                continue
            on_k, on_j = purchase.quantity[k] - q + r, purchase.quantity[j] - r + q
            if any(
                o.capacity is not None and on > o.capacity or on < o.min_award_quantity
                for o, on in ((offers[k], on_k), (offers[j], on_j))
            ):
                continue
            cost = purchase.cost_after({k: r - q, j: q - r})
            if cost < best_cost:
                best, best_cost = other, cost
        return best


def _moved_to(units: Units, keys: list[tuple[str, str, int]], offer: int) -> Units:
    """``units`` with the units of ``keys`` on ``offer`` instead."""
    gone = set(keys)
    out = {key: q for key, q in units.items() if key not in gone}
    for district, item, k in keys:
        target = (district, item, offer)
        out[target] = out.get(target, 0) + units[(district, item, k)]
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
    *,
    deadline: float | None = None,
) -> list[tuple[frozenset[str], Decimal, Units]]:
    """Coalitions one district away from known ones (and so on, climbing) gaining more than ``above``.

    ``known``: coalitions with a purchase that obeys the rules. Returns (members, exact cost of the purchase
    found, the purchase), the largest gains first, at most ``MAX_CUTS``. ``deadline`` (``time.perf_counter``):
    no climb or purchase improvement starts after it (one takes about 1.5 s on 200 districts).
    """
    hood = _Neighbourhood(problem)
    everyone = frozenset(shares)
    seen = {members for members, _ in known}

    # Every coalition met and the best gain its changed purchase showed (new coalitions only).
    met: dict[frozenset[str], tuple[Decimal, Decimal, _Purchase, str, Units | None]] = {}
    for purchase in _best_gaining(problem, shares, known):
        if _past(deadline):
            break
        current_gain = coalition_gain(shares, purchase.members, purchase.cost)
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
                if after not in seen and (after not in met or gain > met[after][0]):
                    met[after] = (gain, cost, purchase, d, added)
                if gain > current_gain and (step is None or gain > step[0]):
                    step = (gain, after, purchase, d, added)
            if step is None:
                break
            current_gain, after, _, d, added = step
            purchase = _Purchase(problem, after, _moved(purchase.units, d, added))
    ranked = sorted(met.items(), key=lambda t: (-t[1][0], sorted(t[0])))
    gaining = [t for t in ranked if t[1][0] > above]
    # Each coalition's purchase, moved to cheaper offers where it can: a tighter cut, a larger gain. The best of
    # those that did not gain enough with the changed purchase get the same chance (M seed 3: the MILP's cuts
    # were a district from a known coalition, at a purchase differing in 30-40 awards).
    cuts = []
    for members, (gain, cost, p, d, added) in gaining[:MAX_CUTS] + ranked[len(gaining) :][:NEAR_MISSES]:
        if _past(deadline):
            if gain > above:
                cuts.append((gain, members, cost, _moved(p.units, d, added)))
            continue
        better = hood.improved(_Purchase(problem, members, _moved(p.units, d, added)))
        if (better_gain := coalition_gain(shares, members, better.cost)) > above:
            cuts.append((better_gain, members, better.cost, better.units))
    cuts.sort(key=lambda t: (-t[0], sorted(t[1])))
    return [(members, cost, units) for _, members, cost, units in cuts[:MAX_CUTS]]


def cheaper_purchases(
    problem: Problem,
    shares: dict[str, Decimal],
    known: list[tuple[frozenset[str], Units]],
    *,
    deadline: float | None = None,
) -> list[tuple[frozenset[str], Decimal, Units]]:
    """Cheaper purchases for the known coalitions the neighbour search starts from (the ``STARTS`` gaining most).

    A purchase found for one coalition and changed by a district (or met by a coalition MILP stopped early)
    is seldom the coalition's cheapest: its awards moved to cheaper offers (:meth:`_Neighbourhood.improved`)
    make a tighter cut of the same coalition. Returns (members, exact cost, purchase) of each that became
    cheaper; none is improved after ``deadline``.
    """
    hood = _Neighbourhood(problem)
    out = []
    for purchase in _best_gaining(problem, shares, known):
        if _past(deadline):
            break
        better = hood.improved(purchase)
        if better.cost < purchase.cost:
            out.append((better.members, better.cost, better.units))
    return out


def _past(deadline: float | None) -> bool:
    return deadline is not None and time.perf_counter() >= deadline


def _best_gaining(
    problem: Problem, shares: dict[str, Decimal], known: list[tuple[frozenset[str], Units]]
) -> list[_Purchase]:
    """The ``STARTS`` known purchases whose coalitions gain most at ``shares`` (first by name of equals)."""
    purchases = [_Purchase(problem, m, u) for m, u in known]

    return sorted(purchases, key=lambda p: (-coalition_gain(shares, p.members, p.cost), sorted(p.members)))[:STARTS]


def _moved(units: Units, district: str, added: Units | None) -> Units:
    """``units`` with ``district`` gone (``added`` is None) or joined with ``added``."""
    if added is None:
        return {key: q for key, q in units.items() if key[0] != district}
    return {**units, **added}
