"""Problem types of the ``coop.allocation/1`` format, their validation and JSON io.

The format, every rule of it and a worked example: pricing/FORMAT.md.

The types are frozen dataclasses holding exact values (``Decimal`` money,
``int`` quantities). :meth:`Problem.from_dict` is the only way in from JSON:
it checks the whole document, collects every error with the JSON path of the
offending field and raises one :class:`ProblemError`, so a caller can show all
the problems of a file at once.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import IO, Any

FORMAT = "coop.allocation/1"
PRICING_RULES = ("all_units", "incremental")

_MONEY_RE = re.compile(r"^-?\d+(\.\d{1,2})?$")
_PERCENT_RE = re.compile(r"^\d+(\.\d{1,4})?$")
_FACTOR_RE = re.compile(r"^\d+(\.\d{1,6})?$")
_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
_MONEY_MESSAGE = "must be a decimal string with at most 2 decimal places"


class ProblemError(ValueError):
    """A problem document that breaks the format.

    Attributes
    ----------
    errors : list of str
        Every error found, each ``"<json path>: <what is wrong>"``.
    """

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


@dataclass(frozen=True)
class Item:
    id: str


@dataclass(frozen=True)
class District:
    id: str
    region: str


@dataclass(frozen=True)
class Demand:
    district: str
    item: str
    quantity: int


@dataclass(frozen=True)
class Tier:
    min_quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class Offer:
    id: str
    vendor: str
    item: str
    tiers: tuple[Tier, ...]
    pricing: str = "all_units"
    annual_cost_per_unit: Decimal = Decimal("0.00")
    capacity: int | None = None
    min_award_quantity: int = 0
    regions: tuple[str, ...] | None = None

    def serves(self, region: str) -> bool:
        """Whether the offer may deliver to a district of ``region``."""
        return self.regions is None or region in self.regions

    def purchase_cost(self, quantity: int) -> Decimal:
        """Exact purchase cost of ``quantity`` units under the offer's tiers."""
        if quantity <= 0:
            return Decimal("0.00")
        if self.pricing == "all_units":
            price = [t.unit_price for t in self.tiers if t.min_quantity <= quantity][-1]
            return price * quantity
        cost = Decimal("0.00")
        for tier, following in zip(self.tiers, self.tiers[1:] + (None,)):
            last_unit = quantity if following is None else min(quantity, following.min_quantity - 1)
            if last_unit >= tier.min_quantity:
                cost += tier.unit_price * (last_unit - tier.min_quantity + 1)
        return cost


@dataclass(frozen=True)
class DiscountBracket:
    min_value: Decimal
    percent: Decimal


@dataclass(frozen=True)
class Vendor:
    id: str
    total_discounts: tuple[DiscountBracket, ...] = ()
    #: Multiplies the vendor's whole cost in what the engine minimises (its evaluated cost), never in
    #: what anyone pays: the price-equivalent of a non-price evaluation score (pricing/FORMAT.md).
    evaluation_factor: Decimal = Decimal(1)

    def discount_percent(self, purchase_value: Decimal) -> Decimal:
        """Percent taken off a purchase value: the highest bracket reached."""
        reached = [b.percent for b in self.total_discounts if b.min_value <= purchase_value]
        return reached[-1] if reached else Decimal(0)


@dataclass(frozen=True)
class Rules:
    max_vendors_per_item: int | None = None
    split_district_demand: bool = False


@dataclass(frozen=True)
class Problem:
    """An allocation problem in the ``coop.allocation/1`` format.

    Build one with :meth:`from_dict` / :func:`load_problem` to have it
    validated; :func:`pricing.solve` validates directly built problems too.
    """

    items: tuple[Item, ...]
    districts: tuple[District, ...]
    demands: tuple[Demand, ...]
    offers: tuple[Offer, ...]
    vendors: tuple[Vendor, ...] = ()
    rules: Rules = field(default_factory=Rules)
    currency: str = "USD"
    tco_years: int = 1

    @classmethod
    def from_dict(cls, document: Any) -> Problem:
        """Validate a decoded JSON document and build the problem.

        Parameters
        ----------
        document : dict
            The decoded ``coop.allocation/1`` document.

        Returns
        -------
        Problem

        Raises
        ------
        ProblemError
            With every error found, each naming its JSON path.
        """
        return _Reader().problem(document)

    @classmethod
    def from_json(cls, text: str) -> Problem:
        """Parse and validate a JSON string; see :meth:`from_dict`."""
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ProblemError([f"$: not valid JSON ({exc})"]) from None
        return cls.from_dict(document)

    def to_dict(self) -> dict[str, Any]:
        """The problem as a JSON-ready dict, money as decimal strings."""
        return {
            "format": FORMAT,
            "currency": self.currency,
            "tco_years": self.tco_years,
            "items": [{"id": i.id} for i in self.items],
            "districts": [{"id": d.id, "region": d.region} for d in self.districts],
            "demands": [{"district": d.district, "item": d.item, "quantity": d.quantity} for d in self.demands],
            "offers": [
                {
                    "id": o.id,
                    "vendor": o.vendor,
                    "item": o.item,
                    "pricing": o.pricing,
                    "tiers": [{"min_quantity": t.min_quantity, "unit_price": str(t.unit_price)} for t in o.tiers],
                    "annual_cost_per_unit": str(o.annual_cost_per_unit),
                    "capacity": o.capacity,
                    "min_award_quantity": o.min_award_quantity,
                    "regions": None if o.regions is None else list(o.regions),
                }
                for o in self.offers
            ],
            "vendors": [
                {
                    "id": v.id,
                    "total_discounts": [
                        {"min_value": str(b.min_value), "percent": str(b.percent)} for b in v.total_discounts
                    ],
                    # Written only when it is not 1, so that problems without evaluation read as before.
                    **({} if v.evaluation_factor == 1 else {"evaluation_factor": str(v.evaluation_factor)}),
                }
                for v in self.vendors
            ],
            "rules": {
                "max_vendors_per_item": self.rules.max_vendors_per_item,
                "split_district_demand": self.rules.split_district_demand,
            },
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """The problem as ``coop.allocation/1`` JSON text."""
        return json.dumps(self.to_dict(), indent=indent)

    def evaluated(self) -> Problem:
        """The problem whose costs are the evaluated costs: the one the engine's searches minimise.

        Every money amount of a vendor (tier prices, support costs, discount thresholds) is multiplied by
        its ``evaluation_factor`` and rounded half up to the cent, so that every allocation's cost in the
        copy is, to those roundings, the sum of each vendor's real cost times its factor, and a
        total-quantity discount is reached at the same real purchase value. The copy is a valid problem
        in cents, which every search prices as it prices the original. Allocations found on the copy are
        priced on the original (offers keep their order): the copy is for searching, never for paying.

        Returns
        -------
        Problem
            ``self`` when every factor is 1; otherwise the copy, whose factors are all 1.
        """
        factors = {v.id: v.evaluation_factor for v in self.vendors if v.evaluation_factor != 1}
        if not factors:
            return self
        offers = []
        for offer in self.offers:
            factor = factors.get(offer.vendor)
            if factor is None:
                offers.append(offer)
                continue
            offers.append(
                replace(
                    offer,
                    tiers=tuple(Tier(t.min_quantity, _cents(t.unit_price * factor)) for t in offer.tiers),
                    annual_cost_per_unit=_cents(offer.annual_cost_per_unit * factor),
                )
            )
        vendors = tuple(
            replace(
                v,
                evaluation_factor=Decimal(1),
                total_discounts=tuple(
                    DiscountBracket(_cents(b.min_value * factors[v.id]), b.percent) for b in v.total_discounts
                ),
            )
            if v.id in factors
            else v
            for v in self.vendors
        )
        return replace(self, offers=tuple(offers), vendors=vendors)


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def load_problem(source: str | os.PathLike[str] | IO[str]) -> Problem:
    """Read and validate a ``coop.allocation/1`` file.

    Parameters
    ----------
    source : path or text file object

    Returns
    -------
    Problem

    Raises
    ------
    ProblemError
        If the file is not valid JSON or breaks the format.
    """
    if hasattr(source, "read"):
        return Problem.from_json(source.read())
    with open(source, encoding="utf-8") as handle:
        return Problem.from_json(handle.read())


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Reader:
    """Walks a document once, collecting errors instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    def obj(self, value: Any, path: str, required: set[str], optional: set[str]) -> bool:
        if not isinstance(value, dict):
            self.error(path, "must be an object")
            return False
        for key in value:
            if key not in required and key not in optional:
                self.error(f"{path}.{key}", "unknown key")
        for key in sorted(required - value.keys()):
            self.error(f"{path}.{key}", "is required")
        return True

    def array(self, value: Any, path: str) -> list[Any]:
        if not isinstance(value, list):
            self.error(path, "must be an array")
            return []
        return value

    def ident(self, value: Any, path: str) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.error(path, "must be a non-empty string")
            return None
        return value

    def integer(self, value: Any, path: str, *, minimum: int) -> int | None:
        if not _is_int(value) or value < minimum:
            if minimum == 1:
                self.error(path, "must be a positive integer")
            else:
                self.error(path, f"must be an integer of at least {minimum}")
            return None
        return value

    def money(self, value: Any, path: str) -> Decimal | None:
        if not isinstance(value, str) or not _MONEY_RE.match(value):
            self.error(path, _MONEY_MESSAGE)
            return None
        amount = Decimal(value)
        if amount < 0:
            self.error(path, "must not be negative")
            return None
        return amount

    def unique(self, ids: list[tuple[str | None, str]], kind: str) -> set[str]:
        seen: set[str] = set()
        for ident, path in ids:
            if ident is None:
                continue
            if ident in seen:
                self.error(path, f"duplicate {kind} id '{ident}'")
            seen.add(ident)
        return seen

    def reference(self, value: Any, path: str, known: set[str], kind: str) -> str | None:
        ident = self.ident(value, path)
        if ident is not None and ident not in known:
            self.error(path, f"unknown {kind} '{ident}'")
            return None
        return ident

    def problem(self, doc: Any) -> Problem:
        top_keys = {"format", "items", "districts", "demands", "offers"}
        if not self.obj(doc, "$", top_keys, {"currency", "tco_years", "vendors", "rules"}):
            raise ProblemError(self.errors)
        if "format" in doc and doc["format"] != FORMAT:
            self.error("format", f"must be '{FORMAT}'")
        currency = doc.get("currency", "USD")
        if not isinstance(currency, str) or not _CURRENCY_RE.match(currency):
            self.error("currency", "must be a three-letter ISO 4217 code such as 'USD'")
        tco_years = self.integer(doc.get("tco_years", 1), "tco_years", minimum=0)

        items = []
        for k, raw in enumerate(self.array(doc.get("items", []), "items")):
            if self.obj(raw, f"items[{k}]", {"id"}, set()) and "id" in raw:
                ident = self.ident(raw["id"], f"items[{k}].id")
                items.append((ident, f"items[{k}].id"))
        item_ids = self.unique(items, "item")

        districts = []
        for k, raw in enumerate(self.array(doc.get("districts", []), "districts")):
            path = f"districts[{k}]"
            if self.obj(raw, path, {"id", "region"}, set()):
                ident = self.ident(raw.get("id"), f"{path}.id") if "id" in raw else None
                region = self.ident(raw.get("region"), f"{path}.region") if "region" in raw else None
                districts.append((ident, region, f"{path}.id"))
        district_ids = self.unique([(d[0], d[2]) for d in districts], "district")
        region_of = {d[0]: d[1] for d in districts if d[0] is not None}
        regions = {d[1] for d in districts if d[1] is not None}

        vendors = self.vendors(doc.get("vendors", []))
        vendor_ids = {v.id for v in vendors}
        demands = self.demands(doc.get("demands", []), district_ids, item_ids)
        offers = self.offers(doc.get("offers", []), vendor_ids, item_ids, regions)
        rules = self.rules(doc.get("rules", {}))

        if self.errors:
            raise ProblemError(self.errors)
        return Problem(
            items=tuple(Item(i) for i, _ in items),
            districts=tuple(District(d, region_of[d]) for d, _, _ in districts),
            demands=tuple(demands),
            offers=tuple(offers),
            vendors=tuple(vendors),
            rules=rules,
            currency=currency,
            tco_years=tco_years,
        )

    def demands(self, raw_list: Any, district_ids: set[str], item_ids: set[str]) -> list[Demand]:
        demands = []
        seen: set[tuple[str, str]] = set()
        for k, raw in enumerate(self.array(raw_list, "demands")):
            path = f"demands[{k}]"
            if not self.obj(raw, path, {"district", "item", "quantity"}, set()):
                continue
            district = self.reference(raw.get("district"), f"{path}.district", district_ids, "district")
            item = self.reference(raw.get("item"), f"{path}.item", item_ids, "item")
            quantity = self.integer(raw.get("quantity"), f"{path}.quantity", minimum=1)
            if district is None or item is None or quantity is None:
                continue
            if (district, item) in seen:
                self.error(path, f"duplicate demand of district '{district}' for item '{item}'")
                continue
            seen.add((district, item))
            demands.append(Demand(district, item, quantity))
        return demands

    def offers(self, raw_list: Any, vendor_ids: set[str], item_ids: set[str], regions: set[str]) -> list[Offer]:
        offers = []
        ids = []
        optional = {"pricing", "annual_cost_per_unit", "capacity", "min_award_quantity", "regions"}
        for k, raw in enumerate(self.array(raw_list, "offers")):
            path = f"offers[{k}]"
            if not self.obj(raw, path, {"id", "vendor", "item", "tiers"}, optional):
                continue
            ident = self.ident(raw.get("id"), f"{path}.id") if "id" in raw else None
            ids.append((ident, f"{path}.id"))
            vendor = self.reference(raw.get("vendor"), f"{path}.vendor", vendor_ids, "vendor")
            item = self.reference(raw.get("item"), f"{path}.item", item_ids, "item")
            pricing = raw.get("pricing", "all_units")
            if pricing not in PRICING_RULES:
                self.error(f"{path}.pricing", "must be 'all_units' or 'incremental'")
            tiers = self.tiers(raw["tiers"], f"{path}.tiers") if "tiers" in raw else None
            annual = self.money(raw.get("annual_cost_per_unit", "0.00"), f"{path}.annual_cost_per_unit")
            capacity = raw.get("capacity")
            if capacity is not None:
                capacity = self.integer(capacity, f"{path}.capacity", minimum=1)
            minimum = self.integer(raw.get("min_award_quantity", 0), f"{path}.min_award_quantity", minimum=0)
            if capacity is not None and minimum is not None and minimum > capacity:
                self.error(f"{path}.min_award_quantity", f"must not exceed capacity ({capacity})")
            served = raw.get("regions")
            if served is not None:
                served_list = []
                for r, region in enumerate(self.array(served, f"{path}.regions")):
                    name = self.ident(region, f"{path}.regions[{r}]")
                    if name is not None and name not in regions:
                        self.error(f"{path}.regions[{r}]", f"unknown region '{name}' (no district is in it)")
                    served_list.append(name)
                served = tuple(served_list)
            if None in (ident, vendor, item, tiers, annual, minimum) or pricing not in PRICING_RULES:
                continue
            offers.append(Offer(ident, vendor, item, tiers, pricing, annual, capacity, minimum, served))
        self.unique(ids, "offer")
        return offers

    def tiers(self, raw_list: Any, path: str) -> tuple[Tier, ...] | None:
        raw_tiers = self.array(raw_list, path)
        if not raw_tiers and isinstance(raw_list, list):
            self.error(path, "must have at least one tier")
        tiers: list[Tier] = []
        ok = bool(raw_tiers)
        for t, raw in enumerate(raw_tiers):
            tier_path = f"{path}[{t}]"
            if not self.obj(raw, tier_path, {"min_quantity", "unit_price"}, set()):
                ok = False
                continue
            minimum = self.integer(raw.get("min_quantity"), f"{tier_path}.min_quantity", minimum=1)
            price = self.money(raw.get("unit_price"), f"{tier_path}.unit_price")
            if minimum is None or price is None:
                ok = False
                continue
            if t == 0 and minimum != 1:
                self.error(f"{tier_path}.min_quantity", "must be 1 (the first tier starts at one unit)")
                ok = False
            if tiers and minimum <= tiers[-1].min_quantity:
                self.error(
                    f"{tier_path}.min_quantity",
                    f"must be greater than the previous tier's min_quantity ({tiers[-1].min_quantity})",
                )
                ok = False
            if tiers and price > tiers[-1].unit_price:
                self.error(
                    f"{tier_path}.unit_price",
                    f"must not exceed the previous tier's unit_price ({tiers[-1].unit_price})",
                )
                ok = False
            tiers.append(Tier(minimum, price))
        return tuple(tiers) if ok else None

    def vendors(self, raw_list: Any) -> list[Vendor]:
        vendors = []
        ids = []
        for k, raw in enumerate(self.array(raw_list, "vendors")):
            path = f"vendors[{k}]"
            if not self.obj(raw, path, {"id"}, {"total_discounts", "evaluation_factor"}):
                continue
            ident = self.ident(raw.get("id"), f"{path}.id") if "id" in raw else None
            ids.append((ident, f"{path}.id"))
            brackets: list[DiscountBracket] = []
            for b, bracket in enumerate(self.array(raw.get("total_discounts", []), f"{path}.total_discounts")):
                bpath = f"{path}.total_discounts[{b}]"
                if not self.obj(bracket, bpath, {"min_value", "percent"}, set()):
                    continue
                value = self.money(bracket.get("min_value"), f"{bpath}.min_value")
                percent = bracket.get("percent")
                if not isinstance(percent, str) or not _PERCENT_RE.match(percent) or Decimal(percent) >= 100:
                    self.error(
                        f"{bpath}.percent",
                        "must be a decimal string from 0 to below 100 with at most 4 decimal places",
                    )
                    percent = None
                else:
                    percent = Decimal(percent)
                if value is None or percent is None:
                    continue
                if brackets and value <= brackets[-1].min_value:
                    self.error(
                        f"{bpath}.min_value",
                        f"must be greater than the previous bracket's min_value ({brackets[-1].min_value})",
                    )
                elif brackets and percent <= brackets[-1].percent:
                    self.error(
                        f"{bpath}.percent",
                        f"must be greater than the previous bracket's percent ({brackets[-1].percent})",
                    )
                brackets.append(DiscountBracket(value, percent))
            factor = raw.get("evaluation_factor", "1")
            if not isinstance(factor, str) or not _FACTOR_RE.match(factor) or not 1 <= Decimal(factor) <= 100:
                self.error(
                    f"{path}.evaluation_factor", "must be a decimal string from 1 to 100 with at most 6 decimal places"
                )
                factor = "1"
            if ident is not None:
                vendors.append(Vendor(ident, tuple(brackets), Decimal(factor)))
        self.unique(ids, "vendor")
        return vendors

    def rules(self, raw: Any) -> Rules:
        if not self.obj(raw, "rules", set(), {"max_vendors_per_item", "split_district_demand"}):
            return Rules()
        cap = raw.get("max_vendors_per_item")
        if cap is not None:
            cap = self.integer(cap, "rules.max_vendors_per_item", minimum=1)
        split = raw.get("split_district_demand", False)
        if not isinstance(split, bool):
            self.error("rules.split_district_demand", "must be true or false")
            split = False
        return Rules(cap, split)
