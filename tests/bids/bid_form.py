"""The bid form as a browser posts it, a spec sheet to attach, and the bid as the database holds it: shared by
the bid pages' tests."""

from __future__ import annotations

from coop.bids import queries, rules
from coop.bids.models import Bid
from coop.demo.bids import spec_sheet_pdf
from coop.extensions import db

PDF = spec_sheet_pdf(("Acme Book 11 G3", "11.6-inch display"))


def form_fields(rfp, data: rules.BidInput, *, revision="", action="save") -> dict:
    """The bid form as a browser posts it: a block per RFP line, ticked where the bid has a line."""
    requirements = queries.requirements_by_line(rfp)
    by_line = {line.rfp_line_id: line for line in data.lines}
    fields = {"revision": revision, action: "1"}
    for index, line in enumerate(sorted(rfp.lines, key=lambda line: line.line_no)):
        prefix = f"lines-{index}-"
        fields[prefix + "rfp_line_id"] = str(line.id)
        for number, (key, _wording) in enumerate(requirements[line.id]):
            fields[f"{prefix}compliance-{number}-key"] = key
        offer = by_line.get(line.id)
        if offer is None:
            continue
        fields.update(
            {
                prefix + "bid_on": "y",
                prefix + "product": offer.product,
                prefix + "pricing_kind": offer.pricing_kind,
                prefix + "annual_cost_per_unit": offer.annual_cost_per_unit,
                prefix + "capacity": offer.capacity,
                prefix + "min_award_quantity": offer.min_award_quantity,
            }
        )
        for number, (key, _wording) in enumerate(requirements[line.id]):
            fields[f"{prefix}compliance-{number}-answer"] = offer.spec_compliance.get(key, "")
        for number, tier in enumerate(offer.tiers):
            fields[f"{prefix}tiers-{number}-min_quantity"] = tier.min_quantity
            fields[f"{prefix}tiers-{number}-unit_price"] = tier.unit_price
        fields[prefix + "regions"] = list(offer.region_codes)
    for number, bracket in enumerate(data.discount_brackets):
        fields[f"discounts-{number}-min_value"] = bracket.min_value
        fields[f"discounts-{number}-percent"] = bracket.percent
    return fields


def the_bid(rfp, user) -> Bid | None:
    db.session.expire_all()
    return queries.own_bid(rfp.id, user.organisation.id)
