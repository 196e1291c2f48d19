"""A district's ledger: every published award round it took part in, what it paid, what it would have paid alone,
what it saved — in dollars and per student — and its savings over time, for the business office and the board.

Figures are the round's stored shares (``DistrictShare``) to the cent, never recomputed: the ledger says what
the published round decided. A round whose standalone cost the engine could not compute (a vendor minimum the
district cannot reach alone, a solve cut short) shows no standalone cost and no savings, with the engine's reason,
and is left out of the standalone and savings totals, which say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from coop.contracts import queries as contract_queries
from coop.outcomes import figures, queries

CSV_COLUMNS = ("rfp", "title", "published_at", "rule", "pooled_cost", "standalone_cost", "savings", "standalone_note")


@dataclass(frozen=True)
class LedgerRound:
    """One published round, as the district's share of it. Money in integer cents."""

    reference: str
    title: str
    published_at: datetime
    rule: str  # the engine's name of the sharing rule
    lines: tuple[figures.AwardedLine, ...]
    pooled_cost_cents: int
    standalone_cost_cents: int | None  # None: the engine could not compute it, see standalone_note
    savings_cents: int | None
    standalone_note: str
    final: bool  # the award is final; otherwise a notice of intent in its protest period
    ordered_cents: int  # what its awards' purchase orders add up to at the vendors' prices

    @property
    def adjustment_cents(self) -> int:
        """The fair-share adjustment the district settles with the cooperative (negative: credited to it): its share
        under the round's rule less what its orders pay the vendors."""
        return self.pooled_cost_cents - self.ordered_cents

    @property
    def rule_label(self) -> str:
        return figures.rule_label(self.rule)

    @property
    def standalone_known(self) -> bool:
        return self.standalone_cost_cents is not None


@dataclass(frozen=True)
class SavingsPoint:
    """A round's savings and the district's savings so far, for the chart and its table."""

    published_at: datetime
    reference: str
    savings_cents: int | None
    cumulative_cents: int


@dataclass(frozen=True)
class Ledger:
    district_name: str
    enrollment: int | None
    rounds: tuple[LedgerRound, ...]  # oldest publication first

    def per_student(self, cents: int | None) -> int | None:
        """Cents per enrolled student, or ``None`` when the amount or the enrollment is unknown."""
        return figures.per_student_cents(cents, self.enrollment)

    @property
    def pooled_total_cents(self) -> int:
        return sum(entry.pooled_cost_cents for entry in self.rounds)

    @property
    def compared_rounds(self) -> tuple[LedgerRound, ...]:
        """The rounds with a standalone cost: the only ones whose savings are known."""
        return tuple(entry for entry in self.rounds if entry.standalone_known)

    @property
    def unknown_rounds(self) -> tuple[LedgerRound, ...]:
        return tuple(entry for entry in self.rounds if not entry.standalone_known)

    @property
    def standalone_total_cents(self) -> int:
        return sum(entry.standalone_cost_cents for entry in self.compared_rounds)

    @property
    def savings_total_cents(self) -> int:
        return sum(entry.savings_cents for entry in self.compared_rounds)

    @property
    def unknown_pooled_cents(self) -> int:
        return sum(entry.pooled_cost_cents for entry in self.unknown_rounds)

    @property
    def savings_over_time(self) -> tuple[SavingsPoint, ...]:
        points, so_far = [], 0
        for entry in self.rounds:
            so_far += entry.savings_cents or 0
            points.append(SavingsPoint(entry.published_at, entry.reference, entry.savings_cents, so_far))
        return tuple(points)


def ledger_for(district_id: int) -> Ledger:
    """The ledger of a district: its share of every published round it took part in.

    Parameters
    ----------
    district_id : int

    Returns
    -------
    Ledger
        Rounds oldest first, each with the district's own awards in line order.

    Raises
    ------
    LookupError
        If there is no such district.
    """
    district = queries.district(district_id)
    if district is None:
        raise LookupError(district_id)
    shares = queries.district_shares(district_id)
    lines: dict[int, list[figures.AwardedLine]] = {}
    ordered: dict[int, int] = {}
    for award in queries.district_awards(district_id, [share.award_round_id for share in shares]):
        lines.setdefault(award.award_round_id, []).append(figures.AwardedLine.of(award, district.name))
        ordered[award.award_round_id] = ordered.get(award.award_round_id, 0) + award.total_cents
    rounds = tuple(
        LedgerRound(
            reference=share.award_round.rfp.reference,
            title=share.award_round.rfp.title,
            published_at=share.award_round.published_at,
            rule=figures.rule_of(share.award_round),
            lines=tuple(lines.get(share.award_round_id, ())),
            pooled_cost_cents=share.pooled_cost_cents,
            standalone_cost_cents=share.standalone_cost_cents,
            savings_cents=share.savings_cents if share.standalone_cost_cents is not None else None,
            standalone_note=share.standalone_note or "",
            final=contract_queries.is_final(share.award_round),
            ordered_cents=ordered.get(share.award_round_id, 0),
        )
        for share in shares
    )
    return Ledger(district.name, district.enrollment, rounds)


def csv_rows(ledger: Ledger) -> list[list]:
    """The ledger as CSV rows, the header first: one row per round, dollars with two decimals, the standalone cost
    and the savings empty where the engine could not compute them (its reason in ``standalone_note``)."""
    return [list(CSV_COLUMNS)] + [
        [
            entry.reference,
            entry.title,
            figures.csv_moment(entry.published_at),
            entry.rule,
            figures.dollars_value(entry.pooled_cost_cents),
            figures.dollars_value(entry.standalone_cost_cents),
            figures.dollars_value(entry.savings_cents),
            entry.standalone_note,
        ]
        for entry in ledger.rounds
    ]
