"""Read-only selects about organisations and regions."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from coop.extensions import db
from coop.orgs.models import District, Organisation, OrganisationKind, OrganisationStatus, Region, Vendor
from coop.roles import Role

if TYPE_CHECKING:  # accounts sits above orgs: its users are only named here, never imported at run time
    from coop.accounts.models import User


def regions() -> list[Region]:
    return list(db.session.scalars(sa.select(Region).order_by(Region.name)))


def organisations(*, status: OrganisationStatus | None = None) -> list[Organisation]:
    query = sa.select(Organisation).where(Organisation.kind != OrganisationKind.COOPERATIVE)
    if status is not None:
        query = query.where(Organisation.status == status)
    return list(db.session.scalars(query.order_by(Organisation.created_at.desc(), Organisation.id.desc())))


def districts() -> list[District]:
    return list(db.session.scalars(sa.select(District).order_by(District.name)))


def vendors() -> list[Vendor]:
    return list(db.session.scalars(sa.select(Vendor).order_by(Vendor.name)))


def approved_vendor(user: User) -> Vendor | None:
    """The approved vendor ``user`` represents, or None: the one check of who may bid, ask and follow RFPs."""
    organisation = user.organisation
    if user.role != Role.VENDOR_REP or not isinstance(organisation, Vendor) or not organisation.is_approved:
        return None
    return organisation
