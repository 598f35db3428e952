"""Patches: parsing and splitting (pure), applying, and a task's reference patches."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from tests.repo.conftest import CALC_BASE, CALC_FIX, TEST_FIX, Upstream, snapshot

from proctor.errors import PatchError, RepoError
from proctor.repo.checkout import diff_from_base, sealed_checkout
from proctor.repo.patch import (
    _gnu_patch,
    apply_patch,
    diff_commits,
    is_test_path,
    patch_difficulty,
    reference_patches,
    split_patch,
    touched_paths,
)
from proctor.spec.models import Difficulty, HiddenTests, Reference, Task

MODIFY = """\
diff --git a/src/pkg/calc.py b/src/pkg/calc.py
index 12ee743..4693ad3 100644
--- a/src/pkg/calc.py
+++ b/src/pkg/calc.py
@@ -1,2 +1,2 @@
 def add(a, b):
-    return a - b
+    return a + b
"""
NEW_TEST = """\
diff --git a/tests/test_new.py b/tests/test_new.py
new file mode 100644
index 0000000..1111111
--- /dev/null
+++ b/tests/test_new.py
@@ -0,0 +1,2 @@
+def test_new():
+    assert True
"""
DELETE = """\
diff --git a/docs/readme.txt b/docs/readme.txt
deleted file mode 100644
index 2222222..0000000
--- a/docs/readme.txt
+++ /dev/null
@@ -1 +0,0 @@
-docs
"""
RENAME = """\
diff --git a/old name.py b/src/new name.py
similarity index 100%
rename from old name.py
rename to src/new name.py
"""
BINARY = """\
diff --git a/img.bin b/img.bin
new file mode 100644
index 0000000..3333333
GIT binary patch
literal 3
KcmZQzWMT#Y01f~L

literal 0
HcmV?d00001

"""
QUOTED = """\
diff --git "a/caf\\303\\251 \\"x\\".txt" "b/caf\\303\\251 \\"x\\".txt"
new file mode 100644
index 0000000..4444444
--- /dev/null
+++ "b/caf\\303\\251 \\"x\\".txt"
@@ -0,0 +1 @@
+x
"""
SPACES = """\
diff --git a/my file.txt b/my file.txt
old mode 100644
new mode 100755
"""
PLAIN = """\
--- src/pkg/calc.py.orig\t2024-01-01 10:00:00.000000000 +0000
+++ src/pkg/calc.py\t2024-01-01 10:00:01.000000000 +0000
@@ -1,2 +1,2 @@
--- a line that starts with dashes
+++ a line that starts with pluses
 keep
--- docs/a.txt
+++ docs/a.txt
@@ -1 +1 @@
-a
+b
"""


def test_touched_paths() -> None:
    patch = MODIFY + NEW_TEST + DELETE + RENAME + BINARY + QUOTED + SPACES
    assert touched_paths(patch) == [
        "src/pkg/calc.py",
        "tests/test_new.py",
        "docs/readme.txt",
        "old name.py",
        "src/new name.py",
        "img.bin",
        'café "x".txt',
        "my file.txt",
    ]
    assert touched_paths(PLAIN) == ["pkg/calc.py.orig", "pkg/calc.py", "a.txt"]
    assert touched_paths("") == []
    assert touched_paths("just some prose\n") == []


def test_split_patch_is_byte_exact() -> None:
    preamble = "From abc Mon Sep 17 00:00:00 2001\nSubject: fix\n\n---\n"
    patch = preamble + MODIFY + NEW_TEST + BINARY + DELETE.replace("\n", "\r\n")
    tests, rest = split_patch(patch, is_test_path)
    assert tests == NEW_TEST
    assert rest == preamble + MODIFY + BINARY + DELETE.replace("\n", "\r\n")
    assert split_patch(patch, lambda path: True) == (patch, "")
    assert split_patch(PLAIN, lambda path: path == "a.txt") == (
        PLAIN[PLAIN.index("--- docs") :],
        PLAIN[: PLAIN.index("--- docs")],
    )
    assert split_patch(RENAME, lambda path: path.startswith("src/")) == ("", RENAME)


@pytest.mark.parametrize(
    ("path", "is_test"),
    [
        ("tests/test_calc.py", True),
        ("src/pkg/tests/helpers.py", True),
        ("test/data.json", True),
        ("testing/utils.py", True),
        ("src/test_utils.py", True),
        ("src/pkg/calc_test.py", True),
        ("conftest.py", True),
        ("src/pkg/calc.py", False),
        ("src/testsuite.py", False),
        ("tests", False),
        ("src/latest_x.py", False),
        ("docs/test_plan.md", False),
    ],
)
def test_is_test_path(path: str, is_test: bool) -> None:
    assert is_test_path(path) is is_test


@pytest.fixture
def checkout(upstream: Upstream, tmp_path: Path) -> Path:
    return sealed_checkout(upstream.path, upstream.base, tmp_path / "co")


def test_apply_patch(checkout: Path) -> None:
    apply_patch(checkout, MODIFY + NEW_TEST + DELETE)
    assert (checkout / "src/pkg/calc.py").read_text() == CALC_FIX
    assert (checkout / "tests/test_new.py").exists()
    assert not (checkout / "docs/readme.txt").exists()
    apply_patch(checkout, "")
    apply_patch(checkout, "  \n")


def test_apply_patch_without_final_newline(checkout: Path) -> None:
    apply_patch(checkout, MODIFY.rstrip("\n"))
    assert (checkout / "src/pkg/calc.py").read_text() == CALC_FIX


def test_failed_patch_leaves_the_tree_unchanged(checkout: Path) -> None:
    before = snapshot(checkout)
    broken = MODIFY.replace("return a - b", "return a * b") + NEW_TEST
    with pytest.raises(PatchError) as info:
        apply_patch(checkout, NEW_TEST + broken.replace(NEW_TEST, ""), label="model patch")
    assert str(info.value) == "model patch does not apply: src/pkg/calc.py:1"
    assert snapshot(checkout) == before
    with pytest.raises(PatchError, match=r"^gold does not apply: .*\S$") as info:
        apply_patch(checkout, "this is not a diff\n", label="gold")
    assert "\n" not in str(info.value)
    assert snapshot(checkout) == before


def test_apply_patch_tolerates_whitespace(checkout: Path) -> None:
    sloppy = MODIFY.replace(" def add(a, b):", " def add(a,  b):  ")
    apply_patch(checkout, sloppy)
    assert (checkout / "src/pkg/calc.py").read_text() == CALC_FIX


def test_apply_patch_recounts_bad_hunk_headers(checkout: Path) -> None:
    apply_patch(checkout, MODIFY.replace("@@ -1,2 +1,2 @@", "@@ -1,5 +1,7 @@"))
    assert (checkout / "src/pkg/calc.py").read_text() == CALC_FIX


@pytest.mark.skipif(_gnu_patch() is None, reason="GNU patch is not installed")
def test_apply_patch_falls_back_to_fuzz(checkout: Path) -> None:
    (checkout / "src/pkg/calc.py").write_text(
        "# header\n" + CALC_BASE + "\n\ndef sub():\n    pass\n"
    )
    fuzzy = MODIFY.replace("@@ -1,2 +1,2 @@\n def add", "@@ -1,3 +1,3 @@\n def add").replace(
        "+    return a + b\n", "+    return a + b\n \n"
    )
    fuzzy = fuzzy.replace(" \n", " # context that is not there\n")
    apply_patch(checkout, fuzzy)
    assert "return a + b" in (checkout / "src/pkg/calc.py").read_text()
    assert not list(checkout.rglob("*.orig")) and not list(checkout.rglob("*.rej"))


def test_diff_commits(upstream: Upstream) -> None:
    everything = diff_commits(upstream.path, upstream.base, upstream.fix)
    assert touched_paths(everything) == [
        "src/pkg/calc.py",
        "src/pkg/secret.py",
        "tests/test_calc.py",
        "tests/test_new.py",
    ]
    only = diff_commits(upstream.path, upstream.base, upstream.fix, ["tests/test_new.py"])
    assert touched_paths(only) == ["tests/test_new.py"]
    assert diff_commits(upstream.path, upstream.base, upstream.fix, []) == ""
    with pytest.raises(RepoError):
        diff_commits(upstream.path, upstream.base, "e" * 40)


def _task(upstream: Upstream, reference: Reference, hidden: HiddenTests) -> Task:
    return Task(
        id="widget-0001",
        repo=str(upstream.path),
        base_commit=upstream.base,
        created_at=datetime(2024, 1, 1),
        problem_statement="add() subtracts",
        reference=reference,
        hidden_tests=hidden,
    )


def test_reference_patches_from_a_commit(upstream: Upstream, tmp_path: Path) -> None:
    task = _task(
        upstream,
        Reference(commit=upstream.fix),
        HiddenTests(files=["tests/test_calc.py"], fail_to_pass=["tests/test_calc.py::test_add"]),
    )
    gold, tests = reference_patches(upstream.path, task)
    assert touched_paths(gold) == ["src/pkg/calc.py", "src/pkg/secret.py"]
    assert touched_paths(tests) == ["tests/test_calc.py"]
    checkout = sealed_checkout(upstream.path, upstream.base, tmp_path / "co")
    apply_patch(checkout, gold, label="gold")
    apply_patch(checkout, tests, label="tests")
    assert (checkout / "src/pkg/calc.py").read_text() == CALC_FIX
    assert (checkout / "tests/test_calc.py").read_text() == TEST_FIX
    assert not (checkout / "tests/test_new.py").exists()


def test_reference_patches_from_patches(upstream: Upstream, tmp_path: Path) -> None:
    checkout = sealed_checkout(upstream.path, upstream.base, tmp_path / "co")
    (checkout / "src/pkg/calc.py").write_text(CALC_FIX)
    (checkout / "tests/test_calc.py").write_text(TEST_FIX)
    (checkout / "src/pkg/tests").mkdir()
    (checkout / "src/pkg/tests/helper.py").write_text("H = 1\n")
    full = diff_from_base(checkout)
    hidden = split_patch(full, lambda path: path == "tests/test_calc.py")[0]
    task = _task(
        upstream, Reference(patch=full), HiddenTests(patch=hidden, fail_to_pass=["t::test_add"])
    )
    gold, tests = reference_patches(upstream.path, task)
    assert tests == hidden
    assert touched_paths(gold) == ["src/pkg/calc.py"]


def test_reference_patches_errors(upstream: Upstream) -> None:
    missing_file = _task(
        upstream,
        Reference(commit=upstream.fix),
        HiddenTests(files=["tests/test_gone.py"], fail_to_pass=["t"]),
    )
    with pytest.raises(RepoError, match=r"tests/test_gone\.py"):
        reference_patches(upstream.path, missing_file)
    missing_commit = _task(
        upstream,
        Reference(commit="d" * 40),
        HiddenTests(files=["tests/test_calc.py"], fail_to_pass=["t"]),
    )
    with pytest.raises(RepoError, match="no commit"):
        reference_patches(upstream.path, missing_commit)


def test_sections_survive_form_feeds_and_wrong_hunk_counts() -> None:
    feed = PLAIN.replace("--- a line that", "-\x0c--- a line that")
    assert touched_paths(feed) == ["pkg/calc.py.orig", "pkg/calc.py", "a.txt"]
    miscounted = PLAIN.replace("@@ -1,2 +1,2 @@", "@@ -1,9 +1,9 @@")
    kept, rest = split_patch(miscounted, lambda path: path == "a.txt")
    assert kept == miscounted[miscounted.index("--- docs") :]
    assert rest + kept == miscounted


MIXED = """\
diff --git a/CHANGES.rst b/CHANGES.rst
--- a/CHANGES.rst
+++ b/CHANGES.rst
@@ -1,1 +1,2 @@
+* Fixed mean.
 Changes
diff --git a/src/pkg/calc.py b/src/pkg/calc.py
--- a/src/pkg/calc.py
+++ b/src/pkg/calc.py
@@ -1,3 +1,3 @@
 def mean(xs):
---- a heading-like deleted line
+return sum(xs) / len(xs)
 # end
@@ -10,2 +10,3 @@
 x = 1
+y = 2
 z = 3
diff --git a/src/pkg/new.py b/src/pkg/new.py
new file mode 100644
--- /dev/null
+++ b/src/pkg/new.py
@@ -0,0 +1,2 @@
+def new():
+    return 1
diff --git a/tests/test_calc.py b/tests/test_calc.py
--- a/tests/test_calc.py
+++ b/tests/test_calc.py
@@ -1,1 +1,2 @@
+def test_mean(): pass
 import calc
"""


def test_difficulty_counts_source_files_hunks_and_lines_only() -> None:
    found = patch_difficulty(MIXED)
    assert (found.files, found.hunks, found.lines) == (2, 3, 5)


def test_difficulty_of_nothing_is_zero() -> None:
    assert patch_difficulty("") == Difficulty(files=0, hunks=0, lines=0)
    assert patch_difficulty(MODIFY).files == 1


def _one_file(path: str, removed: list[str], added: list[str]) -> str:
    body = "".join(f"-{line}\n" for line in removed) + "".join(f"+{line}\n" for line in added)
    return (
        f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n"
        f"@@ -1,{len(removed)} +1,{len(added)} @@\n{body}"
    )


def test_a_file_changed_only_in_whitespace_comments_or_version_is_not_counted() -> None:
    reformat = _one_file("src/pkg/a.py", ["x = f(1,2)"], ["x = f(", "    1, 2", ")"])
    comment = _one_file("src/pkg/b.py", ["# old words"], ["# new words"])
    bump = _one_file("src/pkg/__init__.py", ['__version__ = "1.0"'], ['__version__ = "1.1"'])
    code = _one_file("src/pkg/c.py", ["x = 1"], ["x = 2"])
    assert patch_difficulty(reformat + comment + bump).files == 0
    found = patch_difficulty(reformat + comment + bump + code)
    assert (found.files, found.hunks, found.lines) == (1, 1, 2)


def test_touched_lines_are_the_old_files_hunk_ranges() -> None:
    from proctor.repo import touched_lines

    patch = (
        "diff --git a/pkg/a.py b/pkg/a.py\n--- a/pkg/a.py\n+++ b/pkg/a.py\n"
        "@@ -3,4 +3,5 @@ def f():\n a\n-b\n+c\n+d\n e\n f\n"
        "@@ -20 +21 @@\n-x\n+y\n"
        "@@ -30,0 +31,2 @@\n+p\n+q\n"
        "diff --git a/pkg/new.py b/pkg/new.py\nnew file mode 100644\n--- /dev/null\n"
        "+++ b/pkg/new.py\n@@ -0,0 +1 @@\n+z\n"
    )
    assert touched_lines(patch) == {"pkg/a.py": [(3, 6), (20, 20), (30, 30)], "pkg/new.py": []}
