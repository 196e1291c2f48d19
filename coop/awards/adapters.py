"""The bridge between the database and the allocation engine: ORM rows in, ``pricing`` dataclasses out.

This is the only module of ``coop`` that imports ``pricing`` (tests/test_architecture.py holds it to
that), so every conversion between the two worlds lives here: identifiers, cents to ``Decimal``
dollars and back, empty region lists to "every region". The rest of the app asks this module for
costs instead of doing tier arithmetic itself, so that the tabulation, the award round and the
invoices can never disagree about what a quantity costs on an offer.

Identifiers in the engine's problem are derived from database keys and line numbers:
``D{district id}`` for a district, ``V{vendor id}`` for a vendor, ``L{line_no}`` for an RFP line (the
item being bought; two lines of one RFP may share a catalogue item, so the line, not the item, is the
unit), and ``B{bid id}-L{line_no}`` for a bid's offer on a line. An award round's problem is built here
(:func:`problem_for`), solved here (:func:`solve`), and its result turned back into database rows here
(:func:`awards_from`, :func:`shares_from`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from coop.awards.models import Award, DistrictShare
from coop.bids import queries as bid_queries
from coop.bids import rules
from coop.bids.models import Bid, BidLine
from coop.extensions import db
from coop.needs.models import Need
from coop.orgs.models import District
from coop.rfps.models import CommitmentStatus, Rfp, RfpLine, RfpLineNeed
from pricing import (
    AllocationResult,
    Demand,
    DiscountBracket,
    Explanation,
    Item,
    Offer,
    Problem,
    Progress,
    Rules,
    Tier,
    Vendor,
    explain,
)
from pricing import District as EngineDistrict
from pricing import solve as engine_solve
from pricing.costing import to_cents
from pricing.result import SHARE_RULES

#: The engine's sharing rules (pricing/FORMAT.md, "Sharing rules"), its default first.
SHARE_RULE_NAMES: tuple[str, ...] = SHARE_RULES
DEFAULT_SHARE_RULE = SHARE_RULES[0]
#: Where a rule's share of each district is in a result's ``shares`` rows.
_RULE_COLUMNS = {
    "capped_equal_price": "capped_cost",
    "least_core": "least_core_cost",
    "equal_price": "pooled_cost",
    "proportional": "proportional_cost",
    "shapley": "shapley_cost",
}
FACTOR_PLACES = Decimal("0.000001")
_OFFER_ID = re.compile(r"B(\d+)-L(\d+)")
_ENGINE_ID = re.compile(r"\b(?:B\d+-L\d+|[VDL]\d+)\b")


def dollars(cents: int) -> Decimal:
    """Integer cents as exact ``Decimal`` dollars with two places (``28900`` -> ``Decimal("289.00")``)."""
    return Decimal(cents).scaleb(-2)


def cents(amount: Decimal) -> int:
    """Exact ``Decimal`` dollars as integer cents.

    Raises
    ------
    ValueError
        If the amount is not a whole number of cents: rounding here would hide a bug.
    """
    hundredths = amount.scaleb(2)
    if hundredths != hundredths.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of cents")
    return int(hundredths)


def vendor_id(bid: Bid) -> str:
    """The engine's id of the bid's vendor."""
    return f"V{bid.vendor_id}"


def item_id(rfp_line: RfpLine) -> str:
    """The engine's id of the item an RFP line buys."""
    return f"L{rfp_line.line_no}"


def offer_id(bid: Bid, rfp_line: RfpLine) -> str:
    """The engine's id of a bid's offer on one line."""
    return f"B{bid.id}-L{rfp_line.line_no}"


def offer_of(bid_line: BidLine) -> Offer:
    """The engine's offer for a bid line.

    Parameters
    ----------
    bid_line : BidLine
        A line of a bid, with its tiers and regions.

    Returns
    -------
    pricing.Offer
        Tiers in rising quantity, money as ``Decimal`` dollars, ``regions=None`` when the line
        serves every region (an empty region list in the database).
    """
    tiers = sorted(bid_line.tiers, key=lambda tier: tier.min_quantity)
    return offer_for(
        bid_line.bid,
        bid_line.rfp_line,
        rules.Line(
            rfp_line_id=bid_line.rfp_line_id,
            product=bid_line.product,
            spec_compliance=bid_line.spec_compliance,
            pricing_kind=bid_line.pricing_kind,
            tiers=tuple(rules.Tier(tier.min_quantity, tier.unit_price_cents) for tier in tiers),
            annual_cost_per_unit_cents=bid_line.annual_cost_per_unit_cents,
            capacity=bid_line.capacity,
            min_award_quantity=bid_line.min_award_quantity,
            region_codes=tuple(region.code for region in bid_line.regions),
        ),
    )


def offer_for(bid: Bid, rfp_line: RfpLine, line: rules.Line) -> Offer:
    """The engine's offer for a bid's line given as values: a bid's version in force reads them from its record.

    Parameters
    ----------
    bid : Bid
        The bid.
    rfp_line : RfpLine
        The RFP line the offer is on.
    line : rules.Line
        The offer's values, tiers in rising quantity, e.g. as the bid's record holds them
        (``coop.bids.queries.submitted_versions``).

    Returns
    -------
    pricing.Offer
        Money as ``Decimal`` dollars, ``regions=None`` when the line serves every region (no region codes).
    """
    return Offer(
        id=offer_id(bid, rfp_line),
        vendor=vendor_id(bid),
        item=item_id(rfp_line),
        tiers=tuple(Tier(tier.min_quantity, dollars(tier.unit_price_cents)) for tier in line.tiers),
        pricing=line.pricing_kind.value,
        annual_cost_per_unit=dollars(line.annual_cost_per_unit_cents),
        capacity=line.capacity,
        min_award_quantity=line.min_award_quantity,
        regions=line.region_codes or None,
    )


def _engine_offer(offer: BidLine | Offer) -> Offer:
    return offer if isinstance(offer, Offer) else offer_of(offer)


def purchase_cost_cents(offer: BidLine | Offer, quantity: int) -> int:
    """What ``quantity`` units cost on an offer, by the engine's own exact costing.

    Parameters
    ----------
    offer : BidLine or pricing.Offer
        A line of a bid, with its tiers, or the engine's offer (:func:`offer_for`).
    quantity : int
        Units bought; 0 or less costs nothing.

    Returns
    -------
    int
        Cents. Exact: whole-cent prices times whole units.
    """
    return cents(_engine_offer(offer).purchase_cost(quantity))


def unit_price_cents(offer: BidLine | Offer, quantity: int) -> int | None:
    """The unit price reached at ``quantity``, as the engine states it on an award.

    Parameters
    ----------
    offer : BidLine or pricing.Offer
        A line of a bid, with its tiers, or the engine's offer (:func:`offer_for`).
    quantity : int
        Units bought.

    Returns
    -------
    int or None
        Cents: for all-units pricing the price of the tier reached; for incremental pricing the
        average over the bands, rounded half up to the cent. ``None`` for no units.
    """
    if quantity <= 0:
        return None
    # The purchase cost over the quantity is the tier price exactly under all-units pricing and
    # the average under incremental pricing; the engine rounds the latter the same way on awards.
    return cents(to_cents(_engine_offer(offer).purchase_cost(quantity) / quantity))


def district_id(district_pk: int) -> str:
    """The engine's id of a district, from its database id."""
    return f"D{district_pk}"


def district_pk(engine_id: str) -> int:
    """The database id of a district, from the engine's id (``"D12"`` -> ``12``)."""
    return _number(engine_id, "D")


def vendor_pk(engine_id: str) -> int:
    """The database id of a vendor, from the engine's id (``"V7"`` -> ``7``)."""
    return _number(engine_id, "V")


def line_no_of(engine_item: str) -> int:
    """The RFP line number of an engine item (``"L2"`` -> ``2``)."""
    return _number(engine_item, "L")


def _number(engine_id: str, prefix: str) -> int:
    if not (engine_id.startswith(prefix) and engine_id[len(prefix) :].isdigit()):
        raise ValueError(f"{engine_id!r} is not an engine id of the form {prefix}<number>")
    return int(engine_id[len(prefix) :])


def bid_and_line_of(engine_offer: str) -> tuple[int, int]:
    """The bid id and RFP line number of an engine offer (``"B12-L3"`` -> ``(12, 3)``)."""
    match = _OFFER_ID.fullmatch(engine_offer)
    if match is None:
        raise ValueError(f"{engine_offer!r} is not an engine offer id of the form B<bid>-L<line>")
    return int(match[1]), int(match[2])


# --- award rounds ----------------------------------------------------------------------------------------------------


class Evaluation(Protocol):
    """What the round needs of a bid's evaluation (``coop.evaluation.queries.evaluations_for``)."""

    set_aside_reason: str | None
    evaluation_factor: Decimal


@dataclass(frozen=True)
class RoundOptions:
    """The options of an award round: the problem's rules and the engine's solve options.

    ``max_vendors_per_item`` caps the vendors awarded on one line (``None``: no cap);
    ``split_district_demand`` lets a district's quantity of a line go to several offers; ``share_rule`` is one
    of :data:`SHARE_RULE_NAMES`; ``time_limit_s`` bounds each of the engine's solves. Standalone costs and the
    core check are always asked for (the fairness gate reads them from the result).
    """

    max_vendors_per_item: int | None = None
    split_district_demand: bool = False
    share_rule: str = DEFAULT_SHARE_RULE
    time_limit_s: int = 60

    def to_dict(self) -> dict[str, Any]:
        return {
            "max_vendors_per_item": self.max_vendors_per_item,
            "split_district_demand": self.split_district_demand,
            "share_rule": self.share_rule,
            "time_limit_s": self.time_limit_s,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RoundOptions:
        return cls(
            max_vendors_per_item=data.get("max_vendors_per_item"),
            split_district_demand=bool(data.get("split_district_demand", False)),
            share_rule=data.get("share_rule", DEFAULT_SHARE_RULE),
            time_limit_s=int(data.get("time_limit_s", 60)),
        )


def _demands(rfp: Rfp) -> tuple[dict[tuple[int, int], int], dict[int, District]]:
    """Confirmed quantities by (district id, line number), and the districts."""
    links = db.session.scalars(
        sa.select(RfpLineNeed)
        .join(RfpLineNeed.line)
        .where(RfpLine.rfp_id == rfp.id, RfpLineNeed.commitment == CommitmentStatus.CONFIRMED)
        .options(
            selectinload(RfpLineNeed.line),
            selectinload(RfpLineNeed.need).selectinload(Need.district).selectinload(District.region),
        )
    )
    quantities: dict[tuple[int, int], int] = {}
    districts: dict[int, District] = {}
    for link in links:
        district = link.need.district
        districts[district.organisation_id] = district
        # Two needs of one district on one line are one demand: the engine takes one per district and item.
        key = (district.organisation_id, link.line.line_no)
        quantities[key] = quantities.get(key, 0) + link.quantity
    return quantities, districts


def _factor(evaluation: Evaluation | None) -> Decimal:
    # The format takes at most six decimal places; a millionth of the price-equivalent changes no award.
    if evaluation is None:
        return Decimal(1)
    return Decimal(evaluation.evaluation_factor).quantize(FACTOR_PLACES, rounding=ROUND_HALF_UP)


def problem_for(rfp: Rfp, *, options: RoundOptions, evaluations: Mapping[int, Evaluation]) -> Problem:
    """The allocation problem of an opened RFP's award round.

    Parameters
    ----------
    rfp : Rfp
        An RFP whose bids have been opened.
    options : RoundOptions
        Its vendor cap and whole-or-split demands become the problem's rules.
    evaluations : mapping of bid id to Evaluation
        A bid with a ``set_aside_reason`` is left out; every other bid's vendor carries its
        ``evaluation_factor`` to six decimal places (a bid without an evaluation: not set aside, factor 1).
        The engine minimises the evaluated cost; awards and shares stay at real prices.

    Returns
    -------
    pricing.Problem
        Demands: every district's confirmed quantity of every line, districts in their region's code;
        offers: every line of every submitted bid's version in force, as opened (never the editable
        rows), limited to the regions of the districts that buy; vendors with their total-quantity
        discount brackets. Only lines with demand, and offers that can serve some district, are in it.
    """
    quantities, districts = _demands(rfp)
    lines_by_id = {line.id: line for line in rfp.lines}
    wanted = sorted({line_no for _district, line_no in quantities})
    regions = {district.region.code for district in districts.values()}
    offers: list[Offer] = []
    vendors: list[Vendor] = []
    for version in bid_queries.submitted_versions(rfp):
        evaluation = evaluations.get(version.bid.id)
        if evaluation is not None and evaluation.set_aside_reason:
            continue
        bid_offers = []
        for bid_line in version.lines:
            rfp_line = lines_by_id[bid_line.rfp_line_id]
            if rfp_line.line_no not in wanted:
                continue
            offer = offer_for(version.bid, rfp_line, bid_line)
            if offer.regions is not None:
                served = tuple(code for code in offer.regions if code in regions)
                if not served:
                    continue  # it serves no district that buys
                offer = dataclasses.replace(offer, regions=served)
            bid_offers.append(offer)
        if not bid_offers:
            continue
        offers.extend(bid_offers)
        vendors.append(
            Vendor(
                id=vendor_id(version.bid),
                total_discounts=tuple(
                    DiscountBracket(dollars(bracket.min_value_cents), bracket.percent)
                    for bracket in version.discount_brackets
                ),
                evaluation_factor=_factor(evaluation),
            )
        )
    return Problem(
        items=tuple(Item(f"L{line_no}") for line_no in wanted),
        districts=tuple(EngineDistrict(district_id(pk), districts[pk].region.code) for pk in sorted(districts)),
        demands=tuple(
            Demand(district_id(pk), f"L{line_no}", quantities[(pk, line_no)])
            for line_no in wanted
            for pk in sorted(districts)
            if (pk, line_no) in quantities
        ),
        offers=tuple(offers),
        vendors=tuple(vendors),
        rules=Rules(
            max_vendors_per_item=options.max_vendors_per_item, split_district_demand=options.split_district_demand
        ),
        currency="USD",
        tco_years=rfp.tco_years,
    )


def problem_document(problem: Problem) -> dict[str, Any]:
    """The problem as its JSON document (``coop.allocation/1``), as a round stores it."""
    return problem.to_dict()


def problem_size(document: Mapping[str, Any]) -> int:
    """Demands times offers of a stored problem: what decides whether a round runs in the background."""
    return len(document["demands"]) * len(document["offers"])


def solve(
    document: Mapping[str, Any], options: RoundOptions, progress: Callable[[Progress], None] | None = None
) -> dict[str, Any]:
    """Solve a stored problem document with a round's options; the result as its JSON document.

    The document carries the round's rules (vendor cap, whole or split demands: :func:`problem_for`); of the
    options, the share rule and the time limit are the engine's. Standalone costs and the core check are
    always computed. ``progress`` is the engine's callback
    (:class:`pricing.Progress`); an exception it raises stops the engine and propagates.

    Raises
    ------
    pricing.ProblemError
        If the document breaks the format.
    """
    problem = Problem.from_dict(dict(document))
    result: AllocationResult = engine_solve(
        problem,
        time_limit_s=options.time_limit_s,
        shares=options.share_rule,
        standalone=True,
        core=True,
        progress=progress,
    )
    return result.to_dict()


def rule_column(rule: str) -> str:
    """The key of a result's ``shares`` rows that holds the share under ``rule``."""
    return _RULE_COLUMNS[rule]


def cents_or_none(amount: str | None) -> int | None:
    """A result's decimal string in exact cents (:func:`cents`), ``None`` kept."""
    return None if amount is None else cents(Decimal(amount))


def awards_from(result: Mapping[str, Any], rfp: Rfp) -> list[Award]:
    """A result's award rows as :class:`Award` rows (not yet added to a round), with database ids and cents.

    Each offer ``B{bid}-L{line}`` is the bid line of that bid on that RFP line; money is exact.

    Raises
    ------
    ValueError
        If an offer names a bid line that does not exist on the RFP.
    """
    lines = {line.line_no: line for line in rfp.lines}
    bid_lines = {
        (bid_line.bid_id, bid_line.rfp_line_id): bid_line
        for bid_line in db.session.scalars(sa.select(BidLine).join(Bid).where(Bid.rfp_id == rfp.id))
    }
    rows = []
    for award in result["awards"]:
        bid_pk, line_no = bid_and_line_of(award["offer"])
        rfp_line = lines.get(line_no)
        bid_line = None if rfp_line is None else bid_lines.get((bid_pk, rfp_line.id))
        if bid_line is None:
            raise ValueError(f"offer {award['offer']} is no bid line of {rfp.reference}")
        rows.append(
            Award(
                rfp_line_id=rfp_line.id,
                district_id=district_pk(award["district"]),
                vendor_id=vendor_pk(award["vendor"]),
                bid_line_id=bid_line.id,
                quantity=award["quantity"],
                unit_price=Decimal(award["unit_price"]),
                cost_cents=cents(Decimal(award["cost"])),
                support_cost_cents=cents(Decimal(award["support_cost"])),
                discount_cents=cents(Decimal(award["discount"])),
            )
        )
    return rows


def shares_from(result: Mapping[str, Any], rule: str, names: Mapping[str, str] | None = None) -> list[DistrictShare]:
    """A result's shares as :class:`DistrictShare` rows (not yet added to a round), in cents.

    ``pooled_cost_cents`` is the district's share under ``rule`` where the engine could compute it, else its
    equal-price cost (the result's ``message`` says why); savings are against it. With ``names``
    (:func:`engine_names`), a standalone note names vendors, offers and lines as people read them.
    """
    column = rule_column(rule)
    rows = []
    for share in result["shares"]:
        equal_price = cents(Decimal(share["pooled_cost"]))
        pooled = cents_or_none(share.get(column))
        pooled = equal_price if pooled is None else pooled
        standalone = cents_or_none(share["standalone_cost"])
        rows.append(
            DistrictShare(
                district_id=district_pk(share["district"]),
                pooled_cost_cents=pooled,
                standalone_cost_cents=standalone,
                savings_cents=None if standalone is None else standalone - pooled,
                standalone_note=readable(share.get("standalone_reason") or "", names or {}),
            )
        )
    return rows


def readable(reason: str, names: Mapping[str, str]) -> str:
    """An engine's reason with its ids in words (:func:`engine_names`); the engine's reasons hold no user text, so
    ids are all these tokens can be."""

    def word(match: re.Match) -> str:
        token = match.group(0)
        return names.get(token, f"line {token[1:]}" if token[0] == "L" else token)

    return _ENGINE_ID.sub(word, reason)


def engine_names(document: Mapping[str, Any], rfp: Rfp) -> dict[str, str]:
    """The names of a stored problem's engine ids, for people: districts, vendors, offers and lines.

    ``{"D12": "Riverside USD", "V7": "Acme Devices", "B3-L1": "Acme Devices's offer on line 1",
    "L1": "Line 1: 11-inch student laptop"}``. Vendors are named as they were named when they bid (the bid's
    record), whatever they call themselves later. The fairness gate names a blocking coalition with it, the
    explanation its sentences.
    """
    districts = [district_pk(district["id"]) for district in document["districts"]]
    names = {
        district_id(district.organisation_id): district.name
        for district in db.session.scalars(sa.select(District).where(District.organisation_id.in_(districts)))
    }
    lines = {line.id: line for line in rfp.lines}
    for version in bid_queries.submitted_versions(rfp):
        names[vendor_id(version.bid)] = version.vendor_name
        for line in version.lines:
            rfp_line = lines[line.rfp_line_id]
            names[offer_id(version.bid, rfp_line)] = f"{version.vendor_name}'s offer on line {rfp_line.line_no}"
    names.update({item_id(line): f"Line {line.line_no}: {line.item.name}" for line in rfp.lines})
    return names


def explain_round(
    problem: dict,
    result: dict,
    *,
    names: Mapping[str, str] | None = None,
    time_limit_s: float | None = 20.0,
    on_runner_up: Callable[[int, int], None] | None = None,
) -> Explanation:
    """The engine's explanation of a stored round, line by line (:func:`pricing.explain`).

    Parameters
    ----------
    problem : dict
        The round's stored problem document (``coop.allocation/1``).
    result : dict
        The round's stored result document (``AllocationResult.to_dict``).
    names : mapping, optional
        Engine id -> what people read (vendors, districts), for the explanation's sentences.
    time_limit_s : float or None, optional
        Budget of the runner-up solves, all lines together (default 20).
    on_runner_up : callable, optional
        The engine's progress of the runner-up solves, ``on_runner_up(done, lines)``.

    Returns
    -------
    pricing.Explanation
        Ids as in the problem; money as ``Decimal`` dollars.
    """
    return explain(
        Problem.from_dict(problem),
        AllocationResult.from_dict(result),
        names=names,
        time_limit_s=time_limit_s,
        on_runner_up=on_runner_up,
    )
