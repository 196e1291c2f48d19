"""Sign-up and sign-in use cases."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from coop import clock, urls
from coop.accounts import queries
from coop.accounts.models import Membership, User
from coop.accounts.passwords import hash_password, needs_rehash, verify_password
from coop.audit import services as audit
from coop.errors import Refusal
from coop.extensions import db
from coop.notifications.services import queue_email
from coop.orgs.models import District, Organisation, OrganisationKind, OrganisationStatus, Region, Vendor
from coop.roles import Role
from coop.transactions import unit_of_work


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


@unit_of_work()
def sign_up(data: SignUp) -> User | None:
    """Create a pending organisation and its first user; a cooperative administrator approves it later.

    Returns None, creating nothing, when the e-mail already has an account: its owner is told by e-mail
    instead, and the caller answers exactly as for a new account, so that sign-up cannot tell who has one.
    """
    email = normalise_email(data.email)
    # Hashed whether or not the account is created: a known e-mail must not answer faster than a new one.
    password_hash = hash_password(data.password)
    kind = OrganisationKind(data.kind)
    name = data.organisation_name.strip()
    if db.session.scalar(sa.select(Organisation.id).where(Organisation.kind == kind, Organisation.name == name)):
        raise Refusal(f"A {kind.value} named {name!r} is already registered.", "organisation_name")
    common = dict(
        name=name, contact_name=data.name.strip(), contact_email=email, contact_phone=data.contact_phone.strip()
    )
    if kind == OrganisationKind.DISTRICT:
        if db.session.get(Region, data.region_id) is None:
            raise Refusal("Choose a region from the list.", "region_id")
        if data.nces_id and db.session.scalar(
            sa.select(District.organisation_id).where(District.nces_id == data.nces_id)
        ):
            raise Refusal("A district with this NCES ID is already registered.", "nces_id")
        organisation: Organisation = District(
            state=data.state,
            region_id=data.region_id,
            enrollment=data.enrollment,
            nces_id=data.nces_id or None,
            **common,
        )
        role = Role.DISTRICT_BUYER
    elif kind == OrganisationKind.VENDOR:
        regions = list(db.session.scalars(sa.select(Region).where(Region.id.in_(data.region_ids))))
        if not regions or len(regions) != len(set(data.region_ids)):
            raise Refusal("Choose the regions you serve from the list.", "region_ids")
        organisation = Vendor(website=data.website.strip(), regions=regions, **common)
        role = Role.VENDOR_REP
    else:
        raise Refusal("Only districts and vendors can sign up.", "kind")
    existing = find_user_by_email(email)
    if existing is not None:
        queue_email(
            existing.email,
            "Someone tried to register with your e-mail address",
            f"Hello {existing.name},\n\nSomeone tried to register {name} on Coop with this e-mail address, "
            "which already has an account. If it was you, sign in with your password instead; "
            "nothing was created. If it was not you, you can ignore this message.\n",
        )
        return None
    user = User(email=email, name=data.name.strip(), password_hash=password_hash)
    user.memberships.append(Membership(organisation=organisation, role=role))
    db.session.add_all([organisation, user])
    db.session.flush()
    audit.record(
        "organisation.signed_up",
        entity_type="organisation",
        entity_id=organisation.id,
        actor_user_id=user.id,
        after={"kind": kind.value, "name": name, "status": organisation.status.value},
    )
    for address in queries.administrator_emails():
        queue_email(
            address,
            f"New {kind.value} awaiting approval: {name}",
            f"{name} ({kind.value}) signed up on Coop: {user.name}, {email}.\n\n"
            f"Review it in the approval queue: {urls.page_link('orgs.review')}\n",
        )
    return user


@dataclass(frozen=True)
class NewCooperative:
    cooperative_name: str
    name: str
    email: str
    password: str


@unit_of_work()
def create_cooperative(data: NewCooperative) -> User:
    """Create the cooperative this installation serves, approved, and its first administrator.

    Refuses, changing nothing, when the database has a cooperative already (one installation serves one).
    """
    existing = db.session.scalar(sa.select(Organisation).where(Organisation.kind == OrganisationKind.COOPERATIVE))
    if existing is not None:
        raise Refusal(f"The database already has a cooperative, {existing.name}.", field="cooperative_name")
    email = normalise_email(data.email)
    if find_user_by_email(email) is not None:
        raise Refusal(f"{email} already has an account.", field="email")
    name = data.name.strip()
    cooperative = Organisation(
        kind=OrganisationKind.COOPERATIVE,
        name=data.cooperative_name.strip(),
        status=OrganisationStatus.APPROVED,
        approved_at=clock.utcnow(),
        contact_name=name,
        contact_email=email,
    )
    admin = User(email=email, name=name, password_hash=hash_password(data.password))
    admin.memberships.append(Membership(organisation=cooperative, role=Role.COOP_ADMIN))
    db.session.add_all([cooperative, admin])
    db.session.flush()
    # No user acted: the operator who ran the command is outside the app.
    audit.record(
        "cooperative.created",
        entity_type="organisation",
        entity_id=cooperative.id,
        actor_user_id=None,
        after={"name": cooperative.name, "status": cooperative.status.value, "administrator": email},
    )
    return admin


@unit_of_work()
def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None; upgrades an outdated hash."""
    user = find_user_by_email(email)
    if not verify_password(user.password_hash if user else None, password) or user is None or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_sign_in_at = clock.utcnow()
    return user


def user_for_session(session_user_id: str) -> User | None:
    """The user a session (or remember-me cookie) names by ``User.get_id``, while it is still valid:
    the user is active and has not ended their sessions since."""
    user_id, _, version = session_user_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None  # a session from before session versions, or a forged id
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def _end_sessions(user: User) -> None:
    user.session_version += 1


@unit_of_work()
def sign_out_everywhere(user: User) -> None:
    """End every session of ``user``, on every device: a copied cookie is worth nothing after sign-out."""
    _end_sessions(user)


@unit_of_work()
def change_password(user: User, current_password: str, new_password: str) -> None:
    """Set a new password; every session of the user ends with the old one (the caller may start a new one)."""
    if not verify_password(user.password_hash, current_password):
        raise Refusal("This is not your current password.", "current_password")
    user.password_hash = hash_password(new_password)
    _end_sessions(user)
    audit.record("user.password_changed", entity_type="user", entity_id=user.id, actor_user_id=user.id)


@unit_of_work()
def disable(user: User, *, actor: User) -> None:
    """Disable an account: it can no longer sign in, and every session it has ends now."""
    user.active = False
    _end_sessions(user)
    audit.record(
        "user.disabled",
        entity_type="user",
        entity_id=user.id,
        actor_user_id=actor.id,
        before={"active": True},
        after={"active": False},
    )
