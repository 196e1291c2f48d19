"""The bid form: one block per RFP line, dynamic rows of price tiers and discount brackets; uploads.

Fields are text as typed: every rule lives in :mod:`coop.bids.rules`, and the view
puts each problem it reports next to its field (:func:`place_problems`).
"""

from __future__ import annotations

import wtforms
from flask_wtf.file import FileField, FileRequired
from wtforms import ValidationError
from wtforms.fields import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    RadioField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from coop.accounts.forms import MultiCheckboxField
from coop.bids import rules
from coop.bids.models import PricingKind
from coop.errors import Problem
from coop.inputs import Form
from coop.spreadsheets import ACCEPT, FORMATS_TEXT

SPARE_TIER_ROWS = 2
SPARE_BRACKET_ROWS = 2
MIN_TIER_ROWS = 3
MIN_BRACKET_ROWS = 2


class TierForm(wtforms.Form):
    min_quantity = StringField("From quantity", render_kw={"inputmode": "numeric", "autocomplete": "off"})
    unit_price = StringField("Unit price ($)", render_kw={"inputmode": "decimal", "autocomplete": "off"})


class BracketForm(wtforms.Form):
    min_value = StringField("Purchases from ($)", render_kw={"inputmode": "decimal", "autocomplete": "off"})
    percent = StringField("Discount (%)", render_kw={"inputmode": "decimal", "autocomplete": "off"})


class ComplianceForm(wtforms.Form):
    key = HiddenField()
    answer = TextAreaField("How the product meets it", render_kw={"rows": 1})


class LineForm(wtforms.Form):
    rfp_line_id = HiddenField()
    bid_on = BooleanField("Bid on this line")
    product = StringField("Product offered (make and model)", render_kw={"maxlength": rules.MAX_PRODUCT})
    compliance = FieldList(FormField(ComplianceForm))
    pricing_kind = RadioField(
        "Pricing",
        choices=[
            SelectChoice(PricingKind.ALL_UNITS.value, "All units: every unit at the price of the tier reached"),
            SelectChoice(PricingKind.INCREMENTAL.value, "Incremental: each band of units at its own price"),
        ],
        default=PricingKind.ALL_UNITS.value,
        validate_choice=False,  # rules.py words the refusal
    )
    tiers = FieldList(FormField(TierForm), min_entries=MIN_TIER_ROWS)
    annual_cost_per_unit = StringField("Annual support cost per unit ($)", render_kw={"inputmode": "decimal"})
    capacity = StringField("Capacity (units; blank for no limit)", render_kw={"inputmode": "numeric"})
    min_award_quantity = StringField("Minimum award (units; blank for none)", render_kw={"inputmode": "numeric"})
    regions = MultiCheckboxField(
        "Regions served for this bid",
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


class BidForm(Form):
    revision = HiddenField()
    lines = FieldList(FormField(LineForm))
    discounts = FieldList(FormField(BracketForm), min_entries=MIN_BRACKET_ROWS)
    save = SubmitField("Save draft")
    submit = SubmitField("Save and submit bid")

    def __init__(self, *args, rfp_line_ids: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.rfp_line_ids = rfp_line_ids

    def validate_lines(self, field):
        # The page has one block per line of this RFP, in its order; any other block (another RFP's line, an id
        # that is no line at all) is not something this form can show again or save.
        if [entry.form.rfp_line_id.data for entry in field] != [str(line_id) for line_id in self.rfp_line_ids]:
            raise ValidationError(rules.UNKNOWN_LINE)


class RevisionForm(Form):
    """A button acting on the bid as it was when the page was loaded: submit, withdraw, remove an attachment."""

    revision = HiddenField()
    submit = SubmitField()


class AttachmentForm(Form):
    revision = HiddenField()
    # Distinct ids: both upload forms share one page, and each label must point at its own input.
    file = FileField(
        "Spec sheet (PDF)", validators=[FileRequired("Choose a PDF file to attach.")], id="attachment-file"
    )
    submit = SubmitField("Attach")


class SheetForm(Form):
    revision = HiddenField()
    file = FileField(
        # The label is the one the browser journeys find the input by; the description names ODS too.
        "Filled bid sheet (XLSX, ODS or CSV)",
        validators=[FileRequired("Choose the bid sheet to upload.")],
        id="sheet-file",
        description=FORMATS_TEXT,
        render_kw={"accept": ACCEPT},
    )
    submit = SubmitField("Upload and save as draft")


class OpenBidsForm(Form):
    submit = SubmitField("Open the bids")


def revision_of(form) -> int | None:
    """The revision a form was built from; ``None`` for a page that showed no bid."""
    return rules.parse_whole(form.revision.data or "")


# --- between the form and the rules ----------------------------------------------------------------------------------


def line_data(
    rfp_line_id: int, requirements: list[tuple[str, str]], line: rules.LineInput | None, default_regions: list[str]
) -> dict:
    """The form data of one line's block: the vendor's bid on the line, or blank rows for a line not bid on."""
    tiers = [
        {"min_quantity": tier.min_quantity, "unit_price": tier.unit_price} for tier in (line.tiers if line else ())
    ]
    tiers += [{}] * max(SPARE_TIER_ROWS if line else 0, MIN_TIER_ROWS - len(tiers))
    if not line:
        tiers[0] = {"min_quantity": "1", "unit_price": ""}
    answers = line.spec_compliance if line else {}
    return {
        "rfp_line_id": str(rfp_line_id),
        "bid_on": line is not None,
        "product": line.product if line else "",
        "compliance": [{"key": key, "answer": answers.get(key, "")} for key, _wording in requirements],
        "pricing_kind": line.pricing_kind if line else PricingKind.ALL_UNITS.value,
        "tiers": tiers,
        "annual_cost_per_unit": line.annual_cost_per_unit if line else "",
        "capacity": line.capacity if line else "",
        "min_award_quantity": line.min_award_quantity if line and line.min_award_quantity != "0" else "",
        "regions": list(line.region_codes) if line else list(default_regions),
    }


def form_data(
    bid_input: rules.BidInput | None,
    line_ids: list[int],
    requirements: dict[int, list[tuple[str, str]]],
    default_regions: list[str],
    revision: int | None,
) -> dict:
    """The whole form's data for a bid (or a blank one), line blocks in the RFP's line order."""
    bid_lines = {line.rfp_line_id: line for line in (bid_input.lines if bid_input else ())}
    brackets = [
        {"min_value": bracket.min_value, "percent": bracket.percent}
        for bracket in (bid_input.discount_brackets if bid_input else ())
    ]
    brackets += [{}] * max(SPARE_BRACKET_ROWS if brackets else 0, MIN_BRACKET_ROWS - len(brackets))
    return {
        "revision": "" if revision is None else str(revision),
        "lines": [
            line_data(line_id, requirements[line_id], bid_lines.get(line_id), default_regions) for line_id in line_ids
        ],
        "discounts": brackets,
    }


def bid_input(form: BidForm) -> rules.BidInput:
    """What the vendor typed, as the rules read it: only the lines ticked "bid on this line"."""
    lines = []
    for entry in form.lines:
        line = entry.form
        if not line.bid_on.data or not (line.rfp_line_id.data or "").isdigit():
            continue
        lines.append(
            rules.LineInput(
                rfp_line_id=int(line.rfp_line_id.data),
                product=line.product.data or "",
                spec_compliance={item.form.key.data: item.form.answer.data or "" for item in line.compliance},
                pricing_kind=line.pricing_kind.data or "",
                tiers=tuple(
                    rules.TierInput(tier.form.min_quantity.data or "", tier.form.unit_price.data or "")
                    for tier in line.tiers
                ),
                annual_cost_per_unit=line.annual_cost_per_unit.data or "",
                capacity=line.capacity.data or "",
                min_award_quantity=line.min_award_quantity.data or "",
                region_codes=tuple(line.regions.data or ()),
            )
        )
    return rules.BidInput(
        lines=tuple(lines),
        discount_brackets=tuple(
            rules.BracketInput(entry.form.min_value.data or "", entry.form.percent.data or "")
            for entry in form.discounts
        ),
    )


def place_problems(form: BidForm, problems: list[Problem]) -> tuple[list[str], dict[int, list[str]]]:
    """Put each problem next to its field; returns the bid-wide messages and the line-wide ones by RFP line id."""
    by_line = {
        int(entry.form.rfp_line_id.data): entry.form
        for entry in form.lines
        if (entry.form.rfp_line_id.data or "").isdigit()
    }
    general: list[str] = []
    line_wide: dict[int, list[str]] = {}
    for problem in problems:
        target, message = problem.field, problem.message
        if target[0] == "discounts":
            if len(target) == 3 and target[1] < len(form.discounts):
                getattr(form.discounts[target[1]].form, target[2]).errors.append(message)
            else:
                general.append(message)
            continue
        line = by_line.get(target[1]) if len(target) > 1 else None
        if line is None:
            general.append(message)
        elif len(target) == 3 and target[2] != "tiers":
            getattr(line, target[2]).errors.append(message)
        elif len(target) == 4 and target[2] == "spec":
            answer = next((item.form.answer for item in line.compliance if item.form.key.data == target[3]), None)
            (answer.errors if answer is not None else line_wide.setdefault(target[1], [])).append(message)
        elif len(target) == 5 and target[3] < len(line.tiers):
            getattr(line.tiers[target[3]].form, target[4]).errors.append(message)
        else:
            line_wide.setdefault(target[1], []).append(message)
    return general, line_wide
