"""The layering of STYLE.md holds: a layer imports only from layers below it, through the
lower package's ``__init__`` (its public names), never its private modules.

And the test runner stays behind its seam: only ``proctor.testrun`` imports pytest, knows JUnit
or conftest files, and the layers above reach it through its ``__init__`` only.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from proctor import testrun

SRC = Path(__file__).parents[1] / "src" / "proctor"
LAYERS = [
    {"errors"},
    {"settings", "files", "plugins"},
    {"spec"},
    {"repo"},
    {"sandbox"},
    {"testrun"},
    {"retrieval"},
    {"model"},
    {"agent", "grade", "mine"},
    {"run"},
    {"report"},
    {"cli"},
]
RANK = {name: i for i, layer in enumerate(LAYERS) for name in layer}


def unit_of(path: Path) -> str:
    rel = path.relative_to(SRC).parts
    return rel[0].removesuffix(".py")


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("proctor."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("proctor.")}
    return found


FILES = [p for p in SRC.rglob("*.py") if unit_of(p) in RANK]


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(SRC)))
def test_imports_point_down(path: Path) -> None:
    me = unit_of(path)
    for other in imports(path) - {me}:
        assert other in RANK, f"{other} is not placed in a layer"
        assert RANK[other] < RANK[me], f"{me} imports {other}, which is not below it"


def test_every_package_has_a_layer() -> None:
    units = {unit_of(p) for p in SRC.rglob("*.py")} - {"__init__", "__main__"}
    assert units <= set(RANK), units - set(RANK)


PACKAGES = sorted(p.parent.name for p in SRC.glob("*/__init__.py"))


def public_names(package: str) -> set[str]:
    """The ``__all__`` of ``proctor.PACKAGE``."""
    return set(importlib.import_module(f"proctor.{package}").__all__)


def private_imports(path: Path, me: str) -> set[str]:
    """What ``path`` (of unit ``me``) imports from another package other than its public
    names: a module below ``proctor.PKG``, or a name ``proctor.PKG`` does not export."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            named = [(node.module, a.name) for a in node.names]
        elif isinstance(node, ast.Import):
            named = [(a.name, "") for a in node.names]
        else:
            continue
        for module, name in named:
            parts = module.split(".")
            if parts[0] != "proctor" or len(parts) < 2 or parts[1] == me:
                continue
            if parts[1] not in PACKAGES:
                continue  # a bottom-layer module (errors, settings, files, plugins) is its API
            if len(parts) > 2:
                found.add(module)
            elif name and name not in public_names(parts[1]):
                found.add(f"{module}.{name}")
    return found


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: str(p.relative_to(SRC)))
def test_other_packages_are_reached_through_their_init(path: Path) -> None:
    private = private_imports(path, unit_of(path))
    assert not private, f"imports {sorted(private)}: use the package's public names"


@pytest.mark.parametrize("package", [*PACKAGES, "grade/quality"])
def test_every_package_has_a_curated_api(package: str) -> None:
    assert (SRC / package / "__init__.py").is_file()
    module = importlib.import_module(f"proctor.{package.replace('/', '.')}")
    assert module.__all__, f"proctor.{package} has no __all__"
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert not missing, f"proctor.{package}.__all__ names what it lacks: {missing}"


def test_the_private_import_check_sees_what_it_looks_for(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from proctor.grade.session import grade_hidden\n"
        "import proctor.sandbox.backends\n"
        "from proctor.model import _checked\n"
        "from proctor.grade import grade_hidden, not_found_ids\n"
        "from proctor.errors import ConfigError\n"
        "from proctor.run.solvers import open_model\n"
    )
    assert private_imports(bad, "run") == {
        "proctor.grade.session",
        "proctor.sandbox.backends",
        "proctor.model._checked",
    }
    assert {p.parent.name for p in SRC.glob("*/__init__.py")} <= set(RANK)


RUNNER = "testrun"
RUNNER_PACKAGES = {"pytest", "_pytest", "pluggy"}
"""Top-level modules of the test runner itself."""
RUNNER_WORDS = ("junit", "conftest")
"""What only the runner's package may name: its report format and its local plugin files."""
OUTSIDE = [p for p in SRC.rglob("*.py") if unit_of(p) != RUNNER]


def module_imports(path: Path) -> set[str]:
    """Every absolute module an import statement of ``path`` names, dotted."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return found


def identifiers(path: Path) -> set[str]:
    """Names ``path`` defines, binds, imports or reads (not strings, not docstrings)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)
        elif isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, (ast.arg, ast.keyword)) and node.arg:
            found.add(node.arg)
        elif isinstance(node, ast.alias):
            found |= {node.name, node.asname or ""}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= set(node.module.split("."))
    return found


@pytest.mark.parametrize("path", OUTSIDE, ids=lambda p: str(p.relative_to(SRC)))
def test_only_testrun_imports_the_runner(path: Path) -> None:
    tops = {name.split(".")[0] for name in module_imports(path)}
    assert not tops & RUNNER_PACKAGES, f"imports {tops & RUNNER_PACKAGES}: only testrun may"


@pytest.mark.parametrize("path", OUTSIDE, ids=lambda p: str(p.relative_to(SRC)))
def test_testrun_is_reached_through_its_init(path: Path) -> None:
    private = {
        name
        for name in module_imports(path)
        if name.startswith(f"proctor.{RUNNER}.") and name.split(".")[2] not in testrun.__all__
    }
    assert not private, f"imports {private}: use proctor.{RUNNER}'s public names"


@pytest.mark.parametrize("path", OUTSIDE, ids=lambda p: str(p.relative_to(SRC)))
def test_only_testrun_knows_junit_or_conftest(path: Path) -> None:
    assert not any(w in path.stem.lower() for w in RUNNER_WORDS), "a runner module outside testrun"
    known = {n for n in identifiers(path) if any(w in n.lower() for w in RUNNER_WORDS)}
    assert not known, f"names {sorted(known)}: the runner's business, in proctor.{RUNNER}"


def test_the_seam_checks_see_what_they_look_for() -> None:
    inside = SRC / RUNNER
    assert any("junit" in n.lower() for p in inside.rglob("*.py") for n in identifiers(p))
    session = SRC / "grade" / "session.py"
    assert f"proctor.{RUNNER}.get_runner" in module_imports(session)
