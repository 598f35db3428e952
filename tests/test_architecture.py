"""The layering of STYLE.md holds: a layer imports only from layers below it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parents[1] / "src" / "proctor"
LAYERS = [
    {"errors", "settings", "files"},
    {"spec"},
    {"repo"},
    {"sandbox"},
    {"testrun"},
    {"retrieval"},
    {"model"},
    {"agent", "grade", "mine", "isolated"},
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
