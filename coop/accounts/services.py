"""Sign-up and sign-in use cases."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from coop import clock
from coop.accounts.models import Membership, Role, User
from coop.accounts.passwords import hash_password, needs_rehash, verify_password
from coop.audit import services as audit
from coop.extensions import db
from coop.orgs.models import District, Organisation, OrganisationKind, Region, Vendor


class SignUpError(ValueError):
    """Sign-up refused; ``field`` names the form field at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class SignUp:
    kind: OrganisationKind
    organisation_name: str
    name: str
    email: str
    password: str
    state: str | None = None
    region_id: int | None = None
    enrollment: int | None = None
    nces_id: str | None = None
    region_ids: tuple[int, ...] = ()
    website: str = ""
    contact_phone: str = ""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def sign_up(data: SignUp) -> User:
    """Create a pending organisation and its first user; a cooperative administrator approves it later."""
    email = normalise_email(data.email)
    if find_user_by_email(email):
        raise SignUpError("email", "An account with this e-mail already exists; sign in instead.")
    kind = OrganisationKind(data.kind)
    name = data.organisation_name.strip()
    if db.session.scalar(sa.select(Organisation.id).where(Organisation.kind == kind, Organisation.name == name)):
        raise SignUpError("organisation_name", f"A {kind.value} named {name!r} is already registered.")
    common = dict(name=name, contact_name=data.name.strip(), contact_email=email, contact_phone=data.contact_phone.strip())
    if kind == OrganisationKind.DISTRICT:
        if db.session.get(Region, data.region_id) is None:
            raise SignUpError("region_id", "Choose a region from the list.")
        if data.nces_id and db.session.scalar(sa.select(District.organisation_id).where(District.nces_id == data.nces_id)):
            raise SignUpError("nces_id", "A district with this NCES ID is already registered.")
        organisation: Organisation = District(
            state=data.state, region_id=data.region_id, enrollment=data.enrollment, nces_id=data.nces_id or None, **common
        )
        role = Role.DISTRICT_BUYER
    elif kind == OrganisationKind.VENDOR:
        regions = list(db.session.scalars(sa.select(Region).where(Region.id.in_(data.region_ids))))
        if not regions or len(regions) != len(set(data.region_ids)):
            raise SignUpError("region_ids", "Choose the regions you serve from the list.")
        organisation = Vendor(website=data.website.strip(), regions=regions, **common)
        role = Role.VENDOR_REP
    else:
        raise SignUpError("kind", "Only districts and vendors can sign up.")
    user = User(email=email, name=data.name.strip(), password_hash=hash_password(data.password))
    user.memberships.append(Membership(organisation=organisation, role=role))
    db.session.add_all([organisation, user])
    db.session.flush()
    audit.record("organisation.signed_up", entity_type="organisation", entity_id=organisation.id,
                 actor_user_id=user.id, after={"kind": kind.value, "name": name, "status": organisation.status.value})
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None; upgrades an outdated hash."""
    user = find_user_by_email(email)
    if not verify_password(user.password_hash if user else None, password) or user is None or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_sign_in_at = clock.utcnow()
    db.session.commit()
    return user
