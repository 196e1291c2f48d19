"""Questions, answers and addenda on an open RFP; each change audited and committed in one transaction.

Anonymity: who asked a question is known to the asking vendor only. No answer,
e-mail, page or message built here names the asker; audit snapshots of
questions do not carry the vendor either.

Sealed bids: an addendum that changes a line or a term returns every submitted bid to draft. How many were
returned is kept in ``Addendum.bids_returned_to_draft`` for after opening; it is
never returned to a caller that could show it to an administrator.

Who hears of an RFP: the vendors that follow it (:func:`follow_rfp`), and no
other. Following is a vendor's own choice, never inferred from its bid or its
question, and every message to an RFP's vendors is sealed in the outbox until
the opening (:func:`coop.notifications.services.email_vendors`), so that no page or count tells who
follows, asks or bids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from coop import clock, urls
from coop.accounts.models import User
from coop.audit import services as audit
from coop.bids import services as bids
from coop.clarifications import queries
from coop.clarifications.models import Addendum, Question, QuestionStatus
from coop.errors import Problem, Refusal, Rejection, required_text
from coop.extensions import db
from coop.notifications.services import email_vendors, send_queued
from coop.orgs import queries as org_queries
from coop.orgs.models import Vendor
from coop.rfps import queries as rfp_queries
from coop.rfps.models import Rfp, RfpLine, RfpStatus, VendorInterest
from coop.rfps.neutrality import find_brand_names
from coop.rfps.template_library import MAX_DELIVERY_DAYS, RfpTemplate, SpecField
from coop.transactions import locked, unit_of_work

MAX_QUESTION = 2000
MAX_ANSWER = 10000
MAX_SUMMARY = 4000
ADDENDUM_NOTICE_DAYS = 7

QUESTION_REQUIRED = "Write your question."
QUESTION_TOO_LONG = f"A question can be at most {MAX_QUESTION:,} characters."
ANSWER_REQUIRED = "Write the answer."
ANSWER_TOO_LONG = f"An answer can be at most {MAX_ANSWER:,} characters."
REASON_REQUIRED = "Say why the question is dismissed: the vendor who asked it will read this."
SUMMARY_REQUIRED = "Summarise what the addendum changes."
SUMMARY_TOO_LONG = f"A summary can be at most {MAX_SUMMARY:,} characters."
NOT_OPEN_FOR_QUESTIONS = "Questions can be asked only while the RFP is open for bids."
DEADLINE_PASSED_FOR_QUESTIONS = "The bid deadline has passed: no more questions can be asked."
NOT_OPEN_TO_FOLLOW = "An RFP can be followed only while it is open for bids."
NOT_OPEN_FOR_ANSWERS = "Questions can be answered only while the RFP is open for bids, before its deadline."
ALREADY_DECIDED = "This question has already been answered or dismissed."
NOT_OPEN_FOR_ADDENDA = "An addendum can be issued only while the RFP is open for bids."
DEADLINE_PASSED_FOR_ADDENDA = "The bid deadline has passed: no addendum can be issued."
NOTHING_CHANGED = "This addendum changes nothing: change a line, a spec, the terms or the bid deadline."
QUANTITY_REQUIRED = "Enter a quantity."
QUANTITY_TOO_SMALL = "The quantity must be a whole number of at least 1."
ONLY_VENDORS = "Only an approved vendor's representatives can do that."


# --- helpers ---------------------------------------------------------------------------------------------------


def _vendor_of(user: User) -> Vendor:
    vendor = org_queries.approved_vendor(user)
    if vendor is None:
        raise PermissionError(ONLY_VENDORS)
    return vendor


def _require_open(rfp: Rfp, now: datetime, not_open: str, deadline_passed: str | None = None) -> None:
    """Refuse with ``not_open`` unless the RFP is open for bids at ``now`` (the rfps area's one rule, against the
    one clock); with ``deadline_passed`` when given and its deadline has passed (its row open or already closed)."""
    status = rfp_queries.effective_status(rfp, now)
    if status == RfpStatus.OPEN:
        return
    if deadline_passed is not None and status == RfpStatus.CLOSED and now >= rfp.bid_deadline:
        raise Refusal(deadline_passed)
    raise Refusal(not_open)


def _question_snapshot(question: Question) -> dict:
    # No vendor here: the audit chain of an RFP must not name who asked.
    return {"status": question.status.value, "text": question.text, "answer": question.answer}


# --- questions -------------------------------------------------------------------------------------------------


@unit_of_work()
def ask_question(user: User, reference: str, text: str) -> Question:
    """An approved vendor asks a question on an open RFP before its bid deadline.

    Asking does not make the vendor follow the RFP: a follow recorded with the question would name the asker.

    Raises ``LookupError`` for an RFP the public cannot see, ``Refusal`` otherwise.
    """
    vendor = _vendor_of(user)
    text = required_text(text, "text", required=QUESTION_REQUIRED, maximum=MAX_QUESTION, too_long=QUESTION_TOO_LONG)
    rfp = rfp_queries.lock_public_rfp(reference)
    now = clock.utcnow()
    _require_open(rfp, now, NOT_OPEN_FOR_QUESTIONS, DEADLINE_PASSED_FOR_QUESTIONS)
    # A double click or a form sent again asks the same question once: the vendor's own requests, one at a time
    # (its row locked), find the question the first one asked.
    locked(Vendor, vendor.id)
    same = db.session.scalar(
        sa.select(Question).where(
            Question.rfp_id == rfp.id,
            Question.vendor_id == vendor.id,
            Question.status == QuestionStatus.PENDING,
            Question.text == text,
        )
    )
    if same is not None:
        return same
    question = Question(
        rfp_id=rfp.id, vendor_id=vendor.id, asked_by_id=user.id, text=text, asked_at=now, status=QuestionStatus.PENDING
    )
    db.session.add(question)
    db.session.flush()
    audit.record(
        "question.asked",
        entity_type="question",
        entity_id=question.id,
        actor_user_id=user.id,
        rfp_id=rfp.id,
        after=_question_snapshot(question),
    )
    return question


@unit_of_work()
def follow_rfp(user: User, reference: str) -> bool:
    """An approved vendor follows an open RFP (it hears of answers and addenda); False when it already did."""
    vendor = _vendor_of(user)
    rfp = rfp_queries.lock_public_rfp(reference)
    _require_open(rfp, clock.utcnow(), NOT_OPEN_TO_FOLLOW)
    if queries.is_following(rfp.id, vendor.id):
        return False
    interest = VendorInterest(rfp_id=rfp.id, vendor_id=vendor.id)
    db.session.add(interest)
    db.session.flush()
    audit.record(
        "vendor_interest.registered",
        entity_type="vendor_interest",
        entity_id=interest.id,
        actor_user_id=user.id,
        rfp_id=rfp.id,
        after={"vendor_id": vendor.id, "how": "follow"},
    )
    return True


def _pending_question(question_id: int) -> tuple[Question, Rfp]:
    question = locked(Question, question_id)
    rfp = locked(Rfp, question.rfp_id, read=True)  # its status and deadline cannot change before the answer is saved
    if question.status != QuestionStatus.PENDING:
        raise Refusal(ALREADY_DECIDED)
    return question, rfp


def answer_question(admin: User, question_id: int, answer: str, *, published_question: str | None = None) -> Question:
    """Publish an answer, without the asker's name, and e-mail it to every vendor following the RFP.

    ``published_question`` is the question as the public reads it, when the administrator
    reworded it (e.g. to take out the asker's company name); the original stays in the audit log.
    """
    with unit_of_work():
        answer = required_text(answer, "answer", required=ANSWER_REQUIRED, maximum=MAX_ANSWER, too_long=ANSWER_TOO_LONG)
        wording = None
        if published_question is not None:
            wording = required_text(
                published_question,
                "question",
                required=QUESTION_REQUIRED,
                maximum=MAX_QUESTION,
                too_long=QUESTION_TOO_LONG,
            )
        question, rfp = _pending_question(question_id)
        now = clock.utcnow()
        _require_open(rfp, now, NOT_OPEN_FOR_ANSWERS)
        _decide(admin, question, rfp, QuestionStatus.ANSWERED, answer, now, wording=wording)
        subject = f"{rfp.reference}: a question has been answered"
        body = (
            f"The cooperative has answered a question on RFP {rfp.reference}, {rfp.title}.\n\n"
            f"Question:\n{question.text}\n\nAnswer:\n{answer}\n\n"
            f"Every answer is published on the RFP's page: {urls.page_link('rfps.show', reference=rfp.reference)}\n"
            f"Bid deadline: {clock.format_utc(rfp.bid_deadline)}\n\n"
            "You receive this because your company follows this RFP."
        )
        email_vendors(rfp_queries.follower_recipients(rfp.id), subject, lambda _vendor_id: body, sealed_rfp_id=rfp.id)
    send_queued()
    return question


@unit_of_work()
def dismiss_question(admin: User, question_id: int, reason: str) -> Question:
    """Dismiss a question (out of scope, a duplicate) with a reason the asking vendor reads in its own list.

    No e-mail: the outbox, which administrators read, would show to whom it went and so who asked.
    The reason is kept in ``Question.answer``; a dismissed question is never published.
    """
    reason = required_text(reason, "reason", required=REASON_REQUIRED, maximum=MAX_ANSWER, too_long=ANSWER_TOO_LONG)
    question, rfp = _pending_question(question_id)
    _decide(admin, question, rfp, QuestionStatus.DISMISSED, reason, clock.utcnow())
    return question


def _decide(
    admin: User,
    question: Question,
    rfp: Rfp,
    status: QuestionStatus,
    answer: str,
    now: datetime,
    *,
    wording: str | None = None,
) -> None:
    """Record the administrator's decision on a pending question (its answer, or the reason it is dismissed), and
    the question reworded as the public reads it when ``wording`` is given, in the RFP's audit log."""
    before = _question_snapshot(question)
    if wording:
        question.text = wording
    question.status = status
    question.answer = answer
    question.answered_at = now
    question.answered_by_id = admin.id
    audit.record(
        f"question.{status.value}",
        entity_type="question",
        entity_id=question.id,
        actor_user_id=admin.id,
        rfp_id=rfp.id,
        before=before,
        after=_question_snapshot(question),
    )


# --- addenda ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineChange:
    """What the administrator wants a line to say; values equal to the current ones change nothing.

    ``spec`` maps spec keys to the submitted values (form strings or typed values); "" or None removes a value.
    """

    line_id: int
    quantity: int | None = None
    description: str | None = None
    spec: dict = field(default_factory=dict)


@dataclass(frozen=True)
class AddendumInput:
    summary: str
    lines: tuple[LineChange, ...] = ()
    terms: dict = field(default_factory=dict)  # key -> new value; keys not given are unchanged
    bid_deadline: datetime | None = None  # a later deadline, or None to keep it (7-day rule aside)


def current_terms(rfp: Rfp, template: RfpTemplate | None) -> dict:
    """The RFP's terms, falling back on its template's where the RFP gives none."""
    defaults = {}
    if template is not None:
        defaults = {
            "delivery_days": template.delivery_days,
            "delivery": template.delivery_terms,
            "warranty": template.warranty_terms,
        }
    # The template's version is a record of where the terms came from, not a term an addendum may change.
    return {key: value for key, value in {**defaults, **(rfp.terms or {})}.items() if key != "template_version"}


def display_value(value) -> str:
    """A spec or term value as a form shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _spec_value(spec_field: SpecField | None, raw: str | None) -> tuple[object, str | None]:
    """The submitted value converted to what the line's spec stores, or the reason it does not fit."""
    if spec_field is None:  # an RFP without a template: free text
        return (raw or "").strip() or None, None
    value = spec_field.parse(raw)
    return value, spec_field.check(value)


def _brand_problems(target: tuple, text) -> list[Problem]:
    if not isinstance(text, str):
        return []
    return [Problem(finding.message, field=target) for finding in find_brand_names(text)]


def _line_changes(
    rfp: Rfp, template: RfpTemplate | None, change: LineChange, problems: list[Problem]
) -> tuple[dict, dict, dict]:
    """(before, after, new spec) of one line; only what changed."""
    line = next((line for line in rfp.lines if line.id == change.line_id), None)
    if line is None:
        raise LookupError(change.line_id)
    before: dict = {}
    after: dict = {}
    if change.quantity is not None and change.quantity != line.quantity:
        if change.quantity < 1:
            problems.append(Problem(QUANTITY_TOO_SMALL, field=("line", line.id, "quantity")))
        before["quantity"], after["quantity"] = line.quantity, change.quantity
    if change.description is not None:
        description = change.description.strip()
        if description != (line.description or "").strip():
            problems.extend(_brand_problems(("line", line.id, "description"), description))
            before["description"], after["description"] = line.description, description
    spec = dict(line.spec or {})
    spec_before: dict = {}
    spec_after: dict = {}
    for key, raw in change.spec.items():
        spec_field = template.field(key) if template else None
        if template is not None and spec_field is None:
            continue  # not a field of the template: not the addendum's to change
        current = spec.get(key)
        if display_value(raw).strip() == display_value(current):
            continue
        value, problem = _spec_value(spec_field, raw)
        if problem:
            problems.append(Problem(problem, field=("line", line.id, "spec", key)))
            continue
        if spec_field is None or spec_field.kind == "text":
            problems.extend(_brand_problems(("line", line.id, "spec", key), value))
        if value == current:
            continue
        spec_before[key], spec_after[key] = current, value
        if value is None:
            spec.pop(key, None)
        else:
            spec[key] = value
    if spec_after:
        before["spec"], after["spec"] = spec_before, spec_after
    return before, after, spec


def _deadline_after(requested: datetime | None, current: datetime, now: datetime) -> datetime:
    """The deadline an addendum leaves: inside the last days before it, at least that notice after ``now``."""
    deadline = requested if requested and requested > current else current
    if current - now < timedelta(days=ADDENDUM_NOTICE_DAYS):
        earliest = now + timedelta(days=ADDENDUM_NOTICE_DAYS)
        # Rounded up to the minute: "at least 7 days", and a deadline people can read.
        if earliest.second or earliest.microsecond:
            earliest = earliest.replace(second=0, microsecond=0) + timedelta(minutes=1)
        deadline = max(deadline, earliest)
    return deadline


def check_addendum_possible(rfp: Rfp, now: datetime | None = None) -> None:
    """Raise ``Refusal`` when the RFP cannot take an addendum now."""
    _require_open(rfp, now or clock.utcnow(), NOT_OPEN_FOR_ADDENDA, DEADLINE_PASSED_FOR_ADDENDA)


def issue_addendum(admin: User, rfp_id: int, data: AddendumInput) -> Addendum:
    """Issue a numbered addendum to an open RFP, in one transaction.

    Applies the changes (lines, specs, terms, deadline), records their before and after,
    stores the new document version, e-mails every vendor following the RFP, returns every
    submitted bid to draft (each such vendor is told, in its own message) and, inside the
    last 7 days before the deadline, moves the deadline to at least 7 days from now.

    Raises
    ------
    Refusal
        The RFP is not open or its deadline has passed.
    Rejection
        With every problem of the input, each naming its field; nothing is written.
    """
    from coop.rfps import documents  # the rfps area renders documents; imported late, it imports this area's peers

    with unit_of_work():
        rfp = locked(Rfp, rfp_id)
        now = clock.utcnow()
        check_addendum_possible(rfp, now)
        template = rfp_queries.template_for(rfp)
        problems: list[Problem] = []
        summary = (data.summary or "").strip()
        if not summary:
            problems.append(Problem(SUMMARY_REQUIRED, field=("summary",)))
        elif len(summary) > MAX_SUMMARY:
            problems.append(Problem(SUMMARY_TOO_LONG, field=("summary",)))

        lines_before: dict = {}
        lines_after: dict = {}
        new_specs: dict[int, dict] = {}
        lines_by_id = {line.id: line for line in rfp.lines}
        for change in data.lines:
            if change.line_id not in lines_by_id:
                raise LookupError(change.line_id)
            if change.quantity is None:
                problems.append(Problem(QUANTITY_REQUIRED, field=("line", change.line_id, "quantity")))
            before, after, spec = _line_changes(rfp, template, change, problems)
            if after:
                line_no = str(lines_by_id[change.line_id].line_no)
                lines_before[line_no], lines_after[line_no] = before, after
                new_specs[change.line_id] = spec

        terms_now = current_terms(rfp, template)
        terms_before: dict = {}
        terms_after: dict = {}
        for key, raw in data.terms.items():
            current = terms_now.get(key)
            value = raw.strip() if isinstance(raw, str) else raw
            if display_value(value) == display_value(current):
                continue
            label = key.replace("_", " ").capitalize()
            # The one whole-number term is the delivery days.
            if isinstance(current, int) and not isinstance(current, bool):
                if not isinstance(value, int) or not 1 <= value <= MAX_DELIVERY_DAYS:
                    problems.append(
                        Problem(f"{label} must be a whole number from 1 to {MAX_DELIVERY_DAYS}.", field=("terms", key))
                    )
                    continue
            elif not value:
                problems.append(Problem(f"{label} cannot be left empty.", field=("terms", key)))
                continue
            problems.extend(_brand_problems(("terms", key), value))
            terms_before[key], terms_after[key] = current, value

        current_deadline = rfp.bid_deadline
        latest = clock.latest_date_ahead(now.date())
        if data.bid_deadline is not None and data.bid_deadline != current_deadline:
            if data.bid_deadline < current_deadline:
                problems.append(
                    Problem(
                        "The new bid deadline must be later than the current one "
                        f"({clock.format_utc(current_deadline)}).",
                        field=("bid_deadline",),
                    )
                )
            elif data.bid_deadline.date() > latest:
                problems.append(Problem(clock.too_far_ahead("The new bid deadline", latest), field=("bid_deadline",)))
        new_deadline = _deadline_after(data.bid_deadline, current_deadline, now)

        if not problems and not (lines_after or terms_after or new_deadline != current_deadline):
            problems.append(Problem(NOTHING_CHANGED, field=("summary",)))
        if problems:
            raise Rejection(problems)

        for line_id, after in _line_updates(lines_by_id, lines_after):
            line = lines_by_id[line_id]
            if "quantity" in after:
                line.quantity = after["quantity"]
            if "description" in after:
                line.description = after["description"]
            if "spec" in after:
                line.spec = new_specs[line_id]
        if terms_after:
            rfp.terms = {**(rfp.terms or {}), **terms_after}
        changes_before: dict = {}
        changes_after: dict = {}
        if lines_after:
            changes_before["lines"], changes_after["lines"] = lines_before, lines_after
        if terms_after:
            changes_before["terms"], changes_after["terms"] = terms_before, terms_after
        if new_deadline != current_deadline:
            changes_before["bid_deadline"] = current_deadline.isoformat()
            changes_after["bid_deadline"] = new_deadline.isoformat()
            rfp.bid_deadline = new_deadline

        number = (db.session.scalar(sa.select(sa.func.max(Addendum.number)).where(Addendum.rfp_id == rfp.id)) or 0) + 1
        version_before = rfp.document_version
        rfp.document_version = version_before + 1
        addendum = Addendum(
            rfp_id=rfp.id,
            number=number,
            summary=summary,
            changes={"before": changes_before, "after": changes_after},
            document_version=rfp.document_version,
            bid_deadline_before=current_deadline,
            bid_deadline_after=new_deadline,
            issued_at=now,
            issued_by_id=admin.id,
        )
        db.session.add(addendum)
        db.session.flush()
        documents.store_version(rfp)
        # A change to a line or a term changes what a bid offers, so every submitted bid goes back to its vendor
        # to confirm; more time alone changes nothing offered, and a bid returned for it would be lost at the
        # opening if its vendor missed the e-mail.
        returned_vendor_ids = (
            bids.return_submitted_bids_to_draft(rfp.id, actor_user_id=admin.id, reason=f"addendum {number}")
            if lines_after or terms_after
            else []
        )
        # Sealed until opening: kept for the tabulation, never shown before (it would tell how many bids there are).
        addendum.bids_returned_to_draft = len(returned_vendor_ids)
        audit.record(
            "addendum.issued",
            entity_type="addendum",
            entity_id=addendum.id,
            actor_user_id=admin.id,
            rfp_id=rfp.id,
            before={**changes_before, "document_version": version_before},
            after={**changes_after, "document_version": rfp.document_version, "number": number, "summary": summary},
        )
        _notify_addendum(rfp, addendum, set(returned_vendor_ids))
    send_queued()
    return addendum


def _line_updates(lines_by_id: dict[int, RfpLine], lines_after: dict) -> list[tuple[int, dict]]:
    by_no = {str(line.line_no): line_id for line_id, line in lines_by_id.items()}
    return [(by_no[line_no], after) for line_no, after in lines_after.items()]


def describe_changes(addendum: Addendum, rfp: Rfp) -> list[str]:
    """The addendum's changes in words, one per changed value, for notices and pages."""
    template = rfp_queries.template_for(rfp)
    lines_by_no = {str(line.line_no): line for line in rfp.lines}
    before = addendum.changes.get("before", {})
    after = addendum.changes.get("after", {})
    sentences = []
    for line_no, changed in after.get("lines", {}).items():
        line = lines_by_no.get(line_no)
        name = f"Line {line_no}" + (f" ({line.item.name})" if line is not None else "")
        old = before.get("lines", {}).get(line_no, {})
        if "quantity" in changed:
            sentences.append(f"{name}: quantity {old.get('quantity'):,} → {changed['quantity']:,}.")
        if "description" in changed:
            sentences.append(f"{name}: description now reads “{changed['description']}”.")
        for key, value in changed.get("spec", {}).items():
            spec_field = template.field(key) if template else None
            label = spec_field.label if spec_field else key
            was, now = (
                "(none)" if not text else spec_field.with_unit(text) if spec_field else text
                for text in (display_value(old.get("spec", {}).get(key)), display_value(value))
            )
            sentences.append(f"{name}: {label} {was} → {now}.")
    for key, value in after.get("terms", {}).items():
        sentences.append(
            f"Terms, {key.replace('_', ' ')}: now “{display_value(value)}” "
            f"(was “{display_value(before.get('terms', {}).get(key))}”)."
        )
    if "bid_deadline" in after:
        sentences.append(
            f"Bid deadline: {clock.format_utc(datetime.fromisoformat(before['bid_deadline']))} → "
            f"{clock.format_utc(datetime.fromisoformat(after['bid_deadline']))}."
        )
    return sentences


def _notify_addendum(rfp: Rfp, addendum: Addendum, returned: set[int]) -> None:
    # One message per vendor, the same subject for all: the outbox, which administrators read, must not
    # tell which vendors had a submitted bid. Only the body of a bidder's own message says its bid was returned.
    subject = f"{rfp.reference}: addendum {addendum.number} issued"
    changes = "\n".join(f"- {sentence}" for sentence in describe_changes(addendum, rfp))
    common = (
        f"The cooperative has issued addendum {addendum.number} to RFP {rfp.reference}, {rfp.title}.\n\n"
        f"{addendum.summary}\n\nChanges:\n{changes}\n\n"
        f"Bid deadline: {clock.format_utc(rfp.bid_deadline)}\n"
        f"The RFP document is now version {addendum.document_version}: "
        f"{urls.page_link('rfps.show', reference=rfp.reference)}\n"
    )
    returned_note = (
        "\nYour submitted bid on this RFP has been returned to draft because of this addendum. "
        "Review it against the changes and submit it again before the bid deadline: a bid left in draft "
        "is not considered at opening.\n"
    )

    def body_for(vendor_id: int) -> str:
        return common + (returned_note if vendor_id in returned else "")

    email_vendors(
        rfp_queries.follower_recipients(rfp.id, bidders_told=returned), subject, body_for, sealed_rfp_id=rfp.id
    )
