"""Districts' needs: post, edit, withdraw and import; every change audited in its own transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import current_app

from coop import clock, spreadsheets
from coop.accounts.models import User
from coop.audit import services as audit
from coop.catalogue import queries as catalogue
from coop.errors import Refusal
from coop.extensions import db
from coop.needs import importing, rules
from coop.needs.models import Need, NeedStatus
from coop.orgs.models import District
from coop.transactions import unit_of_work

_STATUS_PHRASES = {
    NeedStatus.POOLED: "pooled into an RFP",
    NeedStatus.COMMITTED: "committed to an RFP",
    NeedStatus.AWARDED: "awarded",
    NeedStatus.WITHDRAWN: "withdrawn",
}


@dataclass(frozen=True)
class NeedInput:
    item_id: int
    quantity: int
    needed_by: date
    budget_cap_cents: int | None = None
    erate_eligible: bool = False
    spec_notes: str = ""


def _district_of(user: User) -> District:
    organisation = user.organisation
    if not isinstance(organisation, District):
        raise PermissionError("only a district's buyers have needs")
    return organisation


def _own_need(user: User, need_id: int, *, for_update: bool = False) -> Need:
    """The user's district's need; ``LookupError`` for a need that does not exist or is another district's."""
    query = sa.select(Need).where(Need.id == need_id, Need.district_id == _district_of(user).id)
    if for_update:
        query = query.with_for_update()  # pooling changes status under the same lock
    need = db.session.scalar(query)
    if need is None:
        raise LookupError(need_id)
    return need


def _check(data: NeedInput, *, current_item_id: int | None = None) -> NeedInput:
    item = catalogue.item(data.item_id)
    # An item retired from the catalogue may stay on a need that already names it.
    if item is None or (not item.active and item.id != current_item_id):
        raise Refusal(rules.ITEM_UNKNOWN, "item_id")
    if not 0 < data.quantity:
        raise Refusal(rules.QUANTITY_NOT_WHOLE, "quantity")
    if data.quantity > rules.MAX_QUANTITY:
        raise Refusal(rules.QUANTITY_TOO_LARGE, "quantity")
    if data.needed_by < clock.today():
        raise Refusal(rules.needed_by_in_the_past(data.needed_by), "needed_by")
    if data.needed_by > (latest := clock.latest_date_ahead(clock.today())):
        raise Refusal(rules.needed_by_too_far_ahead(data.needed_by, latest), "needed_by")
    if data.budget_cap_cents is not None and not 0 <= data.budget_cap_cents <= rules.MAX_BUDGET_CAP_CENTS:
        raise Refusal(rules.BUDGET_NOT_MONEY if data.budget_cap_cents < 0 else rules.BUDGET_TOO_LARGE, "budget_cap")
    notes = (data.spec_notes or "").strip()
    if len(notes) > rules.MAX_SPEC_NOTES:
        raise Refusal(rules.SPEC_NOTES_TOO_LONG, "spec_notes")
    return NeedInput(
        data.item_id, data.quantity, data.needed_by, data.budget_cap_cents, bool(data.erate_eligible), notes
    )


def snapshot(need: Need) -> dict:
    """What the audit log keeps of a need."""
    return {
        "item_id": need.item_id,
        "quantity": need.quantity,
        "needed_by": need.needed_by.isoformat(),
        "budget_cap_cents": need.budget_cap_cents,
        "erate_eligible": need.erate_eligible,
        "spec_notes": need.spec_notes,
        "status": need.status.value,
    }


def not_editable_message(need: Need, verb: str) -> str:
    if need.status == NeedStatus.WITHDRAWN and verb == "withdrawn":
        return "This need is already withdrawn."
    return f"This need is {_STATUS_PHRASES.get(need.status, need.status.value)} and can no longer be {verb}."


@unit_of_work()
def post_need(user: User, data: NeedInput) -> Need:
    """Post a new open need for the user's district."""
    district = _district_of(user)
    data = _check(data)
    need = Need(district_id=district.id, created_by_id=user.id, status=NeedStatus.OPEN, **data.__dict__)
    db.session.add(need)
    db.session.flush()
    audit.record("need.posted", entity_type="need", entity_id=need.id, actor_user_id=user.id, after=snapshot(need))
    return need


@unit_of_work()
def edit_need(user: User, need_id: int, data: NeedInput) -> Need:
    """Change an open need of the user's district."""
    need = _own_need(user, need_id, for_update=True)
    if not need.is_editable:
        raise Refusal(not_editable_message(need, "changed"))
    data = _check(data, current_item_id=need.item_id)
    before = snapshot(need)
    for field, value in data.__dict__.items():
        setattr(need, field, value)
    after = snapshot(need)
    if after != before:
        audit.record(
            "need.edited",
            entity_type="need",
            entity_id=need.id,
            actor_user_id=user.id,
            before={key: value for key, value in before.items() if after[key] != value},
            after={key: value for key, value in after.items() if before[key] != value},
        )
    return need


@unit_of_work()
def withdraw_need(user: User, need_id: int) -> Need:
    """Withdraw an open need of the user's district; it stays listed as withdrawn."""
    need = _own_need(user, need_id, for_update=True)
    if not need.is_editable:
        raise Refusal(not_editable_message(need, "withdrawn"))
    need.status = NeedStatus.WITHDRAWN
    audit.record(
        "need.withdrawn",
        entity_type="need",
        entity_id=need.id,
        actor_user_id=user.id,
        before={"status": NeedStatus.OPEN.value},
        after={"status": NeedStatus.WITHDRAWN.value},
    )
    return need


def own_need(user: User, need_id: int) -> Need:
    """The user's district's need, for display; ``LookupError`` otherwise."""
    return _own_need(user, need_id)


@dataclass(frozen=True)
class ImportResult:
    count: int
    need_ids: list[int]


@unit_of_work()
def import_needs(user: User, filename: str, content: bytes) -> ImportResult:
    """Import every need of a CSV, XLSX or ODS file in one transaction, or none.

    Raises
    ------
    Rejection
        With every problem of the file, by line and column; nothing is written.
    """
    district = _district_of(user)
    checked = importing.check_file(
        filename,
        content,
        item_ids_by_code=catalogue.active_item_ids_by_code(),
        today=clock.today(),
        max_rows=current_app.config["COOP_IMPORT_MAX_ROWS"],
        limits=spreadsheets.ArchiveLimits.from_config(current_app.config),
    )
    now = clock.utcnow()
    rows = [
        {
            **record,
            "district_id": district.id,
            "created_by_id": user.id,
            "status": NeedStatus.OPEN,
            "created_at": now,
            "updated_at": now,
        }
        for record in checked.records()
    ]
    # One executemany on the table, without RETURNING: SQLite would otherwise run one statement per row.
    db.session.execute(sa.insert(Need.__table__), rows)
    need_ids = list(
        db.session.scalars(
            sa.select(Need.id)
            .where(Need.district_id == district.id, Need.created_by_id == user.id, Need.created_at == now)
            .order_by(Need.id)
        )
    )
    audit.record(
        "need.imported",
        entity_type="need",
        entity_id=None,
        actor_user_id=user.id,
        after={"file": filename, "count": len(need_ids), "need_ids": need_ids},
    )
    return ImportResult(len(need_ids), need_ids)


@dataclass(frozen=True)
class Template:
    filename: str
    mimetype: str
    content: bytes


def import_template(kind: str) -> Template:
    """The import template, ``"csv"`` or ``"xlsx"``, with a real catalogue item in its example row."""
    items = catalogue.items()
    today = clock.today()
    if kind == "csv":
        return Template(
            "coop-needs-template.csv",
            "text/csv",
            importing.template_csv(items[0].code if items else "ITEM-CODE", today),
        )
    if kind == "xlsx":
        return Template(
            "coop-needs-template.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            importing.template_xlsx(
                [importing.TemplateItem(i.code, i.name, i.category.name, i.unit) for i in items], today
            ),
        )
    raise LookupError(kind)
