"""Billing use cases: the fee schedule, dues and administrative-fee invoices, credit notes, Stripe's webhooks,
reconciliation, and invoices recorded by hand while Stripe is off.

Invoices are recorded locally first, each under a stable idempotency key (unique in the database), and committed;
only then are they issued through Stripe (:mod:`coop.billing.adapters`), outside any database transaction, and
what Stripe answered is stored in a second one. A run stopped in between leaves drafts that the next run (or
``flask --app coop billing reconcile``) issues with the same keys, so Stripe never makes a second invoice.

Stripe's webhook events and reconciliation both change an invoice only forwards (draft, open, uncollectible,
then paid or void): events arriving late or out of order cannot take a paid invoice back to open.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from coop import clock
from coop.audit import services as audit
from coop.awards.models import Award, AwardRound, AwardRoundStatus
from coop.billing import adapters, queries
from coop.billing.models import (
    BillingCustomer,
    CreditNote,
    FeeSchedule,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    StripeEvent,
)
from coop.errors import Problem, Refusal, Rejection
from coop.extensions import db
from coop.money import format_dollars, parse_dollars_to_cents
from coop.orgs.models import District, Organisation, OrganisationStatus
from coop.transactions import locked, unit_of_work

if TYPE_CHECKING:  # users are only named here
    from coop.accounts.models import User

logger = logging.getLogger(__name__)

BILLING_OFF = (
    "Billing through Stripe is off (no STRIPE_API_KEY is configured): invoices are recorded here, "
    "and an administrator records them as issued and paid by hand."
)
NO_SCHEDULE = "Set the fee schedule first: dues and fees are priced by it."
MAX_FEE_PERCENT = Decimal("100")
MAX_TERMS_DAYS = 365
CURRENCIES = ("USD",)

# INSERT ... ON CONFLICT DO NOTHING, which each dialect spells with its own construct.
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}

# How far along its life each status is; an invoice only ever moves to a later one (paid and void are final).
_PROGRESS = {
    InvoiceStatus.DRAFT: 0,
    InvoiceStatus.OPEN: 1,
    InvoiceStatus.UNCOLLECTIBLE: 2,
    InvoiceStatus.PAID: 3,
    InvoiceStatus.VOID: 3,
}


def billing_enabled() -> bool:
    return adapters.enabled()


def membership_year(today: date) -> int:
    """The membership year running on ``today``, named by the year it starts in: school years start on 1 July."""
    return today.year if today.month >= 7 else today.year - 1


def membership_year_label(year: int) -> str:
    return f"{year}\u2013{(year + 1) % 100:02d}"


# --- the fee schedule -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeeScheduleInput:
    """The fee schedule as typed: dues bands one per line (``2500 750.00``, the last ``* 3000.00``)."""

    dues_bands: str
    admin_fee_percent: str
    admin_fee_minimum: str
    currency: str = "USD"
    payment_terms_days: int | None = 30


_BAND = re.compile(r"^\s*(?:up to\s+)?(\*|[\d,]+)\s*(?:students?)?\s*[:=]?\s*(.+?)\s*$", re.IGNORECASE)


def parse_dues_bands(text: str) -> list[dict]:
    """Dues bands as typed, one per line: the largest enrollment of the band and its dues in dollars
    (``2500 750.00``), the last band ``*`` for every larger district.

    Raises
    ------
    Rejection
        Naming every line at fault, on the ``dues_bands`` field.
    """
    bands: list[dict] = []
    problems: list[Problem] = []
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise Rejection(
            [Problem("Enter at least one dues band, the last one * for every larger district.", field="dues_bands")]
        )
    for number, line in enumerate(lines, start=1):
        match = _BAND.match(line)
        if match is None:
            problems.append(
                Problem(
                    f"Dues bands line {number}: write the largest enrollment and the dues, "
                    f"like 2500 750.00 (or * 3000.00 for the last band).",
                    field="dues_bands",
                )
            )
            continue
        limit_text, dues_text = match.groups()
        dues_cents = parse_dollars_to_cents(dues_text)
        if dues_cents is None or dues_cents > 10_000_000_00:
            problems.append(
                Problem(
                    f"Dues bands line {number}: the dues {dues_text!r} are not an amount of dollars "
                    f"up to $10,000,000.00.",
                    field="dues_bands",
                )
            )
            continue
        limit = None if limit_text == "*" else int(limit_text.replace(",", ""))
        if limit is not None and not 0 < limit <= 10_000_000:
            problems.append(
                Problem(
                    f"Dues bands line {number}: the enrollment must be between 1 and 10,000,000.", field="dues_bands"
                )
            )
            continue
        if (
            bands
            and bands[-1]["max_enrollment"] is not None
            and limit is not None
            and limit <= bands[-1]["max_enrollment"]
        ):
            problems.append(
                Problem(
                    f"Dues bands line {number}: each band's enrollment must be larger than the one before.",
                    field="dues_bands",
                )
            )
            continue
        if bands and bands[-1]["max_enrollment"] is None:
            problems.append(Problem(f"Dues bands line {number}: the * band must be the last.", field="dues_bands"))
            continue
        bands.append({"max_enrollment": limit, "dues_cents": dues_cents})
    if not problems and bands[-1]["max_enrollment"] is not None:
        problems.append(
            Problem("Dues bands: end with a * band, for districts larger than every other band.", field="dues_bands")
        )
    if problems:
        raise Rejection(problems)
    return bands


def format_dues_bands(bands: list[dict]) -> str:
    """The bands as the form shows them back, to be typed over."""
    return "\n".join(
        f"{'*' if band['max_enrollment'] is None else band['max_enrollment']} {Decimal(band['dues_cents']) / 100:.2f}"
        for band in bands
    )


def _snapshot(schedule: FeeSchedule) -> dict:
    return {
        "dues_bands": schedule.dues_bands,
        "admin_fee_percent": str(schedule.admin_fee_percent),
        "admin_fee_min_cents": schedule.admin_fee_min_cents,
        "currency": schedule.currency,
        "payment_terms_days": schedule.payment_terms_days,
    }


def _percent(text: str) -> Decimal:
    try:
        percent = Decimal(text.strip().rstrip("%").strip())
    except InvalidOperation:
        percent = None
    if (
        percent is None
        or not percent.is_finite()
        or not 0 <= percent <= MAX_FEE_PERCENT
        or percent != percent.quantize(Decimal("0.01"))
    ):
        raise Refusal(
            "Enter the administrative fee as a percentage between 0 and 100, like 2 or 1.5.", "admin_fee_percent"
        )
    return percent.quantize(Decimal("0.01"))


def update_fee_schedule(admin: User, data: FeeScheduleInput) -> FeeSchedule:
    """A new version of the fee schedule, for invoices made from now on; an audit event records the change."""
    problems: list[Problem] = []
    try:
        bands = parse_dues_bands(data.dues_bands)
    except Rejection as rejection:
        problems += rejection.problems
        bands = []
    try:
        percent = _percent(data.admin_fee_percent)
    except Refusal as refusal:
        problems.append(Problem(refusal.message, field=refusal.field))
    minimum = parse_dollars_to_cents(data.admin_fee_minimum)
    if minimum is None or minimum > 10_000_000_00:
        problems.append(Problem("Enter the minimum fee per award in dollars, like 25.00.", field="admin_fee_minimum"))
    if data.currency not in CURRENCIES:
        problems.append(Problem("Choose the currency from the list.", field="currency"))
    if data.payment_terms_days is None or not 0 < data.payment_terms_days <= MAX_TERMS_DAYS:
        problems.append(
            Problem(f"Enter the payment terms in days, from 1 to {MAX_TERMS_DAYS}.", field="payment_terms_days")
        )
    if problems:
        raise Rejection(problems)
    with unit_of_work():
        before = queries.current_schedule()
        schedule = FeeSchedule(
            dues_bands=bands,
            admin_fee_percent=percent,
            admin_fee_min_cents=minimum,
            currency=data.currency,
            payment_terms_days=data.payment_terms_days,
            created_by_id=admin.id,
        )
        db.session.add(schedule)
        db.session.flush()
        audit.record(
            "billing.fee_schedule_changed",
            entity_type="fee_schedule",
            entity_id=schedule.id,
            actor_user_id=admin.id,
            before=_snapshot(before) if before else None,
            after=_snapshot(schedule),
        )
    return schedule


def admin_fee_cents(cost_cents: int, schedule: FeeSchedule) -> int:
    """The cooperative's fee on an award of ``cost_cents``: the schedule's percentage, rounded half up to the cent,
    and never less than its minimum per award."""
    fee = (Decimal(cost_cents) * schedule.admin_fee_percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return max(int(fee), schedule.admin_fee_min_cents)


# --- recording invoices ---------------------------------------------------------------------------------------


def _record_invoice(
    organisation: Organisation,
    *,
    kind: InvoiceKind,
    key: str,
    description: str,
    lines: list[InvoiceLine],
    schedule: FeeSchedule,
    actor_user_id: int | None,
    **fields,
) -> Invoice:
    invoice = Invoice(
        organisation=organisation,
        kind=kind,
        idempotency_key=key,
        description=description,
        currency=schedule.currency,
        payment_terms_days=schedule.payment_terms_days,
        total_cents=sum(line.amount_cents for line in lines),
        lines=lines,
        **fields,
    )
    db.session.add(invoice)
    db.session.flush()
    audit.record(
        "invoice.recorded",
        entity_type="invoice",
        entity_id=invoice.id,
        actor_user_id=actor_user_id,
        after={"organisation": organisation.name, "kind": kind.value, "total_cents": invoice.total_cents, "key": key},
    )
    return invoice


def _locked_schedule() -> FeeSchedule:
    """The fee schedule in force, locked until the run commits: two runs at once (two clicks, a command and a click)
    take turns, and the second finds the first's invoices instead of failing on their keys. (On SQLite the
    transaction's write lock does the same.)"""
    schedule = db.session.scalars(
        sa.select(FeeSchedule)
        .order_by(FeeSchedule.id.desc())
        .limit(1)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if schedule is None:
        raise Refusal(NO_SCHEDULE)
    return schedule


def _existing_keys(keys: list[str]) -> set[str]:
    if not keys:
        return set()
    return set(db.session.scalars(sa.select(Invoice.idempotency_key).where(Invoice.idempotency_key.in_(keys))))


@dataclass
class BillingRun:
    """What a dues or fee run did: invoices recorded now, those that existed already, those issued through
    Stripe, and the ones Stripe refused (to be issued again by the next run or by reconciliation)."""

    recorded: list[int] = field(default_factory=list)
    already_recorded: int = 0
    pending: list[int] = field(default_factory=list)  # recorded, not issued yet
    issued: list[int] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def record_dues(admin: User | None, year: int) -> BillingRun:
    """Record (not issue) the dues of every approved member district for the membership year starting in ``year``;
    a district whose dues of that year are recorded already is left alone."""
    if not 2000 <= year <= 2200:
        raise Refusal("Enter the membership year as the year it starts in, like 2026.", "year")
    run = BillingRun()
    with unit_of_work():
        schedule = _locked_schedule()
        districts = list(
            db.session.scalars(
                sa.select(District).where(District.status == OrganisationStatus.APPROVED).order_by(District.name)
            )
        )
        keys = {district.id: f"dues:{year}:org:{district.id}" for district in districts}
        existing = _existing_keys(list(keys.values()))
        run.already_recorded = len(existing)
        label = membership_year_label(year)
        for district in districts:
            if keys[district.id] in existing:
                continue
            dues_cents = schedule.dues_for(district.enrollment)
            line = InvoiceLine(
                description=f"Membership dues {label} ({district.enrollment:,} students)", amount_cents=dues_cents
            )
            invoice = _record_invoice(
                district,
                kind=InvoiceKind.DUES,
                key=keys[district.id],
                description=f"Membership dues {label}",
                lines=[line],
                schedule=schedule,
                actor_user_id=admin.id if admin else None,
                membership_year=year,
            )
            run.recorded.append(invoice.id)
        run.pending = queries.drafts_to_issue([*run.recorded, *_ids_of_keys(existing)])
    return run


def run_dues(admin: User | None, year: int) -> BillingRun:
    """Invoice every approved member district its dues for the membership year starting in ``year``: recorded,
    then issued through Stripe when billing is on.

    Running it again records nothing new (each district's dues invoice of a year has one key) and only issues
    through Stripe what a run before could not.
    """
    run = record_dues(admin, year)
    _issue_all(run.pending, run)
    return run


def _ids_of_keys(keys: set[str]) -> list[int]:
    if not keys:
        return []
    return list(db.session.scalars(sa.select(Invoice.id).where(Invoice.idempotency_key.in_(keys))))


def invoice_award_fees(
    award_round_id: int, *, purchase_orders: Mapping[tuple[int, int], str] | None = None, actor: User | None = None
) -> BillingRun:
    """Invoice each vendor of a published award round the cooperative's administrative fee: one line per award,
    naming the RFP, the district and its purchase order.

    ``purchase_orders`` maps (district id, vendor id) to the purchase order's number, where they exist. Safe to
    call again: each vendor's invoice of a round has one key.

    Raises
    ------
    LookupError
        No such award round.
    Refusal
        The round is not published, or there is no fee schedule.
    """
    purchase_orders = purchase_orders or {}
    run = BillingRun()
    with unit_of_work():
        award_round = db.session.get(AwardRound, award_round_id)
        if award_round is None:
            raise LookupError(award_round_id)
        if award_round.status != AwardRoundStatus.PUBLISHED:
            raise Refusal(f"Award {award_round.label} is not published: its fees are invoiced when it is.")
        schedule = _locked_schedule()
        rfp = award_round.rfp
        by_vendor: dict[int, list[Award]] = defaultdict(list)
        for award in sorted(award_round.awards, key=lambda award: award.id):
            by_vendor[award.vendor_id].append(award)
        keys = {vendor_id: f"fee:round:{award_round_id}:vendor:{vendor_id}" for vendor_id in by_vendor}
        existing = _existing_keys(list(keys.values()))
        run.already_recorded = len(existing)
        for vendor_id, awards in by_vendor.items():
            if keys[vendor_id] in existing:
                continue
            lines = []
            for award in awards:
                order = purchase_orders.get((award.district_id, vendor_id))
                lines.append(
                    InvoiceLine(
                        award_id=award.id,
                        amount_cents=admin_fee_cents(award.cost_cents, schedule),
                        description=(
                            f"{rfp.reference} line {award.rfp_line.line_no}: {award.quantity:,} \u00d7 "
                            f"{award.rfp_line.item.name} for {award.district.name}"
                            + (f", purchase order {order}" if order else "")
                            + f"; {schedule.admin_fee_percent}% of {format_dollars(award.cost_cents)}"
                        ),
                    )
                )
            invoice = _record_invoice(
                awards[0].vendor,
                kind=InvoiceKind.ADMIN_FEE,
                key=keys[vendor_id],
                description=f"Administrative fee on {rfp.reference} {rfp.title}",
                lines=lines,
                schedule=schedule,
                actor_user_id=actor.id if actor else None,
                award_round_id=award_round_id,
            )
            run.recorded.append(invoice.id)
        run.pending = queries.drafts_to_issue([*run.recorded, *_ids_of_keys(existing)])
    _issue_all(run.pending, run)
    return run


def credit_cancelled_award(award_id: int, *, reason: str, actor: User | None = None) -> CreditNote:
    """Credit the fee invoiced on an award that was cancelled after its round was published.

    Once per award: a second call returns the credit note of the first. On an invoice issued through Stripe, the
    credit note is made there too (a paid invoice's credit goes to the vendor's balance, for its next invoice).

    Raises
    ------
    Refusal
        No fee was invoiced on the award, or its invoice is void.
    """
    with unit_of_work():
        line = db.session.scalar(sa.select(InvoiceLine).where(InvoiceLine.award_id == award_id))
        if line is None:
            raise Refusal(f"No administrative fee was invoiced on award {award_id}: there is nothing to credit.")
        invoice = locked(Invoice, line.invoice_id)
        note = db.session.scalar(sa.select(CreditNote).where(CreditNote.invoice_line_id == line.id))
        if note is None:
            if invoice.status == InvoiceStatus.VOID:
                raise Refusal(f"{invoice.number} is void: nothing on it is owed, so there is nothing to credit.")
            note = CreditNote(invoice=invoice, line=line, amount_cents=line.amount_cents, reason=reason.strip())
            invoice.credited_cents += line.amount_cents
            db.session.add(note)
            db.session.flush()
            audit.record(
                "invoice.credited",
                entity_type="invoice",
                entity_id=invoice.id,
                actor_user_id=actor.id if actor else None,
                after={"award_id": award_id, "amount_cents": note.amount_cents, "reason": note.reason},
            )
        note_id = note.id
    try:
        _push_credit_note(note_id)
    except adapters.StripeUnavailable as error:
        # The credit stands in the books; reconciliation makes it in Stripe once Stripe takes it.
        logger.warning("credit note %s not made in Stripe yet: %s", note_id, error)
    return db.session.get(CreditNote, note_id)


def _push_credit_note(note_id: int) -> str | None:
    """Make the credit note in Stripe, when its invoice is there and it is not yet; returns what happened, if
    anything."""
    note = db.session.get(CreditNote, note_id)
    invoice = note.invoice
    if note.stripe_credit_note_id or not invoice.stripe_invoice_id or not billing_enabled():
        return None
    request = dict(
        stripe_invoice_id=invoice.stripe_invoice_id,
        key=note.idempotency_key,
        amount_cents=note.amount_cents,
        description=note.line.description,
        paid=invoice.status == InvoiceStatus.PAID,
    )
    done = f"{invoice.number} ({invoice.organisation.name}): credit note of {format_dollars(note.amount_cents)}"
    _end_read()
    stripe_id = adapters.credit_invoice(**request)
    with unit_of_work():
        db.session.get(CreditNote, note_id).stripe_credit_note_id = stripe_id
    return f"{done} made in Stripe as {stripe_id}"


# --- issuing through Stripe -----------------------------------------------------------------------------------


def _end_read() -> None:
    """End the transaction of what was just read, before calling Stripe: none stays open over a network call (on
    SQLite it would hold the database's write lock, and every webhook would wait for Stripe's answer)."""
    db.session.commit()


def _customer_id(organisation_id: int, name: str, email: str) -> str:
    """The organisation's Stripe customer, created the first time it is billed."""
    existing = queries.stripe_customer_id(organisation_id)
    _end_read()
    if existing:
        return existing
    customer_id = adapters.create_customer(name=name, email=email, organisation_id=organisation_id)
    with unit_of_work():
        insert = _INSERTS[db.session.get_bind().dialect.name]
        # Two runs at once create one Stripe customer (the idempotency key) and store it once.
        db.session.execute(
            insert(BillingCustomer)
            .values(organisation_id=organisation_id, stripe_customer_id=customer_id, created_at=clock.utcnow())
            .on_conflict_do_nothing(index_elements=[BillingCustomer.organisation_id])
        )
    return customer_id


def issue(invoice_id: int) -> Invoice:
    """Issue a recorded invoice through Stripe: customer, lines, invoice, finalised and sent; the answer stored.

    Raises
    ------
    adapters.StripeUnavailable
        Stripe refused or could not be reached; the invoice stays a draft, to be issued again with the same keys.
    """
    invoice = db.session.get(Invoice, invoice_id)
    organisation = invoice.organisation
    lines = [
        adapters.Line(
            line.description,
            line.amount_cents,
            {"coop_invoice_line_id": str(line.id)} | ({"coop_award_id": str(line.award_id)} if line.award_id else {}),
        )
        for line in invoice.lines
    ]
    request = dict(
        key=invoice.idempotency_key,
        lines=lines,
        currency=invoice.currency,
        days_until_due=invoice.payment_terms_days,
        description=f"{invoice.number}: {invoice.description}",
        metadata={"coop_invoice_id": str(invoice.id), "coop_invoice_key": invoice.idempotency_key},
    )
    customer_id = _customer_id(organisation.id, organisation.name, organisation.contact_email)
    remote = adapters.issue_invoice(customer_id=customer_id, **request)
    with unit_of_work():
        invoice = locked(Invoice, invoice_id)
        invoice.stripe_invoice_id = remote.id
        _apply_remote(invoice, remote)
    return invoice


def _issue_all(invoice_ids: list[int], run: BillingRun) -> None:
    if not billing_enabled():
        return
    for invoice_id in invoice_ids:
        try:
            issue(invoice_id)
        except adapters.StripeUnavailable as error:
            run.failures.append(f"{db.session.get(Invoice, invoice_id).number}: {error}")
        else:
            run.issued.append(invoice_id)


def _from_unix(seconds: int | None) -> datetime | None:
    return datetime.fromtimestamp(seconds, UTC) if seconds else None


def _apply_remote(invoice: Invoice, remote: adapters.RemoteInvoice, *, payment_failed: bool = False) -> str | None:
    """Bring a locked invoice forward to what Stripe says of it, never back; returns the change in words, if any."""
    before = invoice.status
    try:
        status = InvoiceStatus(remote.status)
    except ValueError:
        status = before
    now = clock.utcnow()
    # Only a web address becomes the "Pay online" link: never a javascript: one.
    if (remote.hosted_invoice_url or "").startswith("https://") and not invoice.hosted_invoice_url:
        invoice.hosted_invoice_url = remote.hosted_invoice_url
    if payment_failed and invoice.status != InvoiceStatus.PAID:
        invoice.last_payment_error = f"A payment attempt failed on {clock.format_utc(now)}."
    if _PROGRESS[status] <= _PROGRESS[before]:
        return None
    invoice.status = status
    if before == InvoiceStatus.DRAFT:
        invoice.issued_at = now
        invoice.due_at = _from_unix(remote.due_date) or now + timedelta(days=invoice.payment_terms_days)
    if status == InvoiceStatus.PAID:
        invoice.paid_at = now
        invoice.amount_paid_cents = remote.amount_paid_cents
        invoice.last_payment_error = None
    elif status == InvoiceStatus.VOID:
        invoice.voided_at = now
    audit.record(
        f"invoice.{status.value}",
        entity_type="invoice",
        entity_id=invoice.id,
        actor_user_id=None,
        before={"status": before.value},
        after={"status": status.value, "stripe_invoice_id": remote.id},
    )
    return f"{invoice.number} ({invoice.organisation.name}): {before.value} -> {status.value}"


# --- Stripe's webhooks ----------------------------------------------------------------------------------------

_PAYMENT_FAILED = "invoice.payment_failed"


def handle_event(event: dict) -> str:
    """Apply one verified Stripe event, exactly once; returns ``processed``, ``duplicate`` or ``ignored``.

    The event's id is inserted first: a copy of the same event delivered at the same moment waits on that row
    (PostgreSQL) or on the write lock (SQLite) and then finds it, changing nothing. Types billing does not act
    on are recorded and acknowledged.
    """
    with unit_of_work() as work:
        insert = _INSERTS[db.session.get_bind().dialect.name]
        inserted = db.session.execute(
            insert(StripeEvent)
            .values(id=event["id"], type=event["type"][:100], received_at=clock.utcnow())
            .on_conflict_do_nothing(index_elements=[StripeEvent.id])
            .returning(StripeEvent.id)
        ).scalar()
        if inserted is None:
            work.discard()
            return "duplicate"
        obj = (event.get("data") or {}).get("object") or {}
        if not event["type"].startswith("invoice.") or obj.get("object") != "invoice" or not obj.get("id"):
            return "ignored"
        invoice = _invoice_for(obj)
        if invoice is None:
            return "ignored"
        db.session.get(StripeEvent, event["id"]).invoice_id = invoice.id
        remote = adapters.RemoteInvoice(
            id=obj["id"],
            status=str(obj.get("status")),
            amount_paid_cents=int(obj.get("amount_paid") or 0),
            hosted_invoice_url=obj.get("hosted_invoice_url"),
            due_date=obj.get("due_date"),
        )
        _apply_remote(invoice, remote, payment_failed=event["type"] == _PAYMENT_FAILED)
        return "processed"


def _invoice_for(obj: dict) -> Invoice | None:
    """The local invoice (locked) a Stripe invoice is: by its Stripe id, or, before that id was stored (the event
    came before the issuing request's answer), by the local id in its metadata."""
    invoice_id = db.session.scalar(sa.select(Invoice.id).where(Invoice.stripe_invoice_id == obj["id"]))
    if invoice_id is None:
        local = str((obj.get("metadata") or {}).get("coop_invoice_id", ""))
        if not local.isdigit():
            return None
        invoice = db.session.get(Invoice, int(local))
        if invoice is None or invoice.stripe_invoice_id not in (None, obj["id"]):
            return None
        invoice = locked(Invoice, invoice.id)
        invoice.stripe_invoice_id = obj["id"]
        return invoice
    return locked(Invoice, invoice_id)


# --- reconciliation -------------------------------------------------------------------------------------------


def reconcile() -> list[str]:
    """Compare every invoice Stripe has not settled with Stripe's own, issue drafts a run left behind and make
    credit notes not yet made there; returns each change in words. Safe at any time: it only moves invoices forward.

    Raises
    ------
    Refusal
        Billing through Stripe is off.
    """
    if not billing_enabled():
        raise Refusal(BILLING_OFF)
    changes: list[str] = []
    for invoice_id in queries.drafts_to_issue():
        try:
            invoice = issue(invoice_id)
        except adapters.StripeUnavailable as error:
            changes.append(f"{db.session.get(Invoice, invoice_id).number}: not issued, {error}")
        else:
            changes.append(
                f"{invoice.number} ({invoice.organisation.name}): issued in Stripe as {invoice.stripe_invoice_id}"
            )
    unsettled = [(invoice.id, invoice.stripe_invoice_id) for invoice in queries.unsettled_stripe_invoices()]
    _end_read()
    for invoice_id, stripe_invoice_id in unsettled:
        remote = adapters.retrieve_invoice(stripe_invoice_id)
        with unit_of_work() as work:
            change = _apply_remote(locked(Invoice, invoice_id), remote)
            if change is None:
                work.discard()
            else:
                changes.append(change)
    for note_id in list(
        db.session.scalars(
            sa.select(CreditNote.id).where(CreditNote.stripe_credit_note_id.is_(None)).order_by(CreditNote.id)
        )
    ):
        try:
            change = _push_credit_note(note_id)
        except adapters.StripeUnavailable as error:
            note = db.session.get(CreditNote, note_id)
            change = (
                f"{note.invoice.number} ({note.invoice.organisation.name}): credit note not made in Stripe, {error}"
            )
        if change:
            changes.append(change)
    return changes


# --- recorded by hand -----------------------------------------------------------------------------------------


def _by_hand(invoice_id: int) -> Invoice:
    invoice = locked(Invoice, invoice_id)
    if invoice.stripe_invoice_id:
        raise Refusal(f"{invoice.number} is billed through Stripe: its state is recorded when Stripe reports it.")
    return invoice


def record_issued(admin: User, invoice_id: int) -> Invoice:
    """Record that a draft invoice was sent to its organisation outside Stripe; it falls due after the terms."""
    with unit_of_work():
        invoice = _by_hand(invoice_id)
        if invoice.status != InvoiceStatus.DRAFT:
            raise Refusal(f"{invoice.number} is already {invoice.status.value}.")
        now = clock.utcnow()
        invoice.status, invoice.issued_at, invoice.recorded_by_hand = InvoiceStatus.OPEN, now, True
        invoice.due_at = now + timedelta(days=invoice.payment_terms_days)
        audit.record(
            "invoice.open",
            entity_type="invoice",
            entity_id=invoice.id,
            actor_user_id=admin.id,
            before={"status": InvoiceStatus.DRAFT.value},
            after={"status": "open", "by_hand": True},
        )
    return invoice


def record_paid(admin: User, invoice_id: int) -> Invoice:
    """Record that an issued invoice was paid outside Stripe (a cheque, a bank transfer), in full."""
    with unit_of_work():
        invoice = _by_hand(invoice_id)
        if invoice.status != InvoiceStatus.OPEN:
            raise Refusal(
                f"{invoice.number} is {invoice.status.value}: only an issued, unpaid invoice can be recorded as paid."
            )
        invoice.amount_paid_cents = invoice.total_cents - invoice.credited_cents
        invoice.status, invoice.paid_at, invoice.recorded_by_hand = InvoiceStatus.PAID, clock.utcnow(), True
        audit.record(
            "invoice.paid",
            entity_type="invoice",
            entity_id=invoice.id,
            actor_user_id=admin.id,
            before={"status": InvoiceStatus.OPEN.value},
            after={"status": "paid", "by_hand": True, "amount_paid_cents": invoice.amount_paid_cents},
        )
    return invoice
