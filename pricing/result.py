"""Result types: what :func:`pricing.solve` returns, and its JSON form."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .costing import Award
from .diagnose import Unmet

#: The sharing rules, defined in pricing/FORMAT.md ("Sharing rules"); the first is the default.
SHARE_RULES = ("capped_equal_price", "least_core", "equal_price", "proportional", "shapley")


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


@dataclass(frozen=True)
class Share:
    """One district's cost under the allocation rules.

    ``pooled_cost`` is the equal-price rule (what its invoices say);
    ``standalone_cost`` the optimum of its own demands alone, ``None`` with
    ``standalone_reason`` when it cannot buy alone or the solve was cut short;
    ``savings = standalone_cost - pooled_cost``. The ``capped_cost``,
    ``least_core_cost``, ``proportional_cost`` and ``shapley_*`` figures are
    filled when those rules are asked for (``capped_cost`` stays ``None`` when
    no shares can keep every district within its standalone cost, see the
    result's ``message``).
    """

    district: str
    pooled_cost: Decimal
    standalone_cost: Decimal | None = None
    savings: Decimal | None = None
    standalone_reason: str | None = None
    proportional_cost: Decimal | None = None
    shapley_cost: Decimal | None = None
    shapley_std_error: Decimal | None = None
    capped_cost: Decimal | None = None
    least_core_cost: Decimal | None = None

    def to_dict(self, rules: tuple[str, ...]) -> dict[str, Any]:
        row: dict[str, Any] = {
            "district": self.district,
            "pooled_cost": _money(self.pooled_cost),
            "standalone_cost": _money(self.standalone_cost),
            "savings": _money(self.savings),
        }
        if self.standalone_reason is not None:
            row["standalone_reason"] = self.standalone_reason
        if "capped_equal_price" in rules:
            row["capped_cost"] = _money(self.capped_cost)
        if "least_core" in rules:
            row["least_core_cost"] = _money(self.least_core_cost)
        if "proportional" in rules:
            row["proportional_cost"] = _money(self.proportional_cost)
        if "shapley" in rules:
            row["shapley_cost"] = _money(self.shapley_cost)
            row["shapley_std_error"] = _money(self.shapley_std_error)
        return row

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> Share:
        return cls(
            district=row["district"],
            pooled_cost=Decimal(row["pooled_cost"]),
            standalone_cost=_decimal(row.get("standalone_cost")),
            savings=_decimal(row.get("savings")),
            standalone_reason=row.get("standalone_reason"),
            proportional_cost=_decimal(row.get("proportional_cost")),
            shapley_cost=_decimal(row.get("shapley_cost")),
            shapley_std_error=_decimal(row.get("shapley_std_error")),
            capped_cost=_decimal(row.get("capped_cost")),
            least_core_cost=_decimal(row.get("least_core_cost")),
        )


@dataclass(frozen=True)
class CoreCheck:
    """Whether some coalition of districts would pay less by leaving the pool.

    ``coalition`` and ``gain`` name the coalition found and how much less it
    would pay in total (a proven amount: its own purchase was recomputed
    exactly); ``gain_bound`` is the solver's bound on the largest gain any
    coalition could have, with half a cent per vendor with discounts for their
    rounding, down to the cent and never below ``gain`` (``None`` if the
    search was cut short).
    """

    blocked: bool
    coalition: tuple[str, ...]
    gain: Decimal
    gain_bound: Decimal | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "blocked": self.blocked,
            "coalition": list(self.coalition),
            "gain": str(self.gain),
            "gain_bound": _money(self.gain_bound),
            "message": self.message,
        }

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> CoreCheck:
        return cls(
            row["blocked"],
            tuple(row["coalition"]),
            Decimal(row["gain"]),
            _decimal(row["gain_bound"]),
            row["message"],
        )


@dataclass(frozen=True)
class LeastCore:
    """How the least-core shares were found, with their certificate.

    Attributes
    ----------
    epsilon : Decimal
        The most any coalition of districts gains by leaving the pool at the
        reported (cent-rounded) shares, as the final core check found it; 0
        when the shares are in the core.
    epsilon_lower_bound : Decimal
        No shares at all can hold the largest gain below this (rounded to
        the cent): the optimum of the linear program over the coalitions
        found, which relaxes the one over every coalition.
    binding : tuple of tuple of str
        The coalitions whose gain equals the least-core value at the optimum
        of that program (for ``epsilon`` 0, those exactly indifferent to
        leaving), smallest first.
    iterations : int
        Rounds of the constraint generation (one core check each).
    time_s : float
        Seconds spent.
    proven : bool
        The last core check proved that no coalition gains more than
        ``epsilon`` (within the solver gap); ``False`` when a time limit cut
        it short.
    message : str
        One sentence about it.
    """

    epsilon: Decimal
    epsilon_lower_bound: Decimal
    binding: tuple[tuple[str, ...], ...]
    iterations: int
    time_s: float
    proven: bool
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "epsilon": str(self.epsilon),
            "epsilon_lower_bound": str(self.epsilon_lower_bound),
            "binding": [list(s) for s in self.binding],
            "iterations": self.iterations,
            "time_s": self.time_s,
            "proven": self.proven,
            "message": self.message,
        }

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> LeastCore:
        return cls(
            Decimal(row["epsilon"]),
            Decimal(row["epsilon_lower_bound"]),
            tuple(tuple(s) for s in row["binding"]),
            row["iterations"],
            row["time_s"],
            row["proven"],
            row["message"],
        )


@dataclass(frozen=True)
class Progress:
    """Where a :func:`pricing.solve` call is: what its ``progress`` callback receives.

    Attributes
    ----------
    status : str
        ``searching`` while the engine searches for the pooled allocation,
        ``sharing`` once it is found and priced while the standalone costs,
        shares and core check run, and at the last call the result's
        ``status``.
    best_cost : float or None
        Total cost of ownership of the best allocation found so far, ``None``
        while unknown (a problem that splits into independent parts has none
        until every part is solved).
    lower_bound : float or None
        Proven lower bound on the total cost of any allocation, ``None`` while unknown.
    gap : float or None
        ``(best_cost - lower_bound) / best_cost`` when both are known.
    elapsed_s : float
        Seconds since the call started.
    """

    status: str
    best_cost: float | None
    lower_bound: float | None
    gap: float | None
    elapsed_s: float


@dataclass(frozen=True)
class AllocationResult:
    """The outcome of :func:`pricing.solve`.

    Attributes
    ----------
    status : str
        ``optimal`` (proven within ``mip_rel_gap``), ``feasible`` (the time
        limit ended the search; see ``gap``), ``infeasible`` (see ``unmet``),
        ``time_limit`` (no allocation found in time) or ``error`` (the solver
        failed or returned an allocation that breaks a rule).
    message : str
        One human sentence about the status.
    total_cost, lower_bound : Decimal or None
        Exact total cost of ownership of the awards; the solver's proven lower
        bound on any allocation's cost as minimised (the evaluated cost when
        vendors carry evaluation factors), rounded down to the cent.
    evaluated_cost : Decimal or None
        With evaluation factors: the awards' evaluated cost, each vendor's
        cost times its factor, to the cent (what the engine minimised);
        ``None`` when every factor is 1.
    gap : float or None
        ``(cost - lower_bound) / cost``, the cost being the evaluated cost
        when there is one, else the total cost.
    awards, shares, unmet : tuples
        Award rows, one share row per district with demand, unmet demands.
    rules : tuple of str
        Allocation rules computed; the first is the one ``worse_off`` uses.
    worse_off : tuple of str
        Districts paying more under the chosen rule than buying alone.
    core : CoreCheck or None
        The core check of the chosen rule's shares (asked for, or always
        with ``least_core``, where it is the certificate).
    least_core : LeastCore or None
        With ``least_core``: its largest gain, certificate and effort.
    stats : dict
        ``solve_time_s``, ``nodes``, ``model`` size and timings of the extras.
    """

    status: str
    message: str
    total_cost: Decimal | None = None
    lower_bound: Decimal | None = None
    evaluated_cost: Decimal | None = None
    gap: float | None = None
    awards: tuple[Award, ...] = ()
    shares: tuple[Share, ...] = ()
    unmet: tuple[Unmet, ...] = ()
    rules: tuple[str, ...] = ("equal_price",)
    worse_off: tuple[str, ...] = ()
    core: CoreCheck | None = None
    least_core: LeastCore | None = None
    stats: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The result as a JSON-ready dict, money as decimal strings."""
        return {
            "status": self.status,
            "message": self.message,
            "total_cost": _money(self.total_cost),
            "lower_bound": _money(self.lower_bound),
            "evaluated_cost": _money(self.evaluated_cost),
            "gap": self.gap,
            "awards": [a.to_dict() for a in self.awards],
            "shares": [s.to_dict(self.rules) for s in self.shares],
            "unmet": [u.to_dict() for u in self.unmet],
            "rules": list(self.rules),
            "worse_off": list(self.worse_off),
            "core": None if self.core is None else self.core.to_dict(),
            "least_core": None if self.least_core is None else self.least_core.to_dict(),
            "stats": self.stats,
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """The result as JSON text."""
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> AllocationResult:
        """Read back a dict written by :meth:`to_dict`."""
        awards = tuple(
            Award(
                a["district"],
                a["item"],
                a["vendor"],
                a["offer"],
                a["quantity"],
                Decimal(a["unit_price"]),
                Decimal(a["cost"]),
                Decimal(a["support_cost"]),
                Decimal(a["discount"]),
            )
            for a in doc["awards"]
        )
        return cls(
            status=doc["status"],
            message=doc["message"],
            total_cost=_decimal(doc["total_cost"]),
            lower_bound=_decimal(doc["lower_bound"]),
            evaluated_cost=_decimal(doc.get("evaluated_cost")),
            gap=doc["gap"],
            awards=awards,
            shares=tuple(Share.from_dict(s) for s in doc["shares"]),
            unmet=tuple(Unmet(**u) for u in doc["unmet"]),
            rules=tuple(doc["rules"]),
            worse_off=tuple(doc["worse_off"]),
            core=None if doc["core"] is None else CoreCheck.from_dict(doc["core"]),
            least_core=None if doc.get("least_core") is None else LeastCore.from_dict(doc["least_core"]),
            stats=doc["stats"],
        )
