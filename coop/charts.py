"""Charts as SVG: drawn once by matplotlib, the same bytes for the same figures, shown inline under the app's CSP.

Every chart of the app (a line's offers in an award explanation, a district's savings in its ledger) goes through
:func:`svg`, so that they all share what makes a chart fit to publish:

- No display and no shared figure state: a bare :class:`~matplotlib.figure.Figure` per chart, drawn by the SVG
  backend, one chart at a time (matplotlib's settings are process-wide, so no chart is drawn under settings another
  request restored: mathtext back on, another salt).
- The same bytes for the same input: the hash salt of the element ids is the chart's id and no date is written, so a
  printed page can be compared with a fresh one and a test can compare bytes.
- Safe with names people typed: mathtext is off (a ``$`` in a vendor's name is a dollar sign) and text is escaped.
- Shown as it was drawn: the page's Content-Security-Policy (``style-src 'self'``) ignores style elements and
  attributes, so matplotlib's styles become SVG presentation attributes; element ids are prefixed with the chart's
  id, so that the charts of one page (one HTML id space) do not collide. The same SVG goes into the PDF.
- Accessible: ``role="img"`` labelled by a ``<title>`` and a ``<desc>``; series told apart by marker and line style
  as well as colour (each colour at least 4.5:1 against white); pages give the same figures as a table.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable

import matplotlib
from markupsafe import Markup, escape
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

# Dark enough for 4.5:1 against white, told apart by marker and line style without colour.
COLOURS = ("#1f4e79", "#a0330f", "#2e6b30", "#6a3d9a", "#7a5c00", "#00666e", "#8b1a4a", "#333333")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
LINE_STYLES = ("-", "--", ":", "-.")
TEXT_COLOUR = "#111111"
FONT = "DejaVu Sans"
GRID_COLOUR = "#cccccc"

_RC = {
    "svg.fonttype": "none",  # text stays text: smaller, selectable, read by screen readers
    "text.parse_math": False,
    "text.usetex": False,
    "font.family": FONT,
    "font.size": 9,
    "axes.edgecolor": TEXT_COLOUR,
    "axes.labelcolor": TEXT_COLOUR,
    "xtick.color": TEXT_COLOUR,
    "ytick.color": TEXT_COLOUR,
    "text.color": TEXT_COLOUR,
    "timezone": "UTC",
}
_DRAWING = threading.Lock()
_SVG_START = re.compile(r"<svg\b[^>]*>")
_COMMENT = re.compile(r"<!--.*?-->\n?", re.S)
_TAG = re.compile(r"<[^<>]+>")
_ID_USE = re.compile(r'(\bid="|\bhref="#|url\(#)')
_STYLE_ELEMENT = re.compile(r"<style\b.*?</style>\n?", re.S)
_STYLE_ATTRIBUTE = re.compile(r'\bstyle="([^"]*)"')
_CHART_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


def series_style(n: int) -> dict[str, str]:
    """The colour, marker and line style of the ``n``-th series: no two of the first 32 alike without colour."""
    return {
        "color": COLOURS[n % len(COLOURS)],
        "marker": MARKERS[n % len(MARKERS)],
        "linestyle": LINE_STYLES[(n // len(MARKERS)) % len(LINE_STYLES)],
    }


def svg(
    draw: Callable[[Figure], None],
    *,
    chart_id: str,
    title: str,
    description: str,
    size_in: tuple[float, float],
    margins_in: tuple[float, float, float, float] | None = None,
) -> Markup:
    """Draw a chart and return it as an ``<svg>`` element to put inline in HTML (or a PDF's HTML).

    Parameters
    ----------
    draw : callable
        Draws on the figure it is given (axes, series, labels).
    chart_id : str
        Unique on its page (``[A-Za-z][A-Za-z0-9_-]*``): the salt of the element ids and their prefix.
    title, description : str
        Plain text, escaped here: the chart's accessible name and description.
    size_in : (float, float)
        Width and height in inches.
    margins_in : (float, float, float, float), optional
        Left, bottom, right and top margins around the axes, in inches (a legend beside the axes goes in the
        right one); by default matplotlib's constrained layout places the axes.

    Returns
    -------
    markupsafe.Markup
        The same string for the same arguments.
    """
    if not _CHART_ID.fullmatch(chart_id):
        raise ValueError(f"chart_id: {chart_id!r} is not a plain identifier")
    with _DRAWING, matplotlib.rc_context({**_RC, "svg.hashsalt": chart_id}):
        figure = Figure(figsize=size_in, layout=None if margins_in else "constrained")
        if margins_in:
            left, bottom, right, top = margins_in
            width, height = size_in
            figure.subplots_adjust(
                left=left / width, bottom=bottom / height, right=1 - right / width, top=1 - top / height
            )
        FigureCanvasSVG(figure)
        draw(figure)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue().decode("utf-8")
    text = text[text.index("<svg") :]  # no XML declaration or doctype inside HTML
    # matplotlib repeats every text in a comment: dropped, so that names appear once, as escaped text.
    text = _COMMENT.sub("", text)
    text = _STYLE_ELEMENT.sub("", text)
    text = _TAG.sub(lambda tag: _presentation(_ids(tag.group(0), chart_id)), text)
    opening = _SVG_START.search(text)
    start = opening.group(0)[:-1] + (
        f' role="img" aria-labelledby="{chart_id}-title {chart_id}-desc">'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(description)}</desc>'
    )
    return Markup(text[: opening.start()] + start + text[opening.end() :])


def _ids(tag: str, chart_id: str) -> str:
    # matplotlib's element ids ("line2d_1", ...) are the same in every chart. Text is escaped, so "<" only opens tags.
    return _ID_USE.sub(lambda m: f"{m.group(1)}{chart_id}-", tag)


def _presentation(tag: str) -> str:
    def attributes(style: re.Match) -> str:
        pairs = (declaration.split(":", 1) for declaration in style.group(1).split(";") if ":" in declaration)
        return " ".join(f'{name.strip()}="{value.strip()}"' for name, value in pairs)

    return _STYLE_ATTRIBUTE.sub(attributes, tag)
