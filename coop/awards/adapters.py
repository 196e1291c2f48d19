"""The bridge between the database and the allocation engine: ORM rows in, ``pricing`` dataclasses out.

This is the only module of ``coop`` that imports ``pricing`` (tests/test_architecture.py holds it to
that), so every conversion between the two worlds lives here: identifiers, cents to ``Decimal``
dollars and back, empty region lists to "every region". The rest of the app asks this module for
costs instead of doing tier arithmetic itself, so that the tabulation, the award round and the
invoices can never disagree about what a quantity costs on an offer.

Identifiers in the engine's problem are derived from database keys and line numbers:
``V{vendor id}`` for a vendor, ``L{line_no}`` for an RFP line (the item being bought; two lines of
one RFP may share a catalogue item, so the line, not the item, is the unit), and
``B{bid id}-L{line_no}`` for a bid's offer on a line.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from coop.bids import rules
from coop.bids.models import Bid, BidLine
from coop.rfps.models import RfpLine
from pricing import AllocationResult, Explanation, Offer, Problem, Tier, explain
from pricing.costing import to_cents


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
    return offer_for(bid_line.bid, bid_line.rfp_line, rules.Line(
        rfp_line_id=bid_line.rfp_line_id, product=bid_line.product, spec_compliance=bid_line.spec_compliance,
        pricing_kind=bid_line.pricing_kind,
        tiers=tuple(rules.Tier(tier.min_quantity, tier.unit_price_cents) for tier in tiers),
        annual_cost_per_unit_cents=bid_line.annual_cost_per_unit_cents, capacity=bid_line.capacity,
        min_award_quantity=bid_line.min_award_quantity, region_codes=tuple(region.code for region in bid_line.regions),
    ))


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


def explain_round(problem: dict, result: dict, *, names: Mapping[str, str] | None = None,
                  time_limit_s: float | None = 20.0) -> Explanation:
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

    Returns
    -------
    pricing.Explanation
        Ids as in the problem; money as ``Decimal`` dollars.
    """
    return explain(Problem.from_dict(problem), AllocationResult.from_dict(result), names=names,
                   time_limit_s=time_limit_s)
