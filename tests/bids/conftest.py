"""Fixtures for bids: an open RFP, approved vendors and their users, and a valid bid as a vendor would type it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from coop.bids import queries, rules
from coop.extensions import db
from coop.rfps.models import Rfp

# The fixtures commit (to the test's savepoint) so that a service's rollback drops only its own work, as in a
# real request, and "nothing was written" means something.


@pytest.fixture
def rfp(make_rfp, north, south) -> Rfp:
    rfp = make_rfp()
    db.session.commit()
    return rfp


@pytest.fixture
def vendor_user(make_vendor_rep, make_vendor, north, south):
    user = make_vendor_rep(make_vendor("Evergreen Learning", regions=[north, south]))
    db.session.commit()
    return user


@pytest.fixture
def other_vendor_user(make_vendor_rep, make_vendor, north):
    user = make_vendor_rep(make_vendor("Northwind Devices", regions=[north]))
    db.session.commit()
    return user


@pytest.fixture
def bid_input() -> Callable[..., rules.BidInput]:
    """A valid bid on every line of the RFP (or those given): two all-units tiers, support, both regions."""

    def make(
        rfp: Rfp,
        *,
        line_nos=None,
        tiers=(("1", "300.00"), ("100", "280.00")),
        pricing="all_units",
        product="Acme Book 11 G3",
        discounts=(),
        **line_fields,
    ) -> rules.BidInput:
        requirements = queries.requirements_by_line(rfp)
        lines = [
            line
            for line in sorted(rfp.lines, key=lambda line: line.line_no)
            if line_nos is None or line.line_no in line_nos
        ]
        return rules.BidInput(
            lines=tuple(
                rules.LineInput(
                    rfp_line_id=line.id,
                    product=product,
                    spec_compliance={key: "Meets it." for key, _wording in requirements[line.id]},
                    pricing_kind=pricing,
                    tiers=tuple(rules.TierInput(*tier) for tier in tiers),
                    **{
                        "annual_cost_per_unit": "12.00",
                        "capacity": "",
                        "min_award_quantity": "",
                        "region_codes": ("north", "south"),
                        **line_fields,
                    },
                )
                for line in lines
            ),
            discount_brackets=tuple(rules.BracketInput(*bracket) for bracket in discounts),
        )

    return make
