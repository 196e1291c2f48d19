"""Shapley shares: exact for few districts, otherwise sampled game by game until every standard error is small.

The Shapley value of the cost game gives each district its extra cost
``c(S + d) - c(S)`` averaged over every order in which the districts could
join (pricing/FORMAT.md, "Sharing rules"). Up to ``EXACT_SHAPLEY_MAX_DISTRICTS``
districts every coalition is solved and the value is exact.

Beyond that the value is estimated, in four steps meant to make it affordable:

Games
    The Shapley value of a sum of games is the sum of their values. A
    coalition's cost is the sum of its costs on the problem's independent
    parts (:func:`pricing.decompose.independent_parts`), and a part without a
    coupling vendor (one whose total-quantity discount it can reach in two
    brackets) is a sum of one game per item. Each game is played only by the
    districts that buy in it, sampled on its own with its own stopping rule,
    or solved exactly when it has at most ``EXACT_SHAPLEY_MAX_DISTRICTS``
    buyers; the values are added.
Cheap costs
    A game's cost depends only on the demands bought in it (item, region and
    quantity), not on whose they are: costs are cached under that key. An
    uncoupled game's coalitions are solved in a guarded child from one model
    of all its buyers in coalition mode (:func:`pricing.model.build_model`),
    with each coalition's membership binaries fixed by their bounds, so no
    model is built per coalition; two children work side by side. A coupled
    part goes through :func:`pricing.decompose.solve_demand_sets` (its
    bracket search), many coalitions per call.
Blocks of orders
    A game is sampled in blocks: a uniformly random order of its buyers, the
    same order rotated by half its length, and the reverses of both. Each
    order is uniformly random, so a block's mean marginal cost is an unbiased
    estimate of each buyer's value; within a block each buyer joins early and
    late (the reverse), and in the first and second half (the rotation),
    which cancels part of the spread that comes from the coalition's volume
    (the price tier it reaches). A coupled game's coalitions are dear, and a
    standard error needs two blocks: its blocks are single orders. Blocks
    are independent, so a buyer's standard error is the spread of its block
    means over the square root of their number.
Control game
    Much of a marginal cost's spread is the tier the coalition reaches: a
    district joining just before a tier break pays the whole coalition's
    discount less. A block's mean marginal cost is corrected by a cheap game
    that has such steps and kinks at every tier break, minimum award and
    capacity of each item's quantity (:class:`ControlGame`), least-squares
    fitted on the coalitions of the blocks before: the block's estimate is
    its mean marginal cost, less the control's, plus the control's Shapley
    value, which a dynamic program over the quantity bought before a
    district joins gives exactly. The fit ignores the block it corrects, so
    each block's estimate stays unbiased; a control is fitted only on twice
    as many distinct coalitions as it has coefficients (fewer: it follows
    their noise), so a coupled game's few orders go uncorrected.

A game stops once it has ``permutations`` orders (at least two blocks) and
every buyer's standard error in it is at most
``SHAPLEY_TARGET_RELATIVE_ERROR / sqrt(k)`` of the buyer's whole share, ``k``
the number of sampled games it buys in (the games are independent, so the
share's standard error is then within the target), or when the time limit is
spent. Every game gets its first two blocks (a standard error needs two)
before any game gets a third, so the time goes first where nothing is known.
At the time limit sampling stops, but for a game without a single block: it
still gets its first, each solve within the time limit, since without it
the game has no estimate at all. A game of one block has no standard error
and its buyers' is reported as unknown. The districts
whose share's standard error is above the target (or unknown) are then
named. Every order's marginal costs add up to the game's cost for all its
buyers, so the estimates add up to the sum of the games' costs; the
difference from the pooled total (solver gap, a cent of discount rounding
per game) is spread in proportion to the estimates, and the shares are
rounded to the cent keeping the total.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import math
import time
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

import numpy as np

from .costing import price_awards, round_preserving_sum
from .decompose import independent_parts
from .guard import Job, run_guarded
from .highs import MilpArrays, solve_arrays
from .model import build_model
from .problem import Demand, Problem
from .shares import coalition_costs, demand_set_costs

logger = logging.getLogger(__name__)

#: Problems with at most this many districts, and games with at most this many buyers, are solved exactly.
EXACT_SHAPLEY_MAX_DISTRICTS = 8
#: Sampling goes on until every district's standard error is at most this fraction of its share.
SHAPLEY_TARGET_RELATIVE_ERROR = 0.01
#: Guarded children solving uncoupled games' coalitions side by side.
WORKERS = 2
#: Coalitions of a coupled game per call of the bracket search (the time limit is checked between calls).
COUPLED_CHUNK = 8


@dataclass(frozen=True)
class ShapleyEstimate:
    costs: dict[str, Decimal] | None
    std_errors: dict[str, Decimal | None] | None  # None: unknown (a game of one block of orders)
    permutations: int | None  # orders sampled, over all games; None when exact
    reason: str | None
    short: tuple[str, ...] = ()  # districts whose standard error is above the target when time ran out
    unproven: int = 0  # coalition costs used without a proof of optimality (the time limit ended first)

    @property
    def shortfall(self) -> str | None:
        """What the result's message says when sampling ended before every standard error reached its target."""
        said = []
        if self.short:
            said.append(
                f"Shapley standard errors above {SHAPLEY_TARGET_RELATIVE_ERROR:.0%} of the share when the time limit "
                f"ended for {', '.join(self.short)}"
            )
        if self.unproven:
            said.append(f"{self.unproven} Shapley coalition costs not proven optimal within the time limit")
        return "; ".join(said) or None


class _Unsolved(Exception):
    """Why there is no Shapley value: a coalition cannot buy alone, or an exact game's coalition went unsolved."""


@dataclass
class _Game:
    """One game of the sum: the demands of one item, or of one coupled part, and the districts buying them."""

    demands: tuple[Demand, ...]
    buyers: tuple[str, ...]
    coupled: bool
    #: Each buyer's demands in the game as cache-key entries ``(item, region, quantity)``.
    entries: dict[str, tuple[tuple[str, str, int], ...]]
    #: Solved exactly (few buyers) rather than sampled.
    exact: bool
    costs: dict[tuple, Fraction] = field(default_factory=dict)
    #: Each block's mean marginal cost per buyer (in ``buyers`` order).
    blocks: list[list[Fraction]] = field(default_factory=list)
    exact_value: list[Fraction] | None = None
    orders: int = 0
    #: The coalitions of the blocks solved so far, each once, by cache key: membership (``buyers`` order).
    #: The control game is fitted on them.
    fitted_on: dict[tuple, np.ndarray] = field(default_factory=dict)
    #: Coalition costs cached without a proof of optimality (see :func:`_solve_missing`).
    unproven: int = 0
    #: Blocks drawn but not solved yet (the budget ran out).
    pending: list[list[list[str]]] = field(default_factory=list)
    #: Per item, the quantities where an offer's cost bends or jumps (tier breaks, minimum awards, capacities).
    breaks: dict[str, tuple[int, ...]] = field(default_factory=dict)
    #: Per item, a typical unit price (the mean of its offers' first tiers): weights of a coalition's list value.
    list_price: dict[str, float] = field(default_factory=dict)
    control_dimensions: tuple[_Dimension, ...] | None = None
    #: The last control fitted, and on how many coalitions (it is refitted once they have grown enough).
    control: ControlGame | None = None
    control_fitted_on: int = 0

    @property
    def orders_per_block(self) -> int:
        return 1 if self.coupled else 4

    def key(self, members) -> tuple:
        """What the cost of the coalition ``members`` depends on."""
        return tuple(sorted(e for d in members for e in self.entries[d]))

    def record(self, orders: list[list[str]]) -> None:
        """Keep the coalitions of a solved block for the next blocks' control."""
        index = {d: k for k, d in enumerate(self.buyers)}
        for order in orders:
            row = np.zeros(len(self.buyers))
            for size, d in enumerate(order, start=1):
                row[index[d]] = 1.0
                self.fitted_on.setdefault(self.key(order[:size]), row.copy())

    def quantities_by_region(self) -> np.ndarray:
        """Each buyer's quantity (rows, ``buyers`` order) of each item bought in each region (columns)."""
        columns = sorted({(item, region) for entries in self.entries.values() for item, region, _ in entries})
        out = np.zeros((len(self.buyers), len(columns)))
        for row, d in enumerate(self.buyers):
            for item, region, quantity in self.entries[d]:
                out[row, columns.index((item, region))] += quantity
        return out

    def mean(self) -> list[Fraction]:
        if self.exact_value is not None:
            return self.exact_value
        return [sum(column, Fraction(0)) / len(self.blocks) for column in zip(*self.blocks)]

    def std_errors(self) -> np.ndarray:
        if self.exact:
            return np.zeros(len(self.buyers))
        if len(self.blocks) < 2:
            return np.full(len(self.buyers), np.inf)
        spread = np.std(np.array(self.blocks, dtype=float), axis=0, ddof=1)
        return spread / math.sqrt(len(self.blocks))


#: A control is fitted only on at least this many distinct coalitions per coefficient.
CONTROL_ROWS_PER_COLUMN = 2
#: The control is fitted again once the coalitions solved have grown by this factor since its last fit: a fit
#: costs a least-squares solve, which a block of a small game's few coalitions would not repay.
CONTROL_REFIT_GROWTH = 1.5
#: Each control dimension's summed weight is kept within this many buckets (the dynamic program's width).
CONTROL_BUCKETS = 256
#: Value breakpoints of a coupled game's control: quantiles of the coalitions' list value.
CONTROL_VALUE_BREAKS = 8


@dataclass(frozen=True)
class _Dimension:
    """One additive measure of a coalition: the sum of its buyers' weights (whole buckets of ``unit``)."""

    weights: np.ndarray  # per buyer (``game.buyers`` order), whole buckets
    unit: float
    breaks: np.ndarray  # where the cost bends or jumps, in the measure's own units
    #: Per buyer, the distribution of the others' summed weight before it joins a uniformly random order.
    before: np.ndarray

    @classmethod
    def of(cls, amounts: np.ndarray, breaks) -> _Dimension:
        unit = max(1.0, float(amounts.sum()) / CONTROL_BUCKETS)
        weights = np.rint(amounts / unit).astype(int)
        return cls(weights, unit, np.array(sorted(set(breaks)), dtype=float), _predecessor_sums(weights))

    def features(self, sums: np.ndarray) -> np.ndarray:
        """A step and a kink at every break, of the summed weights ``sums`` (any shape; features last)."""
        x = (sums * self.unit)[..., None]
        return np.concatenate([(x >= self.breaks).astype(float), np.maximum(0.0, x - self.breaks)], axis=-1)


def _predecessor_sums(weights: np.ndarray) -> np.ndarray:
    """For each player, the distribution of the summed weight of the players before it in a random order.

    In a uniformly random order a player's predecessors are, with probability ``1 / n`` each, a uniformly
    random set of ``k = 0 .. n - 1`` of the others; the distribution of such a set's sum is built one player
    at a time (adding a player to ``m`` others: a random ``k``-set holds it with probability ``k / (m + 1)``).
    """
    n = len(weights)
    total = int(weights.sum())
    out = np.zeros((n, total + 1))
    for d in range(n):
        # by_size[k, w]: probability that a random k-subset of the players added so far sums to w.
        by_size = np.zeros((n, total + 1))
        by_size[0, 0] = 1.0
        m = 0
        for j in range(n):
            if j == d:
                continue
            w = int(weights[j])
            k = np.arange(1, m + 2)[:, None]
            grown = by_size[1 : m + 2] * (1 - k / (m + 1))
            grown[:, w:] += by_size[: m + 1, : total + 1 - w] * (k / (m + 1))
            by_size[1 : m + 2] = grown
            m += 1
        out[d] = by_size.mean(axis=0)
    return out


@dataclass(frozen=True)
class ControlGame:
    """A cheap game with a known Shapley value whose marginal costs follow the game's own (a control variate).

    Its cost is a sum, over a few additive measures of a coalition (each item's quantity; in a coupled game
    also the list value of all its items), of a function with a step and a kink at each of the measure's
    breaks (see :func:`_breaks`; for the value, its quantiles over the coalitions), fitted by least squares on
    coalition costs already solved. Its Shapley value is exact (up to floating point): a buyer's marginal
    cost depends only on the measure before it joins, whose distribution :func:`_predecessor_sums` gives.
    A block of orders then estimates the game's value as its mean marginal cost less the control's, plus the
    control's value: unbiased whatever the fit, since the fit uses no coalition of the block.
    """

    dimensions: tuple[_Dimension, ...]
    coefficients: tuple[np.ndarray, ...]
    value: np.ndarray  # the control's Shapley value, per buyer

    @staticmethod
    def dimensions_of(game: _Game) -> tuple[_Dimension, ...]:
        items = sorted({r.item for r in game.demands})
        quantity = {(r.district, r.item): r.quantity for r in game.demands}
        dims = []
        for item in items:
            amounts = np.array([quantity.get((d, item), 0) for d in game.buyers], dtype=float)
            dims.append(_Dimension.of(amounts, game.breaks[item]))
        if game.coupled:
            value = np.array([sum(quantity.get((d, i), 0) * game.list_price[i] for i in items) for d in game.buyers])
            dims.append(_Dimension.of(value, ()))
        return tuple(dims)

    @classmethod
    def fit(cls, game: _Game) -> ControlGame | None:
        """The control fitted on the coalitions of the game's solved blocks; ``None``: too few of them."""
        items = {r.item for r in game.demands}
        linear = game.quantities_by_region()
        columns = linear.shape[1] + 2 * sum(len(game.breaks[i]) for i in items)
        columns += 2 * CONTROL_VALUE_BREAKS if game.coupled else 0
        if len(game.fitted_on) < CONTROL_ROWS_PER_COLUMN * columns:
            return None  # a fit on fewer coalitions follows their noise and adds spread (measured on M)
        if game.control_dimensions is None:
            game.control_dimensions = cls.dimensions_of(game)
        dims = list(game.control_dimensions)
        members = np.array(list(game.fitted_on.values()))
        cost = np.array([float(game.costs[key]) for key in game.fitted_on])
        if game.coupled:
            value = dims[-1]
            sums = members @ value.weights * value.unit
            quantiles = np.quantile(sums, np.linspace(0, 1, CONTROL_VALUE_BREAKS + 2)[1:-1])
            dims[-1] = dataclasses.replace(value, breaks=np.unique(quantiles))
        # A unit price per item and region is fitted but not part of the control: it adds a constant to each
        # buyer's marginal cost, which changes no block's spread.
        blocks = [dim.features(members @ dim.weights) for dim in dims]
        design = np.concatenate([members @ linear, *blocks], axis=1)
        scale = np.maximum(np.abs(design).max(axis=0), 1e-12)
        solution = np.linalg.lstsq(design / scale, cost, rcond=None)[0] / scale
        coefficients, start = [], linear.shape[1]
        for block in blocks:
            coefficients.append(solution[start : start + block.shape[1]])
            start += block.shape[1]
        value = np.zeros(len(game.buyers))
        for dim, coef in zip(dims, coefficients):
            bucket = np.arange(dim.before.shape[1] + int(dim.weights.max()))
            g = dim.features(bucket) @ coef
            for k in range(len(game.buyers)):
                w = int(dim.weights[k])
                value[k] += dim.before[k] @ (g[w : w + dim.before.shape[1]] - g[: dim.before.shape[1]])
        return cls(tuple(dims), tuple(coefficients), value)

    def cost(self, sums: list[np.ndarray]) -> np.ndarray:
        return sum(dim.features(s) @ coef for dim, coef, s in zip(self.dimensions, self.coefficients, sums))

    def marginals(self, game: _Game, order) -> np.ndarray:
        """The control's marginal cost of each buyer (``game.buyers`` order) joining in ``order``."""
        index = np.array([game.buyers.index(d) for d in order])
        sums = [np.concatenate([[0], np.cumsum(dim.weights[index])]) for dim in self.dimensions]
        costs = self.cost(sums)
        out = np.zeros(len(game.buyers))
        out[index] = np.diff(costs)
        return out


def _games(problem: Problem, exact_max: int) -> list[_Game]:
    """The games whose values add up to the Shapley value: one per coupled part, one per item elsewhere."""
    region = {d.id: d.region for d in problem.districts}
    evaluated = problem.evaluated()
    games = []
    for part in independent_parts(evaluated, problem.demands):
        coupled = bool(build_model(evaluated, demands=part).bracket_vars)
        groups = (
            [part] if coupled else [tuple(r for r in part if r.item == i) for i in dict.fromkeys(r.item for r in part)]
        )
        for demands in groups:
            entries: dict[str, list] = {}
            for r in demands:
                entries.setdefault(r.district, []).append((r.item, region[r.district], r.quantity))
            games.append(
                _Game(
                    demands,
                    tuple(sorted(entries)),
                    coupled and len({r.item for r in demands}) > 1,
                    {d: tuple(e) for d, e in entries.items()},
                    len(entries) <= exact_max,
                    breaks={
                        i: _breaks(evaluated, i, sum(r.quantity for r in demands if r.item == i))
                        for i in {r.item for r in demands}
                    },
                    list_price={i: _list_price(evaluated, i) for i in {r.item for r in demands}},
                )
            )
    return games


def _breaks(problem: Problem, item: str, total: int) -> tuple[int, ...]:
    """Where a cost of buying up to ``total`` units of ``item`` may bend or jump.

    At the offers' tier breaks, minimum awards and capacities; and, past an offer's capacity, where the rest
    reaches another offer's break (capacity plus that break).
    """
    offers = [o for o in problem.offers if o.item == item]
    own = set()
    for offer in offers:
        own.update(t.min_quantity for t in offer.tiers[1:])
        own.update(q for q in (offer.min_award_quantity, offer.capacity) if q)
    found = set(own)
    for offer in offers:
        if offer.capacity:
            found.update(offer.capacity + b for b in own)
    return tuple(sorted(b for b in found if b <= total))


def _list_price(problem: Problem, item: str) -> float:
    prices = [float(o.tiers[0].unit_price) for o in problem.offers if o.item == item]
    return sum(prices) / len(prices)


def solve_coalitions(
    problem: Problem,
    demands: tuple[Demand, ...],
    coalitions: list[tuple[str, ...]],
    mip_rel_gap: float,
    *,
    time_limit_s: float | None,
) -> tuple[list[Decimal | None], list[int]]:
    """The cost of each coalition buying its share of ``demands`` alone (run in a guarded child).

    One coalition-mode model of all of ``demands`` is built; a coalition fixes
    its districts' membership binaries at 1 and the others' at 0 (their
    demand rows then buy nothing). Returns the costs (``None``: not proven
    within the gap before ``time_limit_s``, for the whole list, ran out) and
    the positions of the coalitions proven unable to buy alone.
    """
    started = time.perf_counter()
    buyers = sorted({r.district for r in demands})
    model = build_model(problem.evaluated(), demands=demands, coalition_shares=dict.fromkeys(buyers, Decimal(0)))
    base = model.arrays
    lb, ub = base.lb.copy(), base.ub.copy()
    costs: list[Decimal | None] = []
    infeasible = []
    for n, members in enumerate(coalitions):
        left = None if time_limit_s is None else time_limit_s - (time.perf_counter() - started)
        if left is not None and left <= 0:
            costs.append(None)
            continue
        inside = set(members)
        for d, var in model.coalition_vars.items():
            lb[var] = ub[var] = 1.0 if d in inside else 0.0
        arrays = MilpArrays(base.c, base.integrality, lb, ub, base.A, base.row_lb, base.row_ub)
        raw = solve_arrays(arrays, time_limit_s=left, mip_rel_gap=mip_rel_gap, solver_log=False)
        costs.append(price_awards(problem, model.awards(raw.x))[1] if raw.solved and raw.optimal else None)
        if raw.infeasible:
            infeasible.append(n)
    return costs, infeasible


def _solve_missing(
    problem: Problem,
    todo: list[tuple[_Game, tuple, tuple[str, ...]]],
    *,
    budget_s: float | None,
    time_limit_s: float | None,
    mip_rel_gap: float,
) -> None:
    """Solve the listed coalitions (game, cache key, members) and cache the costs proven in time.

    ``budget_s`` bounds the whole call (``None``: no bound, past the sampling's time limit), ``time_limit_s``
    each coalition's solve; without a budget, a coupled coalition whose search ran its whole time limit keeps
    the best purchase found (counted in ``unproven``), so that the sampling can end.

    Raises :class:`_Unsolved` when a coalition cannot buy alone.
    """
    cheap: dict[int, list[tuple[tuple, tuple[str, ...]]]] = {}
    dear: dict[int, list[tuple[tuple, tuple[str, ...]]]] = {}
    by_id = {id(g): g for g, _, _ in todo}
    for game, key, members in todo:
        (dear if game.coupled else cheap).setdefault(id(game), []).append((key, members))
    jobs, owners = [], []
    for gid, items in cheap.items():
        game = by_id[gid]
        size = math.ceil(len(items) / WORKERS)
        for start in range(0, len(items), size):
            chunk = items[start : start + size]
            jobs.append(Job(solve_coalitions, (problem, game.demands, [m for _, m in chunk], mip_rel_gap)))
            owners.append((game, chunk))
    started = time.perf_counter()
    if jobs:
        job_limit_s = time_limit_s if budget_s is None else budget_s
        answers = run_guarded(jobs, time_limit_s=job_limit_s, mip_rel_gap=mip_rel_gap, workers=WORKERS)
        for (game, chunk), answer in zip(owners, answers):
            costs, infeasible = answer if isinstance(answer, tuple) else ([None] * len(chunk), [])
            for n in infeasible:
                members = chunk[n][1]
                demands = tuple(r for r in game.demands if r.district in set(members))
                again = demand_set_costs(
                    problem, [demands], time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap, label="shapley"
                )[0]
                raise _Unsolved(f"a coalition cannot buy alone: {again.reason or ', '.join(members)}")
            for (key, _), cost in zip(chunk, costs):
                if cost is not None:
                    game.costs[key] = Fraction(cost)
    for gid, items in dear.items():
        game = by_id[gid]
        for start in range(0, len(items), COUPLED_CHUNK):
            left = time_limit_s
            if budget_s is not None:
                left = budget_s - (time.perf_counter() - started)
                if left <= 0:
                    return
                left = left if time_limit_s is None else min(left, time_limit_s)
            chunk = items[start : start + COUPLED_CHUNK]
            sets = [tuple(r for r in game.demands if r.district in set(members)) for _, members in chunk]
            solved = demand_set_costs(problem, sets, time_limit_s=left, mip_rel_gap=mip_rel_gap, label="shapley")
            for (key, _), cost in zip(chunk, solved):
                if cost.cost is None and not (cost.reason or "").startswith("no solution"):
                    raise _Unsolved(f"a coalition cannot buy alone: {cost.reason}")
                # Past the time limit (no budget) a solve that had its whole time limit gives its best purchase.
                if cost.cost is not None and (cost.reason is None or budget_s is None):
                    game.costs[key] = Fraction(cost.cost)
                    game.unproven += cost.reason is not None


def _exact_value(game: _Game) -> list[Fraction]:
    n = len(game.buyers)
    value = []
    for d in game.buyers:
        others = [o for o in game.buyers if o != d]
        acc = Fraction(0)
        for size in range(n):
            weight = Fraction(math.factorial(size) * math.factorial(n - size - 1), math.factorial(n))
            for s in itertools.combinations(others, size):
                acc += weight * (game.costs[game.key(s + (d,))] - game.costs[game.key(s)])
        value.append(acc)
    return value


def _block(rng: np.random.Generator, game: _Game) -> list[list[str]]:
    """One block of orders of the game's buyers (see the module docstring)."""
    n = len(game.buyers)
    first = [game.buyers[k] for k in rng.permutation(n)]
    if game.orders_per_block == 1:
        return [first]
    rotated = first[n // 2 :] + first[: n // 2]
    return [first, first[::-1], rotated, rotated[::-1]]


def _block_mean(game: _Game, orders: list[list[str]]) -> list[Fraction]:
    """A block's estimate of each buyer's value: its mean marginal cost, corrected by the control game.

    The control is fitted on the coalitions of the blocks before this one only, so it is independent of
    this block's orders and the estimate stays unbiased (see :class:`ControlGame`); it is fitted again as
    those coalitions grow by ``CONTROL_REFIT_GROWTH``.
    """
    raw = _marginals(game, orders)
    if len(game.fitted_on) >= CONTROL_REFIT_GROWTH * game.control_fitted_on:
        game.control = ControlGame.fit(game)
        if game.control is not None:
            game.control_fitted_on = len(game.fitted_on)
    control = game.control
    if control is None:
        return raw
    correction = control.value - np.mean([control.marginals(game, o) for o in orders], axis=0)
    return [m + Fraction(float(c)) for m, c in zip(raw, correction)]


def _marginals(game: _Game, orders: list[list[str]]) -> list[Fraction]:
    """Each buyer's mean marginal cost over the orders."""
    index = {d: k for k, d in enumerate(game.buyers)}
    sums = [Fraction(0)] * len(game.buyers)
    for order in orders:
        before = Fraction(0)
        for size, d in enumerate(order, start=1):
            after = game.costs[game.key(order[:size])]
            sums[index[d]] += after - before
            before = after
    return [s / len(orders) for s in sums]


def shapley(
    problem: Problem,
    total: Decimal,
    *,
    permutations: int,
    seed: int,
    time_limit_s: float | None,
    mip_rel_gap: float,
    exact_max_districts: int = EXACT_SHAPLEY_MAX_DISTRICTS,
) -> ShapleyEstimate:
    """Shapley value of the cost game, exact or sampled game by game; see the module docstring.

    Parameters
    ----------
    problem : Problem
    total : Decimal
        The pooled total the shares add up to.
    permutations : int
        Least number of orders sampled per game (before the stopping rule may end it).
    seed : int
        Seed of the sampling.
    time_limit_s : float, optional
        Budget of the sampling; also each coalition solve's limit.
    mip_rel_gap : float
        Relative gap of every coalition solve.
    exact_max_districts : int, optional
        Problems with at most this many districts, and games with at most this many buyers, are solved exactly.
    """
    districts = sorted({r.district for r in problem.demands})
    n = len(districts)
    if n <= exact_max_districts:
        return _exact(problem, total, districts, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap)

    started = time.perf_counter()
    games = _games(problem, exact_max_districts)
    rng = np.random.default_rng(seed)
    try:
        for game in games:
            game.costs[()] = Fraction(0)
        every_coalition = [
            (game, game.key(members), members)
            for game in games
            if game.exact
            for size in range(1, len(game.buyers) + 1)
            for members in itertools.combinations(game.buyers, size)
        ]
        _solve_missing(
            problem, _unique(every_coalition), budget_s=None, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap
        )
        if any(key not in game.costs for game, key, _ in every_coalition):
            raise _Unsolved("the time limit ended before every coalition of a game of few districts was solved")
        for game in games:
            if game.exact:
                game.exact_value = _exact_value(game)
        sampled = [g for g in games if not g.exact]
        games_of = {d: sum(1 for g in sampled if d in g.entries) for d in districts}
        min_blocks = {id(g): max(2, math.ceil(permutations / g.orders_per_block)) for g in sampled}
        rounds = 0
        while True:
            estimate = _totals(games, districts)
            out_of_time = time_limit_s is not None and time.perf_counter() - started >= time_limit_s
            active = []
            for game in sampled:
                errors = game.std_errors()
                target = [
                    SHAPLEY_TARGET_RELATIVE_ERROR * abs(float(estimate[d])) / math.sqrt(games_of[d])
                    for d in game.buyers
                ]
                enough = len(game.blocks) >= min_blocks[id(game)] and all(e <= t for e, t in zip(errors, target))
                # Past the time limit only a game without an estimate goes on, for its first block.
                if not enough and (not game.blocks or not out_of_time):
                    active.append(game)
            if not active:
                break
            # Every game's first two blocks first; then the uncoupled games (cheap), a coupled game's blocks
            # once they are done.
            cheap = [g for g in active if not g.coupled]
            playing = [g for g in active if len(g.blocks) < 2] or cheap or active[:1]
            # A block left unfinished by the budget is finished first: dropping it would favour quick coalitions.
            drawn = [
                (game, game.pending.pop() if game.pending else _block(rng, game))
                for game in playing
                for _ in range(1 if game.coupled else 2)
            ]
            todo = [
                (game, game.key(order[:size]), tuple(order[:size]))
                for game, orders in drawn
                for order in orders
                for size in range(1, len(order) + 1)
            ]
            # Past the time limit (games without a block), no budget: each solve gets the time limit.
            left = None if time_limit_s is None else time_limit_s - (time.perf_counter() - started)
            _solve_missing(
                problem,
                _unique([t for t in todo if t[1] not in t[0].costs]),
                budget_s=None if out_of_time else left,
                time_limit_s=time_limit_s,
                mip_rel_gap=mip_rel_gap,
            )
            complete = [all(g.key(o[:k]) in g.costs for o in orders for k in range(len(o) + 1)) for g, orders in drawn]
            for (game, orders), done in zip(drawn, complete):
                if done:
                    game.blocks.append(_block_mean(game, orders))
                    game.record(orders)
                    game.orders += len(orders)
                else:
                    game.pending.append(orders)
            rounds += 1
            if out_of_time and not any(complete):
                break
            logger.info(
                "shapley: round %d, %d orders, blocks per game %s, %.0f s",
                rounds,
                sum(g.orders for g in sampled),
                [len(g.blocks) for g in sampled],
                time.perf_counter() - started,
            )
    except _Unsolved as exc:
        return ShapleyEstimate(None, None, None, str(exc))

    unsampled = [g for g in games if not g.exact and not g.blocks]
    if unsampled:
        return ShapleyEstimate(
            None,
            None,
            None,
            f"the time limit ended before {len(unsampled)} of the games had one block of orders solved",
        )
    estimate = _totals(games, districts)
    whole = sum(estimate.values(), Fraction(0))
    # The games' own costs for all their buyers may differ from the pooled total by the solver gap.
    scaled = [estimate[d] * Fraction(total) / whole if whole else Fraction(total) / n for d in districts]
    errors = {d: 0.0 for d in districts}
    for game in games:
        for d, e in zip(game.buyers, game.std_errors()):
            errors[d] += float(e) ** 2
    std = {d: math.sqrt(errors[d]) for d in districts}
    short = tuple(d for d in districts if std[d] > SHAPLEY_TARGET_RELATIVE_ERROR * abs(float(estimate[d])))
    orders = sum(g.orders for g in games)
    logger.info(
        "shapley: %d games, %d orders, %d coalition costs", len(games), orders, sum(len(g.costs) for g in games)
    )
    return ShapleyEstimate(
        dict(zip(districts, round_preserving_sum(scaled))),
        {d: Decimal(std[d]).quantize(Decimal("0.01")) if math.isfinite(std[d]) else None for d in districts},
        orders,
        None,
        short,
        sum(g.unproven for g in games),
    )


def _unique(todo: list[tuple[_Game, tuple, tuple[str, ...]]]) -> list[tuple[_Game, tuple, tuple[str, ...]]]:
    seen: set[tuple[int, tuple]] = set()
    out = []
    for game, key, members in todo:
        if (id(game), key) not in seen:
            seen.add((id(game), key))
            out.append((game, key, members))
    return out


def _totals(games: list[_Game], districts: list[str]) -> dict[str, Fraction]:
    """Each district's estimate: the sum of its values in the games it buys in (0 before a game has a block)."""
    total = dict.fromkeys(districts, Fraction(0))
    for game in games:
        if not game.exact and not game.blocks:
            continue
        for d, v in zip(game.buyers, game.mean()):
            total[d] += v
    return total


def _exact(
    problem: Problem, total: Decimal, districts: list[str], *, time_limit_s: float | None, mip_rel_gap: float
) -> ShapleyEstimate:
    """Every coalition of the whole problem solved: the exact value."""
    n = len(districts)
    full = frozenset(districts)
    subsets = [frozenset(c) for size in range(n) for c in itertools.combinations(districts, size)]
    costs = coalition_costs(problem, subsets, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap, label="shapley")
    missing = [c for c in costs.values() if c.cost is None]
    if missing:
        return ShapleyEstimate(None, None, None, f"a coalition cannot buy alone: {missing[0].reason}")
    value = {s: Fraction(c.cost) for s, c in costs.items()}
    value[full] = Fraction(total)
    exact = []
    for d in districts:
        acc = Fraction(0)
        for s in subsets:
            if d in s:
                continue
            weight = Fraction(math.factorial(len(s)) * math.factorial(n - len(s) - 1), math.factorial(n))
            acc += weight * (value[s | {d}] - value[s])
        exact.append(acc)
    return ShapleyEstimate(
        dict(zip(districts, round_preserving_sum(exact))), {d: Decimal("0.00") for d in districts}, None, None
    )
