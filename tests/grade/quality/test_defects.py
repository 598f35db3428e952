"""Review defects injected into a reference fix: each is caught by the finding meant for it,
and the clean reference fix is not flagged. Repositories are built at test time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from proctor.grade.quality import QualityReport, grade_quality
from proctor.grade.quality.defects import (
    CAUGHT_BY,
    DEFECT_KINDS,
    Defect,
    caught,
    inject,
    inject_all,
)
from proctor.repo import file_sections, parse_file_diff, rediff, text_after, touched_paths

MakeRepo = Callable[..., Any]

PYPROJECT = '[project]\nname = "pkg"\ndependencies = [\n    "attrs>=21",\n]\n'
TEST_FILE = "import pytest\n\n\ndef test_value():\n    assert True\n"
FIXED = '    y = str(x)\n    return "v0" + y\n'


def _header(rel: str) -> str:
    return f"diff --git a/{rel} b/{rel}\n--- a/{rel}\n+++ b/{rel}\n"


@pytest.fixture
def fixed_repo(make_repo: MakeRepo, module_text: Callable[..., str]) -> tuple[Any, str]:
    """A package of 12 documented, annotated modules, a test file and a pyproject; and a
    reference fix of ``pkg/m0.py`` (a patch)."""
    files = {f"pkg/m{i}.py": module_text(12) for i in range(12)}
    files.update(
        {"pkg/__init__.py": "", "tests/test_m0.py": TEST_FILE, "pyproject.toml": PYPROJECT}
    )
    repo = make_repo(files)
    old = repo.read("pkg/m0.py")
    new = old.replace('    return "v0"\n', FIXED, 1)
    return repo, rediff(_header("pkg/m0.py"), old, new)


def _grade(repo: Any, patch: str, reference: str) -> QualityReport:
    edits: dict[str, str | None] = {}
    for paths, section in file_sections(patch):
        rel = paths[0]
        base = repo.read(rel) if (repo.root / rel).exists() else ""
        after = text_after(base, parse_file_diff(section))
        assert after is not None, f"the defected patch does not apply to {rel}"
        edits[rel] = after
    base_texts, after_texts = repo.change(edits)
    return grade_quality(
        repo.root, base_texts, after_texts, reference_paths=touched_paths(reference)
    )


def test_the_reference_fix_is_clean(fixed_repo: tuple[Any, str]) -> None:
    repo, reference = fixed_repo
    report = _grade(repo, reference, reference)
    assert report.clean and report.deciding == []


@pytest.mark.parametrize("kind", DEFECT_KINDS)
def test_each_injected_defect_is_caught_by_its_finding(
    fixed_repo: tuple[Any, str], kind: str
) -> None:
    repo, reference = fixed_repo
    defect = inject(kind, reference, repo.root)
    assert isinstance(defect, Defect) and defect.kind == kind
    assert defect.patch != reference
    report = _grade(repo, defect.patch, reference)
    assert not report.clean
    assert caught(kind, report.deciding), [f.rule for f in report.deciding]
    # Nothing else is found, but a file outside the fix (pyproject.toml) for a new dependency.
    others = {k for k in DEFECT_KINDS if CAUGHT_BY[k] != CAUGHT_BY[kind]}
    also = {"unrelated_file"} if kind == "dependency" else set()
    assert {k for k in others if caught(k, report.deciding)} == also


def test_injection_is_deterministic_and_keeps_the_fix(fixed_repo: tuple[Any, str]) -> None:
    repo, reference = fixed_repo
    first = inject_all(reference, repo.root)
    assert [d.kind for d in first] == list(DEFECT_KINDS)
    assert first == inject_all(reference, repo.root)
    for defect in first:
        assert "+    y = str(x)" in defect.patch or "try:" in defect.patch, defect.kind


def test_kinds_that_do_not_apply_give_none(make_repo: MakeRepo) -> None:
    repo = make_repo({"README.md": "old\n", "pkg/a.py": "x = 1\n"})
    reference = rediff(_header("README.md"), "old\n", "new\n")
    assert inject("debug_print", reference, repo.root) is None  # no Python file changed
    assert inject("dependency", reference, repo.root) is None  # nowhere to declare one
    assert inject("test_edit", reference, repo.root) is None  # no test file
    assert inject("naming", reference, repo.root) is None


def test_no_naming_defect_without_a_naming_norm(make_repo: MakeRepo) -> None:
    repo = make_repo({"pkg/a.py": "def f(x):\n    return x\n"})  # one sample: no norm
    reference = rediff(_header("pkg/a.py"), repo.read("pkg/a.py"), "def f(x):\n    return 2\n")
    assert inject("naming", reference, repo.root) is None
    assert inject("debug_print", reference, repo.root) is not None
