"""A bid's life through the services: draft, submit, edit, withdraw, attachments; the deadline to the second."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from support import encrypted_pdf

from coop.audit import services as audit
from coop.audit.models import AuditEvent
from coop.bids import queries, rules, services
from coop.bids.models import Bid, BidStatus, PricingKind
from coop.demo.bids import spec_sheet_pdf
from coop.errors import Refusal, Rejection
from coop.extensions import db
from coop.rfps.models import RfpStatus, VendorInterest

PDF = spec_sheet_pdf(("Acme Book 11 G3", "11.6-inch display"))


def stored(rfp, user) -> Bid:
    db.session.expire_all()
    return queries.own_bid(rfp.id, user.organisation.id)


def bid_events(rfp) -> list[str]:
    return [
        event.action
        for event in db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.rfp_id == rfp.id, AuditEvent.action.like("bid.%"))
            .order_by(AuditEvent.id)
        )
    ]


def test_a_draft_is_saved_with_every_line_tier_and_bracket(rfp, vendor_user, bid_input, now):
    data = bid_input(
        rfp,
        tiers=(("1", "300"), ("100", "$280.00")),
        discounts=(("250,000", "2.5"),),
        capacity="500",
        min_award_quantity="20",
    )
    bid = services.save_bid(vendor_user, rfp.reference, data, revision=None)

    bid = stored(rfp, vendor_user)
    assert bid.status == BidStatus.DRAFT and bid.submitted_at is None and bid.revision == 2
    line = bid.lines[0]
    assert [(tier.min_quantity, tier.unit_price_cents) for tier in line.tiers] == [(1, 30000), (100, 28000)]
    assert (line.capacity, line.min_award_quantity, line.annual_cost_per_unit_cents) == (500, 20, 1200)
    assert [region.code for region in line.regions] == ["north", "south"]
    assert line.pricing_kind == PricingKind.ALL_UNITS
    assert [(bracket.min_value_cents, str(bracket.percent)) for bracket in bid.discount_brackets] == [
        (25_000_000, "2.50")
    ]
    assert queries.as_input(bid).lines[0].tiers == (rules.TierInput("1", "300.00"), rules.TierInput("100", "280.00"))
    # Bidding does not make the vendor follow the RFP (issue 11: who hears of an RFP must not tell who bid).
    assert db.session.scalar(sa.select(VendorInterest).where(VendorInterest.rfp_id == rfp.id)) is None
    assert bid_events(rfp) == ["bid.created", "bid.saved"]
    assert audit.verify_chain(rfp.id).first_broken_event_id is None


def test_submit_gives_a_receipt_and_editing_keeps_the_submitted_version_in_force(rfp, vendor_user, bid_input, now):
    services.save_bid(vendor_user, rfp.reference, bid_input(rfp), revision=None)
    bid = services.submit_bid(vendor_user, rfp.reference, revision=2)
    bid = stored(rfp, vendor_user)
    assert bid.status == BidStatus.SUBMITTED
    assert bid.submitted_at == now()
    assert bid.content_sha256 == services.content_sha256(bid)
    receipt = services.receipt_of(bid)
    assert (receipt.reference, receipt.content_sha256, receipt.revision) == (rfp.reference, bid.content_sha256, 3)

    # Edited and saved as a draft: the version submitted stays in force, with its receipt, beside the changes.
    now(now() + timedelta(minutes=5))
    services.save_bid(vendor_user, rfp.reference, bid_input(rfp, product="Acme Book 11 G4"), revision=3)
    bid = stored(rfp, vendor_user)
    assert bid.status == BidStatus.SUBMITTED and services.has_unsubmitted_changes(bid)
    assert (services.receipt_of(bid).submitted_at, services.receipt_of(bid).content_sha256) == (
        receipt.submitted_at,
        receipt.content_sha256,
    )
    assert bid.lines[0].product == "Acme Book 11 G4"
    assert bid.submitted_content["lines"][0]["product"] == "Acme Book 11 G3"

    # Submitted, the changes replace it.
    services.save_bid(vendor_user, rfp.reference, bid_input(rfp, product="Acme Book 11 G4"), revision=4, submit=True)
    bid = stored(rfp, vendor_user)
    assert bid.status == BidStatus.SUBMITTED and not services.has_unsubmitted_changes(bid)
    assert bid.submitted_content["lines"][0]["product"] == "Acme Book 11 G4" and bid.submitted_at == now()
    assert bid_events(rfp) == ["bid.created", "bid.saved", "bid.submitted", "bid.saved", "bid.submitted"]


def test_submitting_records_the_version_in_force_and_the_receipt_is_its_hash(rfp, vendor_user, admin, bid_input, now):
    services.save_bid(vendor_user, rfp.reference, bid_input(rfp, line_nos=(1,)), revision=None, submit=True)
    bid = stored(rfp, vendor_user)
    record = bid.submitted_content
    assert (record["vendor"], record["lines"][0]["product"], record["lines"][0]["tiers"]) == (
        "Evergreen Learning",
        "Acme Book 11 G3",
        [[1, 30000], [100, 28000]],
    )
    canonical = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert services.receipt_of(bid).content_sha256 == hashlib.sha256(canonical.encode()).hexdigest()

    # Renaming the company afterwards leaves the record, and so the receipt, as they were.
    vendor_user.organisation.name = "Evergreen Renamed"
    db.session.commit()
    bid = stored(rfp, vendor_user)
    receipt = services.receipt_of(bid)
    assert bid.submitted_content == record
    assert (receipt.vendor, receipt.content_sha256) == ("Evergreen Learning", bid.content_sha256)

    # Renaming is not a change of the bid: nothing to submit again.
    assert not services.has_unsubmitted_changes(bid)
    services.submit_bid(vendor_user, rfp.reference, revision=2)
    assert stored(rfp, vendor_user).submitted_content == record
    # A bid that is no longer submitted has no version in force: withdrawn, or returned to draft by an addendum.
    services.withdraw_bid(vendor_user, rfp.reference, revision=2)
    assert stored(rfp, vendor_user).submitted_content is None
    services.submit_bid(vendor_user, rfp.reference, revision=3)
    assert stored(rfp, vendor_user).submitted_content["vendor"] == "Evergreen Renamed"
    services.return_submitted_bids_to_draft(rfp.id, actor_user_id=admin.id, reason="Addendum 1 changed line 1")
    db.session.commit()
    bid = stored(rfp, vendor_user)
    assert (bid.status, bid.submitted_content, bid.content_sha256) == (BidStatus.DRAFT, None, None)


def test_a_double_submission_creates_one_bid_and_one_receipt(rfp, vendor_user, bid_input, now):
    first = services.save_bid(vendor_user, rfp.reference, bid_input(rfp), revision=None, submit=True)
    receipt = services.receipt_of(stored(rfp, vendor_user))
    # The same form sent again (a double click, a retry after a timeout): same page revision, nothing new.
    now(now() + timedelta(seconds=3))
    services.save_bid(vendor_user, rfp.reference, bid_input(rfp), revision=None, submit=True)
    services.submit_bid(vendor_user, rfp.reference, revision=2)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Bid)) == 1
    assert services.receipt_of(stored(rfp, vendor_user)) == receipt
    assert bid_events(rfp) == ["bid.created", "bid.submitted"]
    assert first.id == stored(rfp, vendor_user).id


def test_a_stale_page_cannot_overwrite_a_newer_save(rfp, vendor_user, bid_input, now):
    services.save_bid(vendor_user, rfp.reference, bid_input(rfp), revision=None)
    services.save_bid(vendor_user, rfp.reference, bid_input(rfp, product="Newer"), revision=2)
    with pytest.raises(Refusal) as refused:
        services.save_bid(vendor_user, rfp.reference, bid_input(rfp, product="Older window"), revision=2)
    assert str(refused.value) == services.STALE
    assert stored(rfp, vendor_user).lines[0].product == "Newer"


def test_withdrawing_keeps_the_bid_marked_withdrawn(rfp, vendor_user, bid_input, now):
    services.save_bid(vendor_user, rfp.reference, bid_input(rfp), revision=None, submit=True)
    services.withdraw_bid(vendor_user, rfp.reference, revision=2)
    bid = stored(rfp, vendor_user)
    assert bid.status == BidStatus.WITHDRAWN and bid.withdrawn_at == now() and len(bid.lines) == 2
    # Saved again, it is a draft once more.
    services.save_bid(vendor_user, rfp.reference, bid_input(rfp), revision=3)
    assert stored(rfp, vendor_user).status == BidStatus.DRAFT


def test_a_bid_breaking_rules_is_refused_with_every_problem_and_writes_nothing(rfp, vendor_user, bid_input, now):
    data = bid_input(
        rfp,
        line_nos=(1,),
        tiers=(("2", "300"), ("1", "310"), ("", "")),
        capacity="10",
        min_award_quantity="20",
        region_codes=(),
        discounts=(("100000", "3"), ("50000", "2")),
    )
    with pytest.raises(Rejection) as rejected:
        services.save_bid(vendor_user, rfp.reference, data, revision=None)
    line_id = rfp.lines[0].id
    assert [(problem.field, problem.message) for problem in rejected.value.problems] == [
        (("lines", line_id, "tiers", 0, "min_quantity"), rules.FIRST_TIER_NOT_ONE),
        (
            ("lines", line_id, "tiers", 1, "min_quantity"),
            "Tier 2 starts at 1, which is not above tier 1 (from 2): tiers must rise in quantity.",
        ),
        (
            ("lines", line_id, "tiers", 1, "unit_price"),
            "Tier 2 costs $310.00, more than tier 1 ($300.00): prices must not rise with quantity.",
        ),
        (("lines", line_id, "min_award_quantity"), "The minimum award (20) cannot be above the capacity (10)."),
        (("lines", line_id, "regions"), rules.REGIONS_REQUIRED),
        (("discounts", 1, "min_value"), "Bracket 2 must start at a purchase value above bracket 1's ($100,000.00)."),
        (("discounts", 1, "percent"), "Bracket 2 must take off more than bracket 1's 3%."),
    ]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Bid)) == 0
    assert bid_events(rfp) == []


def test_every_spec_field_needs_an_answer(rfp, vendor_user, bid_input, now):
    data = bid_input(rfp, line_nos=(1,))
    line = data.lines[0]
    answers = dict(line.spec_compliance)
    answers["ram_gb"] = "  "
    data = rules.BidInput((rules.LineInput(**{**line.__dict__, "spec_compliance": answers}),))
    with pytest.raises(Rejection) as rejected:
        services.save_bid(vendor_user, rfp.reference, data, revision=None)
    assert [(problem.field, problem.message) for problem in rejected.value.problems] == [
        (("lines", line.rfp_line_id, "spec", "ram_gb"), rules.COMPLIANCE_REQUIRED)
    ]


# --- the deadline, to the second, on the one clock -------------------------------------------------------------------


def test_a_bid_one_second_before_the_deadline_is_accepted(rfp, vendor_user, bid_input, now):
    now(rfp.bid_deadline - timedelta(seconds=1))
    services.save_bid(vendor_user, rfp.reference, bid_input(rfp), revision=None, submit=True)
    assert stored(rfp, vendor_user).submitted_at == rfp.bid_deadline - timedelta(seconds=1)


@pytest.mark.parametrize("after", [timedelta(0), timedelta(microseconds=1), timedelta(days=3)])
def test_at_or_after_the_deadline_nothing_can_be_created_changed_or_withdrawn(rfp, vendor_user, bid_input, now, after):
    services.save_bid(vendor_user, rfp.reference, bid_input(rfp), revision=None, submit=True)
    before = services.content_sha256(stored(rfp, vendor_user))
    now(rfp.bid_deadline + after)
    message = services.deadline_passed(rfp.bid_deadline)
    attempts = [
        lambda: services.save_bid(vendor_user, rfp.reference, bid_input(rfp, product="Late"), revision=2),
        lambda: services.submit_bid(vendor_user, rfp.reference, revision=2),
        lambda: services.withdraw_bid(vendor_user, rfp.reference, revision=2),
        lambda: services.add_attachment(vendor_user, rfp.reference, "late.pdf", PDF, revision=2),
    ]
    for attempt in attempts:
        with pytest.raises(Refusal) as refused:
            attempt()
        assert str(refused.value) == message
    bid = stored(rfp, vendor_user)
    assert (bid.status, services.content_sha256(bid), bid.revision) == (BidStatus.SUBMITTED, before, 2)


def test_the_deadline_holds_whatever_the_rfp_row_says(rfp, vendor_user, bid_input, now):
    # Nothing writes "closed" on the row when the deadline passes: the check reads the deadline, not the status.
    assert rfp.status == RfpStatus.OPEN
    now(rfp.bid_deadline)
    with pytest.raises(Refusal, match="has passed"):
        services.save_bid(vendor_user, rfp.reference, bid_input(rfp), revision=None)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Bid)) == 0


def test_a_request_that_starts_before_the_deadline_but_would_commit_after_it_is_refused(
    rfp, vendor_user, bid_input, now, monkeypatch
):
    # The request starts 5 ms before the deadline; writing the bid takes it past the deadline.
    now(rfp.bid_deadline - timedelta(milliseconds=5))
    write_content = services._write_content

    def slow_write(bid, clean):
        write_content(bid, clean)
        now(rfp.bid_deadline)

    monkeypatch.setattr(services, "_write_content", slow_write)
    with pytest.raises(Refusal, match="has passed"):
        services.save_bid(vendor_user, rfp.reference, bid_input(rfp), revision=None, submit=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Bid)) == 0


def test_rfps_that_do_not_take_bids(make_rfp, vendor_user, bid_input, now, north, south):
    draft = make_rfp(status=RfpStatus.DRAFT)
    with pytest.raises(LookupError):
        services.save_bid(vendor_user, draft.reference, bid_input(draft), revision=None)
    cancelled = make_rfp(status=RfpStatus.CANCELLED)
    with pytest.raises(Refusal) as refused:
        services.save_bid(vendor_user, cancelled.reference, bid_input(cancelled), revision=None)
    assert str(refused.value) == services.NOT_OPEN


# --- attachments -----------------------------------------------------------------------------------------------------


def test_an_attachment_is_stored_under_a_random_name_and_is_part_of_the_next_version(
    app, rfp, vendor_user, bid_input, now
):
    services.save_bid(vendor_user, rfp.reference, bid_input(rfp), revision=None, submit=True)
    attachment = services.add_attachment(vendor_user, rfp.reference, "../../etc/Spec sheet.pdf", PDF, revision=2)
    assert attachment.filename == "Spec sheet.pdf"
    assert attachment.stored_name != attachment.filename and attachment.stored_name.endswith(".pdf")
    assert (services.upload_dir() / attachment.stored_name).read_bytes() == PDF
    bid = stored(rfp, vendor_user)
    assert bid.status == BidStatus.SUBMITTED and bid.revision == 3 and services.has_unsubmitted_changes(bid)
    assert bid.submitted_content["attachments"] == []

    # Not in the version in force: removed at once, file and all.
    services.remove_attachment(vendor_user, rfp.reference, attachment.key, revision=3)
    assert not (services.upload_dir() / attachment.stored_name).exists()
    assert stored(rfp, vendor_user).attachments == []
    assert not services.has_unsubmitted_changes(stored(rfp, vendor_user))


def test_an_attachment_the_version_in_force_lists_is_kept_for_it_until_the_opening(
    app, rfp, vendor_user, admin, bid_input, now
):
    services.save_bid(vendor_user, rfp.reference, bid_input(rfp), revision=None)
    attachment = services.add_attachment(vendor_user, rfp.reference, "spec.pdf", PDF, revision=2)
    services.submit_bid(vendor_user, rfp.reference, revision=3)
    services.remove_attachment(vendor_user, rfp.reference, attachment.key, revision=4)
    bid = stored(rfp, vendor_user)
    assert bid.current_attachments == [] and services.has_unsubmitted_changes(bid)
    assert bid.submitted_content["attachments"] == [["spec.pdf", attachment.sha256]]
    assert (services.upload_dir() / attachment.stored_name).exists()

    now(rfp.bid_deadline)
    services.open_bids(admin, rfp.id)
    assert services.attachment_for_download(admin, attachment.key)[0].id == attachment.id
    assert bid_events(rfp)[-1] == "bid.changes_set_aside"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", services.ATTACHMENT_EMPTY),
        (b"PK\x03\x04 not a pdf", services.ATTACHMENT_NOT_PDF),
        (b"%PDF-1.7\n" + bytes(range(256)) * 40, services.ATTACHMENT_UNREADABLE),  # the right first bytes, then garbage
        (PDF[: len(PDF) // 2], services.ATTACHMENT_UNREADABLE),  # cut short
        (PDF[:-40], services.ATTACHMENT_UNREADABLE),  # without its cross-reference table's end
        (encrypted_pdf(), services.ATTACHMENT_ENCRYPTED),
    ],
    ids=["empty", "zip", "garbage", "truncated", "no-trailer", "encrypted"],
)
def test_attachments_must_be_readable_pdf(rfp, vendor_user, now, content, message):
    files_before = set(services.upload_dir().glob("*"))
    with pytest.raises(Refusal) as refused:
        services.add_attachment(vendor_user, rfp.reference, "sheet.pdf", content, revision=None)
    assert (refused.value.field, str(refused.value)) == ("file", message)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Bid)) == 0
    assert set(services.upload_dir().glob("*")) == files_before


def test_attachments_are_size_capped(app, rfp, vendor_user, now, monkeypatch):
    monkeypatch.setitem(app.config, "COOP_MAX_ATTACHMENT_BYTES", 1024 * 1024)
    with pytest.raises(Refusal) as refused:
        services.add_attachment(vendor_user, rfp.reference, "big.pdf", PDF + b"0" * 1024 * 1024, revision=None)
    assert str(refused.value) == "The file is larger than 1 MB; attach a smaller PDF."
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Bid)) == 0


def test_an_attachment_is_for_its_vendor_and_for_administrators_after_opening(
    rfp, vendor_user, other_vendor_user, admin, bid_input, now
):
    services.save_bid(vendor_user, rfp.reference, bid_input(rfp), revision=None)
    attachment = services.add_attachment(vendor_user, rfp.reference, "spec.pdf", PDF, revision=2)
    services.submit_bid(vendor_user, rfp.reference, revision=3)
    assert services.attachment_for_download(vendor_user, attachment.key)[0].id == attachment.id
    for someone in (other_vendor_user, admin):
        with pytest.raises(LookupError):
            services.attachment_for_download(someone, attachment.key)
    now(rfp.bid_deadline)
    services.open_bids(admin, rfp.id)
    assert services.attachment_for_download(admin, attachment.key)[0].id == attachment.id
    with pytest.raises(LookupError):
        services.attachment_for_download(other_vendor_user, attachment.key)


# --- the opening -----------------------------------------------------------------------------------------------------


def test_opening_once_after_the_deadline_sets_drafts_aside(rfp, vendor_user, other_vendor_user, admin, bid_input, now):
    services.save_bid(vendor_user, rfp.reference, bid_input(rfp), revision=None, submit=True)
    services.save_bid(other_vendor_user, rfp.reference, bid_input(rfp, region_codes=("north",)), revision=None)
    with pytest.raises(Refusal) as early:
        services.open_bids(admin, rfp.id)
    assert str(early.value) == services.NOT_CLOSED_YET.format(deadline=rfp.bid_deadline.strftime("%Y-%m-%d %H:%M UTC"))

    now(rfp.bid_deadline)
    opening = services.open_bids(admin, rfp.id)
    assert (opening.submitted, opening.set_aside, opening.withdrawn) == (1, 1, 0)
    db.session.expire_all()
    assert rfp.status == RfpStatus.OPENED and rfp.opened_at == rfp.bid_deadline
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.rfp_id == rfp.id).order_by(AuditEvent.id)).all()
    assert [event.action for event in events][-2:] == ["bid.set_aside", "rfp.bids_opened"]
    assert events[-1].after["submitted"] == 1 and events[-1].actor_user_id == admin.id

    now(rfp.bid_deadline + timedelta(hours=1))
    with pytest.raises(Refusal) as again:
        services.open_bids(admin, rfp.id)
    assert str(again.value) == services.ALREADY_OPENED.format(opened_at=rfp.bid_deadline.strftime("%Y-%m-%d %H:%M UTC"))
    with pytest.raises(Refusal, match="not open for bids"):
        services.save_bid(vendor_user, rfp.reference, bid_input(rfp), revision=2)
