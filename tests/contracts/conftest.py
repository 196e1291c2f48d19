"""Fixtures for contracts: an RFP taken through the real services up to its opening, and solved rounds on it.

The pool is the three-district example of pricing/FORMAT.md ("Three districts: equal price fails"): one line of
110 laptops; Acme serves every region at $100.00, or $90.00 from 100 units; Birch serves only the north at $88.00.
Lakeview (north) wants 60, Riverside and Hillcrest (south) 30 and 20. Under the equal price Lakeview pays $5,400.00
against $5,280.00 alone (worse off, and it would leave the pool); the capped equal price keeps everyone within
its standalone cost.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from coop import clock
from coop.awards import adapters
from coop.awards.models import AwardRound, AwardRoundStatus
from coop.bids import rules
from coop.bids import services as bid_services
from coop.extensions import db
from coop.rfps import queries as rfp_queries
from coop.rfps import services as rfp_services
from coop.rfps.models import Rfp
from coop.roles import Role

COMPLETE_LAPTOP_FORM = {
    "screen_in": "14",
    "ram_gb": "8",
    "storage_gb": "128",
    "battery_hours": "10",
    "warranty_years": "3",
    "rugged_drop_cm": "",
    "touchscreen": "",
}
DISTRICTS = {"Lakeview SD": ("north", 60), "Riverside USD": ("south", 30), "Hillcrest SD": ("south", 20)}


@pytest.fixture
def regions(make_region):
    return {"north": make_region("north", "North"), "south": make_region("south", "South")}


@pytest.fixture
def admin(make_admin):
    return make_admin()


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


def _bid(rfp: Rfp, tiers, regions) -> rules.BidInput:
    requirements = bid_services.queries.requirements_by_line(rfp)
    return rules.BidInput(
        lines=tuple(
            rules.LineInput(
                rfp_line_id=line.id,
                product="Student laptop 14",
                spec_compliance={key: "Meets it." for key, _wording in requirements[line.id]},
                pricing_kind="all_units",
                tiers=tuple(rules.TierInput(*tier) for tier in tiers),
                annual_cost_per_unit="0.00",
                capacity="",
                min_award_quantity="",
                region_codes=regions,
            )
            for line in rfp.lines
        ),
        discount_brackets=(),
    )


@pytest.fixture
def opened_rfp(admin, districts, buyers, vendors, make_item, make_need, now) -> Rfp:
    """The pool published through the RFP services, bid on through the bid services, and opened."""
    laptop = make_item("LAPTOP-14", category="student-laptops", name="14-inch student laptop")
    needs = {
        name: make_need(district, item=laptop, quantity=DISTRICTS[name][1]) for name, district in districts.items()
    }
    rfp = rfp_services.create_rfp(
        admin,
        rfp_services.PoolInput(
            category_id=laptop.category_id,
            need_ids=[need.id for need in needs.values()],
            template_key="student-laptops",
            title="Student laptops 2027",
            tco_years=4,
        ),
    )
    for line in rfp.lines:
        rfp_services.update_line(admin, rfp.id, line.id, description=line.item.name, spec=COMPLETE_LAPTOP_FORM)
    rfp_services.start_commitment(admin, rfp.id, now() + timedelta(days=7))
    rfp = rfp_queries.rfp(rfp.id)
    for name, need in needs.items():
        link = next(link for line in rfp.lines for link in line.pooled_needs if link.need_id == need.id)
        rfp_services.decide_commitment(buyers[name], link.id, confirm=True)
    now(now() + timedelta(days=7, minutes=1))
    rfp_services.publish(admin, rfp.id, now() + timedelta(days=30))
    rfp = rfp_queries.rfp(rfp.id)
    bid_services.save_bid(
        vendors["Acme"],
        rfp.reference,
        _bid(rfp, [("1", "100.00"), ("100", "90.00")], ("north", "south")),
        revision=None,
        submit=True,
    )
    bid_services.save_bid(
        vendors["Birch"], rfp.reference, _bid(rfp, [("1", "88.00")], ("north",)), revision=None, submit=True
    )
    bid_services.save_bid(
        vendors["Cedar"], rfp.reference, _bid(rfp, [("1", "120.00")], ("north", "south")), revision=None, submit=True
    )
    now(now() + timedelta(days=30, hours=1))
    bid_services.open_bids(admin, rfp.id)
    return rfp_queries.rfp(rfp.id)


def _cents(amount: str | None) -> int | None:
    return None if amount is None else adapters.cents(Decimal(amount))


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
            total_cost_cents=_cents(result["total_cost"]),
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
