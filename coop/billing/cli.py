"""``flask --app coop billing ...``: dues runs, administrative fees and reconciliation with Stripe."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from coop import clock
from coop.billing import services
from coop.billing.adapters import StripeUnavailable
from coop.errors import Refusal

billing_cli = AppGroup("billing", help="Membership dues, administrative fees and Stripe.")


def _report(run: services.BillingRun, what: str) -> None:
    click.echo(f"{what}: {len(run.recorded)} invoice(s) recorded, {run.already_recorded} already recorded before.")
    if services.billing_enabled():
        click.echo(f"{len(run.issued)} issued through Stripe.")
    else:
        click.echo(services.BILLING_OFF)
    for failure in run.failures:
        click.echo(failure, err=True)
    if run.failures:
        raise click.exceptions.Exit(1)


@billing_cli.command("dues")
@click.option(
    "--year",
    type=int,
    default=None,
    help="The membership year, as the year it starts in (default: the one running today).",
)
def dues(year: int | None) -> None:
    """Invoice every member district its membership dues; running it again invoices no one twice."""
    year = year if year is not None else services.membership_year(clock.today())
    try:
        run = services.run_dues(None, year)
    except Refusal as error:
        raise click.ClickException(error.message) from None
    _report(run, f"Dues {services.membership_year_label(year)}")


@billing_cli.command("fees")
@click.argument("award_round_id", type=int)
def fees(award_round_id: int) -> None:
    """Invoice the vendors of a published award round the administrative fee; again, no one twice."""
    try:
        run = services.invoice_award_fees(award_round_id)
    except Refusal as error:
        raise click.ClickException(error.message) from None
    except LookupError:
        raise click.ClickException(f"There is no award round with the id {award_round_id}.") from None
    _report(run, f"Administrative fees of the award round with the id {award_round_id}")


@billing_cli.command("reconcile")
def reconcile() -> None:
    """Compare local invoices with Stripe's, repair what a lost webhook left behind, and print each change."""
    try:
        changes = services.reconcile()
    except Refusal as error:
        raise click.ClickException(error.message) from None
    except StripeUnavailable as error:
        raise click.ClickException(f"{error} Nothing more was changed; run it again later.") from None
    for change in changes:
        click.echo(change)
    click.echo(f"{len(changes)} change(s)." if changes else "Nothing to change: every invoice agrees with Stripe.")
