"""Award explanation charts: one SVG per line, cost of ownership against quantity for each offer.

The same SVG goes inline into the page and into the PDF, so it is drawn once, by matplotlib's SVG
backend on a bare :class:`~matplotlib.figure.Figure` (no pyplot: no display, no global figure
state shared between requests). The bytes depend on the input only: the hash salt of the ids
is the chart's id (fixed, and distinct between the charts of one page, whose SVGs share one
HTML id space) and the date is left out, so a test can compare them.

Accessible: the SVG carries a ``<title>`` and a ``<desc>`` and is labelled by them, every offer has
its own marker and line style as well as its colour (each colour at least 4.5:1 against white),
and the page gives the same figures as a table. Names come from vendors: matplotlib's mathtext
is switched off so that a ``$`` in a name is a dollar sign, and the text is escaped into the SVG.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import matplotlib
from markupsafe import escape
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

# Dark enough for 4.5:1 against white, told apart by marker and line style without colour.
COLOURS = ("#1f4e79", "#a0330f", "#2e6b30", "#6a3d9a", "#7a5c00", "#00666e", "#8b1a4a", "#333333")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
LINE_STYLES = ("-", "--", ":", "-.")
TEXT_COLOUR = "#111111"

_RC = {
    "svg.fonttype": "none",  # text stays text: smaller, selectable, read by screen readers
    "text.parse_math": False,
    "text.usetex": False,
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.edgecolor": TEXT_COLOUR,
    "axes.labelcolor": TEXT_COLOUR,
    "xtick.color": TEXT_COLOUR,
    "ytick.color": TEXT_COLOUR,
    "text.color": TEXT_COLOUR,
}
# matplotlib's settings are process-wide: one chart at a time, so that no request's chart is drawn under the
# settings another one restored (mathtext back on, another salt).
_DRAWING = threading.Lock()
_SVG_START = re.compile(r"<svg\b[^>]*>")
_COMMENT = re.compile(r"<!--.*?-->\n?", re.S)
_TAG = re.compile(r"<[^<>]+>")
_ID_USE = re.compile(r'(\bid="|\bhref="#|url\(#)')
_STYLE_ELEMENT = re.compile(r"<style\b.*?</style>\n?", re.S)
_STYLE_ATTRIBUTE = re.compile(r'\bstyle="([^"]*)"')


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


def _ids(tag: str, chart_id: str) -> str:
    # matplotlib's element ids ("line2d_1", ...) are the same in every chart: prefixed, so that the charts of one
    # page (one HTML id space) do not collide. Text is escaped, so "<" only opens tags.
    return _ID_USE.sub(lambda m: f"{m.group(1)}{chart_id}-", tag)


def _presentation(tag: str) -> str:
    def attributes(style: re.Match) -> str:
        pairs = (declaration.split(":", 1) for declaration in style.group(1).split(";") if ":" in declaration)
        return " ".join(f'{name.strip()}="{value.strip()}"' for name, value in pairs)

    return _STYLE_ATTRIBUTE.sub(attributes, tag)


def series_style(n: int) -> dict[str, str]:
    """The colour, marker and line style of the ``n``-th series: no two of the first 32 alike without colour."""
    return {"color": COLOURS[n % len(COLOURS)], "marker": MARKERS[n % len(MARKERS)],
            "linestyle": LINE_STYLES[(n // len(MARKERS)) % len(LINE_STYLES)]}


def _units(value: float, _position: float) -> str:
    return f"{value:,.0f}"


def _dollars(value: float, _position: float) -> str:
    return f"${value:,.0f}"


def line_chart(chart_id: str, title: str, description: str, series: Sequence[Series]) -> str:
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
    str
        The same string for the same arguments.
    """
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", chart_id):
        raise ValueError(f"chart_id: {chart_id!r} is not a plain identifier")
    entries = len(series) + sum(1 for line in series if line.awarded is not None)
    with _DRAWING, matplotlib.rc_context({**_RC, "svg.hashsalt": chart_id}):
        # Tall enough for the legend beside the axes, one entry per offer and per awarded point.
        figure = Figure(figsize=(7.0, max(4.2, 0.16 * entries + 0.6)))
        FigureCanvasSVG(figure)
        axes = figure.add_subplot()
        for n, line in enumerate(series):
            style = series_style(n)
            # Plot coordinates are floats by nature; the figures people read are in the table, exact.
            axes.plot([q for q, _ in line.points], [float(c) for _, c in line.points], label=line.label,
                      linewidth=1.6, markersize=4, **style)
            if line.awarded is not None:
                quantity, cost = line.awarded
                axes.plot([quantity], [float(cost)], marker=style["marker"], markersize=12, color=style["color"],
                          markeredgecolor=TEXT_COLOUR, markeredgewidth=1.5, linestyle="none",
                          label=f"{line.label}: awarded {quantity:,} units")
        axes.set_xlabel("Units bought from the offer")
        axes.set_ylabel("Cost of ownership")
        axes.xaxis.set_major_formatter(FuncFormatter(_units))
        axes.yaxis.set_major_formatter(FuncFormatter(_dollars))
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlim(left=0)
        axes.set_ylim(bottom=0)
        axes.grid(True, color="#cccccc", linewidth=0.5)
        if series:
            axes.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, frameon=True, borderaxespad=0)
        buffer = io.BytesIO()
        # "tight" widens the picture to the legend, however long the names in it.
        figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight", pad_inches=0.1)
    svg = buffer.getvalue().decode("utf-8")
    svg = svg[svg.index("<svg"):]  # no XML declaration or doctype inside HTML
    # matplotlib repeats every text in a comment: dropped, so that names appear once, as escaped text.
    svg = _COMMENT.sub("", svg)
    # The page's Content-Security-Policy (style-src 'self') ignores style elements and attributes: matplotlib's
    # styles become SVG presentation attributes, which it applies.
    svg = _STYLE_ELEMENT.sub("", svg)
    svg = _TAG.sub(lambda tag: _presentation(_ids(tag.group(0), chart_id)), svg)
    opening = _SVG_START.search(svg)
    start = opening.group(0)[:-1] + (
        f' role="img" aria-labelledby="{chart_id}-title {chart_id}-desc">'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(description)}</desc>'
    )
    return svg[:opening.start()] + start + svg[opening.end():]
