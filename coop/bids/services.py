"""Bids' use cases. For now only what an addendum needs; the bids area builds the rest.

Sealed bids: nothing here returns anything an administrator's page may show
before opening. Callers must keep what they get to the bidding vendors' own
notices and to columns read only after opening.
"""

from __future__ import annotations

import sqlalchemy as sa

from coop.audit import services as audit
from coop.bids.models import Bid, BidStatus
from coop.extensions import db


def return_submitted_bids_to_draft(rfp_id: int, *, actor_user_id: int | None, reason: str) -> list[int]:
    """Return every submitted bid on the RFP to draft, so that its vendor must re-confirm it.

    Runs in the caller's transaction (no commit). Each bid is locked, set to
    ``draft`` with its ``submitted_at`` cleared, and audited on the RFP's chain.

    Returns
    -------
    list[int]
        The ids of the vendors whose bids were returned (its length is the count).
        Sealed until opening: neither the list nor its length may reach any page,
        export or message other than each vendor's own notice.
    """
    bids = db.session.scalars(
        sa.select(Bid).where(Bid.rfp_id == rfp_id, Bid.status == BidStatus.SUBMITTED).order_by(Bid.id).with_for_update()
    ).all()
    for bid in bids:
        before = {"status": bid.status.value, "submitted_at": bid.submitted_at.isoformat() if bid.submitted_at else None}
        bid.status = BidStatus.DRAFT
        bid.submitted_at = None
        audit.record("bid.returned_to_draft", entity_type="bid", entity_id=bid.id, actor_user_id=actor_user_id,
                     rfp_id=rfp_id, before=before, after={"status": BidStatus.DRAFT.value, "reason": reason})
    return [bid.vendor_id for bid in bids]
