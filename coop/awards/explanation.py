"""The explanation of an award round as people read it: names instead of engine ids, a chart per line, a PDF.

The engine explains a round in its own ids (:func:`coop.awards.adapters.explain_round`); this module
turns them back into what the RFP's readers know: ``V{vendor id}`` into the vendor's name as it bid
(the bid's record, ``Bid.submitted_content``, never the company's name today), ``L{line_no}`` into
the RFP line, ``D{district id}`` into the district's name. An id that does not follow the scheme is
shown as it is. The page and the PDF show the same tables and the same SVG charts
(:mod:`coop.awards.charts`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from flask import render_template
from markupsafe import Markup

from coop.awards import adapters, charts
from coop.money import format_dollars
from coop.rfps.documents import render_pdf as html_to_pdf
from coop.rfps.models import Rfp

PARTIAL_TEMPLATE = "awards/_explanation.html"
DOCUMENT_TEMPLATE = "awards/explanation_document.html"
#: What each of the engine's reason codes is called on the page.
REASON_LABELS = {
    "region": "Does not serve the region",
    "capacity": "Capacity too small",
    "min_award": "Minimum award not reached",
    "price": "Dearer at the pooled volume",
    "discount": "Another vendor's total-quantity discount",
    "evaluation": "Evaluation score",
    "vendor_cap": "Vendor cap per line",
    "pooling": "Buying together",
}
PRICING_LABELS = {"all_units": "All units", "incremental": "Incremental"}
_LINE_ID = re.compile(r"L(\d+)")


@dataclass(frozen=True)
class AwardRow:
    """One offer's award on a line; money as ``$1,250.00``."""

    vendor: str
    districts: tuple[str, ...]
    quantity: int
    tier: str
    unit_price: str
    cost: str
    support_cost: str
    discount: str
    total: str


@dataclass(frozen=True)
class LostRow:
    vendor: str
    reason: str
    message: str


@dataclass(frozen=True)
class CurveRow:
    """The figures of one offer's curve in the chart, for the table beside it."""

    vendor: str
    pricing: str
    tiers: str
    points: str
    capacity: str
    min_award: str
    awarded: str


@dataclass(frozen=True)
class LineView:
    title: str
    quantity: int
    awards: tuple[AwardRow, ...]
    cost: str
    runner_up: str
    runner_up_awards: tuple[AwardRow, ...]
    lost: tuple[LostRow, ...]
    chart_id: str
    chart: Markup
    curves: tuple[CurveRow, ...]


@dataclass(frozen=True)
class UnmetRow:
    district: str
    line: str
    quantity: int
    reason: str


@dataclass(frozen=True)
class PoolingView:
    pooled_cost: str
    standalone_cost: str
    compared_pooled_cost: str
    savings: str
    complete: bool  # every district has a standalone cost
    missing: tuple[tuple[str, str], ...]  # (district, reason)


@dataclass(frozen=True)
class RoundExplanation:
    """What the partial ``awards/_explanation.html`` and the PDF render."""

    status: str
    message: str
    tco_years: int
    lines: tuple[LineView, ...]
    pooling: PoolingView | None
    unmet: tuple[UnmetRow, ...]


def _dollars(amount: Decimal) -> str:
    return format_dollars(adapters.cents(amount))


@dataclass(frozen=True)
class Names:
    """All that an explanation reads from the database: what people call the engine's ids and the RFP's lines."""

    engine: dict[str, str]
    line_titles: dict[int, str]


def names_for(rfp: Rfp, problem: dict) -> Names:
    """The names a round's explanation uses (vendors as they bid, districts, lines with their items)."""
    return Names(
        adapters.engine_names(problem, rfp),
        {line.line_no: f"Line {line.line_no}: {line.item.name} ({line.item.code})" for line in rfp.lines},
    )


def explanation_for(
    names: Names, problem: dict, result: dict, on_progress: Callable[[str, int, int], None] | None = None
) -> RoundExplanation:
    """The explanation of a round from its stored problem and result documents, without the database.

    It solves each line's runner-up and draws each line's chart, which on a large round takes as long as the
    round's own solve: the caller holds no transaction meanwhile (on SQLite a transaction holds the write lock).

    Parameters
    ----------
    names : Names
        From :func:`names_for`.
    problem, result : dict
        The round's stored ``coop.allocation/1`` problem and result documents.
    on_progress : callable, optional
        The explanation's progress: called as ``on_progress("runner-ups", done, lines)`` as the lines'
        runner-ups are found, then ``on_progress("charts", done, lines)`` from 0 and after each line's chart.
        An exception it raises stops the explanation.

    Returns
    -------
    RoundExplanation
    """
    explained = adapters.explain_round(
        problem,
        result,
        names=names.engine,
        on_runner_up=None if on_progress is None else lambda done, lines: on_progress("runner-ups", done, lines),
    )

    def name(ident: str) -> str:
        return names.engine.get(ident, ident)

    def line_title(item: str) -> str:
        match = _LINE_ID.fullmatch(item)
        return names.line_titles.get(int(match.group(1)), item) if match else item

    def award_rows(awards) -> tuple[AwardRow, ...]:
        return tuple(
            AwardRow(
                name(a.vendor),
                tuple(name(d) for d in a.districts),
                a.quantity,
                f"from {a.tier_min_quantity:,} units at {_dollars(a.tier_unit_price)}",
                _dollars(a.unit_price),
                _dollars(a.cost),
                _dollars(a.support_cost),
                _dollars(a.discount),
                _dollars(a.total),
            )
            for a in awards
        )

    lines = []
    if on_progress is not None:
        on_progress("charts", 0, len(explained.lines))
    for line in explained.lines:
        title = line_title(line.item)
        chart_id = f"chart-{line.item}" if _LINE_ID.fullmatch(line.item) else f"chart-{len(lines) + 1}"
        series = [
            charts.Series(
                name(c.vendor), c.points, (c.awarded_quantity, c.awarded_cost) if c.awarded_cost is not None else None
            )
            for c in line.curves
        ]
        winners = "; ".join(
            f"{name(a.vendor)} {a.quantity:,} units at {_dollars(a.unit_price)} a unit" for a in line.awards
        )
        years = f"{explained.tco_years} year{'s' if explained.tco_years != 1 else ''}"
        description = (
            f"Cost of ownership over {years} against the units bought, for each of "
            f"the {len(line.curves)} offers on the line, before total-quantity discounts. "
            f"Awarded: {winners}. The table below gives the same figures."
        )
        lines.append(
            LineView(
                title=title,
                quantity=line.quantity,
                awards=award_rows(line.awards),
                cost=_dollars(line.cost),
                runner_up=line.runner_up.message,
                runner_up_awards=award_rows(line.runner_up.awards),
                lost=tuple(LostRow(name(o.vendor), REASON_LABELS[o.reason], o.message) for o in line.lost),
                chart_id=chart_id,
                # The SVG is built by the chart module, every text in it escaped there.
                chart=Markup(charts.line_chart(chart_id, f"{title}: cost against quantity", description, series)),
                curves=tuple(_curve_row(name(c.vendor), c) for c in line.curves),
            )
        )
        if on_progress is not None:
            on_progress("charts", len(lines), len(explained.lines))
    pooling = None
    if explained.pooling is not None:
        p = explained.pooling
        pooling = PoolingView(
            _dollars(p.pooled_cost),
            _dollars(p.standalone_cost),
            _dollars(p.compared_pooled_cost),
            _dollars(p.savings),
            not p.missing,
            tuple((name(d), adapters.readable(why, names.engine)) for d, why in p.missing),
        )
    unmet = tuple(
        UnmetRow(name(u.district), line_title(u.item), u.quantity, adapters.readable(u.reason, names.engine))
        for u in explained.unmet
    )
    return RoundExplanation(explained.status, explained.message, explained.tco_years, tuple(lines), pooling, unmet)


def _curve_row(vendor: str, curve) -> CurveRow:
    tiers = "; ".join(f"{quantity:,}+ units: {_dollars(price)}" for quantity, price in curve.tiers)
    points = "; ".join(f"{quantity:,} units: {_dollars(cost)}" for quantity, cost in curve.points if quantity > 0)
    awarded = (
        f"{curve.awarded_quantity:,} units: {_dollars(curve.awarded_cost)}"
        if curve.awarded_cost is not None
        else "not awarded"
    )
    return CurveRow(
        vendor,
        PRICING_LABELS[curve.pricing],
        tiers,
        points,
        "unlimited" if curve.capacity is None else f"{curve.capacity:,}",
        f"{curve.min_award_quantity:,}",
        awarded,
    )


def render_html(explanation: RoundExplanation) -> Markup:
    """The explanation as the round's page and its PDF show it (``awards/_explanation.html``)."""
    return Markup(render_template(PARTIAL_TEMPLATE, explanation=explanation))


def render_pdf(rfp: Rfp, explanation_html: str) -> bytes:
    """The explanation as a PDF document (WeasyPrint), with the page's tables and charts.

    Parameters
    ----------
    rfp : Rfp
    explanation_html : str
        From :func:`render_html`, as the round stores it.

    Returns
    -------
    bytes
        The PDF.
    """
    return html_to_pdf(render_template(DOCUMENT_TEMPLATE, rfp=rfp, explanation_html=Markup(explanation_html)))
