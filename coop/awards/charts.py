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
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath
from matplotlib.ticker import FuncFormatter, MaxNLocator

from coop.charts import COLOURS, FONT, GRID_COLOUR, TEXT_COLOUR, series_style, svg

#: Layout in inches: the axes' width, the room of the y axis's label beside its tick labels, below the axes
#: (x tick labels and label), between the axes and the legend, a legend's frame, handle and padding around
#: its text, and at the other edges.
AXES_WIDTH_IN = 4.6
Y_LABEL_IN = 0.45
BOTTOM_IN = 0.6
LEGEND_GAP_IN = 0.15
LEGEND_FRAME_IN = 0.6
MARGIN_IN = 0.15
_TEXT_PATH = TextToPath()

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
    labels = [line.label for line in series] + [
        f"{line.label}: awarded {line.awarded[0]:,} units" for line in series if line.awarded is not None
    ]
    top_cost = max((float(c) for line in series for _, c in line.points), default=0.0)
    # Margins measured from the texts, so that one drawing fits: the widest y tick label on the left,
    # the legend's longest entry on the right (a tight bounding box would draw every chart twice).
    left_in = _text_width_in(_dollars(top_cost, 0), 9) + Y_LABEL_IN
    legend_in = (_text_width_in(max(labels, key=len), 8) + LEGEND_FRAME_IN) if series else 0.0
    height_in = max(4.2, 0.16 * entries + 0.6)  # tall enough for the legend, one entry per offer and award
    width_in = left_in + AXES_WIDTH_IN + LEGEND_GAP_IN + legend_in + MARGIN_IN
    return svg(
        draw,
        chart_id=chart_id,
        title=title,
        description=description,
        size_in=(width_in, height_in),
        margins_in=(left_in, BOTTOM_IN, width_in - left_in - AXES_WIDTH_IN, MARGIN_IN),
    )


def _text_width_in(text: str, size_pt: float) -> float:
    """Width in inches of ``text`` in the charts' font at ``size_pt`` (measured from the glyphs, nothing drawn)."""
    width_pt, _, _ = _TEXT_PATH.get_text_width_height_descent(text, FontProperties(family=FONT, size=size_pt), False)
    return width_pt / 72.0
