"""What the benchmarks share: the sizes of the generated problems, the machine they ran on, and their Markdown
results, which keep the notes written by hand below :data:`NOTES_MARK` when a run writes them again."""

from __future__ import annotations

import os
import platform
from pathlib import Path

#: Districts, items and vendors of the generated problem (``pricing.generate_problem``) of each size.
SIZES = {"S": (12, 3, 5), "M": (60, 10, 15), "L": (200, 25, 30), "XL": (500, 40, 40)}
NOTES_MARK = "## Notes"


def cpu_model() -> str:
    """The CPU's model name, from ``/proc/cpuinfo`` where there is one."""
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    return next(
        (line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), platform.processor()
    )


def machine() -> dict:
    """The machine a run measures: its kernel, CPU, the cores this process may use, and Python."""
    return {
        "uname": " ".join(platform.uname()),
        "cpu": cpu_model(),
        "cores": len(os.sched_getaffinity(0)),
        "python": platform.python_version(),
    }


def write_markdown(path: Path, lines: list[str]) -> None:
    """Write ``lines`` to ``path``, then the hand-written notes of the file it replaces (from :data:`NOTES_MARK`
    on), and print what was written."""
    if path.exists() and NOTES_MARK in (previous := path.read_text()):
        lines = [*lines, previous[previous.index(NOTES_MARK) :]]
    path.write_text("\n".join(lines))
    print("\n".join(lines))
