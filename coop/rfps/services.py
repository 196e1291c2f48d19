"""Joint RFPs through their lifecycle: pool, adjust, commit, publish, cancel. Every change audited in its transaction.

``draft → committing → open`` here; ``cancelled`` from any state before ``awarded``.
Deadlines are checked against :func:`coop.clock.utcnow` in the same transaction as the write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from coop import clock, urls
from coop.accounts.models import User
from coop.audit import services as audit
from coop.catalogue.models import Category
from coop.errors import Problem, Refusal, Rejection, required_text
from coop.extensions import db
from coop.needs.models import Need, NeedStatus
from coop.notifications.services import queue_email
from coop.orgs.models import District
from coop.rfps import documents, queries
from coop.rfps.models import CommitmentStatus, Rfp, RfpLine, RfpLineNeed, RfpStatus
from coop.rfps.neutrality import find_brand_names
from coop.rfps.template_library import RfpTemplate
from coop.roles import Role
from coop.transactions import locked, unit_of_work

ERATE_MIN_DAYS = queries.ERATE_MIN_DAYS
MAX_TCO_YEARS = 10
MAX_TITLE = 300
MAX_REASON = 2_000
MAX_DESCRIPTION = 4_000

TITLE_REQUIRED = "Give the RFP a title."
TITLE_TOO_LONG = f"The title must be at most {MAX_TITLE} characters."
TCO_YEARS_RANGE = f"Total-cost-of-ownership years must be a whole number from 1 to {MAX_TCO_YEARS}."
TEMPLATE_REQUIRED = "Choose the RFP template for this category."
NO_NEEDS = "Choose at least one need to pool."
NEEDS_CHANGED = "Some of these needs are no longer open (pooled elsewhere or withdrawn); review the pool again."
NEEDS_OTHER_CATEGORY = "Every pooled need must be for an item of the pool's category."
DEADLINE_IN_PAST = "The commitment deadline must be in the future."
BID_DEADLINE_IN_PAST = "The bid deadline must be in the future."
# Vendors need time to read an RFP, ask questions and price it: no bid window shorter than this.
MIN_BIDDING_DAYS = 7
NOT_COMMITTING = "The commitment deadline can be changed only while the commitment window is open."


def bidding_too_short(now: datetime) -> str:
    earliest = now + timedelta(days=MIN_BIDDING_DAYS)
    return (
        f"The bid deadline must be at least {MIN_BIDDING_DAYS} days after publication, so that vendors have time "
        f"to bid: the earliest allowed bid deadline is {clock.format_utc(earliest)}."
    )


NO_LINES = "The RFP has no lines; pool needs into it first."
REASON_REQUIRED = "Give the reason for cancelling."
REASON_TOO_LONG = f"The reason must be at most {MAX_REASON:,} characters."
WEIGHTS_NOT_100 = "The criteria weights must add up to 100, not {total}."
WEIGHT_NOT_WHOLE = "Each criterion weight must be a whole number from 1 to 100."
MINIMUM_SCORE_RANGE = "The minimum non-price score must be a whole number from 0 to 100."
FORM470_NEEDED = "An E-Rate RFP needs its FCC Form 470 number and date before publication."
DESCRIPTION_TOO_LONG = f"The description must be at most {MAX_DESCRIPTION:,} characters."
NOTHING_CONFIRMED = "No district confirmed any line; there is nothing to publish. Cancel the RFP instead."


def erate_deadline_message(form470_date: date) -> str:
    earliest = form470_date + timedelta(days=ERATE_MIN_DAYS)
    return (
        f"Under E-Rate rules the bid deadline must be at least {ERATE_MIN_DAYS} days after the FCC Form 470 date "
        f"({form470_date.isoformat()}): the earliest allowed bid deadline is {earliest.isoformat()}."
    )


def price_heaviest_message(criteria: list[dict]) -> str | None:
    """Why these criteria break the E-Rate rule that price weighs most, or None when they keep it."""
    price = next((criterion for criterion in criteria if criterion["key"] == "price"), None)
    price_weight = price["weight"] if price else 0
    rival = max(
        (criterion for criterion in criteria if criterion["key"] != "price"),
        key=lambda criterion: criterion["weight"],
        default=None,
    )
    if rival is None or price_weight > rival["weight"]:
        return None
    return (
        f"Under E-Rate rules price must be the most heavily weighted criterion: price weighs {price_weight} "
        f"and “{rival['label']}” weighs {rival['weight']}."
    )


# --- helpers ---------------------------------------------------------------------------------------------------------


def _require_admin(user: User) -> None:
    if user.role != Role.COOP_ADMIN:
        raise PermissionError("only the cooperative's administrators manage RFPs")


def _locked_rfp(rfp_id: int) -> Rfp:
    """The RFP row, locked for the rest of the transaction, with its lines and their needs loaded."""
    locked(Rfp, rfp_id)
    return queries.rfp(rfp_id)


def _require_status(rfp: Rfp, allowed: tuple[RfpStatus, ...], action: str) -> None:
    if rfp.status not in allowed:
        raise Refusal(f"{rfp.reference} is {rfp.status.value}; {action}")


def _template(key: str) -> RfpTemplate | None:
    return queries.library().get(key)


def _brand_errors(text: str) -> str | None:
    findings = find_brand_names(text)
    return " ".join(finding.message for finding in findings) or None


def _checked_title(raw: str | None) -> str:
    title = required_text(raw, "title", maximum=MAX_TITLE, required=TITLE_REQUIRED, too_long=TITLE_TOO_LONG)
    if brands := _brand_errors(title):
        raise Refusal(brands, "title")
    return title


def _check_within_reach(day: date, what: str, field: str) -> None:
    """A :class:`Refusal` naming ``field`` when ``day`` is beyond the dates anyone may set (see
    :func:`coop.clock.latest_date_ahead`); ``what`` begins the message, e.g. "The commitment deadline"."""
    if day > (latest := clock.latest_date_ahead(clock.today())):
        raise Refusal(clock.too_far_ahead(what, latest), field)


def _check_tco_years(tco_years) -> None:
    if not isinstance(tco_years, int) or not 1 <= tco_years <= MAX_TCO_YEARS:
        raise Refusal(TCO_YEARS_RANGE, "tco_years")


def _snapshot(rfp: Rfp) -> dict:
    """What the audit log keeps of an RFP."""
    return {
        "reference": rfp.reference,
        "title": rfp.title,
        "status": rfp.status.value,
        "template_key": rfp.template_key,
        "tco_years": rfp.tco_years,
        "erate_eligible": rfp.erate_eligible,
        "form470_number": rfp.form470_number,
        "form470_date": rfp.form470_date.isoformat() if rfp.form470_date else None,
        "commitment_deadline": rfp.commitment_deadline.isoformat() if rfp.commitment_deadline else None,
        "bid_deadline": rfp.bid_deadline.isoformat() if rfp.bid_deadline else None,
        "document_version": rfp.document_version,
        "terms": rfp.terms,
        "lines": [_line_snapshot(line) for line in rfp.lines],
    }


def _line_snapshot(line: RfpLine) -> dict:
    return {
        "line_no": line.line_no,
        "item_id": line.item_id,
        "description": line.description,
        "spec": dict(line.spec),
        "quantity": line.quantity,
        "needs": [
            {"need_id": link.need_id, "quantity": link.quantity, "commitment": link.commitment.value}
            for link in sorted(line.pooled_needs, key=lambda link: link.need_id)
        ],
    }


def _record(
    action: str,
    rfp: Rfp,
    user: User,
    *,
    before: dict | None,
    after: dict | None,
    entity_type: str = "rfp",
    entity_id: int | None = None,
) -> None:
    audit.record(
        action,
        entity_type=entity_type,
        entity_id=entity_id if entity_id is not None else rfp.id,
        actor_user_id=user.id,
        rfp_id=rfp.id,
        before=before,
        after=after,
    )


def _renumber(rfp: Rfp) -> None:
    """Number the lines 1, 2, 3… again after some were dropped (two steps, to keep (rfp, line_no) unique)."""
    lines = sorted(rfp.lines, key=lambda line: line.line_no)
    if [line.line_no for line in lines] == list(range(1, len(lines) + 1)):
        return
    for line in lines:
        line.line_no = -line.line_no
    db.session.flush()
    for number, line in enumerate(lines, start=1):
        line.line_no = number
    db.session.flush()


def _drop_line(rfp: Rfp, line: RfpLine) -> None:
    rfp.lines.remove(line)
    db.session.flush()


def _release(need: Need) -> None:
    """A need leaves the RFP: open again, unless its district withdrew or it moved on."""
    if need.status in (NeedStatus.POOLED, NeedStatus.COMMITTED):
        need.status = NeedStatus.OPEN


def next_reference(year: int) -> str:
    """The next free reference of ``year``, like ``RFP-2026-0007``."""
    prefix = f"RFP-{year}-"
    taken = db.session.scalars(sa.select(Rfp.reference).where(Rfp.reference.like(f"{prefix}%")))
    numbers = [int(ref[len(prefix) :]) for ref in taken if ref[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


def _initial_spec(template: RfpTemplate, item_spec: dict) -> dict:
    """The item's catalogue spec values that fit the template's fields, as the line's starting spec."""
    spec = {}
    for spec_field in template.spec_fields:
        value = (item_spec or {}).get(spec_field.key)
        if value not in (None, "") and spec_field.check(value) is None:
            spec[spec_field.key] = value
    return spec


def _criteria_of(rfp: Rfp) -> list[dict]:
    return list((rfp.terms or {}).get("criteria", []))


# --- pooling ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PoolInput:
    category_id: int
    need_ids: list[int]
    template_key: str
    title: str
    tco_years: int = 4


@unit_of_work()
def create_rfp(user: User, data: PoolInput) -> Rfp:
    """A draft RFP pooling ``data.need_ids`` (open needs of one category), one line per item; the needs become pooled."""
    _require_admin(user)
    title = _checked_title(data.title)
    template = _template(data.template_key or "")
    if template is None:
        raise Refusal(TEMPLATE_REQUIRED, "template_key")
    _check_tco_years(data.tco_years)
    category = db.session.get(Category, data.category_id)
    if category is None:
        raise LookupError(data.category_id)
    need_ids = sorted(set(data.need_ids))
    if not need_ids:
        raise Refusal(NO_NEEDS, "need_ids")
    # Locked: a district withdrawing or editing the same need waits for this transaction, then sees it pooled.
    needs = list(db.session.scalars(sa.select(Need).where(Need.id.in_(need_ids)).order_by(Need.id).with_for_update()))
    if len(needs) != len(need_ids) or any(need.status != NeedStatus.OPEN for need in needs):
        raise Refusal(NEEDS_CHANGED)
    if any(need.item.category_id != category.id for need in needs):
        raise Refusal(NEEDS_OTHER_CATEGORY)

    rfp = Rfp(
        reference=next_reference(clock.today().year),
        title=title,
        category_id=category.id,
        status=RfpStatus.DRAFT,
        template_key=template.key,
        tco_years=data.tco_years,
        created_by_id=user.id,
        erate_eligible=any(need.erate_eligible for need in needs),
        document_version=1,
        terms={
            "template_version": template.version,
            "delivery_days": template.delivery_days,
            "delivery": template.delivery_terms,
            "warranty": template.warranty_terms,
            "criteria": [{"key": c.key, "label": c.label, "weight": c.weight} for c in template.criteria],
            # A table, like the template's, so that an addendum's form (which edits plain terms) leaves it alone.
            "evaluation": {"minimum_score": template.minimum_score},
        },
    )
    by_item: dict[int, list[Need]] = {}
    for need in needs:
        by_item.setdefault(need.item_id, []).append(need)
    for line_no, item_needs in enumerate(sorted(by_item.values(), key=lambda group: group[0].item.code), start=1):
        item = item_needs[0].item
        line = RfpLine(
            line_no=line_no,
            item_id=item.id,
            description=item.name,
            spec=_initial_spec(template, item.spec),
            quantity=sum(need.quantity for need in item_needs),
        )
        for need in item_needs:
            line.pooled_needs.append(
                RfpLineNeed(need_id=need.id, quantity=need.quantity, commitment=CommitmentStatus.PROPOSED)
            )
            need.status = NeedStatus.POOLED
        rfp.lines.append(line)
    db.session.add(rfp)
    db.session.flush()
    _record("rfp.created", rfp, user, before=None, after=_snapshot(rfp))
    return rfp


@unit_of_work()
def update_line(user: User, rfp_id: int, line_id: int, *, description: str, spec: dict[str, str | None]) -> RfpLine:
    """Set a draft line's description (brand-checked) and spec values (checked by the template's fields)."""
    _require_admin(user)
    rfp = _locked_rfp(rfp_id)
    line = next((line for line in rfp.lines if line.id == line_id), None)
    if line is None:
        raise LookupError(line_id)
    _require_status(rfp, (RfpStatus.DRAFT,), "only a draft RFP's lines can be changed.")
    template = queries.template_for(rfp)
    errors: dict[str, str] = {}
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = DESCRIPTION_TOO_LONG
    elif brands := _brand_errors(description):
        errors["description"] = brands
    values = {}
    for spec_field in template.spec_fields:
        value = spec_field.parse(spec.get(spec_field.key))
        if (problem := spec_field.check(value)) is not None:
            errors[f"spec_{spec_field.key}"] = problem
        elif spec_field.kind == "text" and value and (brands := _brand_errors(str(value))):
            errors[f"spec_{spec_field.key}"] = brands
        elif value is not None:
            values[spec_field.key] = value
    if errors:
        raise Rejection(Problem(message, field=name) for name, message in errors.items())
    before = _line_snapshot(line)
    line.description = description
    line.spec = values
    after = _line_snapshot(line)
    if after != before:
        _record(
            "rfp.line_changed",
            rfp,
            user,
            entity_type="rfp_line",
            entity_id=line.id,
            before={key: value for key, value in before.items() if after[key] != value},
            after={key: value for key, value in after.items() if before[key] != value},
        )
    return line


@unit_of_work()
def drop_need(user: User, rfp_id: int, link_id: int) -> Need:
    """Take a need off a draft RFP's line (it is open again); a line left without needs is dropped."""
    _require_admin(user)
    rfp = _locked_rfp(rfp_id)
    link = next((link for line in rfp.lines for link in line.pooled_needs if link.id == link_id), None)
    if link is None:
        raise LookupError(link_id)
    _require_status(rfp, (RfpStatus.DRAFT,), "only a draft RFP's lines can be changed.")
    line, need = link.line, link.need
    before = _line_snapshot(line)
    line.pooled_needs.remove(link)
    _release(need)
    line.quantity = sum(other.quantity for other in line.pooled_needs)
    dropped_line = not line.pooled_needs
    if dropped_line:
        _drop_line(rfp, line)
        _renumber(rfp)
    _record(
        "rfp.need_dropped",
        rfp,
        user,
        entity_type="rfp_line",
        entity_id=line.id,
        before=before,
        after={"line_dropped": True} if dropped_line else _line_snapshot(line),
    )
    return need


@dataclass(frozen=True)
class DetailsInput:
    title: str
    tco_years: int
    erate_eligible: bool
    form470_number: str | None
    form470_date: date | None
    weights: dict[str, int]
    minimum_score: int | None = None  # None keeps the RFP's minimum non-price score


@unit_of_work()
def update_details(user: User, rfp_id: int, data: DetailsInput) -> Rfp:
    """Change a draft or committing RFP's title, TCO years, E-Rate details, criteria weights and minimum score."""
    _require_admin(user)
    rfp = _locked_rfp(rfp_id)
    _require_status(rfp, (RfpStatus.DRAFT, RfpStatus.COMMITTING), "its details can no longer be changed here.")
    title = _checked_title(data.title)
    _check_tco_years(data.tco_years)
    if data.form470_date is not None:
        _check_within_reach(data.form470_date, "The FCC Form 470 date", "form470_date")
    criteria = [dict(criterion) for criterion in _criteria_of(rfp)]
    for criterion in criteria:
        weight = data.weights.get(criterion["key"], criterion["weight"])
        if not isinstance(weight, int) or not 1 <= weight <= 100:
            raise Refusal(WEIGHT_NOT_WHOLE, f"weight_{criterion['key']}")
        criterion["weight"] = weight
    total = sum(criterion["weight"] for criterion in criteria)
    if total != 100:
        raise Refusal(WEIGHTS_NOT_100.format(total=total), "weights")
    if data.erate_eligible and (problem := price_heaviest_message(criteria)):
        raise Refusal(problem, "weights")
    minimum_score = queries.minimum_score(rfp) if data.minimum_score is None else data.minimum_score
    if isinstance(minimum_score, bool) or not isinstance(minimum_score, int) or not 0 <= minimum_score <= 100:
        raise Refusal(MINIMUM_SCORE_RANGE, "minimum_score")
    before = _snapshot(rfp)
    rfp.title = title
    rfp.tco_years = data.tco_years
    rfp.erate_eligible = bool(data.erate_eligible)
    rfp.form470_number = (data.form470_number or "").strip() or None
    rfp.form470_date = data.form470_date
    rfp.terms = {**(rfp.terms or {}), "criteria": criteria, "evaluation": {"minimum_score": minimum_score}}
    after = _snapshot(rfp)
    if after != before:
        _record(
            "rfp.details_changed",
            rfp,
            user,
            before={key: value for key, value in before.items() if after[key] != value},
            after={key: value for key, value in after.items() if before[key] != value},
        )
    return rfp


# --- commitment window -----------------------------------------------------------------------------------------------


def spec_problems_by_line(rfp: Rfp) -> dict[int, list[str]]:
    """Each line's missing or invalid spec values by line number (complete lines left out), e.g.
    ``{1: ["Storage is required."]}``."""
    template = queries.template_for(rfp)
    problems: dict[int, list[str]] = {}
    for line in rfp.lines:
        for spec_field in template.spec_fields:
            if (problem := spec_field.check(line.spec.get(spec_field.key))) is not None:
                problems.setdefault(line.line_no, []).append(problem)
    return problems


def incomplete_spec_problems(rfp: Rfp) -> list[str]:
    """Every line's missing or invalid spec values, e.g. "Line 1: Storage is required."."""
    return [
        f"Line {line_no}: {problem}" for line_no, problems in spec_problems_by_line(rfp).items() for problem in problems
    ]


@unit_of_work()
def start_commitment(user: User, rfp_id: int, deadline: datetime) -> Rfp:
    """Open the commitment window until ``deadline`` (UTC, in the future); every district with pooled needs is e-mailed."""
    _require_admin(user)
    rfp = _locked_rfp(rfp_id)
    _require_status(rfp, (RfpStatus.DRAFT,), "only a draft RFP can start its commitment window.")
    if deadline.tzinfo is None:
        raise ValueError("naive datetime given as a deadline")
    if deadline <= clock.utcnow():
        raise Refusal(DEADLINE_IN_PAST, "deadline")
    _check_within_reach(deadline.date(), "The commitment deadline", "deadline")
    if not rfp.lines:
        raise Refusal(NO_LINES)
    if problems := incomplete_spec_problems(rfp):
        raise Refusal("Complete every line's specification first: " + " ".join(problems))
    before = _snapshot(rfp)
    rfp.status = RfpStatus.COMMITTING
    rfp.commitment_deadline = deadline
    for line in rfp.lines:
        line.quantity = sum(link.quantity for link in queries.confirmed_links(line))
    _record("rfp.commitment_started", rfp, user, before=before, after=_snapshot(rfp))

    by_district: dict[int, list[tuple[RfpLine, RfpLineNeed]]] = {}
    for line in rfp.lines:
        for link in line.pooled_needs:
            by_district.setdefault(link.need.district_id, []).append((line, link))
    addresses = queries.district_buyer_emails(set(by_district))
    for district_id, entries in by_district.items():
        listing = "\n".join(f"- Line {line.line_no}: {link.quantity:,} × {line.item.name}" for line, link in entries)
        body = (
            f"The cooperative has pooled your district's needs into {rfp.reference} “{rfp.title}”:\n\n{listing}\n\n"
            f"Confirm or withdraw each line by {clock.format_utc(deadline)} on the Commitments page "
            "(/commitments). Needs you do not confirm by then are released and not bought through this RFP.\n"
        )
        for address in addresses.get(district_id, []):
            queue_email(address, f"{rfp.reference}: confirm your needs by {clock.format_utc(deadline)}", body)
    return rfp


@unit_of_work()
def change_commitment_deadline(user: User, rfp_id: int, deadline: datetime) -> Rfp:
    """Move an open commitment window's deadline, earlier or later (in the future); every district with needs still
    pooled on it is e-mailed the new deadline."""
    _require_admin(user)
    rfp = _locked_rfp(rfp_id)
    now = clock.utcnow()
    if rfp.status != RfpStatus.COMMITTING or now >= rfp.commitment_deadline:
        raise Refusal(NOT_COMMITTING)
    if deadline.tzinfo is None:
        raise ValueError("naive datetime given as a deadline")
    if deadline <= now:
        raise Refusal(DEADLINE_IN_PAST, "deadline")
    _check_within_reach(deadline.date(), "The commitment deadline", "deadline")
    before, previous = _snapshot(rfp), rfp.commitment_deadline
    rfp.commitment_deadline = deadline
    _record("rfp.commitment_deadline_changed", rfp, user, before=before, after=_snapshot(rfp))
    districts = {link.need.district_id for line in rfp.lines for link in queries.live_links(line)}
    body = (
        f"The commitment deadline of {rfp.reference} “{rfp.title}” is now {clock.format_utc(deadline)} "
        f"(it was {clock.format_utc(previous)}).\n\n"
        "Confirm or withdraw each of your lines by then on the Commitments page (/commitments). Needs you do not "
        "confirm by then are released and not bought through this RFP.\n"
    )
    for addresses in queries.district_buyer_emails(districts).values():
        for address in addresses:
            queue_email(address, f"{rfp.reference}: confirm your needs by {clock.format_utc(deadline)}", body)
    return rfp


def commitment_closed_message(rfp: Rfp) -> str:
    return (
        f"The commitment window of {rfp.reference} closed at {clock.format_utc(rfp.commitment_deadline)}; "
        "your decision was not recorded."
    )


@unit_of_work()
def decide_commitment(user: User, link_id: int, *, confirm: bool, named_publicly: bool = False) -> RfpLineNeed:
    """A district confirms (optionally agreeing to be named publicly) or withdraws one of its needs on a committing RFP.

    The deadline is checked against the clock in the same transaction as the write.
    """
    district = user.organisation
    if user.role != Role.DISTRICT_BUYER or not isinstance(district, District):
        raise PermissionError("only a district's buyers commit its needs")
    link = db.session.scalar(
        sa.select(RfpLineNeed).join(RfpLineNeed.need).where(RfpLineNeed.id == link_id, Need.district_id == district.id)
    )
    if link is None:
        raise LookupError(link_id)
    # Only the RFP's row is locked and read again: a district's decision reads its own link and line, not every
    # line and need of the RFP (an RFP pools thousands of needs).
    rfp = locked(Rfp, link.line.rfp_id)
    link = db.session.scalar(
        sa.select(RfpLineNeed).where(RfpLineNeed.id == link_id).execution_options(populate_existing=True)
    )
    if rfp.status != RfpStatus.COMMITTING:
        raise Refusal(
            f"{rfp.reference} is not taking commitments (it is {rfp.status.value}); your decision was not recorded."
        )
    now = clock.utcnow()
    if now >= rfp.commitment_deadline:
        raise Refusal(commitment_closed_message(rfp))
    need = locked(Need, link.need_id)
    if confirm and link.commitment == CommitmentStatus.WITHDRAWN and need.status != NeedStatus.OPEN:
        raise Refusal(
            "This need is no longer open (it was withdrawn or pooled elsewhere); it cannot be confirmed again."
        )
    line = link.line
    if confirm and link.commitment == CommitmentStatus.WITHDRAWN and need.item_id != line.item_id:
        raise Refusal(
            f"This need was changed to another item since it was withdrawn; it cannot be confirmed on line "
            f"{line.line_no} of {rfp.reference}."
        )
    before = {
        "commitment": link.commitment.value,
        "named_publicly": link.named_publicly,
        "need_status": need.status.value,
        "quantity": link.quantity,
        "line_quantity": line.quantity,
    }
    if confirm:
        # A withdrawn need is open again, and its district may have changed it since: it commits it as it now stands.
        link.quantity = need.quantity
        link.commitment = CommitmentStatus.CONFIRMED
        link.named_publicly = bool(named_publicly)
        need.status = NeedStatus.POOLED
    else:
        link.commitment = CommitmentStatus.WITHDRAWN
        link.named_publicly = False
        _release(need)
    link.decided_at = now
    line.quantity = sum(other.quantity for other in queries.confirmed_links(line))
    after = {
        "commitment": link.commitment.value,
        "named_publicly": link.named_publicly,
        "need_status": need.status.value,
        "quantity": link.quantity,
        "line_quantity": line.quantity,
    }
    _record(
        "rfp.commitment_confirmed" if confirm else "rfp.commitment_withdrawn",
        rfp,
        user,
        entity_type="rfp_line_need",
        entity_id=link.id,
        before=before,
        after={**after, "need_id": need.id, "district_id": district.id, "line_no": line.line_no},
    )
    return link


# --- publication -----------------------------------------------------------------------------------------------------


@unit_of_work()
def publish(user: User, rfp_id: int, bid_deadline: datetime) -> Rfp:
    """Publish a committing RFP, once its commitment deadline has passed, with what the districts confirmed.

    Unconfirmed needs are released (open again), lines nothing was confirmed on are dropped, confirmed needs are
    committed; document version 1 is stored.
    """
    _require_admin(user)
    rfp = _locked_rfp(rfp_id)
    _require_status(rfp, (RfpStatus.COMMITTING,), "only an RFP in its commitment window can be published.")
    now = clock.utcnow()
    if now < rfp.commitment_deadline:
        raise Refusal(
            f"The commitment window of {rfp.reference} is open until "
            f"{clock.format_utc(rfp.commitment_deadline)}; "
            "publish it after that."
        )
    if bid_deadline.tzinfo is None:
        raise ValueError("naive datetime given as a deadline")
    if bid_deadline <= now:
        raise Refusal(BID_DEADLINE_IN_PAST, "bid_deadline")
    if bid_deadline < now + timedelta(days=MIN_BIDDING_DAYS):
        raise Refusal(bidding_too_short(now), "bid_deadline")
    _check_within_reach(bid_deadline.date(), "The bid deadline", "bid_deadline")
    if rfp.erate_eligible:
        if not rfp.form470_number or rfp.form470_date is None:
            raise Refusal(FORM470_NEEDED)
        if bid_deadline.date() < rfp.form470_date + timedelta(days=ERATE_MIN_DAYS):
            raise Refusal(erate_deadline_message(rfp.form470_date), "bid_deadline")
        if problem := price_heaviest_message(_criteria_of(rfp)):
            raise Refusal(problem)
    if not any(queries.confirmed_links(line) for line in rfp.lines):
        raise Refusal(NOTHING_CONFIRMED)

    before = _snapshot(rfp)
    released = []
    outcomes: dict[int, list[str]] = {}  # district id -> what happened to each of its lines, for its notice
    for line in list(rfp.lines):
        for link in list(line.pooled_needs):
            if link.commitment == CommitmentStatus.CONFIRMED:
                link.need.status = NeedStatus.COMMITTED
                outcomes.setdefault(link.need.district_id, []).append(
                    f"- {link.quantity:,} × {line.item.name}: out to bid"
                )
            elif link.commitment == CommitmentStatus.PROPOSED:
                released.append(link.need_id)
                outcomes.setdefault(link.need.district_id, []).append(
                    f"- {link.quantity:,} × {line.item.name}: not confirmed, open again"
                )
                _release(link.need)
                line.pooled_needs.remove(link)
        line.quantity = sum(link.quantity for link in queries.confirmed_links(line))
        if line.quantity == 0:
            _drop_line(rfp, line)
    db.session.flush()
    _renumber(rfp)
    rfp.status = RfpStatus.OPEN
    rfp.bid_deadline = bid_deadline
    rfp.published_at = now
    rfp.document_version = 1
    db.session.flush()
    documents.store_version(rfp)
    _record("rfp.published", rfp, user, before=before, after={**_snapshot(rfp), "released_need_ids": sorted(released)})
    addresses = queries.district_buyer_emails(set(outcomes))
    for district_id, listing in outcomes.items():
        body = (
            f"The cooperative published {rfp.reference} “{rfp.title}”; vendors bid until "
            f"{clock.format_utc(bid_deadline)}.\n\n"
            + "\n".join(listing)
            + f"\n\nThe RFP: {urls.page_link('rfps.show', reference=rfp.reference)}\n"
        )
        for address in addresses.get(district_id, []):
            queue_email(address, f"{rfp.reference} is published", body)
    _tell_vendors_of_publication(rfp)
    return rfp


def _tell_vendors_of_publication(rfp: Rfp) -> None:
    """Vendors that sell the RFP's category in a region of its districts hear of it (nothing of who else did)."""
    regions = {link.need.district.region_id for line in rfp.lines for link in queries.confirmed_links(line)}
    body = (
        f"A new RFP in a category you sell: {rfp.reference} “{rfp.title}” ({rfp.category.name}).\n\n"
        + "\n".join(f"- Line {line.line_no}: {line.quantity:,} × {line.item.name}" for line in rfp.lines)
        + f"\n\nBids are due by {clock.format_utc(rfp.bid_deadline)}. Read it and bid: "
        f"{urls.page_link('rfps.show', reference=rfp.reference)}\n\n"
        "You receive this because your company's profile names this category and a region it serves.\n"
    )
    for addresses in queries.vendors_selling(rfp.category_id, regions).values():
        for address in addresses:
            queue_email(address, f"New RFP: {rfp.reference} {rfp.title}", body)


def close_past_deadlines() -> int:
    """Record as closed every open RFP whose bid deadline has passed (each an audit event); how many.

    Every check already reads the status as of now (:func:`queries.effective_status`); this makes the rows say so
    too, for whatever reads them directly. Pages that list RFPs call it first; it is idempotent.
    """
    with unit_of_work() as work:
        now = clock.utcnow()
        overdue = queries.past_deadline(now)
        if not overdue:
            work.discard()
            return 0
        for rfp in overdue:
            rfp.status = RfpStatus.CLOSED
            audit.record(
                "rfp.closed",
                entity_type="rfp",
                entity_id=rfp.id,
                actor_user_id=None,
                rfp_id=rfp.id,
                before={"status": RfpStatus.OPEN.value},
                after={"status": RfpStatus.CLOSED.value, "bid_deadline": rfp.bid_deadline.isoformat()},
            )
    return len(overdue)


# --- cancellation ----------------------------------------------------------------------------------------------------

CANCELLABLE = (RfpStatus.DRAFT, RfpStatus.COMMITTING, RfpStatus.OPEN, RfpStatus.CLOSED, RfpStatus.OPENED)


@unit_of_work()
def cancel(user: User, rfp_id: int, reason: str) -> Rfp:
    """Cancel an RFP not yet awarded, with a reason; its pooled and committed needs are open again; districts are told."""
    _require_admin(user)
    rfp = _locked_rfp(rfp_id)
    _require_status(rfp, CANCELLABLE, "it can no longer be cancelled.")
    reason = required_text(reason, "reason", maximum=MAX_REASON, required=REASON_REQUIRED, too_long=REASON_TOO_LONG)
    before = _snapshot(rfp)
    districts: set[int] = set()
    released = []
    for line in rfp.lines:
        for link in line.pooled_needs:
            if link.commitment in queries.LIVE_COMMITMENTS:
                need = locked(Need, link.need_id)
                _release(need)
                released.append(need.id)
                districts.add(need.district_id)
    rfp.status = RfpStatus.CANCELLED
    rfp.cancelled_reason = reason
    _record(
        "rfp.cancelled",
        rfp,
        user,
        before=before,
        after={"status": rfp.status.value, "cancelled_reason": reason, "released_need_ids": sorted(released)},
    )
    addresses = queries.district_buyer_emails(districts)
    for district_id in sorted(districts):
        for address in addresses.get(district_id, []):
            queue_email(
                address,
                f"{rfp.reference} is cancelled",
                f"The cooperative cancelled {rfp.reference} “{rfp.title}”.\n\nReason: {reason}\n\n"
                "Your needs on it are open again: you can change or withdraw them, "
                "and the cooperative may pool them into another RFP.\n",
            )
    return rfp
