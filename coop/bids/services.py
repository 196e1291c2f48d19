"""Bids' use cases: a vendor's draft, submission, edit, withdrawal and attachments; the opening.

The deadline
    Every write checks the bid deadline twice against the one clock
    (:func:`coop.clock.utcnow`): when it starts, to refuse early, and again as the
    very last step before its commit (:func:`_stamp_before_deadline`), so that a
    request that began before the deadline but would commit after it is refused
    and writes nothing. The time of that last check is the time on the receipt.
Locks
    A bid write holds the RFP's row ``FOR SHARE`` (addenda and the opening take it
    ``FOR UPDATE``), then its bid's row ``FOR UPDATE``. So an addendum cannot miss a
    bid being submitted, and the opening waits for every bid write in flight and
    sees all of them. (SQLite serialises writers instead.)
Sealed bids
    Nothing here returns anything about a bid to anyone but its own vendor before
    opening. Audit events about bids are on the RFP's chain; any page that lists
    audit events must hide ``bid.*`` events until the RFP is opened.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from pypdf import PdfReader
from sqlalchemy.exc import IntegrityError

from coop import clock, spreadsheets, urls
from coop.accounts.models import User
from coop.audit import services as audit
from coop.bids import queries, rules, sheets
from coop.bids.models import Bid, BidAttachment, BidLine, BidStatus, DiscountBracket, PriceTier, new_attachment_key
from coop.errors import Refusal, Rejection
from coop.extensions import db
from coop.notifications.services import email_vendors, queue_email, send_queued, unseal_rfp_mail
from coop.orgs import queries as org_queries
from coop.orgs.models import Region, Vendor
from coop.rfps import queries as rfp_queries
from coop.rfps.models import Rfp, RfpStatus
from coop.roles import Role
from coop.transactions import locked, unit_of_work

log = logging.getLogger(__name__)

OPENED_STATES = (RfpStatus.OPENED, RfpStatus.AWARDED, RfpStatus.COMPLETE)
MAX_ATTACHMENTS = 10
PDF_MAGIC = b"%PDF-"
# What new_attachment_key writes, within its column: anything else in an address names no attachment, and is not
# sent to the database (PostgreSQL refuses a NUL in text with an error, not an empty answer).

NOT_A_VENDOR = "Only an approved vendor can bid."
NOT_OPEN = "This RFP is not open for bids."
STALE = (
    "Your bid has changed since this page was loaded (in another window, or by a colleague). "
    "Nothing was saved: reload the page to see the bid as it is now."
)
NO_BID = "You have no bid on this RFP yet: fill in the bid form and save it first."
ATTACHMENT_NOT_PDF = "Attachments must be PDF files (spec sheets, data sheets)."
ATTACHMENT_EMPTY = "The file is empty."
ATTACHMENT_UNREADABLE = (
    "The file is not a readable PDF: it is damaged or incomplete. Save it again as a PDF and attach it."
)
ATTACHMENT_ENCRYPTED = (
    "The file is a password-protected PDF. Attach it without a password: "
    "the cooperative must be able to read it at the opening."
)
TOO_MANY_ATTACHMENTS = f"A bid can have at most {MAX_ATTACHMENTS} attachments: remove one first."
ALREADY_OPENED = "The bids on this RFP were opened on {opened_at}; they can be opened only once."
NOT_CLOSED_YET = "The bids can be opened only after the bid deadline ({deadline})."


def deadline_passed(deadline) -> str:
    return (
        f"The bid deadline ({clock.format_utc(deadline)}) has passed: bids can no longer be "
        "created, changed or withdrawn."
    )


def attachment_too_large(max_bytes: int) -> str:
    return f"The file is larger than {max_bytes / 1024 / 1024:.0f} MB; attach a smaller PDF."


@dataclass(frozen=True)
class Receipt:
    """What a vendor keeps as proof of submission."""

    reference: str
    vendor: str
    submitted_at: datetime
    content_sha256: str
    revision: int


def receipt_of(bid: Bid) -> Receipt | None:
    if bid.status != BidStatus.SUBMITTED or bid.submitted_at is None:
        return None
    # The name on the receipt is the one the bid was submitted under, as on everything derived from the bid.
    return Receipt(
        bid.rfp.reference, bid.submitted_content["vendor"], bid.submitted_at, bid.content_sha256, bid.revision
    )


# --- helpers ---------------------------------------------------------------------------------------------------------


def _vendor_of(user: User) -> Vendor:
    vendor = org_queries.approved_vendor(user)
    if vendor is None:
        raise Refusal(NOT_A_VENDOR)
    return vendor


def _rfp_for_bidding(reference: str) -> Rfp:
    """The public RFP, its row locked FOR SHARE, open and before its deadline; LookupError when not public."""
    rfp = rfp_queries.lock_public_rfp(reference)
    _check_open(rfp)
    return rfp


def _check_open(rfp: Rfp) -> None:
    status = rfp_queries.effective_status(rfp, clock.utcnow())
    if status == RfpStatus.CLOSED:
        raise Refusal(deadline_passed(rfp.bid_deadline))
    if status != RfpStatus.OPEN:
        raise Refusal(NOT_OPEN)


def _stamp_before_deadline(rfp: Rfp, bid: Bid, *, submitted: bool = False, withdrawn: bool = False):
    """The last step of every bid write, its unit of work commits next: check the deadline once more and stamp the
    bid with that time."""
    now = clock.utcnow()
    if now >= rfp.bid_deadline:
        raise Refusal(deadline_passed(rfp.bid_deadline))
    bid.updated_at = now
    if submitted:
        bid.submitted_at = now
    if withdrawn:
        bid.withdrawn_at = now
    return now


def _locked_bid(rfp_id: int, vendor_id: int) -> Bid | None:
    return db.session.scalar(
        sa.select(Bid)
        .where(Bid.rfp_id == rfp_id, Bid.vendor_id == vendor_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _bid_for_writing(rfp: Rfp, vendor: Vendor, user: User) -> tuple[Bid, bool]:
    """The vendor's bid, locked, and whether it was created now, as an empty draft (a double click creates one)."""
    bid = _locked_bid(rfp.id, vendor.id)
    if bid is not None:
        return bid, False
    try:
        with db.session.begin_nested():
            bid = Bid(
                rfp_id=rfp.id,
                vendor_id=vendor.id,
                status=BidStatus.DRAFT,
                revision=1,
                created_at=clock.utcnow(),
                updated_at=clock.utcnow(),
            )
            db.session.add(bid)
            db.session.flush()
    except IntegrityError:
        # Another request of the same vendor created it first: use that one.
        bid = _locked_bid(rfp.id, vendor.id)
        if bid is None:
            raise
        return bid, False
    audit.record(
        "bid.created",
        entity_type="bid",
        entity_id=bid.id,
        actor_user_id=user.id,
        rfp_id=rfp.id,
        after={"status": bid.status.value},
    )
    # Bidding does not make the vendor follow the RFP (the bid page offers that): who hears of an RFP must not
    # tell who bid.
    return bid, True


def content(bid: Bid) -> dict:
    """The bid's content as stored, in canonical form: what its hash and its audit events cover.

    At submission it becomes the bid's record (``Bid.submitted_content``): the vendor's name is in it because
    what was opened must name the bidder as it was named when it bid, whatever the company calls itself later.
    """
    return {
        "rfp": bid.rfp.reference,
        "vendor_id": bid.vendor_id,
        "vendor": bid.vendor.name,
        "lines": [
            {
                "line_no": line.rfp_line.line_no,
                "product": line.product,
                "spec_compliance": dict(sorted((line.spec_compliance or {}).items())),
                "pricing": line.pricing_kind.value,
                "tiers": [[tier.min_quantity, tier.unit_price_cents] for tier in line.tiers],
                "annual_cost_per_unit_cents": line.annual_cost_per_unit_cents,
                "capacity": line.capacity,
                "min_award_quantity": line.min_award_quantity,
                "regions": [region.code for region in line.regions],
            }
            for line in sorted(bid.lines, key=lambda line: line.rfp_line.line_no)
        ],
        "discounts": [[bracket.min_value_cents, str(bracket.percent)] for bracket in bid.discount_brackets],
        "attachments": [[attachment.filename, attachment.sha256] for attachment in bid.current_attachments],
    }


def _without_name(record: dict) -> dict:
    return {key: value for key, value in record.items() if key != "vendor"}


def has_unsubmitted_changes(bid: Bid) -> bool:
    """Whether a submitted bid is being edited: its rows differ from its version in force, which stays in force.

    The company's name is left out of the comparison: renaming the company does not change the bid.
    """
    if bid.status != BidStatus.SUBMITTED or bid.submitted_content is None:
        return False
    return _without_name(content(bid)) != _without_name(bid.submitted_content)


def _sha256(record: dict) -> str:
    canonical = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def content_sha256(bid: Bid) -> str:
    return _sha256(content(bid))


def _submit(bid: Bid) -> None:
    """Make the bid's content as it stands the version in force: recorded, and its hash the receipt."""
    bid.status = BidStatus.SUBMITTED
    bid.submitted_content = content(bid)
    bid.content_sha256 = _sha256(bid.submitted_content)
    bid.withdrawn_at = None


def _reload(bid: Bid) -> None:
    db.session.flush()
    db.session.refresh(bid)
    for line in bid.lines:
        db.session.refresh(line)


def _write_content(bid: Bid, clean: rules.CleanBid) -> None:
    regions = {region.code: region for region in db.session.scalars(sa.select(Region))}
    # Old rows go first, in their own flush: the new ones reuse their unique keys.
    bid.lines.clear()
    bid.discount_brackets.clear()
    db.session.flush()
    for line in clean.lines:
        bid.lines.append(
            BidLine(
                rfp_line_id=line.rfp_line_id,
                product=line.product,
                spec_compliance=line.spec_compliance,
                pricing_kind=line.pricing_kind,
                annual_cost_per_unit_cents=line.annual_cost_per_unit_cents,
                capacity=line.capacity,
                min_award_quantity=line.min_award_quantity,
                regions=[regions[code] for code in line.region_codes],
                tiers=[
                    PriceTier(min_quantity=tier.min_quantity, unit_price_cents=tier.unit_price_cents)
                    for tier in line.tiers
                ],
            )
        )
    for bracket in clean.discount_brackets:
        bid.discount_brackets.append(DiscountBracket(min_value_cents=bracket.min_value_cents, percent=bracket.percent))
    _reload(bid)


def _changed(bid: Bid, before_hash: str, before_status: BidStatus, action: str, user: User, **extra) -> None:
    """Record the bid's new state: its revision moves on, and the change is audited with both hashes."""
    bid.revision += 1
    audit.record(
        action,
        entity_type="bid",
        entity_id=bid.id,
        actor_user_id=user.id,
        rfp_id=bid.rfp_id,
        before={"status": before_status.value, "content_sha256": before_hash},
        after={"status": bid.status.value, "content_sha256": content_sha256(bid), "revision": bid.revision, **extra},
    )


def _validated(rfp: Rfp, data: rules.BidInput) -> rules.CleanBid:
    return rules.check_bid(data, queries.line_rules(rfp), queries.region_codes())


# --- the vendor's bid ------------------------------------------------------------------------------------------------


def save_bid(user: User, reference: str, data: rules.BidInput, *, revision: int | None, submit: bool = False) -> Bid:
    """Save the vendor's bid as a draft, or save and submit it, before the deadline.

    A submitted bid that is saved as a draft stays submitted: its version in force is
    the one submitted, and the saved changes are a next version that replaces it only
    when submitted. Saving what is already stored changes nothing (a double click,
    a retry), and neither does submitting an already submitted identical bid.

    Parameters
    ----------
    revision
        The bid's revision the vendor's page was built from (``None`` for a new bid);
        a different stored revision refuses the save, unless the content is the same.

    Raises
    ------
    LookupError
        The RFP is not on the public board.
    Refusal
        Not open, deadline passed, or a stale page; nothing was written.
    Rejection
        The bid breaks rules; every problem names its field; nothing was written.
    """
    with unit_of_work() as work:
        vendor = _vendor_of(user)
        rfp = _rfp_for_bidding(reference)
        clean = _validated(rfp, data)
        bid, created = _bid_for_writing(rfp, vendor, user)
        fresh = created if revision is None else bid.revision == revision
        before_hash, before_status = content_sha256(bid), bid.status
        _write_content(bid, clean)
        unchanged = content_sha256(bid) == before_hash and not created
        in_force = before_status == BidStatus.SUBMITTED and not has_unsubmitted_changes(bid)
        if unchanged and (in_force if submit else before_status != BidStatus.WITHDRAWN):
            work.discard()  # nothing to change: the double click, the retry
            return bid
        if not fresh:
            raise Refusal(STALE)
        if submit:
            _submit(bid)
        elif bid.status == BidStatus.WITHDRAWN:
            bid.status = BidStatus.DRAFT
            bid.submitted_at = bid.withdrawn_at = None
            bid.content_sha256 = None
        _changed(bid, before_hash, before_status, "bid.submitted" if submit else "bid.saved", user)
        _stamp_before_deadline(rfp, bid, submitted=submit)
    return bid


def _refuse_if_stale(bid: Bid, revision: int | None) -> None:
    """Refuse a change asked from a page built on an older revision of the bid (``None``: a page without one)."""
    if revision is not None and bid.revision != revision:
        raise Refusal(STALE)


def _back_to_draft(bid: Bid) -> None:
    """A submitted bid an addendum made out of date is a draft again until its vendor submits it again: no version
    of it is in force."""
    if bid.status == BidStatus.SUBMITTED:
        bid.status = BidStatus.DRAFT
        bid.submitted_at = None
        bid.content_sha256 = None
        bid.submitted_content = None


def _existing_bid(rfp: Rfp, vendor: Vendor) -> Bid:
    bid = _locked_bid(rfp.id, vendor.id)
    if bid is None:
        raise Refusal(NO_BID)
    return bid


def submit_bid(user: User, reference: str, *, revision: int | None) -> Bid:
    """Submit the vendor's bid as it stands, before the deadline: it becomes the version in force. A submitted bid
    without changes since is left as it is.

    The draft is checked again against the RFP as it is now (an addendum may have
    changed what a line asks).

    Raises
    ------
    Refusal, Rejection, LookupError
        As :func:`save_bid`; nothing was written.
    """
    with unit_of_work():
        vendor = _vendor_of(user)
        rfp = _rfp_for_bidding(reference)
        bid = _existing_bid(rfp, vendor)
        if bid.status == BidStatus.SUBMITTED and not has_unsubmitted_changes(bid):
            return bid  # the double click
        _refuse_if_stale(bid, revision)
        _validated(rfp, queries.as_input(bid))
        before_hash, before_status = content_sha256(bid), bid.status
        _submit(bid)
        _changed(bid, before_hash, before_status, "bid.submitted", user)
        _stamp_before_deadline(rfp, bid, submitted=True)
    return bid


def withdraw_bid(user: User, reference: str, *, revision: int | None) -> Bid:
    """Withdraw the vendor's bid before the deadline: it is kept, marked withdrawn, and not considered at opening."""
    with unit_of_work():
        vendor = _vendor_of(user)
        rfp = _rfp_for_bidding(reference)
        bid = _existing_bid(rfp, vendor)
        if bid.status == BidStatus.WITHDRAWN:
            return bid
        _refuse_if_stale(bid, revision)
        before_hash, before_status = content_sha256(bid), bid.status
        bid.status = BidStatus.WITHDRAWN
        bid.submitted_content = None  # a withdrawn bid has no version in force
        _changed(bid, before_hash, before_status, "bid.withdrawn", user)
        _stamp_before_deadline(rfp, bid, withdrawn=True)
    return bid


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
        before = {
            "status": bid.status.value,
            "submitted_at": bid.submitted_at.isoformat() if bid.submitted_at else None,
        }
        _back_to_draft(bid)
        audit.record(
            "bid.returned_to_draft",
            entity_type="bid",
            entity_id=bid.id,
            actor_user_id=actor_user_id,
            rfp_id=rfp_id,
            before=before,
            after={"status": BidStatus.DRAFT.value, "reason": reason},
        )
    return [bid.vendor_id for bid in bids]


# --- attachments -----------------------------------------------------------------------------------------------------


def upload_dir() -> Path:
    return Path(current_app.config["COOP_UPLOAD_DIR"]) / "bids"


def _clean_filename(filename: str) -> str:
    # Only the last part of whatever path the browser sent, without control characters; shown back, never a path.
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(character for character in name if character.isprintable()).strip()
    name = name[:255] or "attachment.pdf"
    return name if name.lower().endswith(".pdf") else f"{name[:251]}.pdf"


def _check_pdf(data: bytes) -> None:
    """Refuse a file that is not a PDF anyone can open: wrong first bytes, damaged, cut short, or encrypted."""
    max_bytes = current_app.config["COOP_MAX_ATTACHMENT_BYTES"]
    if not data:
        raise Refusal(ATTACHMENT_EMPTY, "file")
    if len(data) > max_bytes:
        raise Refusal(attachment_too_large(max_bytes), "file")
    if not data.startswith(PDF_MAGIC):
        raise Refusal(ATTACHMENT_NOT_PDF, "file")
    # Strict: a file pypdf would have to repair is refused rather than guessed at. The size cap above and pypdf's own
    # limits on decompressed streams bound the work a hostile file can cause.
    try:
        reader = PdfReader(io.BytesIO(data), strict=True)
        encrypted = reader.is_encrypted
        if not encrypted:
            len(reader.pages)  # walks the page tree: a PDF whose pages cannot be found cannot be read
    # A hostile file can drive the parser into any exception, not only pypdf's own; each means it cannot be read.
    except Exception as error:
        log.info("refused an unreadable PDF attachment: %s: %s", type(error).__name__, error)
        raise Refusal(ATTACHMENT_UNREADABLE, "file") from None
    if encrypted:
        raise Refusal(ATTACHMENT_ENCRYPTED, "file")


def add_attachment(user: User, reference: str, filename: str, data: bytes, *, revision: int | None) -> BidAttachment:
    """Attach a PDF to the vendor's bid (a draft is created if there is none); a submitted bid stays in force as
    submitted, the attachment part of its next version.

    The file is written under a random name before the commit and removed again if the commit does not happen.
    """
    _check_pdf(data)
    path = upload_dir() / f"{secrets.token_hex(16)}.pdf"
    try:
        with unit_of_work():
            vendor = _vendor_of(user)
            rfp = _rfp_for_bidding(reference)
            bid, created = _bid_for_writing(rfp, vendor, user)
            if not created:
                _refuse_if_stale(bid, revision)
            if len(bid.current_attachments) >= MAX_ATTACHMENTS:
                raise Refusal(TOO_MANY_ATTACHMENTS, "file")
            before_hash, before_status = content_sha256(bid), bid.status
            attachment = BidAttachment(
                key=new_attachment_key(),
                filename=_clean_filename(filename),
                stored_name=path.name,
                size_bytes=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                uploaded_at=clock.utcnow(),
            )
            bid.attachments.append(attachment)
            db.session.flush()
            _changed(bid, before_hash, before_status, "bid.attachment_added", user, attachment=attachment.filename)
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".partial")
            partial.write_bytes(data)
            partial.replace(path)
            _stamp_before_deadline(rfp, bid)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return attachment


def remove_attachment(user: User, reference: str, attachment_key: str, *, revision: int | None) -> None:
    """Remove an attachment from the vendor's bid; the file goes after the commit.

    An attachment the version in force lists is kept, marked removed, with its file: that version stays in force
    until a next one is submitted.
    """
    with unit_of_work():
        vendor = _vendor_of(user)
        rfp = _rfp_for_bidding(reference)
        bid = _existing_bid(rfp, vendor)
        attachment = next((item for item in bid.current_attachments if item.key == attachment_key), None)
        if attachment is None:
            raise LookupError(attachment_key)
        _refuse_if_stale(bid, revision)
        before_hash, before_status = content_sha256(bid), bid.status
        stored_name, shown_name = attachment.stored_name, attachment.filename
        keep = _in_force(bid, attachment)
        if keep:
            attachment.removed_at = clock.utcnow()
        else:
            bid.attachments.remove(attachment)
        db.session.flush()
        _changed(bid, before_hash, before_status, "bid.attachment_removed", user, attachment=shown_name)
        _stamp_before_deadline(rfp, bid)
    if keep:
        return
    try:
        (upload_dir() / stored_name).unlink(missing_ok=True)
    except OSError:
        log.warning("could not remove the file of a removed attachment: %s", stored_name)


def _in_force(bid: Bid, attachment: BidAttachment) -> bool:
    """Whether the bid's version in force lists the attachment."""
    if bid.status != BidStatus.SUBMITTED or bid.submitted_content is None:
        return False
    return [attachment.filename, attachment.sha256] in bid.submitted_content["attachments"]


def attachment_for_download(user: User, attachment_key: str) -> tuple[BidAttachment, Path]:
    """An attachment and its file, for its own vendor's users at any time and, when the version opened lists it,
    administrators after opening.

    Raises ``LookupError`` for everyone else, exactly as for an attachment that does not exist.
    """
    attachment = db.session.scalar(sa.select(BidAttachment).where(BidAttachment.key == attachment_key))
    if attachment is None:
        raise LookupError(attachment_key)
    bid = attachment.bid
    own = user.organisation is not None and user.organisation.id == bid.vendor_id
    after_opening = user.role == Role.COOP_ADMIN and bid.rfp.status in OPENED_STATES and _in_force(bid, attachment)
    if not (own or after_opening):
        raise LookupError(attachment_key)
    return attachment, upload_dir() / attachment.stored_name


# --- the opening -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Opening:
    rfp: Rfp
    opened_at: datetime
    submitted: int
    set_aside: int
    withdrawn: int


def open_bids(admin: User, rfp_id: int) -> Opening:
    """Open the bids of an RFP whose deadline has passed, once: the tabulation becomes public.

    Submitted bids are the ones tabulated, as submitted (changes not submitted are set aside); drafts are set aside (each an audit event)
    and withdrawn bids stay withdrawn. Vendors following the RFP are told, and its sealed mail shows in the outbox.

    Raises
    ------
    LookupError
        No such RFP.
    Refusal
        Already opened, not yet past the deadline, or not an open RFP.
    """
    with unit_of_work():
        rfp = locked(Rfp, rfp_id)
        now = clock.utcnow()
        if rfp.status in OPENED_STATES or rfp.opened_at is not None:
            raise Refusal(ALREADY_OPENED.format(opened_at=clock.format_utc(rfp.opened_at)))
        status = rfp_queries.effective_status(rfp, now)
        if status == RfpStatus.OPEN:
            raise Refusal(NOT_CLOSED_YET.format(deadline=clock.format_utc(rfp.bid_deadline)))
        if status != RfpStatus.CLOSED:
            raise Refusal(NOT_OPEN)
        bids = db.session.scalars(sa.select(Bid).where(Bid.rfp_id == rfp.id).order_by(Bid.id).with_for_update()).all()
        counts = {status: 0 for status in BidStatus}
        for bid in bids:
            counts[bid.status] += 1
            if has_unsubmitted_changes(bid):
                audit.record(
                    "bid.changes_set_aside",
                    entity_type="bid",
                    entity_id=bid.id,
                    actor_user_id=admin.id,
                    rfp_id=rfp.id,
                    before={"status": bid.status.value},
                    after={
                        "status": bid.status.value,
                        "content_sha256": bid.content_sha256,
                        "reason": "changes not submitted by the deadline: the version submitted is opened",
                    },
                )
            if bid.status == BidStatus.DRAFT:
                audit.record(
                    "bid.set_aside",
                    entity_type="bid",
                    entity_id=bid.id,
                    actor_user_id=admin.id,
                    rfp_id=rfp.id,
                    before={"status": bid.status.value},
                    after={"status": bid.status.value, "reason": "not submitted by the deadline"},
                )
        before = {"status": rfp.status.value}
        rfp.status = RfpStatus.OPENED
        rfp.opened_at = now
        audit.record(
            "rfp.bids_opened",
            entity_type="rfp",
            entity_id=rfp.id,
            actor_user_id=admin.id,
            rfp_id=rfp.id,
            before=before,
            after={
                "status": rfp.status.value,
                "opened_at": now.isoformat(),
                "submitted": counts[BidStatus.SUBMITTED],
                "set_aside": counts[BidStatus.DRAFT],
                "withdrawn": counts[BidStatus.WITHDRAWN],
            },
        )
        _notify_opening(rfp)
        _tell_districts_of_opening(rfp)
        unseal_rfp_mail(rfp.id)
    send_queued()
    return Opening(rfp, now, counts[BidStatus.SUBMITTED], counts[BidStatus.DRAFT], counts[BidStatus.WITHDRAWN])


def _notify_opening(rfp: Rfp) -> None:
    body = (
        f"The bids on RFP {rfp.reference}, {rfp.title}, were opened on "
        f"{clock.format_utc(rfp.opened_at)}.\n\nThe bid tabulation is public: "
        f"{urls.page_link('awards.tabulation', reference=rfp.reference)}\n"
    )
    email_vendors(
        rfp_queries.follower_recipients(rfp.id),
        f"{rfp.reference}: bids opened",
        lambda _vendor_id: body,
        sealed_rfp_id=rfp.id,
    )


def _tell_districts_of_opening(rfp: Rfp) -> None:
    """The districts whose needs the RFP buys learn that the bids are opened and where to read them."""
    districts = {link.need.district_id for line in rfp.lines for link in rfp_queries.confirmed_links(line)}
    body = (
        f"The bids on {rfp.reference} “{rfp.title}” were opened on {clock.format_utc(rfp.opened_at)}. The bid "
        f"tabulation is public: {urls.page_link('awards.tabulation', reference=rfp.reference)}\n\n"
        "The cooperative awards the RFP next; you will be told what your district pays and saves.\n"
    )
    for addresses in rfp_queries.district_buyer_emails(districts).values():
        for address in addresses:
            queue_email(address, f"{rfp.reference}: bids opened", body)


# --- bid sheets ------------------------------------------------------------------------------------------------------


def save_sheet(user: User, reference: str, filename: str, data: bytes, *, revision: int | None) -> Bid:
    """Save a filled bid sheet as the vendor's draft: the whole sheet, or nothing.

    A CSV sheet carries no discount brackets: the bid keeps the ones it has.

    Raises
    ------
    Rejection
        With every bad row and cell and its reason, whether the sheet cannot be read
        or its values break the rules; nothing was written.
    Refusal, LookupError
        As :func:`save_bid`.
    """
    vendor = _vendor_of(user)
    rfp = rfp_queries.public_rfp(reference)
    if rfp is None:
        raise LookupError(reference)
    reading = sheets.read_sheet(
        filename,
        data,
        rfp,
        requirements=queries.requirements_by_line(rfp),
        default_region_codes=tuple(region.code for region in vendor.regions),
        max_bytes=current_app.config["MAX_CONTENT_LENGTH"],
        limits=spreadsheets.ArchiveLimits.from_config(current_app.config),
    )
    current = queries.own_bid(rfp.id, vendor.id)
    bid_input = reading.with_saved_discounts(queries.as_input(current) if current else None)
    try:
        return save_bid(user, reference, bid_input, revision=revision)
    except Rejection as rejected:
        raise Rejection(sheets.sheet_problems(reading, rejected.problems)) from rejected
