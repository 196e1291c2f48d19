"""``flask --app coop demo load``: the demo cooperative."""

from __future__ import annotations

import click
from flask.cli import AppGroup

demo_cli = AppGroup("demo", help="The demo cooperative.")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Load only into a database with no organisation yet.")
def load(if_empty: bool) -> None:
    """Load the demo cooperative."""
    raise click.ClickException("not yet")
