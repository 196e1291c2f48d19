"""``flask --app coop audit verify [--rfp REF]``: recompute the audit hash chains and report the first broken link.

Here rather than in the audit area, which sits below every other: naming a chain takes its RFP's reference.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from coop.audit import services
from coop.rfps import queries as rfp_queries

audit_cli = AppGroup("audit", help="The audit log's hash chains.")


@audit_cli.command("verify")
@click.option(
    "--rfp", "reference", metavar="REF", help="Check only this RFP's chain (its reference, e.g. RFP-2026-0001)."
)
def verify(reference: str | None) -> None:
    """Check every audit chain (or one RFP's); exit 1 at the first broken link, naming the event and why."""
    if reference is None:
        reports = services.verify_all_chains()
    else:
        rfp = rfp_queries.rfp_by_reference(reference)
        if rfp is None:
            raise click.BadParameter(f"no RFP has the reference {reference}.", param_hint="--rfp")
        reports = [services.verify_chain(rfp.id)]
    for report in reports:
        if not report.intact:
            click.echo(f"{_chain_name(report)} is broken at {_event_name(report)}: {report.reason}.", err=True)
            raise SystemExit(1)
    events = sum(report.events_checked for report in reports)
    if reference is None:
        click.echo(f"All {len(reports)} audit chains are intact: {events} events checked.")
    else:
        click.echo(f"{_chain_name(reports[0])} is intact: {events} events checked.")


def _chain_name(report: services.ChainReport) -> str:
    if report.rfp_id is None:
        return "The global audit chain (events about no RFP)"
    return f"The audit chain of {rfp_queries.rfp(report.rfp_id).reference}"


def _event_name(report: services.ChainReport) -> str:
    if report.first_broken_event_id is None:
        return "its start"
    return f"event {report.first_broken_event_id} ({report.first_broken_action})"
