"""The ledger's chart: a district's cumulative savings over time, as an SVG image.

The same ledger gives the same bytes (a fixed hash salt for the SVG's ids, no creation date), so that a printed
or archived ledger can be compared with a fresh one. The SVG carries its own ``<title>`` and ``<desc>``, the page
shows it with the same words as its text alternative, and the table beside it holds the same figures.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

import matplotlib
from matplotlib import dates as mdates
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from coop.money import format_dollars
from coop.outcomes.ledger import Ledger

# A fixed salt makes the SVG's element ids the same on every run; text drawn as paths needs no font on the
# reader's side.
SVG_SETTINGS = {"svg.hashsalt": "coop-ledger", "svg.fonttype": "path", "font.family": "DejaVu Sans",
                "timezone": "UTC"}
SIZE_IN = (7.5, 3.2)
COLOUR = "#0d6efd"  # Bootstrap's primary, the colour of the app's navigation


def title(ledger: Ledger) -> str:
    return f"Cumulative savings of {ledger.district_name} from pooled purchasing"


def description(ledger: Ledger) -> str:
    """What the chart shows, in words: each round's savings and the total so far."""
    points = ledger.savings_over_time
    steps = "; ".join(
        f"{point.published_at:%Y-%m-%d} {point.reference}: "
        + ("savings unknown" if point.savings_cents is None else f"saved {format_dollars(point.savings_cents)}")
        + f", {format_dollars(point.cumulative_cents)} so far"
        for point in points
    )
    return (f"{len(points)} published award {'round' if len(points) == 1 else 'rounds'}, "
            f"{format_dollars(points[-1].cumulative_cents)} saved in all. {steps}.")


def _dollar_ticks(value: float, _position) -> str:
    # Tick positions are the axis's coordinates in cents, not amounts anyone pays: rounded to the cent for the label.
    return format_dollars(round(value))


@dataclass(frozen=True)
class Chart:
    svg: bytes
    title: str
    description: str

    @property
    def data_uri(self) -> str:
        """The SVG as an image address a page can show under its content security policy (images: ``self`` and
        ``data:``), where an inline SVG's style attributes would be refused."""
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg).decode("ascii")


def savings_chart(ledger: Ledger) -> Chart | None:
    """The ledger's cumulative savings as a step chart, one point per published round; ``None`` without rounds."""
    if not ledger.rounds:
        return None
    chart_title, chart_description = title(ledger), description(ledger)
    return Chart(savings_svg(ledger, chart_title, chart_description), chart_title, chart_description)


def savings_svg(ledger: Ledger, title_text: str, description_text: str) -> bytes:
    """The SVG of :func:`savings_chart`.

    Parameters
    ----------
    ledger : Ledger
        A ledger with at least one round.
    title_text, description_text : str
        The chart's ``<title>`` and ``<desc>``.

    Returns
    -------
    bytes
        An SVG document with ``role="img"``, a ``<title>`` and a ``<desc>``; the same bytes for the same ledger.
    """
    points = ledger.savings_over_time
    moments = [point.published_at for point in points]
    cumulative = [point.cumulative_cents for point in points]
    with matplotlib.rc_context(SVG_SETTINGS):
        figure = Figure(figsize=SIZE_IN, layout="constrained")
        axes = figure.subplots()
        axes.plot(moments, cumulative, drawstyle="steps-post", marker="o", color=COLOUR, linewidth=2)
        axes.axhline(0, color="#6c757d", linewidth=0.8)
        axes.set_ylabel("Savings so far")
        axes.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        axes.yaxis.set_major_formatter(FuncFormatter(_dollar_ticks))
        locator = mdates.AutoDateLocator(minticks=2, maxticks=6)
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        axes.grid(axis="y", color="#dee2e6")
        axes.spines[["top", "right"]].set_visible(False)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return _labelled(buffer.getvalue().decode(), title_text, description_text).encode()


def _labelled(svg: str, title_text: str, description_text: str) -> str:
    """The SVG with an accessible name and description: ``role="img"``, ``<title>`` and ``<desc>`` first."""
    start = svg.index("<svg ")
    end = svg.index(">", start)
    root = svg[start:end]
    return (svg[:start] + root + ' role="img" aria-labelledby="chart-title chart-desc">'
            + f'<title id="chart-title">{escape(title_text)}</title>'
            + f'<desc id="chart-desc">{escape(description_text)}</desc>' + svg[end + 1:])
