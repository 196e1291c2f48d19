"""A copy of the RFP template library, to break one file at a time in a test and see how loading it is refused."""

from __future__ import annotations

import shutil
from pathlib import Path

from coop.rfps.template_library import TEMPLATE_DIR


def copy_library(tmp_path: Path) -> Path:
    target = tmp_path / "templates"
    shutil.copytree(TEMPLATE_DIR, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first ``old`` in the file with ``new``; ``old`` must be there, or the test would break nothing."""
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
