"""``flask --app coop demo load``: the demo cooperative."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from coop.demo import services

demo_cli = AppGroup("demo", help="The demo cooperative.")


@demo_cli.command("load")
@click.option(
    "--if-empty",
    is_flag=True,
    help="Load only into a database with no organisation yet; otherwise say so and change nothing.",
)
def load(if_empty: bool) -> None:
    """Load the demo cooperative into an empty database."""
    try:
        summary = services.load_demo()
    except services.DatabaseNotEmpty as error:
        if if_empty:
            click.echo(f"Demo not loaded: {error} Nothing changed.")
            return
        raise click.ClickException(
            f"{error} The demo loads only into an empty database, so nothing changed. "
            "To start again from the demo, run `make demo-reset` (it deletes the embedded SQLite database)."
        ) from None
    click.echo(_describe(summary))


def _describe(summary: services.DemoSummary) -> str:
    width = max(len(email) for _, email, _ in (*summary.headline_logins, *summary.other_logins))
    lines = [
        f"Loaded the demo cooperative: {summary.cooperative}.",
        f"  {summary.regions} regions, {summary.districts} districts (+{summary.pending_districts} pending approval), "
        f"{summary.vendors} vendors (+{summary.pending_vendors} pending approval),",
        f"  {summary.items} catalogue items in {summary.categories} categories, {summary.open_needs} open needs,",
        "  joint RFPs: "
        + "; ".join(f"{reference} ({status}) {title}" for reference, status, title in summary.rfps)
        + ".",
        f"Every demo user's password is {summary.password}. Sign in as:",
    ]
    lines += [f"  {email:<{width}}  {role}, {organisation}" for role, email, organisation in summary.headline_logins]
    lines.append("Other log-ins:")
    lines += [f"  {email:<{width}}  {role}, {organisation}" for role, email, organisation in summary.other_logins]
    return "\n".join(lines)
