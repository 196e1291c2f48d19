"""The ledger's chart: a district's cumulative savings over time, as an SVG drawn through :func:`coop.charts.svg`.

The same ledger gives the same bytes, so that a printed or archived ledger can be compared with a fresh one. The SVG
carries its own ``<title>`` and ``<desc>``, and the table beside it holds the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup
from matplotlib import dates as mdates
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from coop.charts import COLOURS, GRID_COLOUR, svg
from coop.money import format_dollars
from coop.outcomes.ledger import Ledger

SIZE_IN = (7.5, 3.2)
CHART_ID = "savings"


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
    return (
        f"{len(points)} published award {'round' if len(points) == 1 else 'rounds'}, "
        f"{format_dollars(points[-1].cumulative_cents)} saved in all. {steps}."
    )


def _dollar_ticks(value: float, _position) -> str:
    # Tick positions are the axis's coordinates in cents, not amounts anyone pays: rounded to the cent for the label.
    return format_dollars(round(value))


@dataclass(frozen=True)
class Chart:
    svg: Markup
    title: str
    description: str


def savings_chart(ledger: Ledger) -> Chart | None:
    """The ledger's cumulative savings as a step chart, one point per published round; ``None`` without rounds."""
    if not ledger.rounds:
        return None
    chart_title, chart_description = title(ledger), description(ledger)
    return Chart(savings_svg(ledger, chart_title, chart_description), chart_title, chart_description)


def savings_svg(ledger: Ledger, title_text: str, description_text: str) -> Markup:
    """The ``<svg>`` element of :func:`savings_chart`, for a ledger with at least one round."""
    points = ledger.savings_over_time

    def draw(figure: Figure) -> None:
        axes = figure.subplots()
        axes.plot(
            [point.published_at for point in points],
            [point.cumulative_cents for point in points],
            drawstyle="steps-post",
            marker="o",
            color=COLOURS[0],
            linewidth=2,
        )
        axes.axhline(0, color=GRID_COLOUR, linewidth=0.8)
        axes.set_ylabel("Savings so far")
        axes.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        axes.yaxis.set_major_formatter(FuncFormatter(_dollar_ticks))
        locator = mdates.AutoDateLocator(minticks=2, maxticks=6)
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        axes.grid(axis="y", color=GRID_COLOUR)
        axes.spines[["top", "right"]].set_visible(False)

    return svg(draw, chart_id=CHART_ID, title=title_text, description=description_text, size_in=SIZE_IN)
