"""Fixtures for contracts: an RFP taken through the real services up to its opening, and solved rounds on it.

The pool is the three-district example of pricing/FORMAT.md ("Three districts: equal price fails"): one line of
110 laptops; Acme serves every region at $100.00, or $90.00 from 100 units; Birch serves only the north at $88.00.
Lakeview (north) wants 60, Riverside and Hillcrest (south) 30 and 20. Under the equal price Lakeview pays $5,400.00
against $5,280.00 alone (worse off, and it would leave the pool); the capped equal price keeps everyone within
its standalone cost.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from support import THREE_DISTRICTS, opened_laptop_pool

from coop import clock
from coop.awards import adapters
from coop.awards.models import AwardRound, AwardRoundStatus
from coop.extensions import db
from coop.rfps.models import Rfp
from coop.roles import Role

DISTRICTS = THREE_DISTRICTS


@pytest.fixture
def regions(make_region):
    return {"north": make_region("north", "North"), "south": make_region("south", "South")}


@pytest.fixture
def districts(make_district, regions):
    return {name: make_district(name, region=regions[region]) for name, (region, _quantity) in DISTRICTS.items()}


@pytest.fixture
def buyers(districts, make_user):
    return {
        name: make_user(district, Role.DISTRICT_BUYER, email=f"buyer@{name.split()[0].lower()}.example.org")
        for name, district in districts.items()
    }


@pytest.fixture
def vendors(make_vendor_rep, make_vendor, regions):
    """Acme (north and south) and Birch (north only), each with a representative; Cedar bids too, but too dear."""
    return {
        "Acme": make_vendor_rep(
            make_vendor("Acme Devices", regions=[regions["north"], regions["south"]]), email="rep@acme.example.com"
        ),
        "Birch": make_vendor_rep(
            make_vendor("Birch Computing", regions=[regions["north"]]), email="rep@birch.example.com"
        ),
        "Cedar": make_vendor_rep(
            make_vendor("Cedar Tech", regions=[regions["north"], regions["south"]]), email="rep@cedar.example.com"
        ),
    }


@pytest.fixture
def outsider(make_vendor_rep, make_vendor, regions):
    """A vendor that did not bid."""
    user = make_vendor_rep(make_vendor("Outsider Supply", regions=[regions["north"]]), email="rep@outsider.example.com")
    db.session.commit()  # so that a refused use case, rolling back its own work, leaves it there
    return user


@pytest.fixture
def opened_rfp(admin, districts, buyers, vendors, make_item, make_need, now) -> Rfp:
    """The pool published through the RFP services, bid on through the bid services, and opened."""
    laptop = make_item("LAPTOP-14", category="student-laptops", name="14-inch student laptop")
    needs = {
        buyers[name]: make_need(district, item=laptop, quantity=DISTRICTS[name][1])
        for name, district in districts.items()
    }
    return opened_laptop_pool(
        admin,
        needs,
        {
            vendors["Acme"]: ([("1", "100.00"), ("100", "90.00")], ("north", "south")),
            vendors["Birch"]: ([("1", "88.00")], ("north",)),
            vendors["Cedar"]: ([("1", "120.00")], ("north", "south")),
        },
        now,
    )


@pytest.fixture
def make_round(admin) -> Callable[..., AwardRound]:
    """``make_round(rfp, shares=...)``: the engine solved in the test on the RFP's opened bids, stored as a solved round
    with its awards and shares (what an award round stores)."""

    def make(rfp: Rfp, *, shares: str = "capped_equal_price") -> AwardRound:
        options = adapters.RoundOptions(share_rule=shares, time_limit_s=30)
        problem = adapters.problem_document(adapters.problem_for(rfp, options=options, evaluations={}))
        result = adapters.solve(problem, options)
        award_round = AwardRound(
            rfp_id=rfp.id,
            status=AwardRoundStatus.SOLVED,
            options=options.to_dict(),
            rule=shares,
            problem=problem,
            result=result,
            solver_status=result["status"],
            total_cost_cents=adapters.cents_or_none(result["total_cost"]),
            gap=result["gap"],
            created_by_id=admin.id,
            solved_at=clock.utcnow(),
        )
        award_round.awards.extend(adapters.awards_from(result, rfp))
        award_round.shares.extend(adapters.shares_from(result, shares))
        db.session.add(award_round)
        db.session.commit()
        return award_round

    return make


@pytest.fixture
def mail_to() -> Callable[[str], list]:
    """``mail_to(address)``: the messages queued in the outbox for that address, oldest first."""
    from coop.notifications.models import OutboundEmail

    def read(address: str) -> list:
        return list(
            db.session.scalars(
                sa.select(OutboundEmail).where(OutboundEmail.to_address == address).order_by(OutboundEmail.id)
            )
        )

    return read


@pytest.fixture
def seen() -> Callable[..., str]:
    """What a user reads on a page: its visible text, entities decoded."""
    import html as html_lib

    from support import text_of

    def read(response) -> str:
        return html_lib.unescape(text_of(response))

    return read
