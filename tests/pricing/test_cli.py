import json
import subprocess
import sys
from pathlib import Path

from pricing import AllocationResult, Problem

ROOT = Path(__file__).resolve().parents[2]


def cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "pricing", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_solve_prints_the_result_json(document, tmp_path):
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(document()))
    run = cli("solve", str(path), "--time-limit", "10", "--shares", "proportional", "--quiet")
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert (out["status"], out["total_cost"]) == ("optimal", "9900.00")
    assert out["shares"][0] == {
        "district": "D1",
        "pooled_cost": "5400.00",
        "standalone_cost": "6000.00",
        "savings": "600.00",
        "proportional_cost": "5400.00",
    }
    assert AllocationResult.from_dict(out).to_dict() == out


def test_bad_file_exits_2_with_every_message(document, offer, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document(offers=[offer("O1", "V1", [(1, "100.001")], capacity=-1)])))
    run = cli("solve", str(path))
    assert run.returncode == 2
    assert run.stdout == ""
    assert run.stderr.splitlines() == [
        f"{path}: invalid problem",
        "  offers[0].tiers[0].unit_price: must be a decimal string with at most 2 decimal places",
        "  offers[0].capacity: must be a positive integer",
    ]


def test_generate_prints_a_valid_feasible_problem():
    run = cli("generate", "--districts", "8", "--items", "2", "--vendors", "3", "--seed", "5")
    assert run.returncode == 0
    problem = Problem.from_json(run.stdout)
    assert len(problem.districts) == 8
    # Every item has the catalog fallback: all regions, no capacity, no minimum.
    fallbacks = [o for o in problem.offers if o.vendor == "CATALOG"]
    assert {o.item for o in fallbacks} == {i.id for i in problem.items}
    assert all(o.regions is None and o.capacity is None and o.min_award_quantity == 0 for o in fallbacks)


def test_solve_reports_progress_on_stderr_unless_quiet(document, tmp_path):
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(document()))
    run = cli("solve", str(path), "--time-limit", "10")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["total_cost"] == "9900.00"
    lines = run.stderr.splitlines()
    assert "done: optimal, total 9900.00" in lines
    assert [line.split(" after ")[0] for line in lines if line.startswith("optimal: ")] == [
        "optimal: best 9900.00, bound 9900.00, gap 0.0000%"
    ]
    quiet = cli("solve", str(path), "--time-limit", "10", "--quiet")
    assert (quiet.returncode, quiet.stderr) == (0, "")


def test_solve_reads_the_problem_from_standard_input_when_named_minus(document):
    run = subprocess.run(
        [sys.executable, "-m", "pricing", "solve", "-", "--time-limit", "10", "--quiet"],
        cwd=ROOT,
        input=json.dumps(document()),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["total_cost"] == "9900.00"
