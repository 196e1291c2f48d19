"""Read-only selects on users."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from coop.accounts.models import Membership, User
from coop.extensions import db
from coop.roles import Role


def administrator_emails() -> list[str]:
    """The addresses of the cooperative's active administrators."""
    return list(
        db.session.scalars(
            sa.select(User.email)
            .join(Membership)
            .where(Membership.role == Role.COOP_ADMIN, User.active.is_(True))
            .order_by(User.id)
        )
    )


def emails_by_user_id(user_ids: Iterable[int | None]) -> dict[int, str]:
    """The e-mail address of each of these users (``None`` names nobody)."""
    wanted = {user_id for user_id in user_ids if user_id is not None}
    return {
        user_id: email
        for user_id, email in db.session.execute(sa.select(User.id, User.email).where(User.id.in_(wanted)))
    }
