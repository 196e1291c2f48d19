"""The progress callback follows the standalone solves, and stops the engine when it raises."""

from __future__ import annotations

import multiprocessing

import pytest

from pricing import Problem, solve, solver


def many_districts(document, count: int) -> Problem:
    return Problem.from_dict(
        document(
            districts=[{"id": f"D{n}", "region": "north"} for n in range(count)],
            demands=[{"district": f"D{n}", "item": "laptop", "quantity": 10 + n} for n in range(count)],
        )
    )


def test_progress_is_reported_after_each_batch_of_standalone_solves(document):
    reports = []
    result = solve(many_districts(document, 2 * solver.STANDALONE_BATCH + 1), progress=reports.append)
    assert result.status == "optimal"
    # As the pooled solve starts, once the pooled allocation is priced, once per batch of standalone solves
    # (three), and the last.
    assert [report.status for report in reports] == ["searching"] + ["sharing"] * 4 + ["optimal"]
    assert reports[0].best_cost is None  # nothing known yet
    assert all(report.best_cost == float(result.total_cost) for report in reports[1:])


class Stop(Exception):
    pass


def test_an_exception_from_the_callback_stops_the_engine(document):
    calls = []

    def stop_during_the_standalone_solves(progress):
        calls.append(progress.status)
        if len(calls) == 3:
            raise Stop()

    with pytest.raises(Stop):
        solve(many_districts(document, 3 * solver.STANDALONE_BATCH), progress=stop_during_the_standalone_solves)
    assert calls == ["searching", "sharing", "sharing"]  # the other batches never ran
    assert multiprocessing.active_children() == []  # no solver process left behind
