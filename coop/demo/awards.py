"""The award of the demo's licences RFP, replayed through the real award services at the moments it happened.

The day after the administrator scored its bids it ran an award round with the cooperative's default rules (the
round runs inline, inside the demo's one transaction). The round passed the fairness gate (no district
worse off than buying alone, no group of districts that would pay less by leaving) and its notice of intent
was published the next day with a 7-day protest period. Evergreen Learning Technologies protested the award of
line 1, where its price was the lower; the administrator denied the protest in writing (the RFP document awards
each line at the lowest evaluated cost). The day after the period ended the award was made final: a contract per
vendor, a purchase order per district and vendor, the RFP ``awarded``, the districts' ledgers and the public award
notice there to read, and each vendor invoiced the cooperative's administrative fee by the final award. While
Stripe is off (a new laptop) those invoices are drafts, which the demo records as issued by hand, as it does the
dues: open, not yet due.
"""

from __future__ import annotations

import functools
from datetime import date

import sqlalchemy as sa

from coop import clock
from coop.accounts.models import User
from coop.awards import adapters
from coop.awards import services as awards
from coop.awards.models import AwardRound, AwardRoundStatus
from coop.billing import services as billing
from coop.billing.models import Invoice, InvoiceKind, InvoiceStatus
from coop.contracts import services as contracts
from coop.demo.rfps import LICENCES_DEADLINE_DAYS_AGO, DemoRfps, moment
from coop.extensions import db

PROTEST_DAYS = 7
ROUND_DAYS_AGO = LICENCES_DEADLINE_DAYS_AGO - 5  # the day after the scoring
PUBLISHED_DAYS_AGO = ROUND_DAYS_AGO - 1
PROTESTED_DAYS_AGO = PUBLISHED_DAYS_AGO - 2
DECIDED_DAYS_AGO = PUBLISHED_DAYS_AGO - 5
FINAL_DAYS_AGO = PUBLISHED_DAYS_AGO - PROTEST_DAYS - 1  # the day after the protest period ended

PROTEST_GROUNDS = (
    "Our life-of-device ChromeOS licence on line 1 is offered at $28.75 a unit at the pooled "
    "volume, less than the $29.50 of the awarded offer. We ask the cooperative to review the award "
    "of line 1 and award it to the lower price."
)
PROTEST_DECISION = (
    "Section 1 and section 4 of the RFP document award each line at the lowest evaluated "
    "cost: the total cost of ownership adjusted by the bid's non-price score, by the formula "
    "section 4 prints. Your offer's real price on line 1 is lower, but Northwest K-12 Software's "
    "higher non-price score (84.00 against 80.80) gives it the lower evaluated cost; the round's "
    "explanation shows both evaluated costs. The notice of intent stands."
)


def load_award(rfps: DemoRfps, admin: User, protester: User, today: date) -> AwardRound:
    """Run, publish and finalise the licences RFP's award round, and record its fees, dated back from ``today``.

    ``protester`` is Evergreen's representative, who protests line 1. The caller commits.
    """
    at = functools.partial(moment, today)
    with clock.replaying(at(ROUND_DAYS_AGO, 17)):
        award_round = awards.start_round(admin, rfps.licences.id, adapters.RoundOptions())
    if award_round.status != AwardRoundStatus.SOLVED:  # inline, so it has ended; anything else is a broken demo
        raise RuntimeError(f"The demo's award round ended {award_round.status.value}: {award_round.error}")

    with clock.replaying(at(PUBLISHED_DAYS_AGO, 16)):
        # No district is worse off than alone and no coalition would leave: the gate asks for no confirmation.
        notice = contracts.publish_round(
            admin, award_round.id, contracts.PublishInput(protest_days=PROTEST_DAYS, confirm=False, reason="")
        )
    with clock.replaying(at(PROTESTED_DAYS_AGO, 20)):
        protest = contracts.file_protest(protester, rfps.licences.reference, PROTEST_GROUNDS)
    with clock.replaying(at(DECIDED_DAYS_AGO, 17)):
        contracts.resolve_protest(admin, protest.id, upheld=False, decision=PROTEST_DECISION)

    with clock.replaying(at(FINAL_DAYS_AGO, 17)):
        contracts.finalise(admin, notice.id)  # which invoices the vendors' fees
        for invoice_id in _unissued_fee_invoices(award_round.id):
            billing.record_issued(admin, invoice_id)
    return award_round


def _unissued_fee_invoices(award_round_id: int) -> list[int]:
    """The round's fee invoices still drafts: all of them while Stripe is off."""
    return list(
        db.session.scalars(
            sa.select(Invoice.id)
            .where(
                Invoice.award_round_id == award_round_id,
                Invoice.kind == InvoiceKind.ADMIN_FEE,
                Invoice.status == InvoiceStatus.DRAFT,
                Invoice.stripe_invoice_id.is_(None),
            )
            .order_by(Invoice.id)
        )
    )
