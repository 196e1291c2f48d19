"""Read-only selects about award rounds: the rounds of an RFP, one round's rows, its progress, two rounds compared."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from coop.awards.models import Award, AwardRound, AwardRoundStatus, DistrictShare
from coop.extensions import db
from coop.rfps.models import Rfp, RfpLine

#: Statuses in which a round has not ended.
ACTIVE = (AwardRoundStatus.QUEUED, AwardRoundStatus.RUNNING)


def opened_rfp(rfp_id: int) -> Rfp | None:
    """The RFP if its bids are opened; ``None`` otherwise, as for no RFP at all (sealed bids tell nothing)."""
    rfp = db.session.get(Rfp, rfp_id)
    return rfp if rfp is not None and rfp.opened_at is not None else None


def has_published_round(rfp_id: int) -> bool:
    """Whether a round of the RFP is published (its notice of intent or its final award is out)."""
    return db.session.scalar(
        sa.select(sa.exists().where(AwardRound.rfp_id == rfp_id, AwardRound.status == AwardRoundStatus.PUBLISHED))
    )


def rounds_of(rfp_id: int) -> list[AwardRound]:
    """The RFP's rounds, newest first."""
    return list(
        db.session.scalars(sa.select(AwardRound).where(AwardRound.rfp_id == rfp_id).order_by(AwardRound.number.desc()))
    )


def round_of(rfp_id: int, number: int) -> AwardRound | None:
    """Round ``number`` of the RFP, with its awards and shares."""
    return db.session.scalar(
        sa.select(AwardRound)
        .where(AwardRound.rfp_id == rfp_id, AwardRound.number == number)
        .options(
            selectinload(AwardRound.awards).selectinload(Award.rfp_line).selectinload(RfpLine.item),
            selectinload(AwardRound.awards).selectinload(Award.district),
            selectinload(AwardRound.awards).selectinload(Award.vendor),
            selectinload(AwardRound.shares).selectinload(DistrictShare.district),
        )
    )


def is_stale(award_round: AwardRound, now: datetime, stale_s: float) -> bool:
    """A running round silent for longer than ``stale_s``: its worker stopped."""
    last = award_round.heartbeat_at or award_round.started_at
    return (
        award_round.status == AwardRoundStatus.RUNNING and last is not None and now - last > timedelta(seconds=stale_s)
    )


def sorted_awards(award_round: AwardRound) -> list[Award]:
    """The round's awards by line, district name, vendor name."""
    return sorted(
        award_round.awards,
        key=lambda award: (award.rfp_line.line_no, award.district.name.casefold(), award.vendor.name.casefold()),
    )


def sorted_shares(award_round: AwardRound) -> list[DistrictShare]:
    return sorted(award_round.shares, key=lambda share: share.district.name.casefold())


def progress_of(award_round: AwardRound, *, stopped: bool, stopped_message: str) -> dict[str, Any]:
    """What the live progress page shows, as JSON: money as cents, times as ISO 8601 UTC."""
    status = AwardRoundStatus.FAILED.value if stopped else award_round.status.value
    return {
        "number": award_round.number,
        "status": status,
        "phase": award_round.phase,
        "done": stopped or award_round.status not in ACTIVE,
        "cancel_requested": award_round.cancel_requested_at is not None,
        "best_cost_cents": award_round.best_cost_cents,
        "lower_bound_cents": award_round.lower_bound_cents,
        "gap": award_round.progress_gap,
        "elapsed_s": award_round.elapsed_s,
        "heartbeat_at": None if award_round.heartbeat_at is None else award_round.heartbeat_at.isoformat(),
        "message": stopped_message if stopped else award_round.error,
    }


# --- comparing two rounds --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShareRow:
    district: str
    a_cents: int | None  # None: the district has no share in that round
    b_cents: int | None
    standalone_cents: int | None

    @property
    def change_cents(self) -> int | None:
        return None if self.a_cents is None or self.b_cents is None else self.b_cents - self.a_cents


@dataclass(frozen=True)
class Change:
    """One line of one district whose awards differ between the rounds."""

    line_no: int
    item: str
    district: str
    a: str  # "Vendor × quantity; ..." or "—"
    b: str


@dataclass(frozen=True)
class Comparison:
    a: AwardRound
    b: AwardRound
    shares: tuple[ShareRow, ...]
    changes: tuple[Change, ...]

    @property
    def total_change_cents(self) -> int | None:
        if self.a.total_cost_cents is None or self.b.total_cost_cents is None:
            return None
        return self.b.total_cost_cents - self.a.total_cost_cents


def _awarded(award_round: AwardRound) -> dict[tuple[int, str], tuple[str, list[tuple[str, int]]]]:
    by_key: dict[tuple[int, str], tuple[str, list[tuple[str, int]]]] = {}
    for award in award_round.awards:
        key = (award.rfp_line.line_no, award.district.name)
        by_key.setdefault(key, (award.rfp_line.item.name, []))[1].append((award.vendor.name, award.quantity))
    return by_key


def _words(awarded: list[tuple[str, int]] | None) -> str:
    if not awarded:
        return "—"
    return "; ".join(f"{vendor} × {quantity:,}" for vendor, quantity in sorted(awarded))


def compare(a: AwardRound, b: AwardRound) -> Comparison:
    """Two rounds of one RFP side by side: every district's share under each, and every award that moved."""
    shares_a = {share.district.name: share for share in a.shares}
    shares_b = {share.district.name: share for share in b.shares}
    share_rows = []
    for name in sorted(shares_a.keys() | shares_b.keys(), key=str.casefold):
        share_a, share_b = shares_a.get(name), shares_b.get(name)
        standalone = (share_a or share_b).standalone_cost_cents
        share_rows.append(
            ShareRow(
                name,
                None if share_a is None else share_a.pooled_cost_cents,
                None if share_b is None else share_b.pooled_cost_cents,
                standalone,
            )
        )
    awarded_a, awarded_b = _awarded(a), _awarded(b)
    changes = []
    for key in sorted(awarded_a.keys() | awarded_b.keys(), key=lambda key: (key[0], key[1].casefold())):
        item = (awarded_a.get(key) or awarded_b.get(key))[0]
        words_a = _words(awarded_a.get(key, (item, None))[1])
        words_b = _words(awarded_b.get(key, (item, None))[1])
        if words_a != words_b:
            changes.append(Change(key[0], item, key[1], words_a, words_b))
    return Comparison(a, b, tuple(share_rows), tuple(changes))
