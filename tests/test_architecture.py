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


def test_only_the_billing_adapter_imports_stripe():
    importers = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "coop").rglob("*.py")
        if any(module.split(".")[0] == "stripe" for module in imported_modules(path))
    )
    assert importers == ["coop/billing/adapters.py"]


@pytest.mark.parametrize("area", ["views", "forms", "queries"])
def test_only_services_commit(area):
    committing = sorted(
        str(path.relative_to(ROOT)) for path in (ROOT / "coop").rglob(f"{area}.py") if ".commit()" in path.read_text()
    )
    assert committing == []


def test_only_config_reads_the_environment():
    readers = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "coop").rglob("*.py")
        if "os.environ" in path.read_text() or "getenv" in path.read_text()
    )
    assert readers == ["coop/config.py"]


def _area_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) > 1 and parts[0] == "coop" and (ROOT / "coop" / parts[1]).is_dir():
        return parts[1]
    return None


def _absolute(node: ast.ImportFrom, path: Path) -> str:
    if node.level == 0:
        return node.module or ""
    package = list(path.relative_to(ROOT).with_suffix("").parts[:-1])
    base = package[: len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _run_time_nodes(tree: ast.AST):
    """Every node but those under ``if TYPE_CHECKING:``, which only a type checker runs."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            yield from (child for branch in node.orelse for child in [branch, *_run_time_nodes(branch)])
            continue
        yield node
        yield from _run_time_nodes(node)


def area_imports() -> dict[str, dict[str, str]]:
    """Area -> the other areas it imports, each with one module that does, at module or function level."""
    graph: dict[str, dict[str, str]] = {}
    for path in sorted((ROOT / "coop").glob("*/**/*.py")):
        area = path.relative_to(ROOT / "coop").parts[0]
        graph.setdefault(area, {})
        for node in _run_time_nodes(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(node, path)
                # ``from coop import rfps`` imports an area as much as ``import coop.rfps`` does.
                modules = [base, *(f"{base}.{alias.name}" for alias in node.names)]
            else:
                continue
            for module in modules:
                target = _area_of(module)
                if target is not None and target != area:
                    graph[area].setdefault(target, str(path.relative_to(ROOT)))
    return graph


def _cycles(graph: dict[str, dict[str, str]]) -> list[str]:
    """Every pair of areas that reach each other, with the import that closes each direction."""

    def reachable(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for target in graph.get(todo.pop(), {}):
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
        return seen

    reach = {area: reachable(area) for area in graph}
    return sorted(
        f"{a} -> {b} ({graph[a].get(b, 'through other areas')}) and "
        f"{b} -> {a} ({graph[b].get(a, 'through other areas')})"
        for a in graph
        for b in reach[a]
        if a < b and a in reach.get(b, set())
    )


def test_areas_import_each_other_in_no_circle():
    assert _cycles(area_imports()) == []


def test_no_query_module_imports_flask():
    importers = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "coop").rglob("queries.py")
        if any(module.split(".")[0] == "flask" for module in imported_modules(path))
    )
    assert importers == []


def test_evaluation_sits_below_awards():
    # Award rounds read the evaluation (coop.evaluation.queries.evaluations_for); never the other way round.
    assert "awards" not in area_imports().get("evaluation", {})


# Distributions the app needs at run time without importing them by name: the database driver (named in the
# database URL), WTForms' e-mail check, the server and its log format (gunicorn.conf.py names the formatter).
USED_WITHOUT_IMPORT = {"psycopg", "email-validator", "gunicorn", "python-json-logger"}


def test_the_app_declares_every_distribution_it_imports_and_nothing_it_does_not():
    import importlib.metadata
    import re
    import sys
    import tomllib

    def canonical(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    declared = {
        canonical(re.split(r"[<>=!~\[ ;]", requirement, maxsplit=1)[0])
        for requirement in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    }
    providers = importlib.metadata.packages_distributions()
    sources = [
        *(ROOT / "coop").rglob("*.py"),
        *(ROOT / "pricing").rglob("*.py"),
        *(ROOT / "migrations").rglob("*.py"),
        ROOT / "wsgi.py",
        ROOT / "gunicorn.conf.py",
    ]
    imported = (
        {name.split(".")[0] for path in sources for name in imported_modules(path)}
        - set(sys.stdlib_module_names)
        - {"coop", "pricing"}
    )
    needed = {canonical(providers[module][0]) for module in imported}
    assert needed - declared == set(), "imported but not declared in pyproject.toml"
    assert declared - needed - USED_WITHOUT_IMPORT == set(), "declared but never imported"
