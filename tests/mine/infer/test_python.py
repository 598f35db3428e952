"""The Python version choice, and the versions this machine offers."""

from __future__ import annotations

import re

import pytest
from tests.mine.infer.conftest import MakeRepo, infer

from proctor.mine.infer import available_pythons, infer_environment


def classifiers(*versions: str) -> str:
    lines = "".join(f'  "Programming Language :: Python :: {v}",\n' for v in versions)
    return f'classifiers = [\n  "Programming Language :: Python :: 3",\n{lines}]\n'


def project(extra: str) -> dict[str, str]:
    return {"pyproject.toml": f'[project]\nname = "p"\n{extra}', "p.py": ""}


@pytest.mark.parametrize(
    ("extra", "chosen", "is_guess"),
    [
        ("", "3.11", True),  # no evidence: the task default
        ('requires-python = ">=3.8,<3.12"\n', "3.11", False),
        ('requires-python = ">3.10"\n', "3.13", False),
        ('requires-python = "~=3.9.0"\n', "3.9", False),
        (classifiers("3.9", "3.10", "3.11"), "3.11", False),
        ('requires-python = ">=3.10"\n' + classifiers("3.8", "3.9", "3.10"), "3.10", False),
        ('requires-python = ">=3.14"\n', "3.13", True),
        ('requires-python = ">=3.8"\n' + classifiers("3.6", "3.7"), "3.13", True),
    ],
)
def test_python_choice(make_repo: MakeRepo, extra: str, chosen: str, is_guess: bool) -> None:
    proposal = infer(make_repo(project(extra)))
    assert proposal.environment.python == chosen
    notes = proposal.guessed if is_guess else proposal.inferred
    assert any(line.startswith(f"python {chosen}:") for line in notes)


def test_python_requires_from_setup_py(make_repo: MakeRepo) -> None:
    tree = make_repo({"setup.py": "from setuptools import setup\nsetup(python_requires='<3.10')\n"})
    assert infer(tree).environment.python == "3.9"


def test_no_pythons_is_an_error(make_repo: MakeRepo) -> None:
    with pytest.raises(ValueError, match="no Python"):
        infer_environment(make_repo(project("")), pythons=[])


def test_note_lists_inferred_then_guessed(make_repo: MakeRepo) -> None:
    proposal = infer(make_repo(project("")))
    lines = proposal.note().splitlines()
    assert lines[: len(proposal.inferred)] == [f"inferred: {i}" for i in proposal.inferred]
    assert lines[len(proposal.inferred) :] == [f"guessed: {g}" for g in proposal.guessed]
    assert proposal.guessed


def test_available_pythons_are_sorted_3x_versions() -> None:
    found = available_pythons()
    assert all(re.fullmatch(r"3\.\d+", v) for v in found)
    minors = [int(v.split(".")[1]) for v in found]
    assert minors == sorted(set(minors)) and all(m >= 8 for m in minors)
