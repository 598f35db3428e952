"""Small repositories written at test time, read through DirTree."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from proctor.mine.infer import DirTree, Proposal, infer_environment

PYTHONS = ["3.8", "3.9", "3.10", "3.11", "3.12", "3.13"]

MakeRepo = Callable[[Mapping[str, str]], DirTree]


def write_files(root: Path, files: Mapping[str, str]) -> None:
    """Write ``files`` (path -> text, dedented) below ``root``."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))


@pytest.fixture
def make_repo(tmp_path: Path) -> MakeRepo:
    """Write files into a fresh folder and return a DirTree over it."""

    def make(files: Mapping[str, str]) -> DirTree:
        write_files(tmp_path, files)
        return DirTree(tmp_path)

    return make


def infer(tree: DirTree) -> Proposal:
    return infer_environment(tree, pythons=PYTHONS)


def run_setup(proposal: Proposal, root: Path) -> None:
    """Run the proposal's setup commands in ``root`` with this interpreter as ``python``."""
    for argv in proposal.environment.setup:
        assert argv[0] == "python"
        subprocess.run([sys.executable, *argv[1:]], cwd=root, check=True)


def names(proposal: Proposal) -> list[str]:
    """The project names of the proposal's packages, lower-cased."""
    from packaging.requirements import Requirement

    return [Requirement(p).name.lower() for p in proposal.environment.packages]
