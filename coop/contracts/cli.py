"""``flask --app coop contracts finalise-due``: make final every award whose protest period is over (for a cron)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from coop.contracts import services

contracts_cli = AppGroup("contracts", help="Notices of intent to award and final awards.")


@contracts_cli.command("finalise-due")
def finalise_due() -> None:
    """Make final each award whose protest period is over and whose protests are decided; name those that wait."""
    outcomes = services.finalise_due()
    for outcome in outcomes:
        click.echo(outcome.message if outcome.finalised else f"{outcome.reference} waits: {outcome.message}")
    if not outcomes:
        click.echo("No award is due to become final.")
