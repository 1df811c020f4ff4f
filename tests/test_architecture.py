"""The layers and their import contracts (docs/architecture.md), read from the source.

Every ``import`` of ``app``, ``jobs`` and ``reports`` — at the top of a module or inside a
function — is an arrow; each layer may point only at the layers it stands on. Direct arrows are
enough: when every arrow points down, every chain of them does.
"""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EDGES = (
    "app.views",
    "app.api",
    "app.cli",
    "app.cli_onboarding",
    "app.onboarding",
    "app.factory",
    "app.errors",
    "app.guards",
    "app.headers",
    "app.sessions",
    "app.lockout",
    "app.locale",
    "app.exports",
    "app.labels",
    "app.role_labels",
    "app.demo",
)
BASE = ("app.domain", "app.clock", "app.extensions", "app.files")
FRAMEWORKS = (
    "flask",
    "flask_babel",
    "flask_appbuilder",
    "sqlalchemy",
    "weasyprint",
    "redis",
    "rq",
    "jinja2",
    "werkzeug",
)

SECURITY = ("app.security", "app.audit")
SERVICES = ("app.services", *SECURITY, "app.models", *BASE)

#: layer -> (its modules, the modules it may import of app/jobs/reports)
LAYERS = {
    "domain": (("app.domain",), ("app.domain",)),
    "models": (("app.models",), ("app.models", *BASE)),
    "security": (SECURITY, (*SECURITY, "app.models", *BASE)),
    "services": (("app.services",), SERVICES),
    "reports": (("reports",), ("reports", *SERVICES)),
    "jobs": (("jobs",), ("jobs", "reports", *SERVICES)),
}


def _modules() -> dict[str, Path]:
    found = {}
    for package in ("app", "jobs", "reports"):
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imports(name: str, path: Path) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _within(name: str, prefixes) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


MODULES = _modules()
ARROWS = {name: _imports(name, path) for name, path in MODULES.items()}


def _ours(target: str) -> bool:
    return target.split(".")[0] in ("app", "jobs", "reports") and target != "app"


@pytest.mark.parametrize("layer", LAYERS)
def test_each_layer_imports_only_the_layers_below_it(layer):
    members, allowed = LAYERS[layer]
    broken = sorted(
        f"{name} -> {target}"
        for name, targets in ARROWS.items()
        if _within(name, members)
        for target in targets
        if _ours(target)
        and not _within(target, allowed)
        # "from app import audit" names a module: judged by the module
        and not (target in MODULES and _within(target, allowed))
    )
    assert broken == [], "\n".join(broken)


def test_the_domain_imports_no_framework():
    broken = sorted(
        f"{name} -> {target}"
        for name, targets in ARROWS.items()
        if _within(name, ("app.domain",))
        for target in targets
        if _within(target, FRAMEWORKS)
    )
    assert broken == [], "\n".join(broken)


def test_screens_and_the_api_are_independent():
    broken = sorted(
        f"{name} -> {target}"
        for name, targets in ARROWS.items()
        for mine, other in (("app.views", "app.api"), ("app.api", "app.views"))
        if _within(name, (mine,))
        for target in targets
        if _within(target, (other,))
    )
    assert broken == [], "\n".join(broken)


def test_only_the_edges_import_the_edges():
    """(The package root names the factory lazily, for ``flask --app app``.)"""
    broken = sorted(
        f"{name} -> {target}"
        for name, targets in ARROWS.items()
        if not _within(name, EDGES) and name != "app"
        for target in targets
        if _within(target, EDGES)
    )
    assert broken == [], "\n".join(broken)


def test_no_module_borrows_another_modules_private_names():
    """A helper one module lends another is public by name (no ``from x import _helper``)."""
    borrowed = sorted(
        f"{name} imports {target}"
        for name, targets in ARROWS.items()
        for target in targets
        if _ours(target)
        and target.rpartition(".")[2].startswith("_")
        and target.rpartition(".")[0] in MODULES
        and not target.rpartition(".")[2].startswith("__")
    )
    assert borrowed == []


def test_every_module_belongs_to_a_layer():
    layered = [m for members, _ in LAYERS.values() for m in members] + list(EDGES) + list(BASE)
    loose = sorted(name for name in MODULES if name != "app" and not _within(name, layered))
    assert loose == []


def _fresh(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.parametrize("package", ["app", "app.domain", "app.services", "jobs", "reports"])
def test_each_package_imports_alone_in_a_fresh_interpreter(package):
    assert _fresh(f"import {package}; print('ok')").strip() == "ok"


def test_the_domain_loads_no_framework():
    loaded = _fresh(
        "import sys, app.domain.money, app.domain.dunning, app.domain.statements\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(FRAMEWORKS)!r}))"
    )
    assert loaded.strip() == "[]"


def test_importing_the_package_builds_no_application():
    loaded = _fresh("import sys, app; print('flask' in sys.modules, 'app.views' in sys.modules)")
    assert loaded.split() == ["False", "False"]


UNSCOPED = re.compile(r"# unscoped: \S")
DOOR = ROOT / "app" / "services" / "rows.py"


def _says_why(lines: list[str], n: int) -> bool:
    """Whether line ``n`` (from 0) says why it needs no door: ``# unscoped: <reason>`` at its
    end or in the comment lines just above it."""
    above = n
    while True:
        if UNSCOPED.search(lines[above]):
            return True
        above -= 1
        if above < 0 or not lines[above].strip().startswith("#"):
            return False


def _outside_the_door(sites) -> list[str]:
    """The sites (``sites(path, text)`` gives line numbers, from 1) in services and documents,
    outside the door itself, that read rows without the door and without saying why."""
    paths = [*(ROOT / "app" / "services").rglob("*.py"), *(ROOT / "reports").rglob("*.py")]
    found = []
    for path in sorted(paths):
        if path == DOOR:
            continue
        text = path.read_text()
        lines = text.splitlines()
        found += [
            f"{path.relative_to(ROOT)}:{n}: {lines[n - 1].strip()}"
            for n in sorted(set(sites(path, text)))
            if not _says_why(lines, n - 1)
        ]
    return found


def _gets(path: Path, text: str) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), 1) if "session.get(" in line]


def _scoped_models() -> set[str]:
    """The models of ``app.models`` scoped to communities (they answer ``in_communities``)."""
    import app.models

    return {
        name
        for name, value in vars(app.models).items()
        if isinstance(value, type) and hasattr(value, "in_communities")
    }


def _lists(scoped: set[str]):
    """Line numbers of ``select(Model, …)`` and ``….query(Model, …)`` of a scoped model."""

    def sites(path: Path, text: str) -> list[int]:
        return [
            node.lineno
            for node in ast.walk(ast.parse(text, str(path)))
            if isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id in scoped
            and (
                (isinstance(node.func, ast.Name) and node.func.id == "select")
                or (isinstance(node.func, ast.Attribute) and node.func.attr in ("select", "query"))
            )
        ]

    return sites


def test_services_and_documents_read_rows_by_id_through_one_door():
    """``app.services.rows.find_row`` (docs/architecture.md, "One door for rows")."""
    bare = _outside_the_door(_gets)
    assert bare == [], "\n".join(bare)


def test_services_and_documents_list_scoped_rows_through_one_door():
    """``app.services.rows.visible_rows`` (docs/architecture.md, "One door for rows"): a bare
    ``select(Model)`` or ``session.query(Model)`` of a scoped model says why it needs none."""
    scoped = _scoped_models()
    assert {"Bill", "Community", "Complaint", "Unit"} <= scoped
    bare = _outside_the_door(_lists(scoped))
    assert bare == [], "\n".join(bare)
