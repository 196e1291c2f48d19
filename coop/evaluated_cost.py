"""The evaluation method every RFP document prints and every award round applies: the one place of its formula.

A bid's non-price score S is the weighted mean of its points (0 to 100) on the RFP's non-price criteria.
With the price criterion's weight Wp and the non-price weights adding up to Wn, the bid's evaluation factor is

    f = 1 + (Wn / Wp) × (100 − S) / 100

and its offers' evaluated cost is their total cost of ownership × f. A perfect score leaves the cost as it is
(f = 1); each point short of 100 adds Wn / Wp % of the cost, the price-equivalent of that point given the weights
(a bid scoring 0 is evaluated at (1 + Wn / Wp) × its cost). The factor multiplies the cost (linear) and is never
below 1, so the comparison stays a comparison of costs; districts always pay the real prices: the evaluated cost
only ranks offers.

Rounding, stated in the document: S to two decimal places, f to six, evaluated cost to the cent, each half up.
The rounded S is what is compared with the RFP's minimum score.

Shared by the RFP document (``coop.rfps.documents``, which prints the method and a worked example) and the
evaluation area (which applies it), so that neither can say something the other does not do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from math import gcd

PRICE_KEY = "price"
MAX_POINTS = 100
SCORE_PLACES = Decimal("0.01")
FACTOR_PLACES = Decimal("0.000001")
CENT = Decimal("0.01")
ONE = Decimal(1)


def price_weight(criteria: Sequence[Mapping]) -> int:
    """The weight of the price criterion (0 when there is none)."""
    return sum(int(criterion["weight"]) for criterion in criteria if criterion["key"] == PRICE_KEY)


def non_price_criteria(criteria: Sequence[Mapping]) -> list[Mapping]:
    """The criteria a bid is scored on, in the RFP's order."""
    return [criterion for criterion in criteria if criterion["key"] != PRICE_KEY]


def weighted_score(criteria: Sequence[Mapping], points: Mapping[str, int]) -> Decimal | None:
    """S: the bid's points on the non-price criteria, weighted by their weights, rounded to 0.01 half up.

    ``None`` when a criterion has no points yet, or when the RFP has no non-price criterion (nothing to score).
    """
    scored = non_price_criteria(criteria)
    if not scored or any(criterion["key"] not in points for criterion in scored):
        return None
    total_weight = sum(int(criterion["weight"]) for criterion in scored)
    weighted = sum(Decimal(int(criterion["weight"]) * int(points[criterion["key"]])) for criterion in scored)
    return (weighted / Decimal(total_weight)).quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)


def evaluation_factor(criteria: Sequence[Mapping], score: Decimal | None) -> Decimal:
    """f = 1 + (Wn / Wp) × (100 − S) / 100, rounded to 0.000001 half up; 1 when there is no score to apply."""
    scored = non_price_criteria(criteria)
    if score is None or not scored:
        return ONE
    if not Decimal(0) <= score <= MAX_POINTS:
        raise ValueError(f"a non-price score is from 0 to {MAX_POINTS}, not {score}")
    wp = price_weight(criteria)
    if wp <= 0:
        raise ValueError("the evaluated cost needs a price criterion with a positive weight")
    wn = sum(int(criterion["weight"]) for criterion in scored)
    factor = ONE + (Decimal(wn) * (MAX_POINTS - score)) / (Decimal(wp) * MAX_POINTS)
    return factor.quantize(FACTOR_PLACES, rounding=ROUND_HALF_UP)


def evaluated_cost(tco: Decimal, factor: Decimal) -> Decimal:
    """An offer's evaluated cost in dollars: its TCO × f, rounded to the cent half up. It ranks; nobody pays it."""
    return (tco * factor).quantize(CENT, rounding=ROUND_HALF_UP)


def plain(number: Decimal) -> str:
    """A score or factor as the document and the reasons print it: no trailing zeros ("52.5", "60", "1.15")."""
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def below_minimum_reason(score: Decimal, minimum_score: int) -> str | None:
    """Why a bid with weighted non-price score ``score`` is set aside, or None when it meets the minimum."""
    if score >= minimum_score:
        return None
    return (
        f"Scored {plain(score)} of {MAX_POINTS} on the non-price criteria, below this RFP's minimum of {minimum_score}."
    )


@dataclass(frozen=True)
class ExampleBid:
    name: str
    tco: Decimal
    score: Decimal
    factor: Decimal
    evaluated_cost: Decimal

    @property
    def score_text(self) -> str:
        return plain(self.score)

    @property
    def factor_text(self) -> str:
        return plain(self.factor)


@dataclass(frozen=True)
class Method:
    """What the RFP document prints about its evaluation: the weights, the minimum and a worked example."""

    price_weight: int
    non_price_weight: int
    non_price_criteria: tuple[Mapping, ...]
    minimum_score: int
    #: Wn / Wp in lowest terms, as the document prints it ("1", "3/2").
    ratio: str
    example: tuple[ExampleBid, ...]


def _ratio(numerator: int, denominator: int) -> str:
    divisor = gcd(numerator, denominator) or 1
    numerator, denominator = numerator // divisor, denominator // divisor
    return f"{numerator}" if denominator == 1 else f"{numerator}/{denominator}"


# The worked example: two bids, the cheaper one scoring lower. Scores stay at or above the RFP's minimum, so that
# the example shows the formula deciding, not the set-aside.
_EXAMPLE_TCO = (Decimal("100000.00"), Decimal("95000.00"))
_EXAMPLE_SCORES = (90, 75)


def method(criteria: Sequence[Mapping], minimum_score: int) -> Method:
    """The RFP's evaluation method, with a worked example computed by the same functions the rounds use."""
    scored = tuple(non_price_criteria(criteria))
    wp = price_weight(criteria)
    wn = sum(int(criterion["weight"]) for criterion in scored)
    example: tuple[ExampleBid, ...] = ()
    if scored and wp > 0:
        bids = []
        for name, tco, points in zip(("A", "B"), _EXAMPLE_TCO, _EXAMPLE_SCORES):
            score = Decimal(max(points, minimum_score)).quantize(SCORE_PLACES)
            factor = evaluation_factor(criteria, score)
            bids.append(ExampleBid(name, tco, score, factor, evaluated_cost(tco, factor)))
        example = tuple(bids)
    return Method(
        price_weight=wp,
        non_price_weight=wn,
        non_price_criteria=scored,
        minimum_score=minimum_score,
        ratio=_ratio(wn, wp) if wp else "",
        example=example,
    )
