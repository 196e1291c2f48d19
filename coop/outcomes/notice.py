"""The public award notice of an RFP: who was awarded what, at which price, for which district, and what pooling
saved.

Districts are named as :mod:`coop.awards.naming` says: only where they agreed to be, any other as "District N
(not named)"; the page and its CSV file number them alike because both are written from :func:`notice_for`.

The savings of pooling compare the sum of the districts' standalone costs with the sum of their pooled costs;
districts whose standalone cost the engine could not compute are left out of both sums, and the notice says how
many they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from coop import money
from coop.awards import naming
from coop.awards.models import AwardRound
from coop.outcomes import figures, queries
from coop.rfps.models import Rfp

CSV_COLUMNS = ("line", "item_code", "district", "vendor", "quantity", "unit_price", "cost")


@dataclass(frozen=True)
class AwardNotice:
    """A published round as the public reads it. Money in integer cents."""

    reference: str
    title: str
    published_at: datetime
    rule: str
    awards: tuple[figures.AwardedLine, ...]  # by line, vendor, then largest quantity
    total_cents: int  # what the districts pay together: the sum of their shares
    district_count: int
    standalone_cents: int  # the standalone costs that are known, summed
    compared_pooled_cents: int  # the pooled costs of the same districts
    unknown_standalone_count: int  # districts whose standalone cost the engine could not compute

    @property
    def rule_label(self) -> str:
        return figures.rule_label(self.rule)

    @property
    def awards_cost_cents(self) -> int:
        return sum(award.cost_cents for award in self.awards)

    @property
    def savings_cents(self) -> int:
        return self.standalone_cents - self.compared_pooled_cents

    @property
    def compared_count(self) -> int:
        return self.district_count - self.unknown_standalone_count


def notice_of(award_round: AwardRound) -> AwardNotice:
    """The public notice of a published round (:func:`coop.outcomes.queries.published_round`)."""
    awards = naming.public_awards(award_round)
    compared = [share for share in award_round.shares if share.standalone_cost_cents is not None]
    rfp = award_round.rfp
    return AwardNotice(
        reference=rfp.reference,
        title=rfp.title,
        published_at=award_round.published_at,
        rule=figures.rule_of(award_round),
        awards=tuple(figures.AwardedLine.of(award, district) for award, district in awards),
        total_cents=sum(share.pooled_cost_cents for share in award_round.shares),
        district_count=len(award_round.shares),
        standalone_cents=sum(share.standalone_cost_cents for share in compared),
        compared_pooled_cents=sum(share.pooled_cost_cents for share in compared),
        unknown_standalone_count=len(award_round.shares) - len(compared),
    )


def notice_for(rfp: Rfp) -> AwardNotice | None:
    """The RFP's public award notice, or ``None`` while no round of it is published."""
    award_round = queries.published_round(rfp.id)
    return None if award_round is None else notice_of(award_round)


def csv_rows(notice: AwardNotice) -> list[list]:
    """The notice's awards as CSV rows, the header first; money in dollars (``33600.00``)."""
    return [list(CSV_COLUMNS)] + [
        [
            award.line_no,
            award.item_code,
            award.district,
            award.vendor,
            award.quantity,
            money.exact_unit_price(award.unit_price),
            figures.dollars_value(award.cost_cents),
        ]
        for award in notice.awards
    ]
