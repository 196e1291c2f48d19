"""``flask --app coop coop init``: a real cooperative starts on an empty database, without the demo."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from coop.accounts.models import User
from coop.audit.models import AuditEvent
from coop.extensions import db
from coop.orgs.models import Organisation, OrganisationKind, OrganisationStatus
from coop.roles import Role

OPTIONS = [
    "--name",
    "Ozark Schools Purchasing Cooperative",
    "--admin-name",
    "Robin Vega",
    "--email",
    "Robin@Ozark-Coop.example",
    "--password",
    "a long enough secret",
]


@pytest.fixture
def init(app):
    runner = app.test_cli_runner()
    return lambda *args, **kwargs: runner.invoke(args=["coop", "init", *args], **kwargs)


def rows() -> tuple[int, int, int]:
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in (Organisation, User, AuditEvent)
    )


def test_init_creates_the_cooperative_and_its_first_administrator_who_signs_in(init, client):
    result = init(*OPTIONS)
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Created the cooperative Ozark Schools Purchasing Cooperative, with robin@ozark-coop.example "
        "as its administrator: sign in to approve the districts and vendors that sign up.\n"
    )
    cooperative = db.session.scalar(sa.select(Organisation))
    assert (cooperative.kind, cooperative.name, cooperative.status) == (
        OrganisationKind.COOPERATIVE,
        "Ozark Schools Purchasing Cooperative",
        OrganisationStatus.APPROVED,
    )
    assert [(m.role, m.user.name) for m in cooperative.memberships] == [(Role.COOP_ADMIN, "Robin Vega")]
    event = db.session.scalar(sa.select(AuditEvent))
    assert (event.action, event.entity_id, event.after["administrator"]) == (
        "cooperative.created",
        cooperative.id,
        "robin@ozark-coop.example",
    )

    signed_in = client.post("/sign-in", data={"email": "robin@ozark-coop.example", "password": "a long enough secret"})
    assert signed_in.status_code == 302
    assert client.get("/admin/organisations").status_code == 200


def test_init_prompts_for_what_it_is_not_given(init):
    result = init(
        input="Ozark Schools Purchasing Cooperative\nRobin Vega\nrobin@ozark-coop.example\n"
        "a long enough secret\na long enough secret\n"
    )
    assert result.exit_code == 0, result.output
    assert "Administrator's password: \nRepeat for confirmation: \n" in result.output
    assert db.session.scalar(sa.select(User.email)) == "robin@ozark-coop.example"


def test_init_refuses_a_database_that_has_a_cooperative_and_changes_nothing(init, make_admin):
    make_admin()
    db.session.commit()  # to the test's savepoint: a refused use case rolls back only its own work
    before = rows()
    result = init(*OPTIONS)
    assert result.exit_code == 1
    assert (
        result.output == "Error: --name: The database already has a cooperative, Test Cooperative. Nothing changed.\n"
    )
    assert rows() == before


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--email", "robin-at-ozark", "Error: Nothing changed. --email: Invalid email address.\n"),
        ("--password", "short", "Error: Nothing changed. --password: Use at least 10 characters.\n"),
        ("--name", "  ", "Error: Nothing changed. --name: This field is required.\n"),
    ],
)
def test_init_refuses_bad_input_naming_the_option_and_creates_nothing(init, option, value, message):
    options = list(OPTIONS)
    options[options.index(option) + 1] = value
    result = init(*options)
    assert result.exit_code == 1
    assert result.output == message
    assert rows() == (0, 0, 0)
