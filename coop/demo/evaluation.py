"""The administrator's scores on the opened demo RFPs, replayed through the real evaluation service.

Every submitted bid of the licences and the cabling RFPs is scored on every non-price
criterion, with the comment a cooperative would write, a few days after its opening:
both RFPs are ready for an award round.

On the licences RFP both bids score well above the minimum: the device management line
has a single bid, so setting one aside would leave a line without an eligible offer.
On the cabling RFP the scores decide each line: Willamette Network Systems' Cat6A
bid, the lowest price on its line, scores below the RFP's minimum and is set aside
with the reason (two eligible bids remain on every line); at their evaluated costs
High Desert Digital's cheaper Cat6 drops still beat Rogue Valley's, while Rogue
Valley's better-scored Cat6A drops beat High Desert's cheaper ones.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date

import sqlalchemy as sa

from coop import clock
from coop.accounts.models import User
from coop.bids.models import Bid, BidStatus
from coop.demo import data
from coop.demo.bids import EVERGREEN, HIGH_DESERT, NORTHWEST, ROGUE_VALLEY, WILLAMETTE
from coop.demo.rfps import CABLING_DEADLINE_DAYS_AGO, LICENCES_DEADLINE_DAYS_AGO, DemoRfps, moment
from coop.evaluation import services as evaluation
from coop.evaluation.services import CriterionScore
from coop.extensions import db
from coop.rfps.models import Rfp

# {vendor slug: {criterion key: (points, comment)}}, per RFP. A comment's "{lines_not_bid}" names the RFP's lines the
# bid offers nothing on ("line 2"), as the bid stands when it is scored.
Scores = Mapping[str, Mapping[str, tuple[int, str]]]

LICENCES_SCORES: Scores = {
    NORTHWEST: {
        "functionality": (
            88,
            "One console for every platform our districts run (Windows, iPadOS, Android and "
            "ChromeOS); CIPA filtering on and off the network with the reports E-Rate audits ask "
            "for. Per-school policies need a paid add-on.",
        ),
        "support": (
            78,
            "Onboarding by recorded webinars and one live session per district; phone support on "
            "weekdays 7:00 to 17:00 Pacific. Two reference districts confirmed answers within a day.",
        ),
    },
    EVERGREEN: {
        "functionality": (
            74,
            "Chromebook management and filtering meet the specification, with per-school "
            "policies included; no device management offered for Windows laptops or tablets "
            "({lines_not_bid} not bid).",
        ),
        "support": (
            91,
            "A named onboarding lead for each district, on-site training at the start of the school "
            "year, and support until 19:00 Pacific; references praise the response time.",
        ),
    },
}

CABLING_SCORES: Scores = {
    ROGUE_VALLEY: {
        "qualifications": (
            92,
            "Manufacturer-certified installer with two RCDDs on staff; every technician "
            "certified on the cabling system offered; references from three Oregon districts.",
        ),
        "schedule": (
            84,
            "Installs every building over the summer break, two crews in parallel; a dated plan per "
            "school, with a week's margin before the first day of school.",
        ),
    },
    HIGH_DESERT: {
        "qualifications": (
            80,
            "Certified installer for the system offered, with one RCDD on staff; its school "
            "references are for smaller jobs (under 100 drops).",
        ),
        "schedule": (
            76,
            "One crew: the largest district's drops run into the first week of school, after hours, "
            "which section 1 allows with the district's agreement.",
        ),
    },
    WILLAMETTE: {
        "qualifications": (
            45,
            "Installation subcontracted to a firm not named in the bid; no installer "
            "certification from the manufacturer and no RCDD, so the system warranty is not "
            "backed by the manufacturer.",
        ),
        "schedule": (
            50,
            "Proposes installing during school hours over six weeks of term, in occupied "
            "classrooms, which the RFP's terms exclude unless a district agrees.",
        ),
    },
}


def load_scores(rfps: DemoRfps, admin: User, today: date) -> None:
    """The administrator scores every submitted bid of the opened licences and cabling RFPs, days after each opening.

    The history is dated back from ``today``, as the RFPs'. The caller commits.
    """
    at = functools.partial(moment, today)
    with clock.replaying(at(LICENCES_DEADLINE_DAYS_AGO - 4, 18)):
        score_rfp(admin, rfps.licences, LICENCES_SCORES)
    with clock.replaying(at(CABLING_DEADLINE_DAYS_AGO - 3, 18)):
        score_rfp(admin, rfps.cabling, CABLING_SCORES)


def score_rfp(admin: User, rfp: Rfp, scores: Scores) -> None:
    """Score each submitted bid of the opened ``rfp`` as ``scores`` says for its vendor (by slug)."""
    slugs = {row.name: row.slug for row in data.VENDORS}
    submitted = db.session.scalars(
        sa.select(Bid).where(Bid.rfp_id == rfp.id, Bid.status == BidStatus.SUBMITTED).order_by(Bid.id)
    ).all()
    for bid in submitted:
        lines_not_bid = _lines_not_bid(rfp, bid)
        typed = scores[slugs[bid.vendor.name]]
        evaluation.score_bid(
            admin,
            rfp.id,
            bid.id,
            {
                key: CriterionScore(points, comment.format(lines_not_bid=lines_not_bid))
                for key, (points, comment) in typed.items()
            },
        )


def _lines_not_bid(rfp: Rfp, bid: Bid) -> str:
    """The RFP's lines ``bid`` offers nothing on, as a comment names them: "line 2", "lines 1 and 3", "no line"."""
    bid_line_ids = {line.rfp_line_id for line in bid.lines}
    numbers = [
        str(line.line_no) for line in sorted(rfp.lines, key=lambda line: line.line_no) if line.id not in bid_line_ids
    ]
    if len(numbers) <= 1:
        return f"line {numbers[0]}" if numbers else "no line"
    return f"lines {', '.join(numbers[:-1])} and {numbers[-1]}"
