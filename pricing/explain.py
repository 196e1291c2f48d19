"""Why a round was awarded as it was: line by line, in words a board member reads.

:func:`explain` takes a problem and the :class:`~pricing.result.AllocationResult` the engine gave
for it and says, for every item (an RFP line):

- who won which districts, on which offer, at which tier and unit price, for what cost;
- the runner-up: the best allocation of the line without the vendor(s) that won it, every other
  line held as awarded, and what the whole round would then cost;
- for every offer that won nothing, one reason (a code and a sentence with the figures);
- the curves of cost against quantity of every offer, for a chart.

It also sets the pooled cost against the sum of the standalone costs (from the result's shares)
and, for an infeasible result, lists each unmet demand with the engine's reason.

The method, chosen to stay cheap (one small MILP per line, in guarded child processes side by side, and
arithmetic for everything else):

*Runner-up.* The line's demands are solved again, alone, with the winning vendors' offers on the
line removed and every other vendor's discount brackets moved down by the purchase value it
already has on the other lines as awarded (so the line's purchase counts towards the bracket its
whole purchase reaches). The search leaves out one effect: a higher bracket reached through this
line also lowers the price of the vendor's other lines. The allocation found is then priced
exactly, together with the other lines as awarded, by the engine's own costing, so the cost it
reports is exact for that allocation.

*Losing offers.* An offer that won nothing on a line gets the first reason that applies, in this
order. ``region``: it serves no district buying the line. ``capacity``: every district it serves
orders more than its capacity and orders are not split. ``min_award``: the districts it can take
order fewer units than its minimum award. Otherwise it is priced for the districts it can take
(as many units as they order, up to its capacity) at that volume, support over the TCO years
included and its vendor's discount at the bracket the vendor would reach, and compared per unit
with what those districts pay as awarded. ``price``: it costs more a unit even before the
awarded vendors' total-quantity discounts. ``discount``: it costs more only once those discounts
are taken off. If it is cheaper a unit: ``evaluation`` when its evaluated cost (its vendor's
``evaluation_factor`` applied, the awarded vendors' too) is not; ``capacity`` when it cannot take
all the units those districts order; ``vendor_cap`` when the line already has as many vendors as
the rules allow; otherwise ``pooling``: moving those districts to it, everything else as awarded,
costs the round more (priced exactly), because the awarded offers would fall below a price break,
a discount bracket or a minimum award.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from .brackets import WORKERS
from .costing import Award, Units, price_awards, rule_violations, to_cents
from .diagnose import Unmet, capacity_unmet, structural_unmet
from .guard import run_guarded
from .model import build_model
from .problem import DiscountBracket, Offer, Problem, Vendor
from .result import AllocationResult

ZERO = Decimal("0.00")
#: Reason codes of a losing offer, in the order they are tried (see the module docstring).
REASONS = ("region", "capacity", "min_award", "price", "discount", "evaluation", "vendor_cap", "pooling")


@dataclass(frozen=True)
class OfferAward:
    """What one offer was awarded on a line.

    Attributes
    ----------
    offer, vendor : str
        Ids.
    districts : tuple of str
        The districts it supplies, in the order of the awards.
    quantity : int
        Units awarded on the offer (all its districts).
    pricing : str
        ``all_units`` or ``incremental``.
    tier_min_quantity : int
        First unit of the highest tier reached.
    tier_unit_price : Decimal
        That tier's unit price.
    unit_price : Decimal
        The price a unit as awarded: the tier's under all-units pricing, the average under incremental.
    cost, support_cost, discount, total : Decimal
        Purchase cost, support over the TCO years, the part of its vendor's total-quantity discount,
        and ``cost + support_cost - discount``.
    """

    offer: str
    vendor: str
    districts: tuple[str, ...]
    quantity: int
    pricing: str
    tier_min_quantity: int
    tier_unit_price: Decimal
    unit_price: Decimal
    cost: Decimal
    support_cost: Decimal
    discount: Decimal
    total: Decimal


@dataclass(frozen=True)
class RunnerUp:
    """The best allocation of a line without the vendors that won it, the other lines as awarded.

    Attributes
    ----------
    excluded_vendors : tuple of str
        The line's winning vendors, left out.
    awards : tuple of OfferAward
        The line's allocation without them (empty when there is none).
    line_cost : Decimal or None
        What the line would cost (``None``: no allocation).
    total_cost : Decimal or None
        What the whole round would cost with it.
    extra_cost : Decimal or None
        ``total_cost`` less the round's awarded total.
    evaluated_extra_cost : Decimal or None
        With evaluation factors, the same difference in evaluated cost (what the round minimises).
    message : str
        One sentence about it.
    """

    excluded_vendors: tuple[str, ...]
    awards: tuple[OfferAward, ...]
    line_cost: Decimal | None
    total_cost: Decimal | None
    extra_cost: Decimal | None
    evaluated_extra_cost: Decimal | None
    message: str


@dataclass(frozen=True)
class LostOffer:
    """An offer that won nothing on its line, and why.

    Attributes
    ----------
    offer, vendor : str
        Ids.
    reason : str
        One of :data:`REASONS`.
    message : str
        The reason in one sentence, with its figures.
    """

    offer: str
    vendor: str
    reason: str
    message: str


@dataclass(frozen=True)
class OfferCurve:
    """An offer's cost of ownership against quantity, for a chart.

    Attributes
    ----------
    offer, vendor, pricing : str
        Ids and ``all_units`` or ``incremental``.
    tiers : tuple of (int, Decimal)
        ``(min_quantity, unit_price)`` of each tier.
    points : tuple of (int, Decimal)
        ``(quantity, purchase cost + support over the TCO years)``, before its vendor's
        total-quantity discount; the cost is linear between consecutive points, and an all-units
        price break is a pair of points one unit apart (the jump).
    capacity : int or None
        The curve ends there (or at the largest quantity charted).
    min_award_quantity : int
        Below it the offer cannot be awarded.
    awarded_quantity : int
        Units awarded (0: lost); ``awarded_cost`` is the curve's cost there.
    awarded_cost : Decimal or None
    """

    offer: str
    vendor: str
    pricing: str
    tiers: tuple[tuple[int, Decimal], ...]
    points: tuple[tuple[int, Decimal], ...]
    capacity: int | None
    min_award_quantity: int
    awarded_quantity: int
    awarded_cost: Decimal | None


@dataclass(frozen=True)
class LineExplanation:
    """One item (an RFP line) of the round.

    Attributes
    ----------
    item : str
        Id.
    quantity : int
        Units demanded on the line.
    awards : tuple of OfferAward
        Winning offers, largest quantity first.
    cost : Decimal
        The line's cost as awarded (sum of the awards' totals).
    runner_up : RunnerUp
    lost : tuple of LostOffer
        Every offer on the line that won nothing, in the problem's order.
    curves : tuple of OfferCurve
        Every offer on the line, in the problem's order.
    """

    item: str
    quantity: int
    awards: tuple[OfferAward, ...]
    cost: Decimal
    runner_up: RunnerUp
    lost: tuple[LostOffer, ...]
    curves: tuple[OfferCurve, ...]


@dataclass(frozen=True)
class Pooling:
    """The pooled cost against the sum of the standalone costs, from the result's shares.

    Attributes
    ----------
    pooled_cost : Decimal
        What all districts pay together (the round's total).
    standalone_cost : Decimal
        Sum of the standalone costs known.
    compared_pooled_cost : Decimal
        Pooled cost of the districts whose standalone cost is known.
    savings : Decimal
        ``standalone_cost - compared_pooled_cost``.
    missing : tuple of (str, str)
        ``(district, reason)`` of every district without a standalone cost.
    """

    pooled_cost: Decimal
    standalone_cost: Decimal
    compared_pooled_cost: Decimal
    savings: Decimal
    missing: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Explanation:
    """The explanation of a round; see :func:`explain`.

    Attributes
    ----------
    status, message : str
        The result's.
    currency : str
    tco_years : int
    lines : tuple of LineExplanation
        One per item with demand, in the problem's item order (empty unless the result has awards).
    pooling : Pooling or None
        ``None`` without shares.
    unmet : tuple of Unmet
        The result's unmet demands, each with the engine's reason.
    time_s : float
        Seconds spent explaining.
    """

    status: str
    message: str
    currency: str
    tco_years: int
    lines: tuple[LineExplanation, ...]
    pooling: Pooling | None
    unmet: tuple[Unmet, ...]
    time_s: float


def explain(
    problem: Problem,
    result: AllocationResult,
    *,
    names: Mapping[str, str] | None = None,
    time_limit_s: float | None = 20.0,
    mip_rel_gap: float = 1e-6,
    on_runner_up: Callable[[int, int], None] | None = None,
) -> Explanation:
    """Explain a result line by line; the method is in this module's docstring.

    Parameters
    ----------
    problem : Problem
        The problem solved (validated).
    result : AllocationResult
        The engine's result for it.
    names : mapping, optional
        Id -> what people read (vendors, districts), used in the sentences; an id without a name
        is written as it is.
    time_limit_s : float or None, optional
        Budget for the runner-up solves of all lines together (default 20). A line whose solve
        is cut short reports the best allocation found, or none.
    mip_rel_gap : float, optional
        Relative gap of the runner-up solves (default 1e-6).
    on_runner_up : callable, optional
        Called as ``on_runner_up(done, lines)`` as the lines' runner-ups are found (a line without one
        counts as done at once), the most of the explanation's time. An exception it raises stops the
        explanation (its solver processes are killed).

    Returns
    -------
    Explanation
    """
    started = time.perf_counter()
    pooling = _pooling(result) if result.shares else None
    lines: tuple[LineExplanation, ...] = ()
    if result.awards:
        lines = _Explainer(problem, result, dict(names or {})).lines(time_limit_s, mip_rel_gap, on_runner_up)
    return Explanation(
        result.status,
        result.message,
        problem.currency,
        problem.tco_years,
        lines,
        pooling,
        result.unmet,
        time.perf_counter() - started,
    )


def _pooling(result: AllocationResult) -> Pooling:
    known = [s for s in result.shares if s.standalone_cost is not None]
    standalone = sum((s.standalone_cost for s in known), ZERO)
    compared = sum((s.pooled_cost for s in known), ZERO)
    return Pooling(
        pooled_cost=sum((s.pooled_cost for s in result.shares), ZERO),
        standalone_cost=standalone,
        compared_pooled_cost=compared,
        savings=standalone - compared,
        missing=tuple(
            (s.district, s.standalone_reason or "no standalone cost")
            for s in result.shares
            if s.standalone_cost is None
        ),
    )


def _tier_reached(offer: Offer, quantity: int) -> tuple[int, Decimal]:
    tier = [t for t in offer.tiers if t.min_quantity <= quantity][-1]
    return tier.min_quantity, tier.unit_price


def offer_awards(problem: Problem, awards: list[Award] | tuple[Award, ...]) -> tuple[OfferAward, ...]:
    """Award rows grouped by offer, largest quantity first (then by offer id).

    Parameters
    ----------
    problem : Problem
    awards : sequence of Award
        Rows of one line.

    Returns
    -------
    tuple of OfferAward
    """
    offers = {o.id: o for o in problem.offers}
    grouped: dict[str, list[Award]] = {}
    for a in awards:
        grouped.setdefault(a.offer, []).append(a)
    out = []
    for offer_id, rows in grouped.items():
        offer = offers[offer_id]
        quantity = sum(a.quantity for a in rows)
        cost = sum((a.cost for a in rows), ZERO)
        support = sum((a.support_cost for a in rows), ZERO)
        discount = sum((a.discount for a in rows), ZERO)
        tier_min, tier_price = _tier_reached(offer, quantity)
        out.append(
            OfferAward(
                offer_id,
                offer.vendor,
                tuple(a.district for a in rows),
                quantity,
                offer.pricing,
                tier_min,
                tier_price,
                rows[0].unit_price,
                cost,
                support,
                discount,
                cost + support - discount,
            )
        )
    return tuple(sorted(out, key=lambda a: (-a.quantity, a.offer)))


def _money(amount: Decimal, currency: str) -> str:
    text = f"{to_cents(amount):,.2f}"
    if text.startswith("-"):
        return "-" + _money(-amount, currency)
    return f"${text}" if currency == "USD" else f"{text} {currency}"


def _and(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


class _Explainer:
    """One result's lines, sharing its indexes."""

    def __init__(self, problem: Problem, result: AllocationResult, names: dict[str, str]):
        self.problem = problem
        self.result = result
        self.names = names
        self.region = {d.id: d.region for d in problem.districts}
        self.vendors = {v.id: v for v in problem.vendors}
        self.offer_index = {o.id: k for k, o in enumerate(problem.offers)}
        self.units: Units = {(a.district, a.item, self.offer_index[a.offer]): a.quantity for a in result.awards}
        self.vendor_value: dict[str, Decimal] = {}
        for a in result.awards:
            self.vendor_value[a.vendor] = self.vendor_value.get(a.vendor, ZERO) + a.cost
        # Each vendor's cost as awarded: a changed allocation is priced again only for the vendors it changes
        # (offers and discounts are per vendor), the others' costs are added as they are.
        self.vendor_cost: dict[str, Decimal] = {}
        for a in result.awards:
            self.vendor_cost[a.vendor] = self.vendor_cost.get(a.vendor, ZERO) + a.cost + a.support_cost - a.discount
        self.evaluated_cost = None if result.evaluated_cost is None else self.evaluated_total(self.vendor_cost)

    def name(self, ident: str) -> str:
        return self.names.get(ident, ident)

    def money(self, amount: Decimal) -> str:
        return _money(amount, self.problem.currency)

    def factor(self, vendor: str) -> Decimal:
        return self.vendors[vendor].evaluation_factor

    def lines(
        self, time_limit_s: float | None, mip_rel_gap: float, on_runner_up: Callable[[int, int], None] | None
    ) -> tuple[LineExplanation, ...]:
        items = [i.id for i in self.problem.items if any(r.item == i.id for r in self.problem.demands)]
        runners = self.runners_up(items, time_limit_s, mip_rel_gap, on_runner_up)
        out = []
        for item in items:
            rows = [a for a in self.result.awards if a.item == item]
            awards = offer_awards(self.problem, rows)
            awarded = {a.offer: a.quantity for a in awards}
            offers = [o for o in self.problem.offers if o.item == item]
            out.append(
                LineExplanation(
                    item=item,
                    quantity=sum(r.quantity for r in self.problem.demands if r.item == item),
                    awards=awards,
                    cost=sum((a.total for a in awards), ZERO),
                    runner_up=runners[item],
                    lost=tuple(self.lost(o, rows, awards) for o in offers if o.id not in awarded),
                    curves=tuple(self.curve(o, item, awarded.get(o.id, 0)) for o in offers),
                )
            )
        return tuple(out)

    def evaluated_total(self, vendor_cost: dict[str, Decimal]) -> Decimal:
        """Evaluated cost: each vendor's cost of ownership times its factor (pricing/FORMAT.md), to the cent."""
        return to_cents(sum((cost * self.factor(v) for v, cost in vendor_cost.items()), ZERO))

    def reprice(self, units: Units) -> tuple[list[Award], Decimal, Decimal | None]:
        """An allocation's award rows for the vendors it changes, its total and its evaluated total (or ``None``)."""
        changed = {
            self.problem.offers[key[2]].vendor
            for key in set(units) | set(self.units)
            if units.get(key) != self.units.get(key)
        }
        awards, _ = price_awards(
            self.problem, {key: q for key, q in units.items() if self.problem.offers[key[2]].vendor in changed}
        )
        vendor_cost = {v: cost for v, cost in self.vendor_cost.items() if v not in changed}
        for a in awards:
            vendor_cost[a.vendor] = vendor_cost.get(a.vendor, ZERO) + a.cost + a.support_cost - a.discount
        total = sum(vendor_cost.values(), ZERO)
        return awards, total, None if self.evaluated_cost is None else self.evaluated_total(vendor_cost)

    # -- runner-up -------------------------------------------------------------------------------

    def line_problem(self, item: str, excluded: set[str]) -> Problem:
        """The line alone, without ``excluded`` vendors, discounts counting the other lines as awarded."""
        other_value: dict[str, Decimal] = {}
        for a in self.result.awards:
            if a.item != item:
                other_value[a.vendor] = other_value.get(a.vendor, ZERO) + a.cost

        def shifted(vendor: Vendor) -> Vendor:
            value = other_value.get(vendor.id, ZERO)
            brackets = [DiscountBracket(max(ZERO, b.min_value - value), b.percent) for b in vendor.total_discounts]
            # Brackets already reached on the other lines all start at 0: only the highest one counts.
            kept = [b for n, b in enumerate(brackets) if n + 1 == len(brackets) or brackets[n + 1].min_value > 0]
            return dataclasses.replace(vendor, total_discounts=tuple(kept))

        return dataclasses.replace(
            self.problem,
            items=tuple(i for i in self.problem.items if i.id == item),
            demands=tuple(r for r in self.problem.demands if r.item == item),
            offers=tuple(o for o in self.problem.offers if o.item == item and o.vendor not in excluded),
            vendors=tuple(shifted(v) for v in self.problem.vendors),
        )

    def runners_up(
        self,
        items: list[str],
        time_limit_s: float | None,
        mip_rel_gap: float,
        on_runner_up: Callable[[int, int], None] | None,
    ) -> dict[str, RunnerUp]:
        out: dict[str, RunnerUp] = {}
        jobs = []
        for item in items:
            excluded = tuple(sorted({a.vendor for a in self.result.awards if a.item == item}))
            sub = self.line_problem(item, set(excluded))
            unmet = structural_unmet(sub, sub.demands) or capacity_unmet(sub, sub.demands)
            if unmet:
                out[item] = self.no_runner_up(excluded, unmet[0].reason)
            else:
                # The search minimises the evaluated cost, as the round's did.
                model = build_model(sub.evaluated())
                jobs.append((item, excluded, sub, model))
        if on_runner_up is not None:
            on_runner_up(len(out), len(items))
        raws = (
            # The lines' models are independent: solved side by side, as the search's items are.
            run_guarded(
                [m.arrays for *_, m in jobs],
                time_limit_s=time_limit_s,
                mip_rel_gap=mip_rel_gap,
                shared=True,
                workers=WORKERS,
                on_done=None if on_runner_up is None else lambda done: on_runner_up(len(out) + done, len(items)),
            )
            if jobs
            else []
        )
        for (item, excluded, sub, model), raw in zip(jobs, raws):
            if not raw.solved:
                reason = (
                    "no allocation meets every rule (minimum awards, the vendor cap, whole orders)"
                    if raw.infeasible
                    else f"no allocation was found in time ({raw.message})"
                )
                out[item] = self.no_runner_up(excluded, reason)
                continue
            units = {key: q for key, q in self.units.items() if key[1] != item}
            for (district, line, k), q in model.awards(raw.x).items():
                units[(district, line, self.offer_index[sub.offers[k].id])] = q
            awards, total, evaluated = self.reprice(units)
            line_rows = [a for a in awards if a.item == item]
            line_cost = sum((a.cost + a.support_cost - a.discount for a in line_rows), ZERO)
            extra = total - self.result.total_cost
            winners = _and([self.name(v) for v in excluded])
            best = "the best allocation" if raw.optimal else "the best allocation found in the time given"
            head = f"Without {winners}, {best} of this line would cost {self.money(line_cost)}"
            evaluated_extra = None if evaluated is None else evaluated - self.evaluated_cost
            if extra >= 0:
                message = f"{head} and the round {self.money(total)}, {self.money(extra)} more."
            elif evaluated_extra is not None and evaluated_extra >= 0:
                message = (
                    f"{head} and the round {self.money(total)}, {self.money(-extra)} less at real prices but "
                    f"{self.money(evaluated_extra)} more in evaluated cost, on which the round awards."
                )
            else:
                # The round's own allocation was not proven optimal (a time limit): say so, not "more".
                message = (
                    f"{head} and the round {self.money(total)}, {self.money(-extra)} less: the round's "
                    "allocation was not proven optimal."
                )
            out[item] = RunnerUp(
                excluded, offer_awards(self.problem, line_rows), line_cost, total, extra, evaluated_extra, message
            )
        return out

    def no_runner_up(self, excluded: tuple[str, ...], reason: str) -> RunnerUp:
        winners = _and([self.name(v) for v in excluded])
        return RunnerUp(
            excluded, (), None, None, None, None, f"Without {winners}, this line could not be bought: {reason}."
        )

    # -- losing offers ---------------------------------------------------------------------------

    def lost(self, offer: Offer, rows: list[Award], awards: tuple[OfferAward, ...]) -> LostOffer:
        code, message = self.why_lost(offer, rows, awards)
        return LostOffer(offer.id, offer.vendor, code, message)

    def why_lost(self, offer: Offer, rows: list[Award], awards: tuple[OfferAward, ...]) -> tuple[str, str]:
        who = self.name(offer.vendor)
        demands = [r for r in self.problem.demands if r.item == offer.item]
        served = [r for r in demands if offer.serves(self.region[r.district])]
        if not served:
            regions = _and(sorted({self.region[r.district] for r in demands}))
            return "region", (
                f"{who} does not deliver to the region of any district buying this line: it serves "
                f"{_and(list(offer.regions or ()))}, the districts are in {regions}."
            )
        split = self.problem.rules.split_district_demand
        takeable = [r for r in served if split or offer.capacity is None or r.quantity <= offer.capacity]
        if not takeable:
            smallest = min(r.quantity for r in served)
            return "capacity", (
                f"{who} can supply at most {offer.capacity:,} units, and every district it serves "
                f"orders more (the smallest order is {smallest:,}); an order is not split between "
                "vendors."
            )
        reach = sum(r.quantity for r in takeable)
        quantity = reach if offer.capacity is None else min(reach, offer.capacity)
        if quantity < offer.min_award_quantity:
            return "min_award", (
                f"{who} must be awarded at least {offer.min_award_quantity:,} units if awarded at "
                f"all, but the districts it serves order only {quantity:,}."
            )

        districts = {r.district for r in takeable}
        theirs = [a for a in rows if a.district in districts]
        units = sum(a.quantity for a in theirs)
        paid = sum((a.cost + a.support_cost - a.discount for a in theirs), ZERO)
        listed = sum((a.cost + a.support_cost for a in theirs), ZERO)
        evaluated_paid = sum(((a.cost + a.support_cost - a.discount) * self.factor(a.vendor) for a in theirs), ZERO)
        purchase = offer.purchase_cost(quantity)
        vendor = self.vendors[offer.vendor]
        percent = vendor.discount_percent(self.vendor_value.get(offer.vendor, ZERO) + purchase)
        own = purchase * (1 - percent / 100) + offer.annual_cost_per_unit * quantity * self.problem.tco_years
        unit, paid_unit, listed_unit = own / quantity, paid / units, listed / units
        evaluated_unit, evaluated_paid_unit = unit * self.factor(offer.vendor), evaluated_paid / units
        years = f"over {self.problem.tco_years} year{'s' if self.problem.tco_years != 1 else ''}"
        _, price = _tier_reached(offer, quantity)
        tier = (
            f"unit price {self.money(price)}"
            if offer.pricing == "all_units"
            else f"incremental bands down to {self.money(price)}"
        )
        at = (
            f"at {quantity:,} units (the volume of the districts it serves) {who} would cost "
            f"{self.money(unit)} a unit {years} ({tier})"
        )
        if unit >= listed_unit:
            return "price", (
                f"Dearer at the pooled volume: {at}; those districts pay {self.money(paid_unit)} a unit as awarded."
            )
        if unit >= paid_unit:
            discounters = sorted({a.vendor for a in theirs if a.discount > 0})
            return "discount", (
                f"A total-quantity discount elsewhere made another vendor cheaper overall: {at}, "
                f"less than the {self.money(listed_unit)} a unit the awarded offers list, but "
                f"{_and([self.name(v) for v in discounters])}'s discount on its whole purchase "
                f"brings them to {self.money(paid_unit)} a unit."
            )
        if evaluated_unit >= evaluated_paid_unit:
            return "evaluation", (
                f"Evaluation score: its real price is lower ({self.money(unit)} a unit against "
                f"{self.money(paid_unit)}), but after the evaluation of the bids its evaluated "
                f"cost is {self.money(evaluated_unit)} a unit against "
                f"{self.money(evaluated_paid_unit)}, and the round awards on evaluated cost."
            )
        cheaper = f"{who} would be cheaper ({self.money(unit)} a unit against {self.money(paid_unit)})"
        if offer.capacity is not None and offer.capacity < reach:
            return "capacity", (
                f"Capacity too small: {cheaper}, but it can supply at most {offer.capacity:,} of the "
                f"{reach:,} units the districts it serves order."
            )
        cap = self.problem.rules.max_vendors_per_item
        winners = sorted({a.vendor for a in awards})
        if cap is not None and len(winners) >= cap and offer.vendor not in winners:
            return "vendor_cap", (
                f"Vendor cap: {cheaper} for the districts it serves, but the round allows at most "
                f"{cap} vendor{'s' if cap != 1 else ''} per line and this line went to "
                f"{_and([self.name(v) for v in winners])}, cheaper over all its districts."
            )
        return "pooling", self.pooling_reason(offer, takeable, cheaper)

    def pooling_reason(self, offer: Offer, takeable: list, cheaper: str) -> str:
        """Move the districts the offer can take to it, everything else as awarded, and price it exactly."""
        units = {
            key: q
            for key, q in self.units.items()
            if not (key[1] == offer.item and key[0] in {r.district for r in takeable})
        }
        k = self.offer_index[offer.id]
        left = offer.capacity
        for r in sorted(takeable, key=lambda r: (-r.quantity, r.district)):
            if left is not None and r.quantity > left:
                continue
            units[(r.district, r.item, k)] = r.quantity
            left = None if left is None else left - r.quantity
        for r in takeable:  # districts it had no room for stay as awarded
            if (r.district, r.item, k) not in units:
                units.update({key: q for key, q in self.units.items() if key[:2] == (r.district, r.item)})
        broken = rule_violations(self.problem, units, self.problem.demands)
        if broken:
            return (
                f"Buying together: {cheaper} for the districts it serves, but moving them to it would break "
                f"a rule of the round ({broken[0]})."
            )
        moved = (
            f"Buying together: {cheaper} for the districts it serves, but moving them to it would leave the "
            "other districts' offers below a price break or discount bracket: the round would cost"
        )
        _, total, evaluated = self.reprice(units)
        if evaluated is None:
            return f"{moved} {self.money(total)}, {self.money(total - self.result.total_cost)} more."
        return f"{moved} {self.money(evaluated)} in evaluated cost, {self.money(evaluated - self.evaluated_cost)} more."

    # -- curves ----------------------------------------------------------------------------------

    def curve(self, offer: Offer, item: str, awarded: int) -> OfferCurve:
        line_quantity = sum(r.quantity for r in self.problem.demands if r.item == item)
        end = max(line_quantity, offer.tiers[-1].min_quantity + max(1, offer.tiers[-1].min_quantity // 10))
        if offer.capacity is not None:
            end = min(end, offer.capacity)
        quantities = {0, end}
        for tier in offer.tiers[1:]:
            quantities.update(
                {tier.min_quantity - 1, tier.min_quantity} if offer.pricing == "all_units" else {tier.min_quantity - 1}
            )
        support = offer.annual_cost_per_unit * self.problem.tco_years

        def cost(q: int) -> Decimal:
            return offer.purchase_cost(q) + support * q

        points = tuple((q, cost(q)) for q in sorted(q for q in quantities if 0 <= q <= end))
        return OfferCurve(
            offer.id,
            offer.vendor,
            offer.pricing,
            tuple((t.min_quantity, t.unit_price) for t in offer.tiers),
            points,
            offer.capacity,
            offer.min_award_quantity,
            awarded,
            cost(awarded) if awarded else None,
        )
