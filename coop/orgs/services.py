"""Approving and rejecting organisations; organisations keeping their own profile up to date."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from coop import clock
from coop.audit import services as audit
from coop.catalogue.models import Category
from coop.errors import Refusal
from coop.extensions import db
from coop.orgs.models import Organisation, OrganisationKind, OrganisationStatus, Region, Vendor
from coop.roles import Role
from coop.transactions import unit_of_work

if TYPE_CHECKING:  # accounts sits above orgs: its users are only named here, never imported at run time
    from coop.accounts.models import User

NAME_MISSING = "Enter the name of your organisation."
REGIONS_MISSING = "Choose at least one region you serve."
REGIONS_INVALID = "Choose the regions you serve from the list."
CATEGORIES_INVALID = "Choose the categories you sell from the list."

# Who edits which kind of organisation's profile; the cooperative's own details are not edited here.
_PROFILE_EDITORS = {OrganisationKind.DISTRICT: Role.DISTRICT_BUYER, OrganisationKind.VENDOR: Role.VENDOR_REP}


@unit_of_work()
def _decide(admin: User, organisation_id: int, status: OrganisationStatus) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or organisation.kind == OrganisationKind.COOPERATIVE:
        raise LookupError(organisation_id)
    if organisation.status == status:
        raise Refusal(f"{organisation.name} is already {status.value}.")
    before = {"status": organisation.status.value}
    organisation.status = status
    organisation.approved_at = clock.utcnow() if status == OrganisationStatus.APPROVED else None
    audit.record(
        f"organisation.{status.value}",
        entity_type="organisation",
        entity_id=organisation.id,
        actor_user_id=admin.id,
        before=before,
        after={"status": status.value},
    )
    return organisation


def approve(admin: User, organisation_id: int) -> Organisation:
    """Let the organisation post needs or bid."""
    return _decide(admin, organisation_id, OrganisationStatus.APPROVED)


def reject(admin: User, organisation_id: int) -> Organisation:
    """Refuse the organisation; its users can sign in but do nothing."""
    return _decide(admin, organisation_id, OrganisationStatus.REJECTED)


@dataclass(frozen=True)
class ProfileInput:
    """What every organisation's users may change about it. A district's state, region and enrollment are not here:
    they decide which RFPs it pools into, so only the cooperative changes them."""

    name: str
    contact_name: str
    contact_email: str
    contact_phone: str = ""


@dataclass(frozen=True)
class VendorProfileInput(ProfileInput):
    website: str = ""
    description: str = ""
    postal_address: str = ""
    region_ids: tuple[int, ...] = ()
    category_ids: tuple[int, ...] = ()


def can_edit_profile(user: User) -> bool:
    """Its own users may edit a pending or approved organisation; a rejected one can do nothing."""
    organisation = user.organisation
    return (
        organisation is not None
        and organisation.status != OrganisationStatus.REJECTED
        and _PROFILE_EDITORS.get(organisation.kind) == user.role
    )


def missing_details(organisation: Organisation) -> list[str]:
    """What a vendor's profile still lacks for an administrator to judge it, as labels a user reads."""
    if not isinstance(organisation, Vendor):
        return []
    wanted = [
        ("website", organisation.website),
        ("description", organisation.description),
        ("postal address", organisation.postal_address),
        ("contact phone", organisation.contact_phone),
    ]
    return [label for label, value in wanted if not value.strip()]


def _categories(category_ids: tuple[int, ...]) -> list[Category]:
    categories = list(
        db.session.scalars(sa.select(Category).where(Category.id.in_(category_ids)).order_by(Category.name))
    )
    if len(categories) != len(set(category_ids)):
        raise Refusal(CATEGORIES_INVALID, "category_ids")
    return categories


def _regions(region_ids: tuple[int, ...]) -> list[Region]:
    if not region_ids:
        raise Refusal(REGIONS_MISSING, "region_ids")
    regions = list(db.session.scalars(sa.select(Region).where(Region.id.in_(region_ids)).order_by(Region.code)))
    if len(regions) != len(set(region_ids)):
        raise Refusal(REGIONS_INVALID, "region_ids")
    return regions


@unit_of_work()
def update_profile(user: User, data: ProfileInput) -> bool:
    """Save the user's own organisation's profile; True if anything changed.

    Renaming needs no new approval: the administrator approved the company, not its spelling, and the audit
    trail keeps every former name.
    """
    organisation = user.organisation
    if not can_edit_profile(user):
        raise PermissionError("This user cannot edit the organisation's profile.")
    is_vendor = isinstance(organisation, Vendor)
    if is_vendor != isinstance(data, VendorProfileInput):
        raise TypeError(f"{type(data).__name__} does not fit a {organisation.kind.value}")
    name = data.name.strip()
    if not name:
        raise Refusal(NAME_MISSING, "name")
    clash = sa.select(Organisation.id).where(
        Organisation.kind == organisation.kind, Organisation.name == name, Organisation.id != organisation.id
    )
    if db.session.scalar(clash) is not None:
        raise Refusal(f"Another {organisation.kind.value} is already registered as {name}.", "name")
    wanted = {
        "name": name,
        "contact_name": data.contact_name.strip(),
        "contact_email": data.contact_email.strip(),
        "contact_phone": data.contact_phone.strip(),
    }
    if is_vendor:
        wanted |= {
            "website": data.website.strip(),
            "description": data.description.strip(),
            "postal_address": data.postal_address.strip(),
        }
        regions = _regions(data.region_ids)
        categories = _categories(data.category_ids)

    before, after = {}, {}
    for field, value in wanted.items():
        if getattr(organisation, field) != value:
            before[field], after[field] = getattr(organisation, field), value
            setattr(organisation, field, value)
    if is_vendor and {r.id for r in organisation.regions} != {r.id for r in regions}:
        # Codes, not ids: a person reading the audit trail recognises them.
        before["regions"], after["regions"] = [r.code for r in organisation.regions], [r.code for r in regions]
        organisation.regions = regions
    if is_vendor and {c.id for c in organisation.categories} != {c.id for c in categories}:
        before["categories"], after["categories"] = (
            [c.slug for c in organisation.categories],
            [c.slug for c in categories],
        )
        organisation.categories = categories
    if not after:
        return False
    audit.record(
        "organisation.profile_updated",
        entity_type="organisation",
        entity_id=organisation.id,
        actor_user_id=user.id,
        before=before,
        after=after,
    )
    return True
