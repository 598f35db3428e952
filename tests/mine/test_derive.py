"""The derived repository of synthesis, rebuilt from a suite's record alone (pure git)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import git

from proctor.errors import ConfigError, RepoError
from proctor.mine import find_functions, rebuild_derived, remove_body
from proctor.mine.derive import derive_pair, init_derived, recorded_functions, write_record
from proctor.repo import has_commit
from proctor.spec import DerivedFunction, DerivedRepo, Task, dump_task, load_derived

SHAPES = '''"""Shapes."""


class Square:
    """A square."""

    def __init__(self, side):
        self.side = side

    def area(self):
        """Side times side."""
        side = self.side
        result = side * side
        return result


def perimeter(side):
    """Four sides."""
    total = 0
    for _ in range(4):
        total += side
    return total
'''
TESTS = "from shapes import perimeter\n\n\ndef test_perimeter():\n    assert perimeter(2) == 8\n"


def make_source(root: Path) -> str:
    """A one-commit repository with two functions worth a pair; its sha."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    (root / "shapes.py").write_text(SHAPES)
    (root / "tests").mkdir()
    (root / "tests" / "test_shapes.py").write_text(TESTS)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "shapes")
    return git(root, "rev-parse", "HEAD")


def derive_suite(source: Path, sha: str, derived: Path, suite: Path, *, repo: str) -> DerivedRepo:
    """What synthesis leaves: pairs in ``derived``, tasks naming ``repo``, and the record."""
    init_derived(derived, source, sha)
    suite.mkdir(parents=True)
    functions = []
    for fn in find_functions("shapes.py", SHAPES):
        stem = f"shapes-{fn.qualname}"
        base, fix = derive_pair(derived, sha, fn.path, remove_body(SHAPES, fn), stem)
        task = Task.model_validate(
            {
                "id": stem,
                "repo": repo,
                "base_commit": base,
                "created_at": "2024-01-01T00:00:00Z",
                "problem_statement": f"Implement {fn.qualname}.",
                "reference": {"commit": fix},
                "hidden_tests": {
                    "files": ["tests/test_shapes.py"],
                    "fail_to_pass": ["tests/test_shapes.py::test_perimeter"],
                },
            }
        )
        (suite / f"{stem}.yaml").write_text(dump_task(task))
        functions.append(
            DerivedFunction(path=fn.path, qualname=fn.qualname, line=fn.first_line, stem=stem)
        )
    record = DerivedRepo(path=repo, source=str(source), commit=sha, functions=functions)
    write_record(suite, record)
    return record


def refs(repo: Path) -> str:
    return git(repo, f"--git-dir={repo}", "for-each-ref", "--format=%(objectname) %(refname)")


def test_a_rebuild_from_the_record_gives_the_same_shas(tmp_path: Path) -> None:
    sha = make_source(tmp_path / "src")
    first = tmp_path / "first.git"
    record = derive_suite(tmp_path / "src", sha, first, tmp_path / "suite", repo="repos/x.git")
    assert load_derived(tmp_path / "suite" / "derived.yaml") == record
    again = tmp_path / "cache" / "synth" / "again.git"
    pairs = rebuild_derived(record, tmp_path / "src", again)
    assert sorted(pairs) == ["shapes-Square.area", "shapes-perimeter"]
    assert refs(again) == refs(first)
    assert all(has_commit(again, s) for pair in pairs.values() for s in pair)
    assert [p.name for p in again.parent.iterdir()] == ["again.git"]


def test_a_missing_function_fails_and_leaves_nothing(tmp_path: Path) -> None:
    sha = make_source(tmp_path / "src")
    gone = DerivedFunction(path="shapes.py", qualname="volume", line=3, stem="shapes-volume")
    record = DerivedRepo(path="repos/x.git", source="src", commit=sha, functions=[gone])
    dest = tmp_path / "cache" / "x.git"
    with pytest.raises(RepoError, match=r"shapes.py:3: no function volume at"):
        rebuild_derived(record, tmp_path / "src", dest)
    assert list(dest.parent.iterdir()) == []
    with pytest.raises(RepoError, match="no commit"):
        rebuild_derived(record.model_copy(update={"commit": "0" * 40}), tmp_path / "src", dest)


def test_an_existing_repository_is_not_overwritten(tmp_path: Path) -> None:
    sha = make_source(tmp_path / "src")
    record = derive_suite(
        tmp_path / "src", sha, tmp_path / "d.git", tmp_path / "suite", repo="repos/d.git"
    )
    with pytest.raises(RepoError, match="exists already"):
        rebuild_derived(record, tmp_path / "src", tmp_path / "d.git")


def test_synthesis_adds_to_the_record_of_the_same_source_only(tmp_path: Path) -> None:
    sha = make_source(tmp_path / "src")
    suite = tmp_path / "suite"
    record = derive_suite(tmp_path / "src", sha, tmp_path / "d.git", suite, repo="repos/d.git")
    had = recorded_functions(suite, "repos/d.git", str(tmp_path / "src"), sha)
    assert sorted(had) == sorted(f.stem for f in record.functions)
    assert recorded_functions(tmp_path, "repos/d.git", "src", sha) == {}
    with pytest.raises(ConfigError, match=r"derived\.yaml: records repos/d\.git from .*another"):
        recorded_functions(suite, "repos/d.git", "https://github.com/o/n", sha)
