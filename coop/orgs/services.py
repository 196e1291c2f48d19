"""Approving and rejecting organisations."""

from __future__ import annotations

from coop import clock
from coop.accounts.models import User
from coop.audit import services as audit
from coop.extensions import db
from coop.orgs.models import Organisation, OrganisationKind, OrganisationStatus


class OrganisationError(ValueError):
    pass


def _decide(admin: User, organisation_id: int, status: OrganisationStatus) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or organisation.kind == OrganisationKind.COOPERATIVE:
        raise LookupError(organisation_id)
    if organisation.status == status:
        raise OrganisationError(f"{organisation.name} is already {status.value}.")
    before = {"status": organisation.status.value}
    organisation.status = status
    organisation.approved_at = clock.utcnow() if status == OrganisationStatus.APPROVED else None
    audit.record(f"organisation.{status.value}", entity_type="organisation", entity_id=organisation.id,
                 actor_user_id=admin.id, before=before, after={"status": status.value})
    db.session.commit()
    return organisation


def approve(admin: User, organisation_id: int) -> Organisation:
    """Let the organisation post needs or bid."""
    return _decide(admin, organisation_id, OrganisationStatus.APPROVED)


def reject(admin: User, organisation_id: int) -> Organisation:
    """Refuse the organisation; its users can sign in but do nothing."""
    return _decide(admin, organisation_id, OrganisationStatus.REJECTED)
