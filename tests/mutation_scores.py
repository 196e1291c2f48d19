"""The scores of ``make mutation``, module by module, read from mutmut's results in ``mutants/``.

Each module must have at least 90 % of its mutants killed, and every mutant that survives must be named in
``tests/mutation_equivalents.md`` (a reviewed list: the change, and why no behaviour can tell it from the code).
Exits 1 otherwise, naming what is missing.
"""

from __future__ import annotations

import fnmatch
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The modules, in the order they are mutated, and the mutants of each that count (all, or the named functions').
MODULES = {
    "pricing/costing.py": ["pricing.costing.*"],
    "coop/bids/rules.py": ["coop.bids.rules.*"],
    "coop/money.py": ["coop.money.*"],
    "coop/needs/importing.py": ["coop.needs.importing.*"],
    "coop/spreadsheets.py": ["coop.spreadsheets.*"],
    "pricing/shares.py": ["pricing.shares.x_capped_equal_price__*", "pricing.shares.x_proportional__*"],
}
MINIMUM_SCORE = 0.90
KILLED = {1, 3}  # a test failed (3: pytest stopped on an error raised by the mutant)
TIMED_OUT = {36, 24, -24, 152, 255}  # the mutant looped: its tests were stopped, which also catches it


def equivalents() -> set[str]:
    """The mutant names of the reviewed list's table rows (`| `name` | change | why |`)."""
    text = (ROOT / "tests" / "mutation_equivalents.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\|\s*`([^`]+)`\s*\|", text, flags=re.MULTILINE))


def main() -> int:
    reviewed = equivalents()
    failures = []
    for path, patterns in MODULES.items():
        meta = ROOT / "mutants" / f"{path}.meta"
        if not meta.exists():
            failures.append(f"{path}: not mutated (run `make mutation`)")
            continue
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        codes = {name: code for name, code in codes.items() if any(fnmatch.fnmatch(name, p) for p in patterns)}
        caught = sum(code in KILLED or code in TIMED_OUT for code in codes.values())
        unchecked = sum(code is None for code in codes.values())
        survivors = sorted(
            name for name, code in codes.items() if code is not None and code not in KILLED and code not in TIMED_OUT
        )
        score = caught / len(codes) if codes else 0.0
        print(f"{path}: {caught}/{len(codes)} mutants killed ({score:.1%}), {len(survivors)} survive")
        if score < MINIMUM_SCORE:
            failures.append(f"{path}: {score:.1%} is below {MINIMUM_SCORE:.0%}")
        if unchecked:
            failures.append(f"{path}: {unchecked} mutants not checked (the run stopped early)")
        for name in survivors:
            if name not in reviewed:
                failures.append(f"{name} (exit code {codes[name]}) is not in tests/mutation_equivalents.md")
    for failure in failures:
        print(failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
