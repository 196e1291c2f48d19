"""Award explanation charts: one SVG per line, cost of ownership against quantity for each offer.

Drawn through :func:`coop.charts.svg` (the same bytes for the same figures, inline under the page's security
policy, accessible), so the same SVG goes into the page and into the PDF. Every offer has its own marker and line
style as well as its colour, and the page gives the same figures as a table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from coop.charts import COLOURS, GRID_COLOUR, TEXT_COLOUR, series_style, svg

__all__ = ["COLOURS", "Series", "line_chart", "series_style"]


@dataclass(frozen=True)
class Series:
    """One offer's curve.

    Attributes
    ----------
    label : str
        What the legend says (the vendor's name).
    points : tuple of (int, Decimal)
        ``(quantity, cost in dollars)``, the cost linear between consecutive points.
    awarded : (int, Decimal) or None
        The awarded point, ``None`` for an offer that won nothing.
    """

    label: str
    points: tuple[tuple[int, Decimal], ...]
    awarded: tuple[int, Decimal] | None


def _units(value: float, _position: float) -> str:
    return f"{value:,.0f}"


def _dollars(value: float, _position: float) -> str:
    return f"${value:,.0f}"


def line_chart(chart_id: str, title: str, description: str, series: Sequence[Series]) -> Markup:
    """The SVG of one line's chart, as an ``<svg>`` element to put inline in HTML.

    Parameters
    ----------
    chart_id : str
        Unique on its page (``[A-Za-z0-9_-]``): the ids of the title and description derive from it.
    title, description : str
        Plain text, escaped here.
    series : sequence of Series
        One per offer.

    Returns
    -------
    markupsafe.Markup
        The same string for the same arguments.
    """

    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        for n, line in enumerate(series):
            style = series_style(n)
            # Plot coordinates are floats by nature; the figures people read are in the table, exact.
            axes.plot(
                [q for q, _ in line.points],
                [float(c) for _, c in line.points],
                label=line.label,
                linewidth=1.6,
                markersize=4,
                **style,
            )
            if line.awarded is not None:
                quantity, cost = line.awarded
                axes.plot(
                    [quantity],
                    [float(cost)],
                    marker=style["marker"],
                    markersize=12,
                    color=style["color"],
                    markeredgecolor=TEXT_COLOUR,
                    markeredgewidth=1.5,
                    linestyle="none",
                    label=f"{line.label}: awarded {quantity:,} units",
                )
        axes.set_xlabel("Units bought from the offer")
        axes.set_ylabel("Cost of ownership")
        axes.xaxis.set_major_formatter(FuncFormatter(_units))
        axes.yaxis.set_major_formatter(FuncFormatter(_dollars))
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlim(left=0)
        axes.set_ylim(bottom=0)
        axes.grid(True, color=GRID_COLOUR, linewidth=0.5)
        if series:
            axes.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, frameon=True, borderaxespad=0)

    entries = len(series) + sum(1 for line in series if line.awarded is not None)
    # Tall enough for the legend beside the axes, one entry per offer and per awarded point.
    return svg(
        draw,
        chart_id=chart_id,
        title=title,
        description=description,
        size_in=(7.0, max(4.2, 0.16 * entries + 0.6)),
        tight=True,
    )
