"""Suite counts from tasks in memory."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rich.console import Console

from proctor.report import is_weak, suite_stats, suite_stats_table, task_strength
from proctor.report.suite_stats import repo_label
from proctor.spec import Task


def task(n: int, repo: str, created: str, files: int | None = None, **extra: Any) -> Task:
    size = None if files is None else {"files": files, "hunks": files, "lines": 2 * files}
    return Task.model_validate(
        {
            "id": f"t-{n}",
            "repo": repo,
            "base_commit": "a" * 40,
            "created_at": created,
            "problem_statement": " ".join(["word"] * (n + 1)),
            "reference": {"commit": "b" * 40},
            "hidden_tests": {"files": ["tests/test_x.py"], "fail_to_pass": ["tests/test_x.py::t"]},
            "difficulty": size,
            **extra,
        }
    )


TASKS = [
    task(1, "https://github.com/o/a", "2023-12-31T23:00:00Z", 1, category="bug"),
    task(2, "https://github.com/o/a.git", "2024-01-01T00:00:00Z", 2, category="bug"),
    task(3, "/home/me/repos/b", "2025-05-31T12:00:00+02:00", 5, category="feature"),
    task(4, "https://github.com/o/a", "2025-06-01T00:00:00Z"),
]


def test_counts_by_repo_category_band_and_files() -> None:
    stats = suite_stats(TASKS)
    assert stats.tasks == 4
    assert stats.by_repo == {"o/a": 3, "b": 1}
    assert stats.by_category == {"bug": 2, "feature": 1, "unknown": 1}
    assert stats.by_date == {
        "< 2024-01-01": 1,
        "2024-01-01 .. 2025-06-01": 2,
        ">= 2025-06-01": 1,
    }
    assert stats.by_files == {"1": 1, "2": 1, "3+": 1, "unknown": 1}
    assert stats.multi_file == 2
    assert stats.statement_words is not None
    assert (stats.statement_words.median, stats.statement_words.min) == (3.5, 2)
    assert stats.statement_words.max == 5
    assert (stats.strength_measured, stats.strength_mean) == (0, None)


def test_json_shape() -> None:
    data = json.loads(json.dumps(suite_stats(TASKS).to_json()))
    assert set(data) == {
        "tasks",
        "by_repo",
        "by_category",
        "by_date",
        "by_files",
        "multi_file",
        "statement_words",
        "strength",
    }
    assert data["statement_words"] == {"median": 3.5, "min": 2, "max": 5}
    assert data["strength"] == {"measured": 0, "mean": None, "no_mutants": 0, "weak": []}


def test_empty_suite() -> None:
    stats = suite_stats([])
    assert stats.tasks == 0 and stats.statement_words is None and stats.by_repo == {}


def test_table_says_strength_is_not_measured() -> None:
    console = Console(width=120, record=True)
    console.print(suite_stats_table(suite_stats(TASKS)))
    text = console.export_text()
    assert "not measured" in text and "repository: o/a" in text and "3 task(s)" not in text
    assert "weak" not in text


def strong(mutants: int, caught: int) -> dict[str, object]:
    survived = [f"drop-hunk x.py:{i}: hunk left out" for i in range(mutants - caught)]
    return {"mutants": mutants, "caught": caught, "survived": survived}


MEASURED = [
    task(1, "https://github.com/o/a", "2024-02-01T00:00:00Z", strength=strong(4, 4)),
    task(2, "https://github.com/o/a", "2024-02-01T00:00:00Z", strength=strong(6, 1)),
    task(3, "https://github.com/o/a", "2024-02-01T00:00:00Z", strength=strong(4, 2)),
    task(4, "https://github.com/o/a", "2024-02-01T00:00:00Z", strength=strong(0, 0)),
    task(5, "https://github.com/o/a", "2024-02-01T00:00:00Z"),
]


def test_strength_is_the_share_caught_and_below_half_is_weak() -> None:
    assert [task_strength(t) for t in MEASURED] == [1.0, 1 / 6, 0.5, None, None]
    assert [is_weak(t) for t in MEASURED] == [False, True, False, False, False]
    stats = suite_stats(MEASURED)
    assert stats.strength_measured == 4 and stats.strength_no_mutants == 1
    assert stats.strength_mean == pytest.approx((1 + 1 / 6 + 0.5) / 3)
    assert stats.weak == ["t-2"]
    data = json.loads(json.dumps(stats.to_json()))["strength"]
    assert data == {"measured": 4, "mean": stats.strength_mean, "no_mutants": 1, "weak": ["t-2"]}


def test_table_shows_the_mean_the_unmutated_and_the_weak() -> None:
    console = Console(width=200, record=True)
    console.print(suite_stats_table(suite_stats(MEASURED)))
    text = console.export_text()
    assert "mean 0.56 of mutants caught over 3 task(s); 1 with no mutants; 1 not measured" in text
    assert "weak (< 0.5 caught)" in text and "1: t-2" in text
    console = Console(width=200, record=True)
    console.print(suite_stats_table(suite_stats(MEASURED[3:4])))
    text = console.export_text()
    assert "1 with no mutants" in text and "mean" not in text


def test_repo_label() -> None:
    assert repo_label("https://github.com/o/a.git") == "o/a"
    assert repo_label("file:///srv/git/thing.git") == "thing"
    assert repo_label("repos/synth/calc.git/") == "calc"
