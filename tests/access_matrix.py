"""Who may call every route (``MATRIX``), and the scenario the access tests run in.

Every endpoint of the app must be in ``MATRIX``; a new route without an entry
fails ``test_every_route_is_in_the_matrix``. ``ALLOWED`` means the principal
reaches the view (whatever the view then answers); every other value is the exact
refusal: ``SIGN_IN`` (redirect to the sign-in page), 403 or 404.

:func:`build_scenario` builds one organisation of each kind, the buyer's district
with needs, RFPs in several states, and the users; the ``scenario`` fixture
(``tests/conftest.py``) builds it once per session and copies it into each test.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import timedelta

from coop import clock
from coop.awards.models import AwardRound, AwardRoundStatus
from coop.bids import services as bid_services
from coop.bids.models import Bid, BidAttachment, BidStatus
from coop.billing.models import Invoice, InvoiceKind
from coop.clarifications.models import Addendum, Question
from coop.extensions import db
from coop.needs.models import NeedStatus
from coop.orgs.models import OrganisationStatus
from coop.rfps import documents
from coop.rfps.models import Rfp, RfpLine, RfpLineNeed, RfpStatus

ALLOWED = "allowed"
PDF = b"%PDF-1.4\n%%EOF\n"
SIGN_IN = "sign-in"
PRINCIPALS = ("anonymous", "buyer", "other_buyer", "pending_buyer", "vendor", "admin")


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # with {placeholders} filled from the scenario
    expected: dict[str, int | str]


def everyone(outcome=ALLOWED) -> dict:
    return {principal: outcome for principal in PRINCIPALS}


def signed_in_only() -> dict:
    return {**everyone(), "anonymous": SIGN_IN}


def buyers_only(*, other_buyer=ALLOWED) -> dict:
    return {
        "anonymous": SIGN_IN,
        "buyer": ALLOWED,
        "other_buyer": other_buyer,
        "pending_buyer": 403,
        "vendor": 403,
        "admin": 403,
    }


def vendors_only() -> dict:
    return {
        "anonymous": SIGN_IN,
        "buyer": 403,
        "other_buyer": 403,
        "pending_buyer": 403,
        "vendor": ALLOWED,
        "admin": 403,
    }


def admins_only() -> dict:
    return {
        "anonymous": SIGN_IN,
        "buyer": 403,
        "other_buyer": 403,
        "pending_buyer": 403,
        "vendor": 403,
        "admin": ALLOWED,
    }


MATRIX: dict[str, list[Route]] = {
    "main.index": [Route("GET", "/", everyone())],
    "main.dashboard": [Route("GET", "/dashboard", signed_in_only())],
    "main.healthz": [Route("GET", "/healthz", everyone())],
    "accounts.sign_in": [Route("GET", "/sign-in", everyone()), Route("POST", "/sign-in", everyone())],
    "accounts.sign_up": [Route("GET", "/sign-up", everyone())],
    "accounts.sign_out": [Route("POST", "/sign-out", signed_in_only())],
    "accounts.change_password": [
        Route("GET", "/account/password", signed_in_only()),
        Route("POST", "/account/password", signed_in_only()),
    ],
    "orgs.profile": [Route("GET", "/organisation", signed_in_only())],
    "orgs.edit_profile": [
        Route("GET", "/organisation/edit", {**signed_in_only(), "admin": 403}),
        Route("POST", "/organisation/edit", {**signed_in_only(), "admin": 403}),
    ],
    "orgs.review": [Route("GET", "/admin/organisations", admins_only())],
    "orgs.decide": [Route("POST", "/admin/organisations/{pending_district_id}/approve", admins_only())],
    "needs.index": [Route("GET", "/needs", buyers_only())],
    "needs.new": [Route("GET", "/needs/new", buyers_only()), Route("POST", "/needs/new", buyers_only())],
    "needs.show": [Route("GET", "/needs/{need_id}", buyers_only(other_buyer=404))],
    "needs.edit": [
        Route("GET", "/needs/{need_id}/edit", buyers_only(other_buyer=404)),
        Route("POST", "/needs/{need_id}/edit", buyers_only(other_buyer=404)),
    ],
    "needs.withdraw": [
        Route("GET", "/needs/{need_id}/withdraw", buyers_only(other_buyer=404)),
        Route("POST", "/needs/{need_id}/withdraw", buyers_only(other_buyer=404)),
    ],
    "needs.import_needs": [Route("GET", "/needs/import", buyers_only()), Route("POST", "/needs/import", buyers_only())],
    "needs.import_template": [
        Route("GET", "/needs/import/template.csv", buyers_only()),
        Route("GET", "/needs/import/template.xlsx", buyers_only()),
    ],
    "needs.demand": [Route("GET", "/admin/demand", admins_only())],
    # Joint RFPs: the public board shows published RFPs only; drafts are the administrators' alone.
    "rfps.board": [Route("GET", "/rfps", everyone())],
    "rfps.show": [
        Route("GET", "/rfps/{open_reference}", everyone()),
        Route("GET", "/rfps/{draft_reference}", {**everyone(404), "admin": ALLOWED}),
    ],
    "rfps.document_html": [
        Route("GET", "/rfps/{open_reference}/document.html", everyone()),
        Route("GET", "/rfps/{draft_reference}/document.html", {**everyone(404), "admin": ALLOWED}),
    ],
    "rfps.document_pdf": [Route("GET", "/rfps/{open_reference}/document.pdf", everyone())],
    "rfps.index": [Route("GET", "/admin/rfps", admins_only())],
    "rfps.pool": [Route("GET", "/admin/rfps/pool", admins_only()), Route("POST", "/admin/rfps/pool", admins_only())],
    "rfps.manage": [Route("GET", "/admin/rfps/{draft_id}", admins_only())],
    "rfps.update_details": [Route("POST", "/admin/rfps/{draft_id}/details", admins_only())],
    "rfps.update_line": [Route("POST", "/admin/rfps/{draft_id}/lines/{draft_line_id}", admins_only())],
    "rfps.drop_need": [Route("POST", "/admin/rfps/{committing_id}/needs/{link_id}/drop", admins_only())],
    "rfps.start_commitment": [Route("POST", "/admin/rfps/{draft_id}/commitment", admins_only())],
    "rfps.publish": [Route("POST", "/admin/rfps/{committing_id}/publish", admins_only())],
    "rfps.change_commitment_deadline": [
        Route("POST", "/admin/rfps/{committing_id}/commitment/deadline", admins_only())
    ],
    "rfps.cancel": [Route("POST", "/admin/rfps/{draft_id}/cancel", admins_only())],
    "rfps.commitments": [Route("GET", "/commitments", buyers_only())],
    "rfps.decide": [Route("POST", "/commitments/{link_id}", buyers_only(other_buyer=404))],
    # Questions and addenda: vendors ask, administrators answer, everyone reads.
    "clarifications.ask": [
        Route("GET", "/rfps/{open_reference}/questions/new", vendors_only()),
        Route("POST", "/rfps/{open_reference}/questions/new", vendors_only()),
    ],
    "clarifications.follow": [Route("POST", "/rfps/{open_reference}/follow", vendors_only())],
    "clarifications.my_questions": [Route("GET", "/questions", vendors_only())],
    "clarifications.addendum": [
        Route("GET", "/rfps/{open_reference}/addenda/1", everyone()),
        Route("GET", "/rfps/{draft_reference}/addenda/1", everyone(404)),
    ],
    "clarifications.admin_overview": [Route("GET", "/admin/questions", admins_only())],
    "clarifications.admin_questions": [Route("GET", "/admin/rfps/{open_id}/questions", admins_only())],
    "clarifications.admin_question": [Route("GET", "/admin/questions/{question_id}", admins_only())],
    "clarifications.answer": [Route("POST", "/admin/questions/{question_id}/answer", admins_only())],
    "clarifications.dismiss": [Route("POST", "/admin/questions/{question_id}/dismiss", admins_only())],
    "clarifications.admin_addenda": [Route("GET", "/admin/rfps/{open_id}/addenda", admins_only())],
    "clarifications.new_addendum": [
        Route("GET", "/admin/rfps/{open_id}/addenda/new", admins_only()),
        Route("POST", "/admin/rfps/{open_id}/addenda/new", admins_only()),
    ],
    # Bids: a vendor's own; the opening is the administrators'; the tabulation is public once opened.
    "bids.mine": [Route("GET", "/bids", vendors_only())],
    "bids.edit": [
        Route("GET", "/rfps/{open_reference}/bid", vendors_only()),
        Route("POST", "/rfps/{open_reference}/bid", vendors_only()),
        Route("GET", "/rfps/{draft_reference}/bid", {**vendors_only(), "vendor": 404}),
    ],
    "bids.submit": [Route("POST", "/rfps/{open_reference}/bid/submit", vendors_only())],
    "bids.withdraw": [Route("POST", "/rfps/{open_reference}/bid/withdraw", vendors_only())],
    "bids.attach": [Route("POST", "/rfps/{open_reference}/bid/attachments", vendors_only())],
    "bids.detach": [Route("POST", "/rfps/{open_reference}/bid/attachments/{attachment_key}/remove", vendors_only())],
    # Sealed: before the opening an administrator is told what anyone is told about an attachment that does not exist.
    "bids.download": [Route("GET", "/bids/attachments/{attachment_key}", {**vendors_only(), "admin": 404})],
    "bids.sheet": [
        Route("GET", "/rfps/{open_reference}/bid/sheet.xlsx", vendors_only()),
        Route("GET", "/rfps/{open_reference}/bid/sheet.csv", vendors_only()),
    ],
    "bids.upload_sheet": [Route("POST", "/rfps/{open_reference}/bid/sheet", vendors_only())],
    "bids.open_bids": [Route("POST", "/admin/rfps/{open_id}/open", admins_only())],
    # Evaluation: the administrators score opened bids; before the opening the page does not exist (sealed).
    "evaluation.scoring": [
        Route("GET", "/admin/rfps/{opened_id}/evaluation", admins_only()),
        Route("GET", "/admin/rfps/{open_id}/evaluation", {**admins_only(), "admin": 404}),
    ],
    "evaluation.score": [
        Route("POST", "/admin/rfps/{opened_id}/evaluation/bids/{opened_bid_id}", admins_only()),
        Route("POST", "/admin/rfps/{open_id}/evaluation/bids/{opened_bid_id}", {**admins_only(), "admin": 404}),
    ],
    "awards.tabulation": [
        Route("GET", "/rfps/{opened_reference}/tabulation", everyone()),
        Route("GET", "/rfps/{open_reference}/tabulation", everyone(404)),
    ],
    "awards.tabulation_export": [
        Route("GET", "/rfps/{opened_reference}/tabulation.csv", everyone()),
        Route("GET", "/rfps/{opened_reference}/tabulation.xlsx", everyone()),
        Route("GET", "/rfps/{open_reference}/tabulation.csv", everyone(404)),
    ],
    # Award rounds: the administrators', and only once the bids are opened (404 while sealed, whoever asks).
    "awards.rounds": [
        Route("GET", "/admin/rfps/{opened_id}/rounds", admins_only()),
        Route("POST", "/admin/rfps/{opened_id}/rounds", admins_only()),
        Route("GET", "/admin/rfps/{open_id}/rounds", {**admins_only(), "admin": 404}),
    ],
    "awards.round_page": [
        Route("GET", "/admin/rfps/{opened_id}/rounds/2", admins_only()),
        Route("GET", "/admin/rfps/{open_id}/rounds/2", {**admins_only(), "admin": 404}),
    ],
    "awards.round_progress": [Route("GET", "/admin/rfps/{opened_id}/rounds/2/progress.json", admins_only())],
    "awards.cancel_round": [
        Route("POST", "/admin/rfps/{opened_id}/rounds/2/cancel", admins_only()),
        Route("POST", "/admin/rfps/{open_id}/rounds/2/cancel", {**admins_only(), "admin": 404}),
    ],
    "awards.rerun_round": [
        Route("POST", "/admin/rfps/{opened_id}/rounds/2/rerun", admins_only()),
        Route("POST", "/admin/rfps/{open_id}/rounds/2/rerun", {**admins_only(), "admin": 404}),
    ],
    "awards.round_problem": [Route("GET", "/admin/rfps/{opened_id}/rounds/2/problem.json", admins_only())],
    "awards.round_result": [Route("GET", "/admin/rfps/{opened_id}/rounds/2/result.json", admins_only())],
    "awards.round_explanation_pdf": [Route("GET", "/admin/rfps/{opened_id}/rounds/2/explanation.pdf", admins_only())],
    "awards.compare_rounds": [Route("GET", "/admin/rfps/{opened_id}/rounds/compare?a=2&b=2", admins_only())],
    # Outcomes: a district's own ledger; the award notice is public once the round is published.
    "outcomes.ledger_page": [Route("GET", "/ledger", buyers_only())],
    "outcomes.ledger_csv": [Route("GET", "/ledger.csv", buyers_only())],
    "outcomes.notice_page": [
        Route("GET", "/rfps/{awarded_reference}/award", everyone()),
        Route("GET", "/rfps/{open_reference}/award", everyone(404)),
        Route("GET", "/rfps/{draft_reference}/award", everyone(404)),
    ],
    "outcomes.notice_csv": [
        Route("GET", "/rfps/{awarded_reference}/award.csv", everyone()),
        Route("GET", "/rfps/{open_reference}/award.csv", everyone(404)),
    ],
    # Award notices, protests and purchase orders: protests by the RFP's bidders, orders by their district and vendor.
    "contracts.gate": [Route("GET", "/admin/rounds/{round_id}/gate", admins_only())],
    "contracts.publish": [Route("POST", "/admin/rounds/{round_id}/publish", admins_only())],
    "contracts.notices": [Route("GET", "/admin/notices", admins_only())],
    "contracts.notice": [Route("GET", "/admin/notices/{notice_id}", admins_only())],
    "contracts.decide": [Route("POST", "/admin/protests/{protest_id}/decide", admins_only())],
    "contracts.finalise": [Route("POST", "/admin/notices/{notice_id}/finalise", admins_only())],
    "contracts.protest": [
        Route("GET", "/rfps/{opened_reference}/protest", vendors_only()),
        Route("POST", "/rfps/{opened_reference}/protest", vendors_only()),
        Route("GET", "/rfps/{open_reference}/protest", {**vendors_only(), "vendor": 404}),
    ],
    "contracts.vendor_awards": [Route("GET", "/awards", vendors_only())],
    "contracts.orders": [Route("GET", "/orders", {**buyers_only(), "vendor": ALLOWED, "admin": ALLOWED})],
    "contracts.order": [
        Route("GET", "/orders/{po_number}", {**buyers_only(other_buyer=404), "vendor": ALLOWED, "admin": ALLOWED})
    ],
    "contracts.order_pdf": [
        Route("GET", "/orders/{po_number}.pdf", {**buyers_only(other_buyer=404), "vendor": ALLOWED, "admin": ALLOWED})
    ],
    "contracts.cancel_order_line": [Route("POST", "/orders/{po_number}/lines/1/cancel", admins_only())],
    "contracts.order_csv": [
        Route("GET", "/orders/{po_number}.csv", {**buyers_only(other_buyer=404), "vendor": ALLOWED, "admin": ALLOWED})
    ],
    "notifications.outbox": [Route("GET", "/admin/outbox", admins_only())],
    "notifications.deliver": [Route("POST", "/admin/outbox/deliver", admins_only())],
    # Billing: each organisation its own invoices; the receivables, fee schedule and records are the administrators'.
    "billing.mine": [Route("GET", "/billing", {**buyers_only(), "vendor": ALLOWED})],
    "billing.receivables": [Route("GET", "/admin/billing", admins_only())],
    "billing.run_dues": [Route("POST", "/admin/billing/dues", admins_only())],
    "billing.fee_schedule": [
        Route("GET", "/admin/billing/fees", admins_only()),
        Route("POST", "/admin/billing/fees", admins_only()),
    ],
    "billing.record": [
        Route("POST", "/admin/billing/invoices/{invoice_id}/issued", admins_only()),
        Route("POST", "/admin/billing/invoices/{invoice_id}/paid", admins_only()),
    ],
    # Stripe's servers, signed: anyone reaches the view, which answers 400 to a request without a valid signature.
    "billing.stripe_webhook": [Route("POST", "/stripe/webhook", everyone())],
}


def _rfp(reference: str, status: RfpStatus, item, **fields) -> Rfp:
    rfp = Rfp(
        reference=reference,
        title=f"Student laptops {reference}",
        category=item.category,
        status=status,
        template_key="student-laptops",
        **fields,
    )
    rfp.lines.append(RfpLine(line_no=1, item=item, quantity=40, spec={}))
    db.session.add(rfp)
    db.session.flush()
    return rfp


def _final_award(rfp: Rfp, bid: Bid, district, now) -> dict:
    """A published round of the opened ``rfp`` awarding its line to ``vendor`` (a bidder) for ``district``: its notice
    in the protest period with a protest, and the purchase order the final award would issue."""
    from decimal import Decimal

    from coop.awards.models import Award, AwardRound, AwardRoundStatus
    from coop.bids.models import BidLine, PriceTier
    from coop.contracts.models import AwardNotice, Contract, NoticeStatus, Protest, PurchaseOrder, PurchaseOrderLine

    vendor = bid.vendor
    bid_line = BidLine(
        bid=bid, rfp_line=rfp.lines[0], product="Laptop 14", tiers=[PriceTier(min_quantity=1, unit_price_cents=300_00)]
    )
    award_round = AwardRound(rfp_id=rfp.id, status=AwardRoundStatus.PUBLISHED, published_at=now)
    award = Award(
        award_round=award_round,
        rfp_line_id=rfp.lines[0].id,
        district_id=district.id,
        vendor_id=vendor.id,
        bid_line=bid_line,
        quantity=40,
        unit_price=Decimal("300.00"),
        cost_cents=12_000_00,
    )
    notice = AwardNotice(
        award_round=award_round,
        rfp_id=rfp.id,
        protest_days=7,
        published_at=now,
        protest_ends_at=now + timedelta(days=7),
        status=NoticeStatus.PROTEST_PERIOD,
    )
    protest = Protest(notice=notice, vendor_id=vendor.id, grounds="The tiers were misread.")
    contract = Contract(reference=f"{rfp.reference}-C01", notice=notice, vendor_id=vendor.id, total_cents=12_000_00)
    order = PurchaseOrder(
        number=f"{rfp.reference}-PO-0001",
        contract=contract,
        district_id=district.id,
        delivery_by=now.date() + timedelta(days=30),
        payment_terms="Net 30",
        total_cents=12_000_00,
        lines=[
            PurchaseOrderLine(
                award=award,
                rfp_line_id=rfp.lines[0].id,
                line_no=1,
                item_code="L",
                item_name="Laptop",
                quantity=40,
                unit_price=Decimal("300.00"),
                cost_cents=12_000_00,
            )
        ],
    )
    db.session.add_all([award_round, notice, protest, order])
    db.session.flush()
    bid.submitted_content = bid_services.content(bid)  # what submitting records
    bid.content_sha256 = bid_services.content_sha256(bid)
    db.session.flush()
    return {"round_id": award_round.id, "notice_id": notice.id, "protest_id": protest.id, "po_number": order.number}


def build_scenario(make_buyer, make_district, make_vendor_rep, make_admin, make_need, make_region, make_item):
    north = make_region("north")
    buyer = make_buyer(make_district("Home District", region=north))
    users = {
        "buyer": buyer,
        "other_buyer": make_buyer(make_district("Other District", region=north)),
        "pending_buyer": make_buyer(make_district("Pending District", region=north, status=OrganisationStatus.PENDING)),
        "vendor": make_vendor_rep(),
        "admin": make_admin(),
    }
    item = make_item(category="student-laptops")
    now = clock.utcnow()
    open_rfp = _rfp("RFP-M-OPEN", RfpStatus.OPEN, item, bid_deadline=now + timedelta(days=30), published_at=now)
    documents.store_version(open_rfp)
    draft = _rfp("RFP-M-DRAFT", RfpStatus.DRAFT, item)
    committing = _rfp("RFP-M-COMMIT", RfpStatus.COMMITTING, item, commitment_deadline=now + timedelta(days=7))
    opened = _rfp(
        "RFP-M-OPENED",
        RfpStatus.OPENED,
        item,
        bid_deadline=now - timedelta(days=1),
        published_at=now - timedelta(days=30),
        opened_at=now,
    )
    awarded = _rfp(
        "RFP-M-AWARDED",
        RfpStatus.AWARDED,
        item,
        bid_deadline=now - timedelta(days=30),
        published_at=now - timedelta(days=60),
        opened_at=now - timedelta(days=29),
    )
    db.session.add(
        AwardRound(
            rfp=awarded, status=AwardRoundStatus.PUBLISHED, result={"rules": ["capped_equal_price"]}, published_at=now
        )
    )
    pooled_need = make_need(buyer.organisation, item=item, status=NeedStatus.POOLED)
    link = RfpLineNeed(line=committing.lines[0], need=pooled_need, quantity=pooled_need.quantity)
    question = Question(rfp=open_rfp, vendor=users["vendor"].organisation, text="Is a 3-year warranty acceptable?")
    addendum = Addendum(rfp=open_rfp, number=1, summary="Delivery window widened", document_version=1)
    bid = Bid(rfp=open_rfp, vendor=users["vendor"].organisation, status=BidStatus.DRAFT)
    opened_bid = Bid(rfp=opened, vendor=users["vendor"].organisation, status=BidStatus.SUBMITTED, submitted_at=now)
    attachment = BidAttachment(
        bid=bid,
        filename="spec.pdf",
        stored_name=f"matrix-{uuid.uuid4().hex}.pdf",
        size_bytes=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
    )
    invoice = Invoice(
        organisation=buyer.organisation,
        kind=InvoiceKind.DUES,
        idempotency_key="matrix:dues",
        description="Membership dues",
        currency="USD",
        payment_terms_days=30,
        total_cents=50000,
    )
    db.session.add_all([link, question, addendum, bid, attachment, opened_bid, invoice])
    db.session.flush()
    opened_bid.submitted_content = bid_services.content(opened_bid)  # what submitting records
    opened_bid.content_sha256 = bid_services.content_sha256(opened_bid)
    # An award round of the opened RFP, with its problem and result as a round stores them.
    empty = {"format": "coop.allocation/1", "items": [], "districts": [], "demands": [], "offers": []}
    db.session.add(
        AwardRound(
            rfp=opened,
            number=2,
            status=AwardRoundStatus.SOLVED,
            options={},
            rule="equal_price",
            problem=empty,
            result={"status": "optimal", "message": "optimal", "awards": [], "shares": [], "unmet": []},
            explanation_html="<section><h2>Explanation of the award</h2></section>",
        )
    )
    db.session.flush()
    bid_services.upload_dir().mkdir(parents=True, exist_ok=True)
    (bid_services.upload_dir() / attachment.stored_name).write_bytes(PDF)
    award_values = _final_award(opened, opened_bid, buyer.organisation, now)
    values = {
        **award_values,
        "need_id": make_need(buyer.organisation).id,
        "pending_district_id": users["pending_buyer"].organisation.id,
        "open_reference": open_rfp.reference,
        "open_id": open_rfp.id,
        "draft_reference": draft.reference,
        "draft_id": draft.id,
        "draft_line_id": draft.lines[0].id,
        "committing_id": committing.id,
        "link_id": link.id,
        "question_id": question.id,
        "opened_reference": opened.reference,
        "opened_id": opened.id,
        "opened_bid_id": opened_bid.id,
        "attachment_key": attachment.key,
        "awarded_reference": awarded.reference,
        "invoice_id": invoice.id,
    }
    return users, values
