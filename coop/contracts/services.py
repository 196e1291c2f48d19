"""The award's last steps: the fairness gate and the notice of intent, protests, the final award and its orders.

``solved round → notice of intent (protest period) → final`` (purchase orders issued, the RFP ``awarded``), or
``→ cancelled`` by an upheld protest, after which the RFP's administrators choose or run another round. Every step
is an audit event on the RFP's chain, written in the transaction of the change; every e-mail goes to the outbox in
that transaction too.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from coop import clock, money, urls
from coop.accounts.models import User
from coop.audit import services as audit
from coop.awards.models import Award, AwardRound, AwardRoundStatus
from coop.billing import services as billing
from coop.contracts import queries
from coop.contracts.models import (
    AwardNotice,
    Contract,
    NoticeStatus,
    Protest,
    ProtestStatus,
    PurchaseOrder,
    PurchaseOrderLine,
)
from coop.errors import Refusal, required_text
from coop.extensions import db
from coop.notifications.services import queue_email, send_queued
from coop.orgs import queries as org_queries
from coop.orgs.models import Vendor
from coop.rfps import queries as rfp_queries
from coop.rfps.models import Rfp, RfpLine, RfpStatus
from coop.roles import Role
from coop.transactions import locked, unit_of_work

log = logging.getLogger(__name__)

MIN_PROTEST_DAYS = 1
MAX_PROTEST_DAYS = 30
MAX_TEXT = 5_000
# An RFP written without a category template has no delivery terms of its own.
DEFAULT_DELIVERY_DAYS = 30

PROTEST_DAYS_RANGE = f"The protest period must be a whole number of days from {MIN_PROTEST_DAYS} to {MAX_PROTEST_DAYS}."
NOT_SOLVED = "Only a solved round can be published; this round is {status}."
NOTHING_AWARDED = "This round awards nothing (the engine found no allocation): there is nothing to publish."
NOT_OPENED = "{reference} is {status}: only the awards of an RFP whose bids are opened can be published."
ALREADY_PUBLISHED = (
    "A round of {reference} is already published (notice of intent of {published_at}): "
    "only one round of an RFP can be published."
)
NOTICE_WAS_CANCELLED = (
    "This round's notice of intent was cancelled by an upheld protest: it cannot be published "
    "again. Choose or run another round."
)
CONFIRMATION_REQUIRED = (
    "This round leaves a district worse off than buying alone, or a group of districts would pay "
    "less by leaving the pool: tick the confirmation to publish it all the same."
)
REASON_REQUIRED = "Give the reason for publishing a round that fails the fairness check."
TEXT_TOO_LONG = f"Write at most {MAX_TEXT:,} characters."
NO_PROTEST_PERIOD = "No notice of intent to award of {reference} is open to protests."
PROTEST_PERIOD_OVER = "The protest period of {reference} ended at {ends_at}: protests can no longer be filed."
GROUNDS_REQUIRED = "State the grounds of your protest."
DECISION_REQUIRED = "Write the decision on the protest."
CANCEL_REASON_REQUIRED = "Say why the line is cancelled: the district and the vendor are told."
LINE_ALREADY_CANCELLED = "Line {line_no} of {number} was already cancelled on {cancelled_at}."
ALREADY_DECIDED = "This protest was already decided ({status}) on {decided_at}."
ALREADY_FINAL = "The award of {reference} is already final (since {finalised_at})."
NOTICE_CANCELLED = "This notice of intent was cancelled by an upheld protest: it can never become final."
PERIOD_NOT_OVER = "The protest period of {reference} runs until {ends_at}: the award can be made final after that."
PROTESTS_PENDING = (
    "{count} protest{s} on {reference} still await{verb} a decision: decide each before the award is final."
)


@dataclass(frozen=True)
class PublishInput:
    protest_days: int | None  # None: the cooperative's default (COOP_PROTEST_DAYS)
    confirm: bool  # publish although the fairness gate found a concern
    reason: str


def _require_admin(user: User) -> None:
    if user.role != Role.COOP_ADMIN:
        raise PermissionError("only the cooperative's administrators publish awards")


def _text(raw: str | None, field: str, required: str) -> str:
    return required_text(raw, field, maximum=MAX_TEXT, required=required, too_long=TEXT_TOO_LONG)


def _record(
    action: str,
    rfp: Rfp,
    user: User | None,
    *,
    entity_type: str,
    entity_id: int,
    before: dict | None,
    after: dict | None,
) -> None:
    audit.record(
        action,
        entity_type=entity_type,
        entity_id=entity_id,
        actor_user_id=user.id if user else None,
        rfp_id=rfp.id,
        before=before,
        after=after,
    )


# --- the fairness gate and the notice of intent -------------------------------------------------------------------------


def publish_round(user: User, round_id: int, data: PublishInput) -> AwardNotice:
    """Publish a solved round as the notice of intent to award its RFP, opening the protest period.

    A round that leaves a district worse off than alone, or that a coalition of districts would leave (or whose
    core was not checked), is published only with ``data.confirm`` and a reason, both kept in the audit chain.

    Raises
    ------
    LookupError
        No such round.
    Refusal
        The round, its RFP or the input do not allow it; ``field`` names the form field at fault.
    """
    _require_admin(user)
    with unit_of_work():
        found = queries.award_round(round_id)
        if found is None:
            raise LookupError(round_id)
        rfp = locked(Rfp, found.rfp_id)
        award_round = locked(AwardRound, round_id)
        if queries.notice_for_round(award_round.id) is not None and award_round.status != AwardRoundStatus.PUBLISHED:
            raise Refusal(NOTICE_WAS_CANCELLED)
        live = queries.live_notice(rfp.id)
        if live is not None:
            raise Refusal(
                ALREADY_PUBLISHED.format(reference=rfp.reference, published_at=clock.format_utc(live.published_at))
            )
        if award_round.status != AwardRoundStatus.SOLVED:
            raise Refusal(NOT_SOLVED.format(status=award_round.status.value))
        if not award_round.awards:
            raise Refusal(NOTHING_AWARDED)
        if rfp.status != RfpStatus.OPENED:
            raise Refusal(NOT_OPENED.format(reference=rfp.reference, status=rfp.status.value))
        protest_days = current_app.config["COOP_PROTEST_DAYS"] if data.protest_days is None else data.protest_days
        if not isinstance(protest_days, int) or not MIN_PROTEST_DAYS <= protest_days <= MAX_PROTEST_DAYS:
            raise Refusal(PROTEST_DAYS_RANGE, "protest_days")
        gate = queries.fairness(award_round)
        reason = None
        if gate.concerns:
            if not data.confirm:
                raise Refusal(CONFIRMATION_REQUIRED, "confirm")
            reason = _text(data.reason, "reason", REASON_REQUIRED)

        now = clock.utcnow()
        notice = AwardNotice(
            award_round=award_round,
            rfp=rfp,
            protest_days=protest_days,
            published_at=now,
            protest_ends_at=now + timedelta(days=protest_days),
            published_by_id=user.id,
            fairness_reason=reason,
        )
        db.session.add(notice)
        award_round.status = AwardRoundStatus.PUBLISHED
        award_round.published_at = now
        db.session.flush()
        _record(
            "award.notice_published",
            rfp,
            user,
            entity_type="award_round",
            entity_id=award_round.id,
            before={"status": AwardRoundStatus.SOLVED.value},
            after={
                "status": award_round.status.value,
                "notice_id": notice.id,
                "protest_days": protest_days,
                "protest_ends_at": notice.protest_ends_at.isoformat(),
                "worse_off": gate.worse_off,
                "core": {
                    "checked": gate.core.checked,
                    "blocked": gate.core.blocked,
                    "coalition": list(gate.core.coalition),
                    "gain_cents": gate.core.gain_cents,
                },
                "fairness_concerns": gate.concerns,
                "confirmed_with_reason": reason,
            },
        )
        _notify_notice(notice, rfp)
    send_queued()
    return notice


def _district_recipients(rfp: Rfp, round_id: int) -> dict[int, list[str]]:
    awarded = {
        award.district_id for award in db.session.scalars(sa.select(Award).where(Award.award_round_id == round_id))
    }
    return rfp_queries.district_buyer_emails(set(queries.committed_district_ids(rfp.id)) | awarded)


def _award_listing(lines: list[queries.AwardLine], *, by: str) -> str:
    return "\n".join(
        f"- Line {line.line_no}, {line.item_name}: {line.quantity:,} × "
        f"{money.format_unit_price(line.unit_price)} = {money.format_dollars(line.cost_cents)}"
        f" ({line.vendor if by == 'vendor' else line.district})"
        for line in lines
    )


def _notify_notice(notice: AwardNotice, rfp: Rfp) -> None:
    ends = clock.format_utc(notice.protest_ends_at)
    subject = f"{rfp.reference}: notice of intent to award (protests until {ends})"
    shares = {share.district_id: share for share in notice.award_round.shares}
    for district_id, addresses in _district_recipients(rfp, notice.award_round_id).items():
        lines = queries.award_lines(notice.award_round_id, district_id=district_id)
        share = shares.get(district_id)
        figures = ""
        if share is not None:
            alone = (
                money.format_dollars(share.standalone_cost_cents)
                if share.standalone_cost_cents is not None
                else f"not computed ({share.standalone_note or 'the engine gave no figure'})"
            )
            figures = (
                f"\nYour district's share: {money.format_dollars(share.pooled_cost_cents)}; alone it would "
                f"have paid {alone}"
                + (f"; savings {money.format_dollars(share.savings_cents)}" if share.savings_cents is not None else "")
                + ".\n"
            )
        body = (
            f"The cooperative intends to award {rfp.reference} “{rfp.title}”.\n\n"
            f"What your district would buy:\n{_award_listing(lines, by='vendor') or '- nothing'}\n{figures}\n"
            f"Bidders may protest the award until {ends}. Once the protest period is over and every protest "
            "is decided, the award becomes final and your purchase orders are issued.\n"
        )
        for address in addresses:
            queue_email(address, subject, body)
    protest_link = urls.page_link("contracts.protest", reference=rfp.reference)
    for vendor_id, addresses in rfp_queries.vendor_recipients(queries.bidder_ids(rfp.id)).items():
        lines = queries.award_lines(notice.award_round_id, vendor_id=vendor_id)
        if lines:
            outcome = (
                f"The cooperative intends to award your company:\n{_award_listing(lines, by='district')}\n"
                f"Total: {money.format_dollars(sum(line.cost_cents for line in lines))}.\n"
            )
        else:
            outcome = "The cooperative does not intend to award your bid anything.\n"
        body = (
            f"The cooperative intends to award {rfp.reference} “{rfp.title}”.\n\n{outcome}\n"
            f"If you believe the award is wrong, you may file a protest, with its grounds, until {ends}: "
            f"{protest_link}\n"
        )
        for address in addresses:
            queue_email(address, subject, body)


# --- protests --------------------------------------------------------------------------------------------------------


def protest_page(user: User, reference: str) -> tuple[Rfp, AwardNotice | None]:
    """The RFP and its live notice, for a vendor that bid on it; ``LookupError`` for any other vendor."""
    vendor = org_queries.approved_vendor(user)
    rfp = rfp_queries.public_rfp(reference)
    if vendor is None or rfp is None or rfp.opened_at is None or vendor.id not in queries.bidder_ids(rfp.id):
        raise LookupError(reference)
    return rfp, queries.live_notice(rfp.id)


def file_protest(user: User, reference: str, grounds: str | None) -> Protest:
    """A bidder protests the notice of intent to award the RFP, during its protest period.

    Raises
    ------
    LookupError
        The RFP is not public, or the user's vendor did not bid on it.
    Refusal
        No notice open to protests, the period is over, or no grounds.
    """
    with unit_of_work():
        rfp, notice = protest_page(user, reference)
        if notice is not None:
            notice = locked(AwardNotice, notice.id, read=True)  # finalising waits for this protest, or refuses it
        if notice is None or notice.status != NoticeStatus.PROTEST_PERIOD:
            raise Refusal(NO_PROTEST_PERIOD.format(reference=rfp.reference))
        now = clock.utcnow()
        if now >= notice.protest_ends_at:
            raise Refusal(
                PROTEST_PERIOD_OVER.format(reference=rfp.reference, ends_at=clock.format_utc(notice.protest_ends_at))
            )
        text = _text(grounds, "grounds", GROUNDS_REQUIRED)
        # A double click or a form sent again files the same protest once: the vendor's own requests, one at a
        # time (its row locked), find the protest the first one filed.
        locked(Vendor, user.organisation.id)
        same = db.session.scalar(
            sa.select(Protest).where(
                Protest.notice_id == notice.id,
                Protest.vendor_id == user.organisation.id,
                Protest.status == ProtestStatus.PENDING,
                Protest.grounds == text,
            )
        )
        if same is not None:
            return same
        protest = Protest(
            notice=notice, vendor_id=user.organisation.id, filed_by_id=user.id, grounds=text, filed_at=now
        )
        db.session.add(protest)
        db.session.flush()
        _record(
            "award.protest_filed",
            rfp,
            user,
            entity_type="protest",
            entity_id=protest.id,
            before=None,
            after={"notice_id": notice.id, "vendor_id": protest.vendor_id, "grounds": text},
        )
    return protest


def resolve_protest(user: User, protest_id: int, *, upheld: bool, decision: str | None) -> Protest:
    """Decide a protest in writing. Upheld, it cancels the notice of intent: that round can never become final.

    Raises
    ------
    LookupError
        No such protest.
    Refusal
        Already decided, or no written decision.
    """
    _require_admin(user)
    with unit_of_work():
        protest = locked(Protest, protest_id)
        notice = locked(AwardNotice, protest.notice_id)
        rfp = locked(Rfp, notice.rfp_id)
        if protest.status != ProtestStatus.PENDING:
            raise Refusal(
                ALREADY_DECIDED.format(status=protest.status.value, decided_at=clock.format_utc(protest.decided_at))
            )
        text = _text(decision, "decision", DECISION_REQUIRED)
        now = clock.utcnow()
        protest.status = ProtestStatus.UPHELD if upheld else ProtestStatus.DENIED
        protest.decision = text
        protest.decided_at = now
        protest.decided_by_id = user.id
        _record(
            "award.protest_decided",
            rfp,
            user,
            entity_type="protest",
            entity_id=protest.id,
            before={"status": ProtestStatus.PENDING.value},
            after={"status": protest.status.value, "decision": text},
        )
        _notify_decision(protest, rfp)
        if upheld and notice.status == NoticeStatus.PROTEST_PERIOD:
            _cancel(notice, rfp, user, protest, now)
    send_queued()
    return protest


def _cancel(notice: AwardNotice, rfp: Rfp, user: User, protest: Protest, now) -> None:
    notice.status = NoticeStatus.CANCELLED
    notice.cancelled_at = now
    award_round = notice.award_round
    # The round goes back among the RFP's solved rounds, so that every area reads "published" as the one live
    # notice; its notice (cancelled) keeps it from ever being published again.
    award_round.status = AwardRoundStatus.SOLVED
    award_round.published_at = None
    _record(
        "award.notice_cancelled",
        rfp,
        user,
        entity_type="award_round",
        entity_id=award_round.id,
        before={"status": AwardRoundStatus.PUBLISHED.value, "notice_status": NoticeStatus.PROTEST_PERIOD.value},
        after={
            "status": award_round.status.value,
            "notice_status": notice.status.value,
            "upheld_protest_id": protest.id,
        },
    )
    subject = f"{rfp.reference}: the notice of intent to award is cancelled"
    body = (
        f"The cooperative upheld a protest against its notice of intent to award {rfp.reference} “{rfp.title}”. "
        "That award will not be made; the cooperative will publish a new notice of intent.\n\n"
        f"The decision: {protest.decision}\n"
    )
    recipients = [
        *_district_recipients(rfp, notice.award_round_id).values(),
        *rfp_queries.vendor_recipients(queries.bidder_ids(rfp.id)).values(),
    ]
    for addresses in recipients:
        for address in addresses:
            queue_email(address, subject, body)


def _notify_decision(protest: Protest, rfp: Rfp) -> None:
    verdict = "upheld" if protest.status == ProtestStatus.UPHELD else "denied"
    consequence = (
        "The notice of intent to award is cancelled; the cooperative will publish a new one.\n"
        if protest.status == ProtestStatus.UPHELD
        else "The notice of intent to award stands.\n"
    )
    body = (
        f"The cooperative decided your protest of {clock.format_utc(protest.filed_at)} against the notice of "
        f"intent to award {rfp.reference} “{rfp.title}”: it is {verdict}.\n\nThe decision: {protest.decision}\n\n"
        f"{consequence}"
    )
    for addresses in rfp_queries.vendor_recipients([protest.vendor_id]).values():
        for address in addresses:
            queue_email(address, f"{rfp.reference}: your protest is {verdict}", body)


# --- the final award and its purchase orders ---------------------------------------------------------------------------


def finalise(user: User | None, notice_id: int) -> AwardNotice:
    """Make the award final once its protest period is over and every protest is decided; issue its orders.

    One contract per awarded vendor, one purchase order per district and vendor, the RFP ``awarded``; the
    round's awards and shares can no longer change. ``user`` is ``None`` when the scheduler finalises.

    Raises
    ------
    LookupError
        No such notice.
    Refusal
        Cancelled, already final, the period not over, a protest undecided, or the RFP no longer opened.
    """
    if user is not None:
        _require_admin(user)
    with unit_of_work():
        notice = locked(AwardNotice, notice_id)
        rfp = locked(Rfp, notice.rfp_id)
        if notice.status == NoticeStatus.FINAL:
            raise Refusal(
                ALREADY_FINAL.format(reference=rfp.reference, finalised_at=clock.format_utc(notice.finalised_at))
            )
        if notice.status == NoticeStatus.CANCELLED:
            raise Refusal(NOTICE_CANCELLED)
        now = clock.utcnow()
        if now < notice.protest_ends_at:
            raise Refusal(
                PERIOD_NOT_OVER.format(reference=rfp.reference, ends_at=clock.format_utc(notice.protest_ends_at))
            )
        if pending := queries.pending_protests(notice.id):
            raise Refusal(
                PROTESTS_PENDING.format(
                    count=len(pending),
                    s="" if len(pending) == 1 else "s",
                    verb="s" if len(pending) == 1 else "",
                    reference=rfp.reference,
                )
            )
        if rfp.status != RfpStatus.OPENED:
            raise Refusal(NOT_OPENED.format(reference=rfp.reference, status=rfp.status.value))
        notice.status = NoticeStatus.FINAL
        notice.finalised_at = now
        notice.finalised_by_id = user.id if user else None
        orders = _issue_orders(notice, rfp, now)
        rfp.status = RfpStatus.AWARDED
        award_round = notice.award_round
        _record(
            "award.finalised",
            rfp,
            user,
            entity_type="award_round",
            entity_id=award_round.id,
            before={"rfp_status": RfpStatus.OPENED.value, "notice_status": NoticeStatus.PROTEST_PERIOD.value},
            after={
                "rfp_status": rfp.status.value,
                "notice_status": notice.status.value,
                "total_cost_cents": award_round.total_cost_cents,
                "shares": {str(share.district_id): share.pooled_cost_cents for share in award_round.shares},
                "purchase_orders": {order.number: order.total_cents for order in orders},
            },
        )
        _notify_final(notice, rfp, orders)
    send_queued()
    # The cooperative's fee on what each vendor was awarded, once the award is final (billing commits and calls
    # Stripe itself, so after the award's own transaction). The award stands whatever billing answers: a missing
    # fee schedule is logged, and `flask --app coop billing fees ROUND_ID` invoices the fees later.
    try:
        billing.invoice_award_fees(
            notice.award_round_id,
            actor=user,
            purchase_orders={(order.district_id, order.contract.vendor_id): order.number for order in orders},
        )
    except Refusal as refusal:
        log.warning(
            "award round %s is final but its fees were not invoiced: %s", notice.award_round_id, refusal.message
        )
    return notice


def _issue_orders(notice: AwardNotice, rfp: Rfp, now) -> list[PurchaseOrder]:
    awards = db.session.scalars(sa.select(Award).where(Award.award_round_id == notice.award_round_id)).all()
    by_vendor: dict[int, list[Award]] = defaultdict(list)
    for award in awards:
        by_vendor[award.vendor_id].append(award)
    vendors = queries.vendor_names(list(by_vendor))
    districts = queries.district_names(sorted({award.district_id for award in awards}))
    terms = rfp.terms or {}
    delivery_by = now.date() + timedelta(days=int(terms.get("delivery_days") or DEFAULT_DELIVERY_DAYS))
    payment_terms = terms.get("payment") or current_app.config["COOP_PAYMENT_TERMS"]
    contracts = {}
    for number, vendor_id in enumerate(sorted(by_vendor, key=lambda vendor_id: (vendors[vendor_id], vendor_id)), 1):
        contracts[vendor_id] = Contract(
            reference=f"{rfp.reference}-C{number:02d}",
            notice=notice,
            vendor_id=vendor_id,
            total_cents=sum(award.total_cents for award in by_vendor[vendor_id]),
            created_at=now,
        )
    db.session.add_all(contracts.values())
    groups: dict[tuple[int, int], list[Award]] = defaultdict(list)
    for award in awards:
        groups[(award.district_id, award.vendor_id)].append(award)
    lines = {line.id: line for line in db.session.scalars(sa.select(RfpLine).where(RfpLine.rfp_id == rfp.id))}
    orders = []
    keys = sorted(groups, key=lambda key: (districts[key[0]], key[0], vendors[key[1]], key[1]))
    for number, (district_id, vendor_id) in enumerate(keys, 1):
        group = sorted(groups[(district_id, vendor_id)], key=lambda award: (lines[award.rfp_line_id].line_no, award.id))
        order = PurchaseOrder(
            number=f"{rfp.reference}-PO-{number:04d}",
            contract=contracts[vendor_id],
            district_id=district_id,
            issued_at=now,
            delivery_by=delivery_by,
            payment_terms=payment_terms,
            total_cents=sum(award.total_cents for award in group),
            lines=[
                PurchaseOrderLine(
                    award_id=award.id,
                    rfp_line_id=award.rfp_line_id,
                    line_no=lines[award.rfp_line_id].line_no,
                    item_code=lines[award.rfp_line_id].item.code,
                    item_name=lines[award.rfp_line_id].item.name,
                    quantity=award.quantity,
                    unit_price=award.unit_price,
                    cost_cents=award.cost_cents,
                    support_cost_cents=award.support_cost_cents,
                    discount_cents=award.discount_cents,
                )
                for award in group
            ],
        )
        orders.append(order)
    db.session.add_all(orders)
    db.session.flush()
    for order in orders:
        audit.record(
            "purchase_order.issued",
            entity_type="purchase_order",
            entity_id=order.id,
            actor_user_id=notice.finalised_by_id,
            rfp_id=rfp.id,
            before=None,
            after={
                "number": order.number,
                "district_id": order.district_id,
                "vendor_id": order.contract.vendor_id,
                "contract": order.contract.reference,
                "total_cents": order.total_cents,
                "delivery_by": order.delivery_by.isoformat(),
                "lines": [
                    [
                        line.line_no,
                        line.quantity,
                        str(line.unit_price),
                        line.cost_cents,
                        line.support_cost_cents,
                        line.discount_cents,
                    ]
                    for line in order.lines
                ],
            },
        )
    return orders


def _order_listing(orders: list[PurchaseOrder], *, party) -> str:
    return "\n".join(
        f"- {order.number} ({party(order)}): {money.format_dollars(order.total_cents)}, delivery by "
        f"{order.delivery_by.isoformat()} · {urls.page_link('contracts.order', number=order.number)}"
        for order in orders
    )


def _notify_final(notice: AwardNotice, rfp: Rfp, orders: list[PurchaseOrder]) -> None:
    subject = f"{rfp.reference}: the award is final, purchase orders issued"
    for district_id, addresses in _district_recipients(rfp, notice.award_round_id).items():
        own = [order for order in orders if order.district_id == district_id]
        listing = _order_listing(own, party=lambda order: order.contract.vendor.name) or "- none"
        body = (
            f"The award of {rfp.reference} “{rfp.title}” is final.\n\nYour district's purchase orders:\n{listing}\n"
            "\nEach is on your Purchase orders page, as PDF and CSV.\n"
        )
        for address in addresses:
            queue_email(address, subject, body)
    for vendor_id, addresses in rfp_queries.vendor_recipients(queries.bidder_ids(rfp.id)).items():
        own = [order for order in orders if order.contract.vendor_id == vendor_id]
        if own:
            body = (
                f"The award of {rfp.reference} “{rfp.title}” is final. Your contract with the cooperative is "
                f"{own[0].contract.reference}.\n\nPurchase orders issued to you:\n"
                f"{_order_listing(own, party=lambda order: order.district.name)}\n"
            )
        else:
            body = (
                f"The award of {rfp.reference} “{rfp.title}” is final. Your bid was not awarded; "
                "thank you for bidding.\n"
            )
        for address in addresses:
            queue_email(address, subject, body)


@dataclass(frozen=True)
class DueOutcome:
    reference: str
    finalised: bool
    message: str


def finalise_due() -> list[DueOutcome]:
    """Make final every award whose protest period is over and whose protests are all decided (the scheduler's job);
    the others are reported with the reason they wait."""
    outcomes = []
    for notice in queries.due_notices(clock.utcnow()):
        reference = notice.rfp.reference
        try:
            finalise(None, notice.id)
        except Refusal as refusal:
            outcomes.append(DueOutcome(reference, False, refusal.message))
        else:
            outcomes.append(DueOutcome(reference, True, f"The award of {reference} is final."))
    return outcomes


# --- a line of a purchase order cancelled after the award ------------------------------------------------------------


def cancel_order_line(admin: User, number: str, line_no: int, reason: str | None) -> PurchaseOrderLine:
    """Cancel one line of a purchase order of a final award: the district withdrew it, or the vendor cannot deliver.

    The award stays as it was decided (final awards never change); the order says the line is cancelled and why,
    the district and the vendor are told, and the cooperative's fee on the line is credited to the vendor (after
    this transaction: billing commits and calls Stripe itself).

    Raises
    ------
    LookupError
        No such order or line.
    Refusal
        No reason, or the line is already cancelled.
    """
    _require_admin(admin)
    text = _text(reason, "reason", CANCEL_REASON_REQUIRED)
    with unit_of_work():
        order = db.session.scalar(
            sa.select(PurchaseOrder)
            .where(PurchaseOrder.number == number)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        line = None if order is None else next((line for line in order.lines if line.line_no == line_no), None)
        if line is None:
            raise LookupError((number, line_no))
        if line.cancelled_at is not None:
            raise Refusal(
                LINE_ALREADY_CANCELLED.format(
                    line_no=line_no, number=number, cancelled_at=clock.format_utc(line.cancelled_at)
                )
            )
        line.cancelled_at, line.cancelled_reason, line.cancelled_by_id = clock.utcnow(), text, admin.id
        rfp = order.contract.notice.rfp
        _record(
            "purchase_order.line_cancelled",
            rfp,
            admin,
            entity_type="purchase_order",
            entity_id=order.id,
            before={"line_no": line_no, "cancelled": False},
            after={
                "line_no": line_no,
                "cancelled": True,
                "reason": text,
                "total_cents": line.total_cents,
                "open_total_cents": order.open_total_cents,
            },
        )
        subject = f"{order.number}: line {line_no} cancelled"
        body = (
            f"Line {line_no} of purchase order {order.number} ({line.item_name}, {line.quantity:,} units, "
            f"{money.format_dollars(line.total_cents)}) is cancelled and is not to be delivered.\n\n"
            f"Reason: {text}\n\nThe order's open total is now {money.format_dollars(order.open_total_cents)}.\n"
        )
        recipients = [
            *rfp_queries.district_buyer_emails({order.district_id}).get(order.district_id, []),
            *rfp_queries.vendor_recipients([order.contract.vendor_id]).get(order.contract.vendor_id, []),
        ]
        for address in recipients:
            queue_email(address, subject, body)
        award_id, line_id = line.award_id, line.id
    send_queued()
    try:
        billing.credit_cancelled_award(award_id, reason=text, actor=admin)
    except Refusal as refusal:  # no fee was invoiced on it: nothing to credit
        log.info("order line %s cancelled without a credit note: %s", line_id, refusal.message)
    return db.session.get(PurchaseOrderLine, line_id)
