"""``flask --app coop coop init``: start a real cooperative on an empty, migrated database (no demo)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from coop.accounts import services
from coop.accounts.forms import CooperativeForm
from coop.errors import Refusal

coop_cli = AppGroup("coop", help="The cooperative this installation serves.")

# The form's fields as the command's options name them, so that a message names what to type again.
OPTIONS = {"cooperative_name": "--name", "name": "--admin-name", "email": "--email", "password": "--password"}


@coop_cli.command("init")
@click.option("--name", "cooperative_name", prompt="Cooperative name", help="The cooperative's name.")
@click.option("--admin-name", "name", prompt="Administrator's name", help="The first administrator's name.")
@click.option("--email", prompt="Administrator's e-mail", help="The first administrator's e-mail (sign-in).")
@click.password_option("--password", prompt="Administrator's password", help="The first administrator's password.")
def init(cooperative_name: str, name: str, email: str, password: str) -> None:
    """Create the cooperative and its first administrator; refused once the database has a cooperative."""
    data = {"cooperative_name": cooperative_name, "name": name, "email": email, "password": password}
    form = CooperativeForm(formdata=None, data=data, meta={"csrf": False})
    if not form.validate():
        problems = [f"{OPTIONS[field]}: {message}" for field, messages in form.errors.items() for message in messages]
        raise click.ClickException("Nothing changed. " + " ".join(problems))
    try:
        admin = services.create_cooperative(services.NewCooperative(**data))
    except Refusal as error:
        raise click.ClickException(f"{OPTIONS[error.field]}: {error} Nothing changed.") from None
    click.echo(
        f"Created the cooperative {cooperative_name.strip()}, with {admin.email} as its administrator: "
        "sign in to approve the districts and vendors that sign up."
    )
