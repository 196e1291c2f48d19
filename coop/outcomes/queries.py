"""Read-only selects about the outcome of published award rounds: a district's rounds, an RFP's awards.

Which rounds count as published is decided in one place, :func:`published_rounds`; every page and export of this
area starts from it, so that narrowing it (a notice of intent that becomes final only after its protest period,
say) narrows them all.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from coop.awards.models import Award, AwardRound, AwardRoundStatus, DistrictShare
from coop.bids.models import BidLine
from coop.extensions import db
from coop.orgs.models import District
from coop.rfps.models import Rfp, RfpLine, RfpStatus


def published_rounds() -> sa.Select:
    """The award rounds whose outcome is public: published, on an RFP that was published and not cancelled."""
    return (
        sa.select(AwardRound)
        .join(AwardRound.rfp)
        .where(
            AwardRound.status == AwardRoundStatus.PUBLISHED,
            AwardRound.published_at.is_not(None),
            Rfp.published_at.is_not(None),
            Rfp.status != RfpStatus.CANCELLED,
        )
    )


def district_shares(district_id: int) -> list[DistrictShare]:
    """The district's share of every published round it took part in, oldest publication first, each with its round
    and the round's RFP loaded."""
    rounds = published_rounds().subquery()
    return list(
        db.session.scalars(
            sa.select(DistrictShare)
            .join(rounds, DistrictShare.award_round_id == rounds.c.id)
            .where(DistrictShare.district_id == district_id)
            .options(joinedload(DistrictShare.award_round).joinedload(AwardRound.rfp))
            .order_by(rounds.c.published_at, rounds.c.id)
        )
    )


def district_awards(district_id: int, round_ids: list[int]) -> list[Award]:
    """The district's awards in those rounds, with their line, item and bid, in line order."""
    return list(
        db.session.scalars(
            sa.select(Award)
            .join(Award.rfp_line)
            .where(Award.district_id == district_id, Award.award_round_id.in_(round_ids))
            .options(
                contains_eager(Award.rfp_line).joinedload(RfpLine.item),
                joinedload(Award.bid_line).joinedload(BidLine.bid),
            )
            .order_by(Award.award_round_id, RfpLine.line_no, Award.id)
        )
    )


def district(district_id: int) -> District | None:
    return db.session.get(District, district_id)


def published_round(rfp_id: int) -> AwardRound | None:
    """The RFP's published round (the latest, should there be more than one), its awards and shares loaded."""
    return db.session.scalar(
        published_rounds()
        .where(AwardRound.rfp_id == rfp_id)
        .options(
            selectinload(AwardRound.awards).joinedload(Award.rfp_line).joinedload(RfpLine.item),
            selectinload(AwardRound.awards).joinedload(Award.bid_line).joinedload(BidLine.bid),
            selectinload(AwardRound.awards).joinedload(Award.district),
            selectinload(AwardRound.shares),
        )
        .order_by(AwardRound.published_at.desc(), AwardRound.id.desc())
        .limit(1)
    )


def publication_date(rfp_id: int) -> datetime | None:
    """When the RFP's award round was published (a UTC ``datetime``), or ``None`` while none is."""
    return db.session.scalar(
        published_rounds().with_only_columns(sa.func.max(AwardRound.published_at)).where(AwardRound.rfp_id == rfp_id)
    )
