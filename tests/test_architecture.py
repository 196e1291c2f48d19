"""The dependency rules of DESIGN.md, checked on the source itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN_IN_PRICING = ("coop", "flask", "flask_sqlalchemy", "sqlalchemy", "wtforms", "flask_wtf")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_pricing_imports_nothing_from_the_web_app_or_the_database():
    offenders = sorted(
        f"{path.relative_to(ROOT)} imports {module}"
        for path in (ROOT / "pricing").rglob("*.py")
        for module in imported_modules(path)
        if module.split(".")[0] in FORBIDDEN_IN_PRICING
    )
    assert offenders == []


def test_only_the_awards_adapter_imports_pricing():
    importers = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "coop").rglob("*.py")
        if any(module.split(".")[0] == "pricing" for module in imported_modules(path))
    )
    assert set(importers) <= {"coop/awards/adapters.py"}


@pytest.mark.parametrize("area", ["views", "forms", "queries"])
def test_only_services_commit(area):
    committing = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "coop").rglob(f"{area}.py")
        if ".commit()" in path.read_text()
    )
    assert committing == []


def test_only_config_reads_the_environment():
    readers = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "coop").rglob("*.py")
        if "os.environ" in path.read_text() or "getenv" in path.read_text()
    )
    assert readers == ["coop/config.py"]
