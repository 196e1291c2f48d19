"""The bid tabulation: after opening, every submitted bid side by side, line by line, at the pooled quantity.

The tabulation compares prices; it does not award. Every offer is priced at its line's whole pooled
quantity, even where the vendor's capacity is smaller or its minimum award larger, because that is
the one quantity at which all offers on a line can be compared; such offers carry a note saying so,
and the award round is where capacities and minimums are respected. Costs come from the allocation
engine's own exact costing (through ``coop.awards.adapters``), so the tabulation and the award can
never disagree about what a quantity costs.

Only bids that were submitted when the bids were opened count: drafts are ignored at opening and
withdrawn bids are not bids, so neither is named or counted. What was opened is a record: each bid
is shown as it was submitted (its record, with the vendor's name as it was then), never from rows
its vendor can change later. Nothing here may be read before opening; :func:`tabulation_for` refuses to.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Literal

import pandas as pd
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from coop import evaluated_cost, exports
from coop.awards import adapters
from coop.bids import queries
from coop.bids.models import PricingKind
from coop.bids.rules import Bracket, Line, Tier
from coop.evaluation import queries as evaluation_queries
from coop.money import format_dollars, plain_dollars
from coop.rfps import queries as rfp_queries
from coop.rfps.models import Rfp, RfpLine

ExportKind = Literal["csv", "xlsx"]
EXPORT_KINDS: tuple[ExportKind, ...] = ("csv", "xlsx")
ALL_REGIONS = "All regions"
PRICING_LABELS = {PricingKind.ALL_UNITS: "All units", PricingKind.INCREMENTAL: "Incremental"}

COLUMNS = (
    "line",
    "item_code",
    "item",
    "pooled_quantity",
    "vendor",
    "product",
    "pricing",
    "tiers",
    "annual_support_per_unit",
    "capacity",
    "min_award_quantity",
    "regions",
    "unit_price_at_pooled_quantity",
    "purchase_cost",
    "tco_years",
    "support_cost_over_tco_years",
    "tco",
    "notes",
)
DISCOUNT_COLUMNS = ("vendor", "min_purchase_value", "percent_off")
MONEY_COLUMNS = frozenset(
    {
        "annual_support_per_unit",
        "unit_price_at_pooled_quantity",
        "purchase_cost",
        "support_cost_over_tco_years",
        "tco",
        "min_purchase_value",
    }
)
MAX_COLUMN_WIDTH = 60


class TabulationSealed(Exception):
    """The RFP's bids have not been opened: its bids are sealed and there is no tabulation to show."""


@dataclass(frozen=True)
class OfferRow:
    """One vendor's offer on one line, priced at the line's pooled quantity. Money in integer cents."""

    vendor: str
    product: str
    pricing_kind: PricingKind
    tiers: tuple[Tier, ...]
    annual_cost_per_unit_cents: int
    capacity: int | None  # None: unlimited
    min_award_quantity: int
    regions: tuple[str, ...]  # region names; empty: every region
    unit_price_cents: int | None  # None only on a line with no quantity
    purchase_cost_cents: int
    support_cost_cents: int
    tco_cents: int
    notes: tuple[str, ...]
    #: TCO × the bid's evaluation factor (``coop.evaluated_cost``), in cents; None while the bids are not all scored.
    evaluated_cost_cents: int | None = None
    set_aside_reason: str | None = None  # why the bid is not awarded (below the RFP's minimum score), or None

    @property
    def pricing_label(self) -> str:
        return PRICING_LABELS[self.pricing_kind]

    @property
    def tiers_text(self) -> str:
        """``1+: $289.00; 500+: $265.00``."""
        return "; ".join(f"{tier.min_quantity:,}+: {format_dollars(tier.unit_price_cents)}" for tier in self.tiers)

    @property
    def regions_text(self) -> str:
        return ", ".join(self.regions) or ALL_REGIONS

    @property
    def capacity_text(self) -> str:
        return "Unlimited" if self.capacity is None else f"{self.capacity:,}"

    @property
    def min_award_text(self) -> str:
        return f"{self.min_award_quantity:,}" if self.min_award_quantity else "None"

    @property
    def annual_support_text(self) -> str:
        return format_dollars(self.annual_cost_per_unit_cents)

    @property
    def unit_price_text(self) -> str:
        """The tier price reached, or for incremental pricing the average, marked as such."""
        if self.unit_price_cents is None:
            return "—"
        average = " (average)" if self.pricing_kind == PricingKind.INCREMENTAL else ""
        return format_dollars(self.unit_price_cents) + average

    @property
    def purchase_cost_text(self) -> str:
        return format_dollars(self.purchase_cost_cents)

    @property
    def support_cost_text(self) -> str:
        return format_dollars(self.support_cost_cents)

    @property
    def tco_text(self) -> str:
        return format_dollars(self.tco_cents)

    @property
    def evaluated_cost_text(self) -> str:
        return "—" if self.evaluated_cost_cents is None else format_dollars(self.evaluated_cost_cents)


@dataclass(frozen=True)
class LineTabulation:
    """One RFP line and the offers on it, lowest total cost of ownership first."""

    line_no: int
    item_code: str
    item_name: str
    unit: str
    pooled_quantity: int
    offers: tuple[OfferRow, ...]
    #: The offers the page marks as the lowest (by evaluated cost once every bid is scored, else by TCO; a bid set
    #: aside is never marked): every offer tied at the lowest, none on a line without an offer that can be marked.
    lowest: tuple[OfferRow, ...] = ()

    @property
    def lowest_tied(self) -> bool:
        """Whether more than one offer is at the lowest, so that the page says they are tied."""
        return len(self.lowest) > 1


@dataclass(frozen=True)
class VendorDiscounts:
    """A bidding vendor's total-quantity discount brackets (none is possible), lowest purchase value first."""

    vendor: str
    brackets: tuple[Bracket, ...]

    @property
    def brackets_text(self) -> str:
        """``2.5% off from $250,000.00; 4% off from $500,000.00``, or ``None``."""
        return (
            "; ".join(
                f"{bracket.percent.normalize():f}% off from {format_dollars(bracket.min_value_cents)}"
                for bracket in self.brackets
            )
            or "None"
        )


@dataclass(frozen=True)
class Tabulation:
    """The public comparison of an opened RFP's bids."""

    reference: str
    title: str
    opened_at: datetime
    tco_years: int
    bid_count: int  # bids submitted at opening
    lines: tuple[LineTabulation, ...]
    discounts: tuple[VendorDiscounts, ...]  # one entry per bidding vendor, by name
    #: Whether every bid is scored, so that the lowest offer marked is the lowest *evaluated* one (else: lowest TCO).
    evaluated: bool = False
    #: Whether the RFP has non-price criteria (else its evaluated cost is its TCO, and no column shows it).
    scored_criteria: bool = False
    #: Whether the evaluation is kept from this reader until an award is published (``with_evaluation`` False).
    evaluation_withheld: bool = False

    @property
    def evaluated_cost_column(self) -> bool:
        """Whether the page has an "Evaluated cost" column: non-price criteria, and the evaluation not withheld."""
        return self.scored_criteria and not self.evaluation_withheld

    @property
    def region_sets(self) -> dict[tuple[str, ...], str]:
        """Each list of regions some offer is limited to (two regions or more), keyed "A", "B"... in order of
        appearance: the page prints each list once, in a legend, rather than on every row."""
        keys: dict[tuple[str, ...], str] = {}
        for line in self.lines:
            for offer in line.offers:
                if len(offer.regions) > 1 and offer.regions not in keys:
                    keys[offer.regions] = _legend_key(len(keys))
        return keys

    def regions_cell(self, offer: OfferRow) -> str:
        """What an offer's Regions cell says: "All regions", the one region, or its legend key and count."""
        if len(offer.regions) <= 1:
            return offer.regions_text
        return f"{self.region_sets[offer.regions]} ({len(offer.regions)} regions)"


def _legend_key(index: int) -> str:
    """ "A".."Z", then "AA", "AB"... (a spreadsheet's column names)."""
    return get_column_letter(index + 1)


def _notes(bid_line: Line, quantity: int) -> tuple[str, ...]:
    notes = []
    if bid_line.capacity is not None and bid_line.capacity < quantity:
        notes.append(
            f"Capacity {bid_line.capacity:,} < pooled quantity {quantity:,}: cannot supply the whole line alone."
        )
    if bid_line.min_award_quantity > quantity:
        notes.append(
            f"Minimum award {bid_line.min_award_quantity:,} > pooled quantity {quantity:,}: "
            "cannot be awarded on this line."
        )
    return tuple(notes)


def _offer_row(
    version: queries.SubmittedVersion, bid_line: Line, rfp_line: RfpLine, tco_years: int, region_names: dict[str, str]
) -> OfferRow:
    quantity = rfp_line.quantity
    offer = adapters.offer_for(version.bid, rfp_line, bid_line)
    purchase_cents = adapters.purchase_cost_cents(offer, quantity)
    support_cents = bid_line.annual_cost_per_unit_cents * quantity * tco_years
    return OfferRow(
        vendor=version.vendor_name,
        product=bid_line.product,
        pricing_kind=bid_line.pricing_kind,
        tiers=tuple(sorted(bid_line.tiers, key=lambda tier: tier.min_quantity)),
        annual_cost_per_unit_cents=bid_line.annual_cost_per_unit_cents,
        capacity=bid_line.capacity,
        min_award_quantity=bid_line.min_award_quantity,
        # A region the cooperative has since removed shows its code.
        regions=tuple(region_names.get(code, code) for code in sorted(bid_line.region_codes)),
        unit_price_cents=adapters.unit_price_cents(offer, quantity),
        purchase_cost_cents=purchase_cents,
        support_cost_cents=support_cents,
        tco_cents=purchase_cents + support_cents,
        notes=_notes(bid_line, quantity),
    )


def tabulation_for(rfp: Rfp, *, with_evaluation: bool) -> Tabulation:
    """The bid tabulation of an opened RFP.

    Parameters
    ----------
    rfp : Rfp
        An RFP whose bids have been opened (``opened_at`` set).
    with_evaluation : bool
        Whether to show the evaluation: each bid's evaluated cost and why a bid is set aside. The cooperative's
        administrators see it while they evaluate; bidders and the public once an award is published (the scores
        are then part of the record a protest is argued on), never while the evaluation could still be lobbied.

    Returns
    -------
    Tabulation
        Every line in line order, each with the submitted offers on it priced at the pooled quantity
        and sorted by total cost of ownership (then vendor name), each line's lowest offer marked (by
        evaluated cost once every bid is scored, else by TCO); every bidding vendor's discount brackets,
        by vendor name.

    Raises
    ------
    TabulationSealed
        If the bids have not been opened: before opening nothing about a bid may be shown.
    """
    if rfp.opened_at is None:
        raise TabulationSealed(f"The bids on {rfp.reference} have not been opened.")
    # A bid cannot change status once the RFP is closed, so the bids submitted now are the ones opened.
    versions = queries.submitted_versions(rfp)
    region_names = {region.code: region.name for region in queries.regions()}
    offers_by_line: dict[int, list[tuple[queries.SubmittedVersion, Line]]] = {}
    for version in versions:
        for bid_line in version.lines:
            offers_by_line.setdefault(bid_line.rfp_line_id, []).append((version, bid_line))
    lines = []
    scored_criteria = bool(evaluated_cost.non_price_criteria(rfp_queries.criteria(rfp)))
    # Without non-price criteria the evaluated cost is the TCO: nothing to withhold.
    withheld = scored_criteria and not with_evaluation
    evaluations = {} if withheld else evaluation_queries.evaluations_for(rfp)
    evaluated = not withheld and not evaluation_queries.scoring_problems(rfp)
    for line in sorted(rfp.lines, key=lambda line: line.line_no):
        rows = [
            _evaluated(
                _offer_row(version, bid_line, line, rfp.tco_years, region_names),
                evaluations.get(version.bid.id),
                evaluated,
            )
            for version, bid_line in offers_by_line.get(line.id, [])
        ]
        rows.sort(key=lambda row: (row.tco_cents, row.vendor.casefold(), row.product))
        lines.append(
            LineTabulation(
                line.line_no,
                line.item.code,
                line.item.name,
                line.item.unit,
                line.quantity,
                tuple(rows),
                _lowest(rows, evaluated),
            )
        )
    discounts = sorted(
        (VendorDiscounts(version.vendor_name, version.discount_brackets) for version in versions),
        key=lambda entry: entry.vendor.casefold(),
    )
    return Tabulation(
        rfp.reference,
        rfp.title,
        rfp.opened_at,
        rfp.tco_years,
        len(versions),
        tuple(lines),
        tuple(discounts),
        evaluated=evaluated,
        scored_criteria=scored_criteria,
        evaluation_withheld=withheld,
    )


def _evaluated(row: OfferRow, evaluation: evaluation_queries.BidEvaluation | None, evaluated: bool) -> OfferRow:
    """The row with its evaluated cost (once every bid is scored) and whether its bid is set aside."""
    if evaluation is None:
        return row
    cost = None
    if evaluated:
        dollars = evaluated_cost.evaluated_cost(adapters.dollars(row.tco_cents), evaluation.evaluation_factor)
        cost = adapters.cents(dollars)
    return replace(row, evaluated_cost_cents=cost, set_aside_reason=evaluation.set_aside_reason)


def _lowest(rows: list[OfferRow], evaluated: bool) -> tuple[OfferRow, ...]:
    """The offers to mark, in the rows' order: every one at the lowest evaluated cost once every bid is scored, else
    at the lowest TCO (a tie marks them all: none of them is cheaper); never an offer whose bid is set aside."""
    eligible = [row for row in rows if row.set_aside_reason is None]
    if not eligible:
        return ()

    def cost(row: OfferRow) -> int:
        return row.evaluated_cost_cents if evaluated else row.tco_cents

    lowest_cents = min(map(cost, eligible))
    return tuple(row for row in eligible if cost(row) == lowest_cents)


def _money(cents: int | None) -> Decimal | None:
    return None if cents is None else adapters.dollars(cents)


def as_frame(tabulation: Tabulation) -> pd.DataFrame:
    """The tabulation as one row per line and offer, in the page's order.

    Parameters
    ----------
    tabulation : Tabulation

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`COLUMNS`. Money is exact ``Decimal`` dollars with two places (its text
        is ``"289.00"``), quantities are integers, ``capacity`` is ``"unlimited"`` where there is
        no limit, ``regions`` is ``"All regions"`` where the offer serves every region, and tiers
        read ``"1+: 289.00; 500+: 265.00"``.
    """
    records = [
        {
            "line": line.line_no,
            "item_code": line.item_code,
            "item": line.item_name,
            "pooled_quantity": line.pooled_quantity,
            "vendor": row.vendor,
            "product": row.product,
            "pricing": row.pricing_kind.value,
            "tiers": "; ".join(f"{tier.min_quantity}+: {plain_dollars(tier.unit_price_cents)}" for tier in row.tiers),
            "annual_support_per_unit": _money(row.annual_cost_per_unit_cents),
            "capacity": "unlimited" if row.capacity is None else row.capacity,
            "min_award_quantity": row.min_award_quantity,
            "regions": "; ".join(row.regions) or ALL_REGIONS,
            "unit_price_at_pooled_quantity": _money(row.unit_price_cents),
            "purchase_cost": _money(row.purchase_cost_cents),
            "tco_years": tabulation.tco_years,
            "support_cost_over_tco_years": _money(row.support_cost_cents),
            "tco": _money(row.tco_cents),
            "notes": " ".join(row.notes),
        }
        for line in tabulation.lines
        for row in line.offers
    ]
    return pd.DataFrame.from_records(records, columns=list(COLUMNS))


def discounts_frame(tabulation: Tabulation) -> pd.DataFrame:
    """Every bidding vendor's total-quantity discount brackets, one row per bracket.

    Parameters
    ----------
    tabulation : Tabulation

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`DISCOUNT_COLUMNS`: ``min_purchase_value`` in exact ``Decimal`` dollars,
        ``percent_off`` as an exact ``Decimal``. Vendors without brackets have no row.
    """
    records = [
        {
            "vendor": entry.vendor,
            "min_purchase_value": adapters.dollars(bracket.min_value_cents),
            "percent_off": bracket.percent,
        }
        for entry in tabulation.discounts
        for bracket in entry.brackets
    ]
    return pd.DataFrame.from_records(records, columns=list(DISCOUNT_COLUMNS))


def _check_kind(kind: str) -> None:
    if kind not in EXPORT_KINDS:
        raise ValueError(f'Unknown export kind "{kind}": "csv" or "xlsx".')


def _rows(frame: pd.DataFrame) -> list[list]:
    """The frame's header and rows as plain Python values, a missing value as ``None``."""
    values = frame.astype(object).where(frame.notna(), None)
    return [list(frame.columns), *values.to_numpy().tolist()]


def _fill_sheet(sheet: Worksheet, frame: pd.DataFrame) -> None:
    """The frame written on the sheet: bold frozen header, money shown with two decimals, columns as wide as their
    values."""
    for row in _rows(frame):
        exports.append_row(sheet, row)
    bold = Font(bold=True)
    sheet.freeze_panes = "A2"
    for index, name in enumerate(frame.columns, start=1):
        letter = get_column_letter(index)
        cells = sheet[letter]
        cells[0].font = bold
        if name in MONEY_COLUMNS:
            for cell in cells[1:]:
                cell.number_format = "#,##0.00"
        widest = max([len(name)] + [len(str(cell.value)) for cell in cells[1:] if cell.value is not None])
        sheet.column_dimensions[letter].width = min(widest + 2, MAX_COLUMN_WIDTH)


def export(tabulation: Tabulation, kind: ExportKind) -> bytes:
    """The tabulation as a downloadable file, written by :mod:`coop.exports` (vendors' text never runs as a formula).

    Parameters
    ----------
    tabulation : Tabulation
    kind : {"csv", "xlsx"}
        ``csv``: :func:`as_frame` as UTF-8 text with a byte-order mark (so that Excel reads
        vendors' names right), money written exactly (``33600.00``). ``xlsx``: a "Tabulation" sheet
        (:func:`as_frame`) and a "Discounts" sheet (:func:`discounts_frame`), bold frozen headers,
        money as exact numbers shown with two decimals.

    Returns
    -------
    bytes

    Raises
    ------
    ValueError
        For any other kind.
    """
    _check_kind(kind)
    frame = as_frame(tabulation)
    if kind == "csv":
        return exports.csv_bytes(_rows(frame))
    workbook, sheet = exports.new_workbook("Tabulation")
    _fill_sheet(sheet, frame)
    _fill_sheet(workbook.create_sheet("Discounts"), discounts_frame(tabulation))
    return exports.workbook_bytes(workbook)


def filename(rfp: Rfp, kind: ExportKind) -> str:
    """The download's file name, e.g. ``RFP-2026-0001-tabulation.csv``.

    Raises
    ------
    ValueError
        For a kind other than ``"csv"`` or ``"xlsx"``.
    """
    _check_kind(kind)
    return f"{rfp.reference}-tabulation.{kind}"
