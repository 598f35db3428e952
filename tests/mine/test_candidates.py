"""Candidate extraction: parsing ``git log --numstat`` and screening commits (pure)."""

from __future__ import annotations

import pytest

from proctor.mine.candidates import (
    Commit,
    FileChange,
    Kind,
    classify,
    matches,
    parse_log,
    screen,
    screen_commit,
    window,
)
from proctor.mine.options import MineOptions

# Captured from git 2.39 (`git log --first-parent --diff-merges=first-parent --no-renames
# --numstat -z --format=LOG_FORMAT`): a binary file, a name with a backslash, a root commit.
CAPTURED = (
    "\x1e735a0ec000553a90bbabda2670734fd4671415e1\x00844c009972e9ffe36cb00d02fbcc894ebb925d88"
    "\x002024-01-02T01:00:00+01:00\x00Change\n\nbody line\n\x00\x00\n-\t-\tblob.bin\x00"
    "1\t0\ttests/test_x.py\x001\t0\twe ird\\tname.py\x00"
    "\x1e844c009972e9ffe36cb00d02fbcc894ebb925d88\x00\x002024-01-01T01:00:00+01:00\x00"
    "Add things\n\x00\x00\n-\t-\tblob.bin\x001\t0\twe ird\\tname.py\x00"
)

OPTS = MineOptions()


def commit(*files: tuple[str, int | None, int | None], parents: int = 1) -> Commit:
    return Commit(
        "c" * 40,
        tuple("p" * 39 + str(i) for i in range(parents)),
        "2024-01-01T00:00:00+00:00",
        "Fix a thing",
        tuple(FileChange(p, a, d) for p, a, d in files),
    )


def test_parse_log_reads_captured_output() -> None:
    first, root = parse_log(CAPTURED)
    assert first.sha == "735a0ec000553a90bbabda2670734fd4671415e1"
    assert first.parents == ("844c009972e9ffe36cb00d02fbcc894ebb925d88",)
    assert first.base == first.parents[0]
    assert first.date == "2024-01-02T01:00:00+01:00"
    assert first.message == "Change\n\nbody line"
    assert first.subject == "Change"
    assert first.files == (
        FileChange("blob.bin", None, None),
        FileChange("tests/test_x.py", 1, 0),
        FileChange("we ird\\tname.py", 1, 0),
    )
    assert first.files[0].binary and first.files[0].lines == 0
    assert root.parents == () and root.base is None


def test_parse_log_of_nothing_is_empty() -> None:
    assert parse_log("") == []


def test_a_merge_is_based_on_its_first_parent() -> None:
    merge = commit(("a.py", 1, 1), parents=2)
    assert merge.is_merge and merge.base == merge.parents[0]


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("tests/test_calc.py", Kind.TEST),
        ("tests/data/input.json", Kind.TEST),
        ("pkg/test_util.py", Kind.TEST),
        ("conftest.py", Kind.TEST),
        ("pkg/calc.py", Kind.SOURCE),
        ("README.md", Kind.DOC),
        ("docs/conf.py", Kind.DOC),
        ("CHANGES", Kind.DOC),
        ("setup.cfg", Kind.OTHER),
    ],
)
def test_classify(path: str, kind: Kind) -> None:
    assert classify(path, OPTS) is kind


def test_globs_match_names_or_whole_paths() -> None:
    assert matches("a/b/c.py", ["*.py"])
    assert matches("src/a/b.py", ["src/*.py"])
    assert not matches("lib/a.py", ["src/*.py"])
    opts = MineOptions(src_globs=["src/*.py"], test_globs=["checks/*"], doc_globs=[])
    assert classify("lib/a.py", opts) is Kind.OTHER
    assert classify("checks/x.py", opts) is Kind.TEST
    assert classify("README.md", opts) is Kind.OTHER


@pytest.mark.parametrize(
    ("files", "parents", "reason"),
    [
        ([("a.py", 1, 0), ("tests/test_a.py", 1, 0)], 0, "root commit"),
        ([], 1, "no file changes"),
        (
            [("a.py", 1, 0), ("tests/test_a.py", 1, 0), ("logo.png", None, None)],
            1,
            "binary change: logo.png",
        ),
        ([("README.md", 3, 1), ("CHANGES.rst", 2, 0)], 1, "docs or changelog only"),
        ([("a.py", 1, 0), ("CHANGES.rst", 2, 0)], 1, "no test change"),
        ([("tests/test_a.py", 1, 0), ("CHANGES.rst", 2, 0)], 1, "no source change"),
        ([("tests/test_a.py", 1, 0), ("setup.cfg", 2, 0)], 1, "no source change"),
        (
            [*((f"m{i}.py", 1, 0) for i in range(7)), ("tests/test_a.py", 1, 0)],
            1,
            "too many files: 7 > 6",
        ),
        ([("a.py", 200, 101), ("tests/test_a.py", 900, 0)], 1, "too many lines: 301 > 300"),
        ([("a.py", 1, 0), ("tests/test_a.py", 1, 0)], 1, None),
        ([("a.py", 1, 0), ("README.md", 1, 0), ("tests/test_a.py", 1, 0)], 1, None),
    ],
)
def test_screen_reasons(
    files: list[tuple[str, int | None, int | None]], parents: int, reason: str | None
) -> None:
    assert screen_commit(commit(*files, parents=parents), OPTS).reason == reason


def test_size_caps_and_single_file_are_options() -> None:
    two = commit(("a.py", 10, 0), ("b.py", 10, 0), ("tests/test_a.py", 1, 0))
    assert screen_commit(two, OPTS).reason is None
    assert screen_commit(two, MineOptions(max_files=1)).reason == "too many files: 2 > 1"
    assert screen_commit(two, MineOptions(max_lines=19)).reason == "too many lines: 20 > 19"
    single = MineOptions(single_file=True)
    assert screen_commit(two, single).reason == "not a single-file fix: 2 files"
    one = commit(("a.py", 10, 0), ("tests/test_a.py", 1, 0), ("NEWS", 1, 0))
    assert screen_commit(one, single).reason is None
    multi = MineOptions(min_files=2)
    assert screen_commit(two, multi).reason is None
    assert screen_commit(one, multi).reason == "fewer source files than 2: 1"


def test_screened_lists_tests_and_sources() -> None:
    got = screen_commit(commit(("a.py", 1, 0), ("tests/test_a.py", 1, 0), ("x.cfg", 1, 0)), OPTS)
    assert got.tests == ("tests/test_a.py",) and got.sources == ("a.py",)


def test_window_takes_the_first_candidates() -> None:
    good = commit(("a.py", 1, 0), ("tests/test_a.py", 1, 0))
    bad = commit(("a.py", 1, 0))
    screened = screen([good, bad, good, good], OPTS)
    assert len(window(screened, None)) == 3
    assert [s.reason for s in window(screened, 2)] == [None, None]
