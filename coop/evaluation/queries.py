"""What the scores make of each opened bid: its non-price score, whether it is set aside, its evaluation factor.

Sealed: nothing here answers anything about the bids of an RFP not yet opened (every function returns nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from coop import evaluated_cost
from coop.bids.models import Bid, BidStatus
from coop.evaluation.models import BidScore
from coop.extensions import db
from coop.rfps import queries as rfp_queries
from coop.rfps.models import Rfp


@dataclass(frozen=True)
class BidEvaluation:
    """One submitted bid as the award round weighs it."""

    bid_id: int
    vendor_id: int
    #: The weighted non-price score S (0 to 100, to 0.01); None until every non-price criterion is scored, and
    #: for an RFP without non-price criteria (nothing to score).
    score: Decimal | None
    #: Why the bid is not awarded (its score is below the RFP's minimum), or None.
    set_aside_reason: str | None
    #: f: the bid's offers are compared at TCO × f. 1 while the bid is not fully scored and where nothing is scored.
    evaluation_factor: Decimal


def is_opened(rfp: Rfp) -> bool:
    """Whether the RFP's bids were opened: before that, its bids are sealed, to the evaluation too."""
    return rfp.opened_at is not None


def opened_bids(rfp: Rfp) -> list[Bid]:
    """The bids tabulated at the opening (submitted ones), by id; none before the opening."""
    if not is_opened(rfp):
        return []
    return list(
        db.session.scalars(
            sa.select(Bid)
            .where(Bid.rfp_id == rfp.id, Bid.status == BidStatus.SUBMITTED)
            .order_by(Bid.id)
            .options(selectinload(Bid.vendor))
        )
    )


def vendor_name(bid: Bid) -> str:
    """The vendor as it was named when it submitted (its record), as the tabulation names it."""
    return (bid.submitted_content or {}).get("vendor") or bid.vendor.name


def scores(bid_ids: list[int]) -> dict[int, dict[str, BidScore]]:
    """``{bid_id: {criterion_key: BidScore}}`` for these bids."""
    found: dict[int, dict[str, BidScore]] = {bid_id: {} for bid_id in bid_ids}
    if bid_ids:
        for row in db.session.scalars(sa.select(BidScore).where(BidScore.bid_id.in_(bid_ids))):
            found[row.bid_id][row.criterion_key] = row
    return found


def evaluate(rfp: Rfp, bid: Bid, bid_scores: dict[str, BidScore]) -> BidEvaluation:
    """The bid's evaluation from its scores, by the method the RFP document prints (:mod:`coop.evaluated_cost`)."""
    criteria = rfp_queries.criteria(rfp)
    points = {key: row.points for key, row in bid_scores.items()}
    score = evaluated_cost.weighted_score(criteria, points)
    reason = None if score is None else evaluated_cost.below_minimum_reason(score, rfp_queries.minimum_score(rfp))
    return BidEvaluation(
        bid_id=bid.id,
        vendor_id=bid.vendor_id,
        score=score,
        set_aside_reason=reason,
        evaluation_factor=evaluated_cost.evaluation_factor(criteria, score),
    )


def evaluations_for(rfp: Rfp) -> dict[int, BidEvaluation]:
    """Every bid submitted on the opened RFP, by bid id, as the award round weighs it; empty before the opening."""
    bids = opened_bids(rfp)
    by_bid = scores([bid.id for bid in bids])
    return {bid.id: evaluate(rfp, bid, by_bid[bid.id]) for bid in bids}


def scoring_problems(rfp: Rfp) -> list[str]:
    """Each bid and criterion not yet scored, e.g. "Evergreen Learning (bid 12): “Warranty” is not scored yet.";
    an award round runs only when this is empty. Empty before the opening (nothing to say of sealed bids)."""
    criteria = evaluated_cost.non_price_criteria(rfp_queries.criteria(rfp))
    bids = opened_bids(rfp)
    by_bid = scores([bid.id for bid in bids])
    return [
        f"{vendor_name(bid)} (bid {bid.id}): “{criterion['label']}” is not scored yet."
        for bid in bids
        for criterion in criteria
        if criterion["key"] not in by_bid[bid.id]
    ]


@dataclass(frozen=True)
class ScoringRow:
    """One bid on the scoring page: its vendor, its scores by criterion key, and what they make of it."""

    bid: Bid
    vendor_name: str
    scores: dict[str, BidScore]
    evaluation: BidEvaluation


def scoring_rows(rfp: Rfp) -> list[ScoringRow]:
    """The scoring page's table: every opened bid with its scores; none before the opening."""
    bids = opened_bids(rfp)
    by_bid = scores([bid.id for bid in bids])
    return [ScoringRow(bid, vendor_name(bid), by_bid[bid.id], evaluate(rfp, bid, by_bid[bid.id])) for bid in bids]
