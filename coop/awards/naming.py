"""How a round's awards name their districts to the public, and to bidders reading the notice of intent.

Districts are named only where they agreed to be: a district that agreed to be named publicly on every line of
the RFP it committed to is named; any other appears as "District N (not named)". Naming a district on one line
only would identify its unnamed awards on the others by elimination, hence every line or none. The number N
follows the order in which unnamed districts first appear (by line, vendor and quantity), which says nothing about
which district is which; every page and file that lists a round's awards to the public or to bidders numbers them
from :func:`public_awards`, and so alike. Vendors are named as in the bids that won, as submitted.
"""

from __future__ import annotations

from coop.awards.models import Award, AwardRound
from coop.rfps.queries import publicly_named_district_ids

UNNAMED = "District {number} (not named)"


def vendor_name(award: Award) -> str:
    """The vendor as it was named in the bid that won, as submitted (its record), not as it is named today."""
    return award.bid_line.bid.submitted_content["vendor"]


def public_awards(award_round: AwardRound) -> list[tuple[Award, str]]:
    """The round's awards in the public order (by line, vendor, then largest quantity), each with its district as
    the public may read it: its name, or its "District N (not named)" label."""
    awards = sorted(
        award_round.awards,
        key=lambda award: (award.rfp_line.line_no, vendor_name(award).casefold(), -award.quantity, award.id),
    )
    named_ids = publicly_named_district_ids(award_round.rfp_id)
    labels: dict[int, str] = {}
    unnamed = 0
    for award in awards:
        if award.district_id in labels:
            continue
        if award.district_id in named_ids:
            labels[award.district_id] = award.district.name
        else:
            unnamed += 1
            labels[award.district_id] = UNNAMED.format(number=unnamed)
    return [(award, labels[award.district_id]) for award in awards]
