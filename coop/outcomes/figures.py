"""How the outcome pages and files write what a round decided: rules by name, prices, dollars per student."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from coop import money
from coop.awards.models import Award, AwardRound
from coop.awards.naming import vendor_name

CENT = Decimal("0.01")

# The engine's sharing rules (pricing/FORMAT.md, "Sharing rules") as people call them.
RULE_LABELS = {
    "capped_equal_price": "Equal price, capped at the standalone cost",
    "least_core": "Least core",
    "equal_price": "Equal price",
    "proportional": "Proportional savings",
    "shapley": "Shapley value",
}


def rule_of(award_round: AwardRound) -> str:
    """The sharing rule the round's shares follow, as the engine names it: the first of its result's ``rules``."""
    rules = (award_round.result or {}).get("rules") or [""]
    return rules[0]


def rule_label(rule: str) -> str:
    return RULE_LABELS.get(rule, rule.replace("_", " ").capitalize())


@dataclass(frozen=True)
class AwardedLine:
    """One award as the outcome pages list it: what a vendor supplies to a district on a line. Money in cents."""

    line_no: int
    item_code: str
    item_name: str
    district: str  # as the page may name it (the public notice names only districts that agreed)
    vendor: str
    quantity: int
    unit_price: Decimal
    cost_cents: int

    @classmethod
    def of(cls, award: Award, district: str) -> AwardedLine:
        return cls(
            line_no=award.rfp_line.line_no,
            item_code=award.rfp_line.item.code,
            item_name=award.rfp_line.item.name,
            district=district,
            vendor=vendor_name(award),
            quantity=award.quantity,
            unit_price=award.unit_price,
            cost_cents=award.cost_cents,
        )

    @property
    def unit_price_text(self) -> str:
        return money.format_unit_price(self.unit_price)


def dollars_value(cents: int | None) -> Decimal | None:
    """Cents as exact dollars with two decimals for a file (``1250.00``, ``-5.00``: a number, which the export
    writer never mistakes for a formula); ``None`` (an empty cell) when unknown."""
    return None if cents is None else Decimal(cents).scaleb(-2)


def per_student_cents(cents: int | None, enrollment: int | None) -> int | None:
    """``cents`` shared over ``enrollment`` students, rounded half up to the cent; ``None`` when either is unknown
    or there are no students to share over."""
    if cents is None or not enrollment or enrollment <= 0:
        return None
    return int((Decimal(cents) / enrollment).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def csv_moment(moment: datetime) -> str:
    """A UTC moment as a CSV cell: ``2026-12-05T14:00:00Z``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
