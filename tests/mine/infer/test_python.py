"""The Python version choice, and the versions this machine offers."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from tests.mine.conftest import git
from tests.mine.infer.conftest import PYTHONS, MakeRepo, infer, write_files

from proctor.mine import propose_environment
from proctor.mine.infer import available_pythons, infer_environment
from proctor.mine.infer.python import RELEASED, released_by


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
        ('requires-python = ">=3.8"\n' + classifiers("3.6", "3.7"), "3.8", True),  # nearest
        (classifiers("3.4", "3.5", "3.6", "3.7"), "3.8", True),
        (classifiers("3.14", "3.15"), "3.13", True),  # none above: the newest below
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


@pytest.mark.parametrize(
    ("extra", "when", "chosen", "is_guess", "dated"),
    [
        ('requires-python = ">=3.7"\n', date(2022, 3, 9), "3.10", False, True),  # 3.11: Oct
        ('requires-python = ">=3.7"\n', date(2022, 10, 24), "3.11", False, True),  # that day
        ('requires-python = ">=3.7"\n', date(2026, 1, 1), "3.13", False, False),  # all out
        ("", date(2021, 1, 1), "3.9", True, True),  # the default, 3.11, was not out yet
        ("", date(2023, 1, 1), "3.11", True, True),
        ('requires-python = ">=3.11"\n', date(2021, 1, 1), "3.13", False, False),  # it asks
        (classifiers("3.8", "3.9", "3.10", "3.11"), date(2021, 6, 1), "3.9", False, True),
        (classifiers("3.12"), date(2021, 6, 1), "3.12", False, False),
        ('requires-python = ">=3.8"\n', date(2010, 1, 1), "3.13", False, False),  # before all
    ],
)
def test_no_python_newer_than_the_commit(
    make_repo: MakeRepo, extra: str, when: date, chosen: str, is_guess: bool, dated: bool
) -> None:
    proposal = infer_environment(make_repo(project(extra)), pythons=PYTHONS, as_of=when)
    assert proposal.environment.python == chosen
    notes = proposal.guessed if is_guess else proposal.inferred
    (line,) = [n for n in notes if n.startswith(f"python {chosen}:")]
    assert line.endswith(f"released by {when.isoformat()}, the commit's date") == dated
    assert all(RELEASED[v] <= when for v in [chosen] if dated)


def test_mining_passes_over_pythons_newer_than_the_commit(tmp_path: Path) -> None:
    repo = tmp_path / "old"
    write_files(repo, project('requires-python = ">=3.7"\n'))
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "old", when=-1000)  # 2021-04-06: 3.9 is the newest out
    environment = propose_environment(repo, "HEAD")
    assert environment.python == "3.9" if "3.9" in available_pythons() else True
    assert "released by 2021-04-06, the commit's date" in str(environment.note)


def test_released_by() -> None:
    assert released_by(["3.13", "3.9", "3.10", "3.9"], None) == ["3.10", "3.13", "3.9"]
    assert released_by(["3.9", "3.10", "3.15"], date(2021, 10, 4)) == ["3.10", "3.9"]
    assert released_by(["3.15"], date(2030, 1, 1)) == ["3.15"]  # unknown: all of them
    assert released_by(["3.12", "3.13"], date(2020, 1, 1)) == ["3.12", "3.13"]
