"""Published award rounds as the app holds them: an opened RFP with submitted bids, districts' confirmed needs on
its lines, and a round whose awards and shares the allocation engine computed (here, in the test: the app's rounds
are another area's work) and that was then published.

The bids: Acme Devices offers line 1 at $300.00, $280.00 from 100 units, with $12.00 a year of support per unit and
a minimum award of 50 units, and line 2 at $500.00, $450.00 from 30 units; Birch Computing offers line 2 at $480.00.
A district buying fewer than 50 units of line 1 alone cannot reach Acme's minimum: its standalone cost is unknown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from coop.awards import adapters
from coop.awards.models import AwardRound, AwardRoundStatus, DistrictShare
from coop.bids import services as bid_services
from coop.bids.models import Bid, BidLine, BidStatus, PriceTier
from coop.extensions import db
from coop.orgs.models import District
from coop.rfps.models import CommitmentStatus, Rfp, RfpLineNeed, RfpStatus
from pricing import Demand, Item, Problem, Vendor, solve
from pricing import District as EngineDistrict

RULE = "capped_equal_price"


@dataclass(frozen=True)
class Published:
    rfp: Rfp
    award_round: AwardRound
    shares: dict[str, DistrictShare]  # by district name


@pytest.fixture
def bidders(make_vendor, north):
    return make_vendor("Acme Devices", regions=[north]), make_vendor("Birch Computing", regions=[north])


def _bid(rfp: Rfp, vendor, lines: dict[int, dict]) -> Bid:
    by_no = {line.line_no: line for line in rfp.lines}
    bid = Bid(
        rfp=rfp,
        vendor=vendor,
        status=BidStatus.SUBMITTED,
        submitted_at=rfp.bid_deadline - timedelta(days=1),
        lines=[
            BidLine(
                rfp_line=by_no[line_no],
                product=f"{vendor.name} model {line_no}",
                tiers=[
                    PriceTier(min_quantity=quantity, unit_price_cents=price) for quantity, price in fields.pop("tiers")
                ],
                **fields,
            )
            for line_no, fields in lines.items()
        ],
    )
    db.session.add(bid)
    db.session.flush()
    bid.submitted_content = bid_services.content(bid)  # what submitting records
    return bid


def _problem(rfp: Rfp, demands: dict[District, tuple[int, int]], bids: list[Bid]) -> Problem:
    return Problem(
        items=tuple(Item(adapters.item_id(line)) for line in rfp.lines),
        districts=tuple(EngineDistrict(f"D{district.id}", district.region.code) for district in demands),
        demands=tuple(
            Demand(f"D{district.id}", adapters.item_id(line), quantity)
            for district, quantities in demands.items()
            for line, quantity in zip(rfp.lines, quantities)
            if quantity
        ),
        offers=tuple(adapters.offer_of(bid_line) for bid in bids for bid_line in bid.lines),
        vendors=tuple(Vendor(adapters.vendor_id(bid)) for bid in bids),
        tco_years=rfp.tco_years,
    )


@pytest.fixture
def publish_rfp(make_rfp, make_need, bidders) -> Callable[..., Published]:
    """``publish_rfp({district: (line 1 quantity, line 2 quantity)}, published_at=..., named=(district, ...))``: an
    RFP pooling those needs, bid on, opened, awarded by the engine and published at ``published_at``."""
    acme, birch = bidders

    def publish(
        demands: dict[District, tuple[int, int]],
        *,
        published_at: datetime,
        named=(),
        title: str = "Student laptops 2027",
    ) -> Published:
        quantities = tuple(sum(quantities[index] for quantities in demands.values()) for index in range(2))
        rfp = make_rfp(quantities=quantities, title=title)
        # Published, bid on until its deadline, opened the next day, awarded a few weeks later.
        rfp.published_at, rfp.bid_deadline = published_at - timedelta(days=60), published_at - timedelta(days=20)
        for district, district_quantities in demands.items():
            for line, quantity in zip(rfp.lines, district_quantities):
                if quantity:
                    db.session.add(
                        RfpLineNeed(
                            line=line,
                            need=make_need(district, item=line.item, quantity=quantity),
                            quantity=quantity,
                            commitment=CommitmentStatus.CONFIRMED,
                            named_publicly=district in named,
                        )
                    )
        bids = [
            _bid(
                rfp,
                acme,
                {
                    1: {
                        "tiers": [(1, 300_00), (100, 280_00)],
                        "annual_cost_per_unit_cents": 12_00,
                        "min_award_quantity": 50,
                    },
                    2: {"tiers": [(1, 500_00), (30, 450_00)]},
                },
            ),
            _bid(rfp, birch, {2: {"tiers": [(1, 480_00)]}}),
        ]
        rfp.status, rfp.opened_at = RfpStatus.AWARDED, published_at - timedelta(days=19)
        problem = _problem(rfp, demands, bids)
        result = solve(problem, time_limit_s=30, shares=RULE)
        assert result.status == "optimal", result.message
        award_round = AwardRound(
            rfp=rfp,
            status=AwardRoundStatus.PUBLISHED,
            options={"shares": RULE},
            result=result.to_dict(),
            solver_status=result.status,
            total_cost_cents=adapters.cents(result.total_cost),
            gap=result.gap,
            solved_at=published_at - timedelta(hours=1),
            published_at=published_at,
            # Stored as the app's rounds store them.
            awards=adapters.awards_from(result.to_dict(), rfp),
            shares=adapters.shares_from(
                result.to_dict(), RULE, adapters.engine_names(adapters.problem_document(problem), rfp)
            ),
        )
        db.session.add(award_round)
        db.session.flush()
        return Published(rfp, award_round, {share.district.name: share for share in award_round.shares})

    return publish
